"""Every word the scan page's script shows, in the reader's language.

The script cannot call gettext, so the page hands it these in a JSON data block. Strings
keep their ``%(name)s`` placeholders for the script to fill; plurals come as both forms
(one, many) and the script picks by the language's rule.
"""
from flask_babel import get_locale, get_translations


def _(message: str) -> str:
    """The translation, placeholders left in."""
    return get_translations().gettext(message)


def ngettext(singular: str, plural: str) -> list[str]:
    """Both forms of a plural, placeholders left in: [one, many]."""
    translations = get_translations()
    return [translations.ngettext(singular, plural, 1), translations.ngettext(singular, plural, 2)]


def _common() -> dict:
    return {
        "language": str(get_locale() or "en"),
        "ok": _("Done"),
        "error": _("Not done"),
        "network": _("No connection to the server. Check the wifi and scan again."),
        "queued": _("Saved on this tablet: it will be sent when the network is back."),
        "queuedShort": _("Saved, not sent yet"),
        "signedOut": _("You have been signed out. Sign in again, then scan again."),
        "serverError": _("The server could not record this. Nothing was saved; "
                         "scan again in a moment."),
    }


def page_strings() -> dict:
    """The scan page's words."""
    return _common() | {
        "prompt": {
            "lookup": _("Scan anything: a box, a place, an item or a pick list."),
            "move": _("Scan the boxes to move, then the place they go to."),
            "moveMore": ngettext("%(num)d box ready. Scan more boxes, or the place "
                                 "they go to.",
                                 "%(num)d boxes ready. Scan more boxes, or the place "
                                 "they go to."),
            "receive": _("Scan a blank box label."),
            "receiveForm": _("What goes into box %(code)s?"),
            "take": _("Scan a box to take from or top up."),
            "takeForm": _("How many, for box %(code)s?"),
            "pick": _("Choose a request below, or scan its pick list."),
            "pickScan": _("Scan each box you pick for request %(request)s."),
            "count": _("Scan the place you are counting."),
            "countScan": _("Counting %(location)s: scan every box there, then add "
                           "loose stock and finish."),
        },
        "kind": {
            "box": _("Box"), "blank_box": _("Blank box label"), "location": _("Place"),
            "item": _("Item"), "request": _("Request"),
        },
        "lookup": {
            "where": _("Where"), "quantity": _("How many"), "item": _("Item"),
            "condition": _("Condition"), "boxes": _("Boxes here"), "stock": _("Stock here"),
            "noBoxes": _("No boxes here."), "blank": _("Never used: receive stock into it."),
            "packOf": _("Pack of %(num)s"), "offline": _("From this tablet's list (%(age)s)"),
            "lines": _("Lines"),
        },
        "action": {
            "move": _("Move"), "take": _("Take out"), "top_up": _("Top up"),
            "fill": _("Receive into it"), "pick": _("Pick"), "count": _("Count this place"),
        },
        "undo": _("Undo"), "undone": _("Undone"),
        "recent": _("Your last scans"),
        "cancel": _("Cancel"), "clear": _("Start again"), "remove": _("Remove"),
        "save": _("Save"), "quantity": _("How many"), "notFound": _("Not found"),
        "wrongKind": {
            "move": _("This is not a box or a place. Scan a box, or the place the boxes go to."),
            "moveNoBoxes": _("Scan a box first, then the place it goes to."),
            "receive": _("This is not a blank box label. Scan a new, unused box label."),
            "receiveUsed": _("Box %(code)s is already in use. Scan a new, unused label, or "
                             "use Take out / top up."),
            "take": _("This is not a box. Scan the label of a box."),
            "pick": _("This is not a box of this request. Scan a box, or another pick list."),
            "count": _("This is not a place. Scan the label of the shelf or bay you count."),
            "countItem": _("Scan a box or an item here, or finish the count."),
        },
        "move": {
            "boxes": _("Boxes to move"), "already": _("Box %(code)s is already in the list."),
            "added": _("Added"),
        },
        "receive": {
            "item": _("Item"), "search": _("Type part of a name or a code"),
            "size": _("Size"), "anySize": _("No size"), "quantity": _("How many"),
            "condition": _("Condition"), "recent": _("Recent choices"),
            "save": _("Put into the box"), "chooseItem": _("Choose an item first."),
            "quantityMissing": _("Enter how many, a whole number above 0."),
            "noMatch": _("No item matches. Try fewer letters."),
            "packAdded": _("+%(num)s (one pack of %(item)s)"),
            "howManyPacks": _("How many packs of %(item)s?"),
        },
        "take": {
            "take": _("Take out"), "topUp": _("Top up"), "inBox": _("In the box now"),
            "quantityMissing": _("Enter how many, a whole number above 0."),
        },
        "pick": {
            "choose": _("Approved requests"), "none": _("No approved request to pick."),
            "requested": _("Asked"), "picked": _("Picked"), "left": _("Left"),
            "howMany": _("This box holds %(num)s. How many do you take for this request?"),
            "done": _("Everything is picked."), "other": _("Another request"),
            "neededBy": _("Needed by %(date)s"),
        },
        "count": {
            "finish": _("Finish the count"), "loose": _("Loose stock (not in a box)"),
            "looseItem": _("Item"), "looseQuantity": _("How many loose"),
            "looseSave": _("Add loose count"), "boxes": _("Boxes counted"),
            "differences": _("Differences"), "none": _("No differences: the count matches."),
            "found": ngettext("%(num)d difference found", "%(num)d differences found"),
            "expected": _("Expected"), "counted": _("Counted"),
            "missing_box": _("Box not found"), "found_box": _("Box not expected here"),
            "quantityDiff": _("Different quantity"),
            "approve": _("A manager approves these on the reconciliation page."),
            "openReconcile": _("Open the reconciliation page"),
            "boxQuantity": _("Box %(code)s: how many are in it?"),
            "confirmFinish": _("Finish counting %(location)s?"),
            "new": _("Count another place"),
            "choose": _("Or choose the place"),
            "boxCount": ngettext("%(num)d box", "%(num)d boxes"),
        },
        "camera": {
            "start": _("Camera"), "stop": _("Stop camera"),
            "denied": _("The camera is not allowed. Allow it in the browser's settings, "
                        "or use a scanner."),
            "insecure": _("The camera needs a secure (https) address. Use a scanner, or ask "
                          "the manager for the https address."),
            "none": _("No camera found on this device."),
            "unsupported": _("This browser cannot read barcodes with the camera."),
            "loading": _("Starting the camera…"),
        },
        "mangled": _("Scanner keyboard layout corrected (%(typed)s → %(code)s). "
                     "See the scanner test page to set it right."),
    }


