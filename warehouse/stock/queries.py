"""Read side of stock: used by pages, the API, PDFs, exports and the CLI alike."""
from dataclasses import dataclass

from sqlalchemy import func, literal, or_, select, union_all

from warehouse.catalogue.models import Category, Item
from warehouse.extensions import db
from warehouse.stock.models import (
    TRACKED_KINDS,
    Box,
    Location,
    LocationKind,
    Movement,
    Reservation,
    Site,
    StockLevel,
)


@dataclass(frozen=True, slots=True)
class SiteItemStock:
    site_id: int
    site_name: str
    category_id: int
    category: str
    item_id: int
    item_code: str
    item: str
    unit: str
    on_hand: int
    minimum_level: int

    @property
    def below_minimum(self) -> bool:
        return self.on_hand < self.minimum_level


def stock_by_site(site_id: int | None = None) -> list[SiteItemStock]:
    """On-hand stock per site and item, from the maintained levels, in display order.

    Reads ``stock_level`` only (never the ledger), so it costs the same with ten thousand
    movements or ten million.
    """
    on_hand = func.sum(StockLevel.quantity).label("on_hand")
    query = (
        select(Site.id, Site.name, Category.id, Category.name, Category.name_fr,
               Item, on_hand)
        .join(Location, Location.site_id == Site.id)
        .join(StockLevel, StockLevel.location_id == Location.id)
        .join(Item, Item.id == StockLevel.item_id)
        .join(Category, Category.id == Item.category_id)
        .where(Location.kind == LocationKind.INTERNAL, StockLevel.quantity > 0)
        .group_by(Site.id, Site.name, Category.id, Category.name, Category.name_fr,
                  Category.position, Item.id)
        .order_by(Site.name, Category.position, Category.name, Item.name, Item.size)
    )
    if site_id is not None:
        query = query.where(Site.id == site_id)
    rows = []
    for site_id_, site_name, category_id, category, category_fr, item, quantity in \
            db.session.execute(query):
        rows.append(SiteItemStock(
            site_id=site_id_, site_name=site_name, category_id=category_id,
            category=Category(name=category, name_fr=category_fr).display_name,
            item_id=item.id, item_code=item.code, item=item.display_name,
            unit=item.unit.value, on_hand=int(quantity), minimum_level=item.minimum_level))
    return rows


@dataclass(frozen=True, slots=True)
class LevelDifference:
    location_id: int
    location: str
    item_id: int
    item: str
    recorded: int
    ledger: int


def ledger_balances():
    """Per tracked (location, item): what every movement ever posted adds up to."""
    incoming = select(Movement.to_location_id.label("location_id"), Movement.item_id,
                      Movement.quantity.label("change"))
    outgoing = select(Movement.from_location_id, Movement.item_id,
                      (literal(0) - Movement.quantity))
    lines = union_all(incoming, outgoing).subquery()
    return (
        select(lines.c.location_id, lines.c.item_id, func.sum(lines.c.change).label("total"))
        .join(Location, Location.id == lines.c.location_id)
        .where(Location.kind.in_(TRACKED_KINDS))
        .group_by(lines.c.location_id, lines.c.item_id)
    )


def stock_differences() -> list[LevelDifference]:
    """Every tracked (location, item) whose stored level differs from the ledger's sum."""
    ledger = {(r.location_id, r.item_id): int(r.total)
              for r in db.session.execute(ledger_balances())}
    recorded = {(level.location_id, level.item_id): level.quantity
                for level in db.session.scalars(select(StockLevel))}
    keys = sorted(k for k in ledger.keys() | recorded.keys()
                  if ledger.get(k, 0) != recorded.get(k, 0))
    if not keys:
        return []
    locations = {loc.id: loc.name for loc in db.session.scalars(
        select(Location).where(Location.id.in_({k[0] for k in keys})))}
    items = {item.id: item.display_name for item in db.session.scalars(
        select(Item).where(Item.id.in_({k[1] for k in keys})))}
    return [LevelDifference(location_id, locations[location_id], item_id, items[item_id],
                            recorded.get((location_id, item_id), 0),
                            ledger.get((location_id, item_id), 0))
            for location_id, item_id in keys]


@dataclass(frozen=True, slots=True)
class BoxDifference:
    box_id: int
    box: str
    recorded: int
    ledger: int


def box_differences() -> list[BoxDifference]:
    """Every box whose stored quantity differs from what the ledger put in and took out.

    A line with the same box on both sides moves the whole box and changes nothing in it.
    """
    into = (select(Movement.to_box_id.label("box_id"), Movement.quantity.label("change"))
            .where(Movement.to_box_id.is_not(None),
                   or_(Movement.from_box_id.is_(None),
                       Movement.from_box_id != Movement.to_box_id)))
    out_of = (select(Movement.from_box_id, literal(0) - Movement.quantity)
              .where(Movement.from_box_id.is_not(None),
                     or_(Movement.to_box_id.is_(None),
                         Movement.from_box_id != Movement.to_box_id)))
    lines = union_all(into, out_of).subquery()
    ledger = dict(db.session.execute(
        select(lines.c.box_id, func.sum(lines.c.change)).group_by(lines.c.box_id)).all())
    differences = []
    for box in db.session.scalars(select(Box).order_by(Box.id)):
        expected = int(ledger.get(box.id) or 0)
        if expected != box.quantity:
            differences.append(BoxDifference(box.id, box.code, box.quantity, expected))
    return differences


def reserved_by_item(site_id: int) -> dict[int, int]:
    """Open reservations at a site, per item: stock promised but not yet dispatched."""
    rows = db.session.execute(
        select(Reservation.item_id, func.sum(Reservation.quantity))
        .where(Reservation.site_id == site_id, Reservation.released_at.is_(None))
        .group_by(Reservation.item_id))
    return {item_id: int(quantity) for item_id, quantity in rows}
