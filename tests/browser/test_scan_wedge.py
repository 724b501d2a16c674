"""Keyboard-wedge scanners on the scan page: a scan is keys typed fast, then Enter.

A scanner set to a US layout on a French (AZERTY) tablet presses the keys of "B00101" but
the tablet types "Bàà&à&": the page rebuilds the code from the physical keys
(KeyboardEvent.code). Keys are sent through the DevTools protocol with ``key`` and ``code``
set as each layout produces them, as a real USB scanner's key presses arrive.
"""
import time

from playwright.sync_api import expect

from tests.browser.test_scan_modes import (  # noqa: F401  (fixtures)
    banner,
    choose_mode,
    expect_ok,
    page,
    sign_in,
    world,
)

SHIFT = 8
DIGITS = "1234567890"
AZERTY_DIGITS = "&é\"'(-è_çà"  # the same keys, unshifted, on a French layout


def us_scanner_on_azerty(char: str) -> dict:
    """What the tablet reports when a US-layout scanner sends ``char``."""
    if char in DIGITS:
        return {"key": AZERTY_DIGITS[DIGITS.index(char)], "code": f"Digit{char}", "shift": False}
    if char.isalpha():
        # A and Q, Z and W swap places on AZERTY: the key pressed is the US one.
        swapped = {"A": "Q", "Q": "A", "Z": "W", "W": "Z"}.get(char.upper(), char.upper())
        return {"key": swapped if char.isupper() else swapped.lower(),
                "code": f"Key{char.upper()}", "shift": char.isupper()}
    raise ValueError(char)


def us_keyboard(char: str) -> dict:
    if char in DIGITS:
        return {"key": char, "code": f"Digit{char}", "shift": False}
    return {"key": char, "code": f"Key{char.upper()}", "shift": char.isupper()}


def azerty_keyboard(char: str) -> dict:
    """A person (or a scanner set right) typing on the French tablet: Shift for digits."""
    if char in DIGITS:
        return {"key": char, "code": f"Digit{char}", "shift": True}
    swapped = {"A": "Q", "Q": "A", "Z": "W", "W": "Z"}.get(char.upper(), char.upper())
    return {"key": char, "code": f"Key{swapped}", "shift": char.isupper()}


def press(cdp, key: str, code: str, shift: bool = False, text: str | None = None,
          release: bool = True):
    """One key press as the tablet reports it. A scanner's burst skips the key-up events:
    the page reads key-downs only, and each round trip to the browser counts towards the
    35 ms between keys that tells a scanner from a person."""
    modifiers = SHIFT if shift else 0
    virtual = ord(code[-1]) if code.startswith(("Digit", "Key")) else 13
    cdp.send("Input.dispatchKeyEvent", {
        "type": "keyDown", "key": key, "code": code, "text": key if text is None else text,
        "unmodifiedText": key if text is None else text, "modifiers": modifiers,
        "windowsVirtualKeyCode": virtual, "nativeVirtualKeyCode": virtual})
    if not release:
        return
    cdp.send("Input.dispatchKeyEvent", {
        "type": "keyUp", "key": key, "code": code, "modifiers": modifiers,
        "windowsVirtualKeyCode": virtual, "nativeVirtualKeyCode": virtual})


def type_keys(page, code: str, layout, pause: float = 0.0):
    cdp = page.context.new_cdp_session(page)
    for char in code:
        key = layout(char)
        press(cdp, key["key"], key["code"], key["shift"], release=bool(pause))
        if pause:
            time.sleep(pause)
    press(cdp, "Enter", "Enter", text="\r")
    cdp.detach()


def test_a_us_scanner_on_a_french_tablet_reads_the_right_box(page, world, screenshot):
    sign_in(page, world.volunteer)
    choose_mode(page, "Look up")
    page.locator("#scan-field").focus()

    type_keys(page, "B00101", us_scanner_on_azerty)

    expect_ok(page, "20 × Blanket")
    expect(banner(page)).to_contain_text("Bàà&à& → B00101")
    expect(page.locator(".card-title")).to_have_text("B00101")
    screenshot("scan-en-wedge-azerty")


def test_a_us_scanner_on_a_us_tablet_and_a_french_scanner_on_a_french_tablet(page, world):
    sign_in(page, world.volunteer)
    choose_mode(page, "Look up")
    page.locator("#scan-field").focus()

    type_keys(page, "B00102", us_keyboard)
    expect_ok(page, "10 × Blanket")
    expect(banner(page)).not_to_contain_text("corrected")

    type_keys(page, "B00103", azerty_keyboard)
    expect_ok(page, "8 × T-shirt (M)")
    expect(banner(page)).not_to_contain_text("corrected")


def test_typing_a_code_by_hand_then_enter_works_too(page, world):
    sign_in(page, world.volunteer)
    choose_mode(page, "Look up")
    page.locator("#scan-field").focus()

    type_keys(page, "B00101", azerty_keyboard, pause=0.12)

    expect_ok(page, "20 × Blanket")


def test_a_scan_while_typing_a_quantity_is_a_scan_not_digits_in_the_quantity(page, world):
    sign_in(page, world.volunteer)
    choose_mode(page, "Take out / top up")
    page.locator("#scan-field").focus()
    type_keys(page, "B00101", us_keyboard)
    expect(page.locator("#take-quantity")).to_be_focused()
    page.keyboard.type("4", delay=80)
    page.wait_for_timeout(400)  # the volunteer picks up the scanner

    type_keys(page, "B00102", us_scanner_on_azerty)

    expect_ok(page, "10 × Blanket")
    expect(page.locator("#scan-prompt")).to_contain_text("B00102")
    expect(page.locator("#take-quantity")).to_have_value("")


def test_the_scanner_test_page_says_the_layout_is_mangled_and_how_to_fix_it(page, world,
                                                                              screenshot):
    sign_in(page, world.volunteer, path="/scan/scanner-test")
    # Keys typed before the page's script listens would be read without their timing.
    expect(page.locator("#test-field")).to_have_attribute("data-ready", "true")
    page.locator("#test-field").focus()

    type_keys(page, "B00101", us_scanner_on_azerty)

    verdict = page.locator("#test-verdict")
    expect(verdict).to_have_attribute("data-kind", "error")
    expect(verdict).to_contain_text("AZERTY")
    expect(page.locator("#test-typed")).to_have_text("Bàà&à&")
    expect(page.locator("#test-code")).to_have_text("B00101")
    expect(page.locator("#test-speed")).to_contain_text("scanner")
    screenshot("scan-en-scanner-test-mangled")

    type_keys(page, "B00101", us_keyboard)
    expect(verdict).to_have_attribute("data-kind", "ok")
    expect(verdict).to_contain_text("nothing to change")
    expect(verdict).to_contain_text("Read B00101: the scanner works.")