def scanner_test_strings() -> dict:
    """The scanner test page's words."""
    return _common() | {
        "waiting": _("Scan any barcode into the field."),
        "typed": _("Typed"), "keys": _("Keys pressed"), "reconstructed": _("Read as"),
        "speed": _("Time between keys"), "ms": _("%(num)s ms on average"),
        "scanner": _("Fast: this is a scanner."),
        "human": _("Slow: this looks like typing by hand. A scanner types in under 35 ms "
                   "per key."),
        "titleFine": _("Read %(code)s: the scanner works."),
        "titleMangled": _("Read %(code)s after correcting it: the scanner's keyboard "
                          "language does not match the tablet's."),
        "fine": _("The scanner and the tablet agree: nothing to change."),
        "mangled": _("The scanner types as a US (QWERTY) keyboard, but this tablet uses "
                     "a French (AZERTY) one: digits come out as & é \" ' ( - è _ ç à. "
                     "The scan page corrects this by itself."),
        "fix": _("To fix it for good: scan the “Keyboard: French (AZERTY)” setup "
                 "barcode in the scanner's manual, or set the tablet's physical keyboard "
                 "layout to English (US)."),
        "noEnter": _("The scanner did not send Enter after the code. Scan the “Add Enter "
                     "suffix” (CR) setup barcode in its manual."),
        "enter": _("Enter received after the code: good."),
    }
