"""Read side of intake: the donation list (page and CSV alike), a donation, loose stock.

A donation's lines are its receipt's movements out of the donor location, so what a
donation page or export says is what the ledger holds. The list reads the donations of
one page, then their lines in one query on ``movement.document_id`` (indexed), so its
cost does not grow with the ledger.
"""
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from warehouse.accounts.models import User
from warehouse.catalogue.models import Category, Item
from warehouse.core.clock import day_start
from warehouse.extensions import db
from warehouse.intake.models import Donation, DonorType, Priority
from warehouse.stock.models import Box, Document, Location, LocationKind, Movement, Site, StockLevel

PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class DonationFilters:
    """What the donation list is narrowed to. Dates are whole local days, both included."""

    date_from: date | None = None
    date_to: date | None = None
    item_id: int | None = None
    category_id: int | None = None
    donor_type: DonorType | None = None
    priority: Priority | None = None
    site_id: int | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class DonationItemLine:
    """What a donation brought of one item: how many, and in how many new boxes."""

    item_id: int
    item_code: str
    item: str
    category: str
    unit: str
    quantity: int
    boxes: int  # 0: all loose


@dataclass(slots=True)
class DonationRow:
    id: int
    received_at: datetime
    site: str
    intake_location: str
    donor_type: DonorType
    donor_name: str | None
    origin: str | None
    priority: Priority
    condition: str
    note: str | None
    #: Why a not-needed donation was written off (the receipt's note).
    not_needed_reason: str | None
    recorded_by: str
    document_id: int | None
    lines: list[DonationItemLine] = field(default_factory=list)

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def box_count(self) -> int:
        return sum(line.boxes for line in self.lines)


@dataclass(frozen=True, slots=True)
class DonationPage:
    rows: list[DonationRow]
    total: int
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def donations(filters: DonationFilters = DonationFilters(), *, page: int | None = None,
              per_page: int = PER_PAGE) -> DonationPage:
    """Donations matching ``filters``, newest first, with their lines.

    ``page`` (from 1) gives that page of ``per_page``; None gives every match, for an
    export. The item and category filters keep donations that brought that item (or an
    item of that category); their other lines are kept too.
    """
    statement = _filtered(filters)
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    ordered = statement.order_by(Donation.received_at.desc(), Donation.id.desc())
    pages = max(1, math.ceil(total / per_page))
    if page is not None:
        page = min(max(page, 1), pages)
        ordered = ordered.limit(per_page).offset((page - 1) * per_page)
    rows = _rows(list(db.session.scalars(ordered)))
    return DonationPage(rows, total, page or 1, pages if page is not None else 1)


def donation(donation_id: int) -> DonationRow | None:
    """One donation with its lines, or None."""
    found = db.session.get(Donation, donation_id)
    return _rows([found])[0] if found is not None else None


@dataclass(frozen=True, slots=True)
class BoxRow:
    id: int
    code: str
    item: str | None
    unit: str | None
    quantity: int
    location: str | None
    site: str | None
    condition: str
    expires_on: date | None


def boxes_of_donation(donation_id: int) -> list[BoxRow]:
    """The boxes a donation arrived in, as they are now, by code."""
    return _box_rows(select(Box).where(Box.donation_id == donation_id))


def boxes_by_id(box_ids: list[int]) -> list[BoxRow]:
    """Boxes by id, by code (for the page that offers their labels)."""
    if not box_ids:
        return []
    return _box_rows(select(Box).where(Box.id.in_(box_ids)))


def box_ids_between(first: str, last: str, *, limit: int) -> list[int]:
    """Ids of the boxes whose codes run from ``first`` to ``last`` (a batch), at most ``limit``."""
    if len(first) != len(last) or first > last:
        return []
    return list(db.session.scalars(
        select(Box.id).where(Box.code >= first, Box.code <= last,
                             func.length(Box.code) == len(first))
        .order_by(Box.code).limit(limit)))


def _box_rows(statement) -> list[BoxRow]:
    rows = []
    statement = statement.options(selectinload(Box.item),
                                  selectinload(Box.location).selectinload(Location.site))
    for box in db.session.scalars(statement.order_by(Box.code)):
        rows.append(BoxRow(
            id=box.id, code=box.code, item=box.item.display_name if box.item else None,
            unit=box.item.unit.value if box.item else None, quantity=box.quantity,
            location=box.location.name if box.location else None,
            site=box.location.site.name if box.location and box.location.site else None,
            condition=box.condition.value, expires_on=box.expires_on))
    return rows


