"""Read side of stock: used by pages, the API, PDFs, exports and the CLI alike.

The rules every stock figure follows are defined here once, for the stock page, the
dashboard, the needs list, the stock sheet and the weekly report: ``below_minimum``,
``days_of_cover`` over ``cover_window_days()``, the ``outflow`` it divides by, and stock
at a past moment (``stock_at``).
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import String, func, literal, not_, or_, select, type_coerce, union_all
from sqlalchemy.orm import aliased

from warehouse.accounts.models import Organisation, User
from warehouse.catalogue.models import Category, Item, item_display_name
from warehouse.core.clock import day_start
from warehouse.extensions import db
from warehouse.stock.models import (
    TRACKED_KINDS,
    Box,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
    Reservation,
    Site,
    StockLevel,
)


# --- the rules of stock figures ---------------------------------------------------------------

def below_minimum(on_hand: int, minimum_level: int) -> bool:
    """An item is below its minimum when less is on hand than its minimum level (an item
    without a minimum never is)."""
    return on_hand < minimum_level


def cover_window_days() -> int:
    """How many days of outflow days of cover average over (``COVER_WINDOW_DAYS``)."""
    return int(current_app.config["COVER_WINDOW_DAYS"])


def days_of_cover(on_hand: int, outflow: int, window_days: int) -> float | None:
    """How long ``on_hand`` lasts at the average daily ``outflow`` of the ``window_days``
    it went out over; None when nothing went out."""
    if outflow <= 0:
        return None
    return max(0, on_hand) * window_days / outflow


def outflow(location_ids: list[int], *, since: datetime,
            until: datetime | None = None) -> dict[int, int]:
    """Per item: what left these locations for anywhere else from ``since`` (to ``until``):
    dispatches, distributions, write-offs, transfers, count losses; a move between two of
    them is not outflow. Read through ``ix_movement_from_occurred``."""
    if not location_ids:
        return {}
    query = (select(Movement.item_id, func.sum(Movement.quantity))
             .where(Movement.from_location_id.in_(location_ids),
                    not_(Movement.to_location_id.in_(location_ids)),
                    Movement.occurred_at >= since)
             .group_by(Movement.item_id))
    if until is not None:
        query = query.where(Movement.occurred_at < until)
    return {item_id: int(quantity) for item_id, quantity in db.session.execute(query)}


def stock_at(location_ids: list[int], moment: datetime | None = None
             ) -> dict[tuple[int, int], int]:
    """Per (location, item): what these locations held at ``moment`` (now when None).

    The stored levels (zeros included: the item was kept there) less what every movement
    from ``moment`` on changed, moves between the locations too. Only the ledger from
    ``moment`` on is read, so the cost grows with how far back ``moment`` is, never with
    the ledger's length.
    """
    if not location_ids:
        return {}
    held = {(location_id, item_id): quantity for location_id, item_id, quantity in
            db.session.execute(select(StockLevel.location_id, StockLevel.item_id,
                                      StockLevel.quantity)
                               .where(StockLevel.location_id.in_(location_ids)))}
    if moment is None:
        return held
    for column, sign in ((Movement.to_location_id, 1), (Movement.from_location_id, -1)):
        rows = db.session.execute(
            select(column, Movement.item_id, func.sum(Movement.quantity))
            .where(column.in_(location_ids), Movement.occurred_at >= moment)
            .group_by(column, Movement.item_id))
        for location_id, item_id, quantity in rows:
            held[(location_id, item_id)] = held.get((location_id, item_id), 0) \
                - sign * int(quantity)
    return held


# --- stock per site and item ------------------------------------------------------------------

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
        return below_minimum(self.on_hand, self.minimum_level)


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


# --- the ledger, line by line (the movements list and its exports) -------------------------

#: Lines of the movements list per page.
MOVEMENTS_PER_PAGE = 50
#: Rows a streamed read fetches from the database at a time.
STREAM_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class MovementFilters:
    """What the movements list is narrowed to; None is "any". Dates are whole local days."""

    date_from: date | None = None
    date_to: date | None = None
    site_id: int | None = None
    item_id: int | None = None
    kind: DocumentKind | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__slots__)


class MovementRow(NamedTuple):
    """One ledger line as the list and its exports show it, in the exports' column order."""

    occurred_at: datetime
    movement_id: int
    document_id: int
    kind: str  # DocumentKind value
    reason: str | None
    site: str | None
    region: str | None
    item_code: str
    item: str
    quantity: int
    unit: str
    from_location: str
    to_location: str
    partner: str | None
    from_box: str | None
    to_box: str | None
    actor: str
    note: str | None


