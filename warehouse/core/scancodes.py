"""Undo what a barcode scanner's keyboard layout did to a scanned code.

A handheld scanner is a keyboard: it "presses the keys" for each character of the code
as its own layout places them, and the computer reads those keys with *its* layout. When
the two differ the text comes out mangled, and French warehouses meet both cases:

- a scanner set to US (the factory setting) on a French AZERTY computer: the digit row
  gives ``&é"'(-è_çà`` for ``1234567890`` (digits need Shift on AZERTY), A and Q swap,
  Z and W swap, M comes out as ``?`` and ``-`` as ``)``. ``B00123`` reads ``Bàà&é"``;
- a scanner set to AZERTY on a US computer: it holds Shift for digits, so they come out
  as ``!@#$%^&*()``; A/Q and Z/W swap the same way, M comes out as ``:`` and ``-`` as
  ``6``. ``B00123`` reads ``B))!@#``.

Our codes use capital letters, digits and ``-`` (box, location and item codes such as
``B00123``, request codes ``R00012``, manufacturers' EAN-13/EAN-8/UPC-A numbers, system
locations such as ``VORG3``), so each layout's mapping below covers those characters and
nothing else. A raw text that is itself a valid code form is never remapped (``QA-01``
could be a real location); otherwise each mapping that could have produced the text is
tried, and the first result that is a code form wins.

The scan page's offline look-up undoes the same mix-ups with these very tables:
``keyboard_map()`` hands them to the page, and ``static/js/scan/scancodes.js`` applies
them as ``candidates`` does here. The code forms are therefore written in the regular
expression syntax Python and JavaScript share.
"""
import re

#: Code characters and what a US-layout scanner's keys type for them on an AZERTY
#: computer, inverted: mangled character -> code character.
US_SCANNER_ON_AZERTY = {
    "&": "1", "é": "2", '"': "3", "'": "4", "(": "5", "-": "6", "è": "7", "_": "8",
    "ç": "9", "à": "0",
    # Caps Lock on some systems (Linux, macOS) turns the accented keys into capitals; the
    # French Mac layout has § where the others have -.
    "É": "2", "È": "7", "Ç": "9", "À": "0", "§": "6",
    "Q": "A", "A": "Q", "W": "Z", "Z": "W", "q": "A", "a": "Q", "w": "Z", "z": "W",
    "?": "M", ")": "-",
}
#: The same for an AZERTY scanner on a US-layout computer.
AZERTY_SCANNER_ON_US = {
    "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8",
    "(": "9", ")": "0",
    "Q": "A", "A": "Q", "W": "Z", "Z": "W", "q": "A", "a": "Q", "w": "Z", "z": "W",
    ":": "M", ";": "M", "6": "-",
}
LAYOUTS = (US_SCANNER_ON_AZERTY, AZERTY_SCANNER_ON_US)

#: What our codes look like: a kind letter and digits (box, location, item, request), a
#: manufacturer's barcode (EAN-8, UPC-A, EAN-13; GTIN-14 on outer cartons), a system
#: location (``VORG3``, ``VDONOR``) or a location named with dashes (``A-01-2``).
CODE_FORMS = (
    re.compile(r"[BLPR]\d{5,7}"),
    re.compile(r"\d{8}|\d{12,14}"),
    re.compile(r"V[A-Z]{2,12}\d{0,6}"),
    re.compile(r"[A-Z0-9]{1,6}(-[A-Z0-9]{1,6}){1,3}"),
)
# Scanners end with Enter or Tab; people paste with spaces around.
_EDGES = " \t\r\n\x00"


def clean(text: str) -> str:
    return (text or "").strip(_EDGES).strip()


def is_code_form(text: str) -> bool:
    return any(form.fullmatch(text) for form in CODE_FORMS)


def could_come_from(text: str, layout: dict[str, str]) -> bool:
    """Whether a scanner of that mix of layouts can have typed ``text`` at all.

    A US scanner on an AZERTY computer never types a digit, and an AZERTY scanner on a US
    computer never types an accented letter: so ``Q6)Q`` is ``A-0A`` from the latter, not
    ``A6-A`` from the former.
    """
    return all(char in layout or (char.isascii() and char.isalpha()) for char in text)


def remap(text: str, layout: dict[str, str]) -> str:
    """``text`` with each character a scanner of the wrong layout mangles put back."""
    return "".join(layout.get(char, char) for char in text).upper()


def candidates(text: str) -> list[str]:
    """What a scanned text may stand for, most likely first (no duplicates).

    The text as typed (in capitals) comes first when it is a code form; then each
    layout's correction that gives a code form; then the text as typed anyway, for codes
    of other shapes (a location named by hand).
    """
    raw = clean(text)
    upper = raw.upper()
    found: list[str] = []
    if is_code_form(upper):
        found.append(upper)
    for layout in LAYOUTS:
        if not could_come_from(raw, layout):
            continue
        fixed = remap(raw, layout)
        if fixed != upper and is_code_form(fixed) and fixed not in found:
            found.append(fixed)
    if upper and upper not in found:
        found.append(upper)
    return found


def normalise_scan(text: str) -> str:
    """The code a scanned text stands for: see the module's description.

    >>> normalise_scan('Bàà&é"')
    'B00123'
    >>> normalise_scan('B))!@#')
    'B00123'
    >>> normalise_scan(' b00123\\n')
    'B00123'
    """
    found = candidates(text)
    return found[0] if found else ""


def keyboard_map() -> dict:
    """The layouts, the code forms and the edge characters, as the scan page's JSON."""
    return {"layouts": [dict(layout) for layout in LAYOUTS],
            "codeForms": [form.pattern for form in CODE_FORMS],
            "edges": _EDGES}