def _filtered(filters: DonationFilters):
    statement = select(Donation)
    if filters.date_from:
        statement = statement.where(Donation.received_at >= day_start(filters.date_from))
    if filters.date_to:
        statement = statement.where(
            Donation.received_at < day_start(filters.date_to + timedelta(days=1)))
    if filters.donor_type:
        statement = statement.where(Donation.donor_type == filters.donor_type)
    if filters.priority:
        statement = statement.where(Donation.priority == filters.priority)
    if filters.site_id:
        statement = statement.where(Donation.site_id == filters.site_id)
    if filters.item_id or filters.category_id:
        brought = select(Movement.id).where(Movement.document_id == Donation.document_id)
        if filters.item_id:
            brought = brought.where(Movement.item_id == filters.item_id)
        if filters.category_id:
            brought = brought.join(Item, Item.id == Movement.item_id).where(
                Item.category_id == filters.category_id)
        statement = statement.where(exists(brought))
    return statement


def _rows(found: list[Donation]) -> list[DonationRow]:
    """Donations as rows, their lines read in one query for all of them."""
    if not found:
        return []
    sites = dict(db.session.execute(select(Site.id, Site.name)).all())
    location_names = dict(db.session.execute(
        select(Location.id, Location.name).where(
            Location.id.in_({d.intake_location_id for d in found}))).all())
    users = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({d.created_by_id for d in found}))).all())
    document_ids = [d.document_id for d in found if d.document_id is not None]
    notes = dict(db.session.execute(select(Document.id, Document.note).where(
        Document.id.in_(document_ids))).all()) if document_ids else {}
    lines = _lines_of(document_ids)
    return [DonationRow(
        id=d.id, received_at=d.received_at, site=sites.get(d.site_id, ""),
        intake_location=location_names.get(d.intake_location_id, ""),
        donor_type=d.donor_type, donor_name=d.donor_name, origin=d.origin,
        priority=d.priority, condition=d.condition, note=d.note,
        not_needed_reason=notes.get(d.document_id) if d.priority == Priority.NOT_NEEDED
        else None,
        recorded_by=users.get(d.created_by_id, ""), document_id=d.document_id,
        lines=lines.get(d.document_id, [])) for d in found]


def _lines_of(document_ids: list[int]) -> dict[int, list[DonationItemLine]]:
    """Per receipt, what came in from the donor location, per item in line order."""
    if not document_ids:
        return {}
    donor = (select(Location.id).where(Location.kind == LocationKind.DONOR)
             .scalar_subquery())
    query = (
        select(Movement.document_id, Movement.item_id,
               func.sum(Movement.quantity), func.count(Movement.to_box_id),
               func.min(Movement.line_no).label("first_line"))
        .where(Movement.document_id.in_(document_ids), Movement.from_location_id.in_(donor))
        .group_by(Movement.document_id, Movement.item_id)
        .order_by(Movement.document_id, "first_line"))
    found = db.session.execute(query).all()
    items = {item.id: (item, category) for item, category in db.session.execute(
        select(Item, Category).join(Category, Category.id == Item.category_id)
        .where(Item.id.in_({row.item_id for row in found})))}
    lines = defaultdict(list)
    for document_id, item_id, quantity, boxes, _ in found:
        item, category = items[item_id]
        lines[document_id].append(DonationItemLine(
            item_id=item_id, item_code=item.code, item=item.display_name,
            category=category.display_name, unit=item.unit.value, quantity=int(quantity),
            boxes=int(boxes)))
    return lines


# --- what the forms offer ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    label: str
    #: Words a filter field matches besides the label (the item's code, its category).
    search: str = ""


def item_groups(*, include_inactive: bool = False) -> list[tuple[str, list[Choice]]]:
    """Items by category, in the order stock sheets list them, for a grouped picker."""
    statement = (select(Item, Category).join(Category, Category.id == Item.category_id)
                 .order_by(Category.position, Category.name, Item.name, Item.size))
    if not include_inactive:
        statement = statement.where(Item.active.is_(True))
    groups: dict[str, list[Choice]] = {}
    for item, category in db.session.execute(statement):
        groups.setdefault(category.display_name, []).append(Choice(
            item.id, item.display_name, f"{item.code} {item.name} {item.name_fr or ''}"))
    return list(groups.items())