def _movements_statement(filters: MovementFilters, *, raw_times: bool = False):
    """Ledger lines matching ``filters``, newest recorded first, as plain columns.

    Items, locations, sites and people are small tables and are named from dictionaries
    (see ``_Names``) rather than joined, so a line costs one row of ``movement`` and one
    of ``document``; boxes can be many and are joined. Ordered by id, the primary key:
    the list pages and streams without sorting the ledger. ``raw_times`` leaves the time
    as the driver gives it (see ``movement_rows``).
    """
    from_box, to_box = aliased(Box), aliased(Box)
    when = type_coerce(Movement.occurred_at, String) if raw_times else Movement.occurred_at
    statement = (
        select(when, Movement.id, Movement.document_id, type_coerce(Document.kind, String),
               Document.reason, Document.site_id, Movement.item_id, Movement.quantity,
               Movement.from_location_id, Movement.to_location_id, from_box.code,
               to_box.code, Document.actor_id, Document.note)
        .join(Document, Document.id == Movement.document_id)
        .outerjoin(from_box, from_box.id == Movement.from_box_id)
        .outerjoin(to_box, to_box.id == Movement.to_box_id)
        .order_by(Movement.id.desc()))
    if filters.date_from is not None:
        statement = statement.where(Movement.occurred_at >= day_start(filters.date_from))
    if filters.date_to is not None:
        statement = statement.where(
            Movement.occurred_at < day_start(filters.date_to + timedelta(days=1)))
    if filters.site_id is not None:
        statement = statement.where(Document.site_id == filters.site_id)
    if filters.item_id is not None:
        statement = statement.where(Movement.item_id == filters.item_id)
    if filters.kind is not None:
        statement = statement.where(Document.kind == filters.kind)
    return statement


class _Names:
    """Names of items, locations, sites and people, read once per list, in the reader's
    language; with ``cell`` (e.g. ``spreadsheet_cell``) applied to each, for an export."""

    def __init__(self, cell=None):
        cell = cell or _same
        self.items = {
            item_id: (code, cell(item_display_name(name, name_fr, size)), unit.value)
            for item_id, code, name, name_fr, size, unit in db.session.execute(
                select(Item.id, Item.code, Item.name, Item.name_fr, Item.size, Item.unit))}
        organisations = dict(db.session.execute(
            select(Organisation.id, Organisation.name)).all())
        self.locations = {}
        self.partner_of = {}
        for location_id, name, kind, organisation_id in db.session.execute(
                select(Location.id, Location.name, Location.kind, Location.organisation_id)):
            self.locations[location_id] = cell(name)
            if kind == LocationKind.PARTNER:
                self.partner_of[location_id] = cell(organisations.get(organisation_id))
        self.sites = {site_id: (cell(name), cell(region)) for site_id, name, region in
                      db.session.execute(select(Site.id, Site.name, Site.region))}
        self.people = {user_id: cell(name) for user_id, name in
                       db.session.execute(select(User.id, User.name))}


def _same(value):
    return value


@dataclass(frozen=True)
class Words:
    """The reader's words for what the ledger stores, for a list of movements.

    ``kinds`` and ``reasons`` map stored values to words (a reason missing from it is
    shown as stored); ``units`` maps a unit to its words for one and for more (English
    and French differ only there, and a line's quantity is never 0).
    """

    kinds: dict
    reasons: dict
    units: dict


def _movement_rows(rows, names: _Names, words: Words | None = None, *,
                   make=MovementRow._make):
    """``MovementRow``s (or what ``make`` makes of each row's values) of the statement's
    rows, in the reader's ``words`` if given, else with the values as stored."""
    items, locations, sites, people = names.items, names.locations, names.sites, names.people
    partner_of = names.partner_of
    no_site = (None, None)
    if words is None:
        kinds = reasons = units = None
    else:
        kinds, reasons, units = words.kinds, words.reasons, words.units
    for (occurred_at, movement_id, document_id, kind, reason, site_id, item_id, quantity,
         from_id, to_id, from_box, to_box, actor_id, note) in rows:
        code, item, unit = items[item_id]
        site, region = sites.get(site_id, no_site)
        if words is not None:
            kind = kinds.get(kind, kind)
            reason = reasons.get(reason, reason)
            unit = units[unit][quantity > 1]
        yield make([occurred_at, movement_id, document_id, kind, reason, site, region, code,
                    item, quantity, unit, locations[from_id], locations[to_id],
                    partner_of.get(to_id) or partner_of.get(from_id), from_box, to_box,
                    people.get(actor_id, ""), note])


