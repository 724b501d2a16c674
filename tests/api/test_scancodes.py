"""A scanner on the wrong keyboard layout still finds the code it read.

The proof does not reuse the module's tables: it models the two keyboards key by key
(which character each physical key gives, with and without Shift), "types" every code
character as a scanner of one layout would, reads the keys with the other layout, and
checks that ``normalise_scan`` gets the code back.
"""
import string

import pytest

from warehouse.core.scancodes import candidates, is_code_form, normalise_scan

# Physical keys of the main block, by their US name, and what each layout types on them:
# (without Shift, with Shift).
US = {
    **{d: (d, s) for d, s in zip("1234567890", "!@#$%^&*()")},
    "-": ("-", "_"), "=": ("=", "+"), ";": (";", ":"), ",": (",", "<"), ".": (".", ">"),
    "/": ("/", "?"), "'": ("'", '"'), "[": ("[", "{"), "]": ("]", "}"),
    **{c.lower(): (c.lower(), c) for c in string.ascii_uppercase},
}
AZERTY = {  # French AZERTY (Windows and Linux), keys named by their US position
    **{d: (a, d) for d, a in zip("1234567890", "&é\"'(-è_çà")},
    "-": (")", "°"), "=": ("=", "+"), ";": ("m", "M"), ",": (";", "."), ".": (":", "/"),
    "/": ("!", "§"), "'": ("ù", "%"), "[": ("^", "¨"), "]": ("$", "£"),
    **{c.lower(): (c.lower(), c) for c in string.ascii_uppercase
       if c not in "AQZWM"},
    "q": ("a", "A"), "a": ("q", "Q"), "w": ("z", "Z"), "z": ("w", "W"), "m": (",", "?"),
}
# Every character our codes use: kind letters, digits, dashes in location names, system
# locations (VORG3, VDONOR...). All capital letters, to be safe.
CODE_CHARACTERS = string.ascii_uppercase + string.digits + "-"
# A code of each kind: box, location, item, request, EAN-13, EAN-8, UPC-A, system location,
# location named with dashes.
EVERY_KIND_OF_CODE = ["B00123", "L00012", "P00045", "R00007", "3760012345014", "76001239",
                      "036000291452", "VORG3", "A-01-2"]
LAYOUT_MIXES = [(US, AZERTY), (AZERTY, US)]


def keystrokes(text: str, layout: dict) -> list[tuple[str, bool]]:
    """The keys (and Shift) a scanner set to ``layout`` presses to type ``text``."""
    where = {}
    for key, (plain, shifted) in layout.items():
        where.setdefault(plain, (key, False))
        where.setdefault(shifted, (key, True))
    return [where[char] for char in text]


def typed(text: str, scanner: dict, computer: dict) -> str:
    """What the computer reads when a ``scanner``-layout scanner types ``text``."""
    return "".join(computer[key][shift] for key, shift in keystrokes(text, scanner))


def code_with(char: str) -> str:
    """A code of one of our forms that uses ``char``."""
    if char.isdigit():
        return f"B0012{char}"
    if char == "-":
        return "A-01-2"
    return f"{char}-0{char}"


@pytest.mark.parametrize("char", list(CODE_CHARACTERS))
@pytest.mark.parametrize("scanner, computer", LAYOUT_MIXES,
                         ids=["us-scanner-azerty-computer", "azerty-scanner-us-computer"])
def test_each_character_our_codes_use_is_recovered_from_a_scanner_on_the_other_layout(
        char, scanner, computer):
    code = code_with(char)
    assert is_code_form(code)
    mangled = typed(code, scanner, computer)
    assert normalise_scan(mangled) == code, (code, mangled)


@pytest.mark.parametrize("code", EVERY_KIND_OF_CODE)
@pytest.mark.parametrize("scanner, computer", LAYOUT_MIXES,
                         ids=["us-scanner-azerty-computer", "azerty-scanner-us-computer"])
def test_every_kind_of_code_comes_back_first_from_either_mix_of_layouts(code, scanner,
                                                                       computer):
    mangled = typed(code, scanner, computer)
    assert mangled != code
    assert normalise_scan(mangled) == code


def test_the_classic_azerty_mangling_of_a_box_code_is_undone():
    assert normalise_scan('Bàà&é"') == "B00123"
    assert normalise_scan("Bàà&é\"\n") == "B00123"
    assert normalise_scan("B))!@#") == "B00123"


@pytest.mark.parametrize("code", ["B00123", "L00012", "3760012345014", "VORG3", "QA-01"])
def test_a_text_that_is_already_a_code_is_left_alone(code):
    assert normalise_scan(code) == code
    assert candidates(code)[0] == code


def test_a_text_that_is_a_code_either_way_offers_both_readings_the_typed_one_first():
    # VADJUST from a US scanner on AZERTY reads VQDJUST, itself a code form: the look-up
    # tries both against what exists.
    mangled = typed("VADJUST", US, AZERTY)
    assert candidates(mangled) == ["VQDJUST", "VADJUST"]


def test_scanned_text_is_trimmed_and_put_in_capitals():
    assert normalise_scan("  b00123\r\n") == "B00123"
    assert normalise_scan("\tl00012 ") == "L00012"


def test_text_that_is_no_code_in_any_layout_comes_back_as_typed_in_capitals():
    assert normalise_scan("hello") == "HELLO"
    assert candidates("") == []
    assert normalise_scan("") == ""
