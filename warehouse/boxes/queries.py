"""Read side of boxes: the list, one box, its history. Used by pages, exports and labels."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased

from warehouse.accounts.models import User
from warehouse.catalogue.models import Category, Item
from warehouse.core.scancodes import normalise_scan
from warehouse.extensions import db
from warehouse.stock.models import (
    Box,
    BoxCondition,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
    Site,
)

PER_PAGE = 50
HISTORY_LIMIT = 200
MAX_CODE_LENGTH = 16


def normalise_code(text: str | None) -> str:
    """A code as typed or scanned, made canonical: trimmed, upper case, digits restored.

    Codes are typed by hand on shared tablets, so ``b00123`` and ``Bàà&é"`` (a scanner on
    the wrong keyboard layout) both mean ``B00123``: see ``warehouse.core.scancodes``.
    """
    return normalise_scan((text or "").strip()[:MAX_CODE_LENGTH * 2])


def box_by_code(text: str | None) -> Box | None:
    code = normalise_code(text)
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    return db.session.scalar(select(Box).where(Box.code == code))


def box_with_code(code: str) -> Box | None:
    """The box whose code this is, exactly (``box_by_code`` reads what was typed)."""
    return db.session.scalar(select(Box).where(Box.code == code))


def boxes_at(location_id: int, *, limit: int | None = None) -> list[Box]:
    """The boxes at a location, by code."""
    return list(db.session.scalars(select(Box).where(Box.location_id == location_id)
                                   .order_by(Box.code).limit(limit)))


def box_codes(location_ids: list[int]) -> list[tuple[str, int | None, int, int | None]]:
    """(code, item id, quantity, location id) of the boxes at these locations and of every
    blank box, by code."""
    return list(db.session.execute(
        select(Box.code, Box.item_id, Box.quantity, Box.location_id)
        .where(or_(Box.location_id.in_(location_ids or [0]), Box.item_id.is_(None)))
        .order_by(Box.code)).all())


def boxes_by_ids(ids: list[int]) -> list[Box]:
    """Boxes in the order asked for, each once; unknown ids are left out."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {box.id: box for box in db.session.scalars(select(Box).where(Box.id.in_(wanted)))}
    return [found[i] for i in wanted if i in found]


def boxes_by_codes(texts: list[str]) -> tuple[list[Box], list[str]]:
    """The boxes with these codes in the order given, and the codes no box has."""
    codes = list(dict.fromkeys(c for c in map(normalise_code, texts) if c))
    found = {box.code: box for box in db.session.scalars(
        select(Box).where(Box.code.in_([c for c in codes if len(c) <= MAX_CODE_LENGTH])))}
    return [found[c] for c in codes if c in found], [c for c in codes if c not in found]


# --- the list ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BoxFilters:
    """What the box list is narrowed to; ``None`` is "any"."""

    q: str | None = None
    item_id: int | None = None
    category_id: int | None = None
    location_id: int | None = None
    site_id: int | None = None
    state: str | None = None  # stock, empty or blank
    condition: str | None = None


@dataclass(frozen=True)
class BoxRow:
    id: int
    code: str
    item_id: int | None
    item: str | None
    item_code: str | None
    unit: str | None
    category: str | None
    quantity: int
    location: str | None
    location_code: str | None
    site: str | None
    condition: BoxCondition
    expires_on: date | None
    donation_id: int | None
    created_at: datetime

    @property
    def state(self) -> str:
        return state_of(self.item_id, self.quantity)


def state_of(item_id: int | None, quantity: int) -> str:
    if item_id is None:
        return "blank"
    return "stock" if quantity > 0 else "empty"