def movements(filters: MovementFilters, *, before: int | None = None,
              per_page: int = MOVEMENTS_PER_PAGE) -> tuple[list[MovementRow], int | None]:
    """One page of ledger lines, newest recorded first, and the id to read older ones
    from (None on the last page). ``before`` continues from a previous page.

    Pages by the last line's id rather than by an offset, so page 1,000 of a million
    lines costs what page one does.
    """
    statement = _movements_statement(filters)
    if before is not None:
        statement = statement.where(Movement.id < before)
    rows = list(_movement_rows(db.session.execute(statement.limit(per_page + 1)), _Names()))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (rows[-1].movement_id if more else None)


def movement_rows(filters: MovementFilters, *, words: Words | None = None,
                  raw_times: bool = False, cell=None):
    """Every ledger line ``filters`` match, streamed from the database, as lists of the
    values of ``MovementRow`` (an export writes them as they come).

    The rows come through a server-side cursor (psycopg's named cursor on PostgreSQL,
    SQLite's own stepping), ``STREAM_BATCH`` plain connection rows at a time (no ORM
    objects), so a million lines never sit in memory together. ``words``: see
    ``_movement_rows``. ``cell`` is applied once to every name (of an item, a place, a
    person), not per row. With ``raw_times`` the time is as the driver gives it: a UTC
    text on SQLite, an aware datetime on PostgreSQL (``warehouse.core.exports.LocalMinute``
    writes either); else an aware datetime.
    """
    names = _Names(cell)
    result = db.session.connection().execute(
        _movements_statement(filters, raw_times=raw_times).execution_options(
            stream_results=True, yield_per=STREAM_BATCH))
    try:
        # A batch at a time: SQLAlchemy's row-by-row fetch costs more than the row.
        rows = (row for batch in result.partitions(STREAM_BATCH) for row in batch)
        yield from _movement_rows(rows, names, words, make=_same)
    finally:
        result.close()


# --- sites and locations, for the sheets and the commands ---------------------------------

def printable_locations(site_ids: list[int] | None = None) -> dict[int, list[tuple[int, str]]]:
    """Per site: its internal locations as (id, name), in walking order, for count sheets."""
    query = (select(Location.site_id, Location.id, Location.name)
             .where(Location.kind == LocationKind.INTERNAL, Location.active.is_(True))
             .order_by(Location.site_id, Location.position, Location.name, Location.code))
    if site_ids is not None:
        query = query.where(Location.site_id.in_(site_ids))
    result: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for site_id, id_, name in db.session.execute(query):
        result[site_id].append((id_, name))
    return dict(result)


def site_by_code(code: str) -> Site | None:
    """The site with this code, ignoring case (``cal`` finds ``CAL``)."""
    return db.session.scalar(select(Site).where(func.upper(Site.code) == code.strip().upper()))


def location_by_code(code: str) -> Location | None:
    return db.session.scalar(
        select(Location).where(func.upper(Location.code) == code.strip().upper()))


def site_codes_text() -> str:
    """Every site's code, for a message saying which exist ("CAL, DUN", or "none yet")."""
    return ", ".join(db.session.scalars(select(Site.code).order_by(Site.code))) or "none yet"


def internal_location_by_code(code: str) -> Location | None:
    """The warehouse location whose code this is, exactly."""
    return db.session.scalar(select(Location).where(
        Location.code == code, Location.kind == LocationKind.INTERNAL))


def open_locations(site_id: int | None = None, *, limit: int | None = None) -> list[Location]:
    """The open warehouse locations (of one site), site by site in walking order."""
    statement = (select(Location).join(Site, Site.id == Location.site_id)
                 .where(Location.kind == LocationKind.INTERNAL, Location.active.is_(True))
                 .order_by(Site.name, Location.position, Location.name))
    if site_id is not None:
        statement = statement.where(Location.site_id == site_id)
    return list(db.session.scalars(statement.limit(limit)))


def open_location_codes(site_id: int | None = None) -> list[tuple[int, str, str]]:
    """(id, code, name) of the open warehouse locations (of one site), by code."""
    statement = select(Location.id, Location.code, Location.name).where(
        Location.kind == LocationKind.INTERNAL, Location.active.is_(True))
    if site_id is not None:
        statement = statement.where(Location.site_id == site_id)
    return list(db.session.execute(statement.order_by(Location.code)).all())


def boxes_holding_stock(location_ids: list[int]) -> dict[int, int]:
    """Per location: how many boxes there hold something."""
    if not location_ids:
        return {}
    return dict(db.session.execute(
        select(Box.location_id, func.count(Box.id))
        .where(Box.location_id.in_(location_ids), Box.quantity > 0)
        .group_by(Box.location_id)).all())
