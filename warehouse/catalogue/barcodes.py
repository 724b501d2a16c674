"""Manufacturers' barcodes on items' packaging: EAN-13, EAN-8 and UPC-A.

Scanning one finds its item and how many of the item's unit the package holds, so a
volunteer scanning a pack of 24 nappies counts 24. A barcode names one item only.
"""
from flask_babel import gettext
from sqlalchemy import select

from warehouse.audit.services import record
from warehouse.catalogue.models import Item, ItemBarcode
from warehouse.core.errors import N_, DomainError
from warehouse.core.scancodes import normalise_scan
from warehouse.extensions import db

LENGTHS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13"}
MAX_PACK_QUANTITY = 10_000


class BarcodeError(DomainError):
    status = 400
    #: The form field the message belongs next to.
    field = "code"


class NotABarcode(BarcodeError):
    template = N_("“%(code)s” is not an EAN or UPC barcode: those have 8, 12 or 13 digits "
                  "and nothing else. Scan it again, or type the digits under the bars.")


class CheckDigitWrong(BarcodeError):
    template = N_("%(code)s is not a valid %(kind)s barcode: its last digit should be "
                  "%(expected)s. A digit was misread or mistyped; scan it again.")


class BarcodeTaken(BarcodeError):
    template = N_("%(code)s is already the barcode of %(item)s. If that is wrong, remove it "
                  "there first.")


class PackQuantityNotValid(BarcodeError):
    field = "pack_quantity"
    template = N_("The pack quantity is how many of the item one package holds: a whole "
                  "number from 1 to %(maximum)s.")


class UnknownBarcodeItem(BarcodeError):
    field = "item"
    template = N_("Choose the item this barcode is printed on.")


class BarcodeNotFound(DomainError):
    status = 404
    template = N_("This barcode does not exist any more.")


def check_digit(digits: str) -> int:
    """The GS1 check digit for ``digits`` (the code without its last digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def clean_barcode(text: str | None) -> str:
    """The digits of a typed or scanned EAN/UPC barcode, checked; raises a ``BarcodeError``."""
    raw = (text or "").strip()
    # Dashes go after the layout is undone: on AZERTY a scanned 6 arrives as "-".
    code = normalise_scan(raw.replace(" ", "")).replace("-", "")
    if not code.isdigit() or len(code) not in LENGTHS:
        raise NotABarcode(code=raw[:32])
    expected = check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise CheckDigitWrong(code=code, kind=LENGTHS[len(code)], expected=expected)
    return code


def same_product_codes(code: str) -> list[str]:
    """A UPC-A is the EAN-13 with a leading 0: both name the same package."""
    if len(code) == 12:
        return [code, "0" + code]
    if len(code) == 13 and code.startswith("0"):
        return [code, code[1:]]
    return [code]


def pack_quantity(value) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise PackQuantityNotValid(maximum=MAX_PACK_QUANTITY) from None
    if not 1 <= number <= MAX_PACK_QUANTITY:
        raise PackQuantityNotValid(maximum=MAX_PACK_QUANTITY)
    return number


def add_barcode(*, item_id: int | None, code: str, quantity, actor) -> ItemBarcode:
    """Record that ``code`` is printed on packages of ``quantity`` of the item."""
    item = db.session.get(Item, item_id) if item_id else None
    if item is None:
        raise UnknownBarcodeItem()
    code = clean_barcode(code)
    quantity = pack_quantity(quantity)
    taken = db.session.scalar(select(ItemBarcode).where(
        ItemBarcode.code.in_(same_product_codes(code))))
    if taken is not None:
        raise BarcodeTaken(code=code, item=taken.item.display_name)
    barcode = ItemBarcode(item_id=item.id, code=code, pack_quantity=quantity)
    db.session.add(barcode)
    db.session.flush()
    record(actor=actor, action="item_barcode.add", target=barcode,
           summary=gettext("Barcode %(code)s added to %(item)s (pack of %(quantity)s)",
                           code=code, item=item.display_name, quantity=quantity),
           item_id=item.id, code=code, pack_quantity=quantity)
    db.session.commit()
    return barcode


def remove_barcode(barcode_id: int, *, actor) -> ItemBarcode:
    barcode = db.session.get(ItemBarcode, barcode_id)
    if barcode is None:
        raise BarcodeNotFound()
    record(actor=actor, action="item_barcode.remove", target=barcode,
           summary=gettext("Barcode %(code)s removed from %(item)s", code=barcode.code,
                           item=barcode.item.display_name),
           item_id=barcode.item_id, code=barcode.code)
    db.session.delete(barcode)
    db.session.commit()
    return barcode


def barcodes(item_id: int | None = None) -> list[tuple[ItemBarcode, Item]]:
    statement = (select(ItemBarcode, Item).join(Item, Item.id == ItemBarcode.item_id)
                 .order_by(Item.name, Item.size, ItemBarcode.code))
    if item_id is not None:
        statement = statement.where(ItemBarcode.item_id == item_id)
    return [(barcode, item) for barcode, item in db.session.execute(statement)]