def _list_statement(filters: BoxFilters) -> Select:
    statement = (
        select(Box, Item, Category, Location, Site)
        .outerjoin(Item, Item.id == Box.item_id)
        .outerjoin(Category, Category.id == Item.category_id)
        .outerjoin(Location, Location.id == Box.location_id)
        .outerjoin(Site, Site.id == Location.site_id)
    )
    if filters.q:
        needle = filters.q.strip().lower()
        code = normalise_code(filters.q)
        statement = statement.where(or_(
            Box.code == code,
            func.lower(Item.name).contains(needle, autoescape=True),
            func.lower(Item.name_fr).contains(needle, autoescape=True),
            func.lower(Item.code) == needle))
    if filters.item_id:
        statement = statement.where(Box.item_id == filters.item_id)
    if filters.category_id:
        statement = statement.where(Item.category_id == filters.category_id)
    if filters.location_id:
        statement = statement.where(Box.location_id == filters.location_id)
    if filters.site_id:
        statement = statement.where(Location.site_id == filters.site_id)
    if filters.state == "stock":
        statement = statement.where(Box.item_id.is_not(None), Box.quantity > 0)
    elif filters.state == "empty":
        statement = statement.where(Box.item_id.is_not(None), Box.quantity == 0)
    elif filters.state == "blank":
        statement = statement.where(Box.item_id.is_(None))
    if filters.condition:
        statement = statement.where(Box.condition == BoxCondition(filters.condition))
    # Where the boxes are, shelf by shelf, as a volunteer walks the aisles; blanks last.
    return statement.order_by(
        case((Site.id.is_(None), 1), else_=0), Site.name, Location.position, Location.name,
        Item.name, Item.size, Box.code)


def _row(box: Box, item: Item | None, category: Category | None,
         location: Location | None, site: Site | None) -> BoxRow:
    return BoxRow(
        id=box.id, code=box.code, item_id=box.item_id,
        item=item.display_name if item else None, item_code=item.code if item else None,
        unit=item.unit.value if item else None,
        category=category.display_name if category else None, quantity=box.quantity,
        location=location.name if location else None,
        location_code=location.code if location else None,
        site=site.name if site else None, condition=box.condition,
        expires_on=box.expires_on, donation_id=box.donation_id, created_at=box.created_at)


