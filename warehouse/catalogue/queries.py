"""Read side of the catalogue: items and the manufacturers' barcodes on their packages."""
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from warehouse.catalogue.models import Category, Item, ItemBarcode, item_display_name
from warehouse.extensions import db


def active_items() -> list[Item]:
    """Every active item with its category, by name."""
    return list(db.session.scalars(
        select(Item).join(Category).options(contains_eager(Item.category))
        .where(Item.active.is_(True)).order_by(Item.name, Item.size, Item.code)))


def barcodes_by_item(item_ids: list[int]) -> dict[int, list[ItemBarcode]]:
    """Each item's barcodes, by code."""
    found: dict[int, list[ItemBarcode]] = {}
    if not item_ids:
        return found
    for row in db.session.scalars(select(ItemBarcode).where(ItemBarcode.item_id.in_(item_ids))
                                  .order_by(ItemBarcode.code)):
        found.setdefault(row.item_id, []).append(row)
    return found


def item_by_code(code: str) -> Item | None:
    """The item whose own code (``P00045``) this is, exactly."""
    return db.session.scalar(select(Item).where(Item.code == code))


def ean_variants(code: str) -> list[str]:
    """A UPC-A is also read as the EAN-13 with a leading 0, and the other way round."""
    if not code.isdigit():
        return []
    variants = [code]
    if len(code) == 12:
        variants.append("0" + code)
    elif len(code) == 13 and code.startswith("0"):
        variants.append(code[1:])
    return variants


def barcode_read_as(code: str) -> ItemBarcode | None:
    """The barcode a scanner read as ``code`` (a UPC-A read as an EAN-13 too)."""
    for variant in ean_variants(code):
        barcode = db.session.scalar(select(ItemBarcode).where(ItemBarcode.code == variant))
        if barcode is not None:
            return barcode
    return None


def item_names() -> dict[int, str]:
    """Every item's name in the reader's language, by id."""
    return {item_id: item_display_name(name, name_fr, size) for item_id, name, name_fr, size
            in db.session.execute(select(Item.id, Item.name, Item.name_fr, Item.size))}


def active_item_codes() -> list[tuple[int, str]]:
    """(id, code) of every active item, by code."""
    return list(db.session.execute(
        select(Item.id, Item.code).where(Item.active.is_(True)).order_by(Item.code)).all())


def all_barcodes() -> list[tuple[str, int, int]]:
    """(code, item id, pack quantity) of every barcode, by code."""
    return list(db.session.execute(select(
        ItemBarcode.code, ItemBarcode.item_id, ItemBarcode.pack_quantity)
        .order_by(ItemBarcode.code)).all())