def categories() -> list[Choice]:
    return [Choice(c.id, c.display_name) for c in db.session.scalars(
        select(Category).order_by(Category.position, Category.name))]


def sites() -> list[Choice]:
    """Open sites by name."""
    return [Choice(s.id, s.name) for s in db.session.scalars(
        select(Site).where(Site.active.is_(True)).order_by(Site.name))]


@dataclass(frozen=True, slots=True)
class PlaceChoice:
    id: int
    label: str
    site_id: int
    is_intake: bool


def warehouse_places(*, intake_only: bool = False) -> list[tuple[str, list[PlaceChoice]]]:
    """Open places of open sites, grouped by site: intake areas first, then in walking order."""
    statement = (select(Location, Site).join(Site, Site.id == Location.site_id)
                 .where(Location.kind == LocationKind.INTERNAL, Location.active.is_(True),
                        Site.active.is_(True))
                 .order_by(Site.name, Location.is_intake.desc(), Location.position,
                           Location.name))
    if intake_only:
        statement = statement.where(Location.is_intake.is_(True))
    groups: dict[str, list[PlaceChoice]] = {}
    for location, site in db.session.execute(statement):
        groups.setdefault(site.name, []).append(
            PlaceChoice(location.id, location.name, site.id, location.is_intake))
    return list(groups.items())


def intake_location_of(site_id: int) -> int | None:
    """The site's intake area (the first, if it has several), else its first open place."""
    return db.session.scalar(
        select(Location.id).where(Location.site_id == site_id,
                                  Location.kind == LocationKind.INTERNAL,
                                  Location.active.is_(True))
        .order_by(Location.is_intake.desc(), Location.position, Location.id).limit(1))


# --- loose stock ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LooseStock:
    site_id: int
    site: str
    location_id: int
    location: str
    item_id: int
    item_code: str
    item: str
    category: str
    unit: str
    quantity: int


def loose_quantity(location_id: int, item_id: int) -> int:
    """What a location holds of an item outside boxes."""
    level = db.session.scalar(select(StockLevel.quantity).where(
        StockLevel.location_id == location_id, StockLevel.item_id == item_id)) or 0
    boxed = db.session.scalar(select(func.sum(Box.quantity)).where(
        Box.location_id == location_id, Box.item_id == item_id)) or 0
    return int(level) - int(boxed)


def loose_stock_at_intake(site_id: int | None = None) -> list[LooseStock]:
    """Loose stock waiting in intake areas to be sorted, by site, place, category, item."""
    intake_ids = select(Location.id).where(Location.is_intake.is_(True))
    boxed = (select(Box.location_id, Box.item_id, func.sum(Box.quantity).label("quantity"))
             .where(Box.location_id.in_(intake_ids))
             .group_by(Box.location_id, Box.item_id).subquery())
    loose = StockLevel.quantity - func.coalesce(boxed.c.quantity, 0)
    statement = (
        select(Site.id, Site.name, Location.id, Location.name, Item, Category,
               loose.label("loose"))
        .select_from(StockLevel)
        .join(Location, Location.id == StockLevel.location_id)
        .join(Site, Site.id == Location.site_id)
        .join(Item, Item.id == StockLevel.item_id)
        .join(Category, Category.id == Item.category_id)
        .outerjoin(boxed, (boxed.c.location_id == StockLevel.location_id)
                   & (boxed.c.item_id == StockLevel.item_id))
        .where(Location.kind == LocationKind.INTERNAL, Location.is_intake.is_(True),
               Location.active.is_(True), loose > 0)
        .order_by(Site.name, Location.position, Location.name, Category.position,
                  Item.name, Item.size))
    if site_id is not None:
        statement = statement.where(Site.id == site_id)
    return [LooseStock(site_id, site, location_id, location, item.id, item.code,
                       item.display_name, category.display_name, item.unit.value, int(quantity))
            for site_id, site, location_id, location, item, category, quantity
            in db.session.execute(statement)]