@dataclass(frozen=True)
class Page:
    """One page of a list, shaped like Flask-SQLAlchemy's (the pagination macro reads it)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def boxes(filters: BoxFilters, *, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of boxes (``BoxRow``), shelf by shelf, filtered."""
    statement = _list_statement(filters)
    total = db.session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery()))
    page = max(1, min(page, -(-total // per_page) or 1))
    rows = db.session.execute(statement.limit(per_page).offset((page - 1) * per_page))
    return Page([_row(*row) for row in rows], page, per_page, total)


def box_rows(filters: BoxFilters):
    """Every box the filters match, as ``BoxRow``, read in batches (for the CSV export)."""
    result = db.session.execute(_list_statement(filters).execution_options(yield_per=500))
    for row in result:
        yield _row(*row)


# --- one box ----------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    """One movement that touched a box, as seen from that box."""

    movement_id: int
    document_id: int
    kind: DocumentKind
    reason: str | None
    note: str | None
    occurred_at: datetime
    actor: str
    quantity: int
    direction: str  # "moved" (the whole box), "in" or "out"
    from_location: str
    to_location: str
    other_box: str | None  # the box stock came from or went into
    reverses_id: int | None
    reversed_by_id: int | None
    document_lines: int

    @property
    def signed_quantity(self) -> int:
        return -self.quantity if self.direction == "out" else self.quantity


def history(box_id: int, *, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """The movements that put stock in, took it out of, or moved the box; newest first."""
    source, target = aliased(Location), aliased(Location)
    from_box, to_box = aliased(Box), aliased(Box)
    rows = db.session.execute(
        select(Movement, Document.kind, Document.reason, Document.note, Document.reverses_id,
               User.name, source.name, target.name, from_box.code, to_box.code)
        .join(Document, Document.id == Movement.document_id)
        .join(User, User.id == Document.actor_id)
        .join(source, source.id == Movement.from_location_id)
        .join(target, target.id == Movement.to_location_id)
        .outerjoin(from_box, from_box.id == Movement.from_box_id)
        .outerjoin(to_box, to_box.id == Movement.to_box_id)
        .where(or_(Movement.from_box_id == box_id, Movement.to_box_id == box_id))
        .order_by(Movement.occurred_at.desc(), Movement.id.desc())
        .limit(limit)).all()
    document_ids = {row[0].document_id for row in rows}
    reversed_by = dict(db.session.execute(
        select(Document.reverses_id, Document.id)
        .where(Document.reverses_id.in_(document_ids))).all()) if document_ids else {}
    line_counts = dict(db.session.execute(
        select(Movement.document_id, func.count())
        .where(Movement.document_id.in_(document_ids))
        .group_by(Movement.document_id)).all()) if document_ids else {}
    entries = []
    for (movement, kind, reason, note, reverses_id, actor, from_name, to_name,
         from_code, to_code) in rows:
        if movement.from_box_id == box_id and movement.to_box_id == box_id:
            direction, other = "moved", None
        elif movement.to_box_id == box_id:
            direction, other = "in", from_code
        else:
            direction, other = "out", to_code
        entries.append(HistoryEntry(
            movement_id=movement.id, document_id=movement.document_id, kind=kind,
            reason=reason, note=note, occurred_at=movement.occurred_at, actor=actor,
            quantity=movement.quantity, direction=direction, from_location=from_name,
            to_location=to_name, other_box=other, reverses_id=reverses_id,
            reversed_by_id=reversed_by.get(movement.document_id),
            document_lines=line_counts.get(movement.document_id, 1)))
    return entries


def last_document_id(box_id: int) -> int | None:
    """The document that touched the box last, in the order they were recorded.

    That is what "undo" reverses: the history is shown by when things happened, and a
    late-entered document may say it happened earlier.
    """
    return db.session.scalar(
        select(Movement.document_id)
        .where(or_(Movement.from_box_id == box_id, Movement.to_box_id == box_id))
        .order_by(Movement.id.desc()).limit(1))


def boxes_of_donation(donation_id: int) -> list[Box]:
    return list(db.session.scalars(
        select(Box).where(Box.donation_id == donation_id).order_by(Box.code)))


# --- choices for the forms --------------------------------------------------------------

def warehouse_locations(site_id: int | None = None) -> list[Location]:
    """Open shelves and bays, site by site in walking order; of one site if given."""
    statement = (select(Location).join(Site, Site.id == Location.site_id)
                 .where(Location.kind == LocationKind.INTERNAL, Location.active.is_(True))
                 .order_by(Site.name, Location.position, Location.name))
    if site_id is not None:
        statement = statement.where(Location.site_id == site_id)
    return list(db.session.scalars(statement))


def location_by_code_or_name(text: str | None, *, site_id: int | None = None
                             ) -> Location | None:
    """A warehouse location from what was scanned or typed: its code, else its name."""
    text = (text or "").strip()
    if not text:
        return None
    statement = select(Location).where(Location.kind == LocationKind.INTERNAL)
    found = db.session.scalar(statement.where(Location.code == normalise_code(text)))
    if found is not None:
        return found
    by_name = select(Location).where(Location.kind == LocationKind.INTERNAL,
                                     func.lower(Location.name) == text.lower())
    if site_id is not None:
        by_name = by_name.where(Location.site_id == site_id)
    matches = list(db.session.scalars(by_name.limit(2)))
    return matches[0] if len(matches) == 1 else None


def active_items() -> list[Item]:
    return list(db.session.scalars(
        select(Item).where(Item.active.is_(True)).order_by(Item.name, Item.size, Item.code)))


def item_by_code_or_name(text: str | None) -> Item | None:
    """An item from its code (``P00045``), else its exact display name in any language."""
    text = (text or "").strip()
    if not text:
        return None
    found = db.session.scalar(select(Item).where(Item.code == normalise_code(text)))
    if found is not None:
        return found
    folded = text.lower()
    for item in db.session.scalars(select(Item).where(or_(
            func.lower(Item.name) == folded.split(" (")[0],
            func.lower(Item.name_fr) == folded.split(" (")[0]))):
        if item.display_name.lower() == folded or item.name.lower() == folded \
                or (item.name_fr or "").lower() == folded:
            return item
    return None


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position,
                                                              Category.name)))


def sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))
