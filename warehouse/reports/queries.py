"""Read side of the printed stock sheets: every figure they show, computed in one place.

``stock_sheet`` gives the daily stock sheet of a site and ``count_sheet`` the stocktake
sheet of a location. The PDF builders, the CLI and the tests all read these, so a figure
on paper is the figure a test checks.

Cost does not grow with the ledger. On-hand stock comes from ``stock_level`` (the
maintained cache of the ledger). The movement table is read only for a bounded window —
the day printed and the ``COVER_WINDOW_DAYS`` before it (plus, for a past day, what
happened since) — by queries that name the site's internal locations and bound ``occurred_at`` from
below, so the database answers them from the ``(to_location_id, occurred_at)`` and
``(from_location_id, occurred_at)`` indexes (PostgreSQL: bitmap index scans, a short range
per location) or, as SQLite prefers once it has statistics, from ``(item_id,
occurred_at)`` (a short range per item). Either way the history before the window is never
read: ``python -m benchmarks.bench_stock_sheet`` prints the plans over a million older
movements and fails if one scans the table.
"""
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, not_, or_, select

from warehouse.catalogue.models import Category, Item
from warehouse.core.clock import day_start, local_today
from warehouse.extensions import db
from warehouse.reports import errors
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import (Box, Location, LocationKind, Movement, Reservation, Site,
                                    StockLevel)
from warehouse.stock.queries import (below_minimum, cover_window_days, days_of_cover, outflow,
                                     reserved_by_item, stock_at)

#: A leading word shared by at least this many of a site's location names ("Shelf A1",
#: "Shelf A2", ...) is left out of the sheet's per-location figures, so that twenty
#: shelves fit on a line or two: "A1: 40 · A2: 12".
COMMON_WORD_MIN_LOCATIONS = 3
#: How far back a sheet can be reprinted. A past day's figures are today's levels less
#: what moved since, so the window read grows with the distance: a year bounds it.
MAX_DAYS_BACK = 366


# --- the daily stock sheet ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SheetLocation:
    id: int
    code: str
    name: str
    short_name: str  # as the sheet shows it: "A1" for "Shelf A1"


@dataclass(frozen=True, slots=True)
class SheetLine:
    """One item at one site: what it holds, where, what moved today and how long it lasts."""

    item_id: int
    item_code: str
    item: str
    minimum_level: int
    #: (location short name, quantity) in the site's walking order; empty places left out.
    by_location: tuple[tuple[str, int], ...]
    on_hand: int
    reserved: int
    in_today: int
    out_today: int
    #: What left the site over the ``window_days`` days before the sheet's day.
    outflow: int
    window_days: int

    @property
    def available(self) -> int:
        """On hand less reserved; negative when more is promised than is there."""
        return self.on_hand - self.reserved

    @property
    def days_of_cover(self) -> float | None:
        """On hand over the average daily outflow; None when nothing went out."""
        return days_of_cover(self.on_hand, self.outflow, self.window_days)

    @property
    def below_minimum(self) -> bool:
        """The stock page's rule: on hand below the item's minimum level."""
        return below_minimum(self.on_hand, self.minimum_level)


@dataclass(frozen=True, slots=True)
class SheetCategory:
    name: str
    lines: tuple[SheetLine, ...]


@dataclass(frozen=True, slots=True)
class StockSheet:
    site_id: int
    site_code: str
    site_name: str
    day: date
    #: True for today (figures as they stand now); False for a past day (figures at its end).
    is_today: bool
    locations: tuple[SheetLocation, ...]
    categories: tuple[SheetCategory, ...]
    #: The days of outflow that days of cover average over.
    window_days: int

    @property
    def lines(self) -> list[SheetLine]:
        return [line for category in self.categories for line in category.lines]

    @property
    def below_minimum(self) -> list[SheetLine]:
        return [line for line in self.lines if line.below_minimum]


def stock_sheet(site_id: int, *, day: date | None = None,
                now: datetime | None = None) -> StockSheet:
    """The daily stock sheet of a site: one line per item, grouped by category.

    ``day`` defaults to today in the warehouse's timezone. For today, on hand and reserved
    are as they stand now; for a past day, as they stood at its end (today's levels less
    what moved since). "In" and "out" count movements that day between the site's internal
    locations and anywhere else (a donor, a partner, another site in transit, a write-off,
    a count adjustment); moves between shelves of the site count as neither. Outflow, for
    days of cover, is what left the site in the ``cover_window_days()`` before ``day``.

    Lists each item the site holds, has reserved or moved in the window, and, at zero,
    each item it held before whose minimum level is above zero (a stock-out is the line
    that matters most). Names are in the current locale (use ``force_locale``).

    Raises UnknownSite; SheetDateInFuture for a day after today, SheetDateTooOld for one
    more than ``MAX_DAYS_BACK`` days before it.
    """
    site = db.session.get(Site, site_id)
    if site is None:
        raise stock_errors.UnknownSite(site_id=site_id)
    today = local_today(now)
    day = day or today
    if day > today:
        raise errors.SheetDateInFuture(day=day.isoformat(), today=today.isoformat())
    if (today - day).days > MAX_DAYS_BACK:
        raise errors.SheetDateTooOld(days=MAX_DAYS_BACK, day=day.isoformat())
    is_today = day == today

    locations = _site_locations(site.id)
    location_ids = [loc.id for loc in locations]
    start, end = day_start(day), day_start(day + timedelta(days=1))
    levels = stock_at(location_ids, None if is_today else end)
    flows = _flows(location_ids, day_start=start, day_end=end)
    window = cover_window_days()
    out_before = outflow(location_ids, since=day_start(day - timedelta(days=window)),
                         until=start)
    reserved = reserved_by_item(site.id) if is_today else _reserved_at(site.id, end)

    on_hand: dict[int, dict[int, int]] = defaultdict(dict)  # item -> location -> quantity
    held_before = set()
    for (location_id, item_id), quantity in levels.items():
        held_before.add(item_id)
        if quantity:
            on_hand[item_id][location_id] = quantity
    candidates = held_before | reserved.keys() | flows.keys() | out_before.keys()
    short_name = {loc.id: loc.short_name for loc in locations}

    categories: list[SheetCategory] = []
    current: tuple[int, str] | None = None
    lines: list[SheetLine] = []
    for item, category in _items(candidates):
        where = on_hand.get(item.id, {})
        total = sum(where.values())
        in_today, out_today = flows.get(item.id, (0, 0))
        gone = out_before.get(item.id, 0)
        busy = total or reserved.get(item.id) or in_today or out_today or gone
        if not busy and not (item.minimum_level > 0 and item.active):
            continue
        if current is None or current[0] != category.id:
            if lines:
                categories.append(SheetCategory(current[1], tuple(lines)))
            current, lines = (category.id, category.display_name), []
        lines.append(SheetLine(
            item_id=item.id, item_code=item.code, item=item.display_name,
            minimum_level=item.minimum_level,
            by_location=tuple((short_name[loc_id], where[loc_id])
                              for loc_id in location_ids if where.get(loc_id)),
            on_hand=total, reserved=reserved.get(item.id, 0), in_today=in_today,
            out_today=out_today, outflow=gone, window_days=window))
    if lines:
        categories.append(SheetCategory(current[1], tuple(lines)))
    return StockSheet(site_id=site.id, site_code=site.code, site_name=site.name, day=day,
                      is_today=is_today, locations=tuple(locations),
                      categories=tuple(categories), window_days=window)


def _site_locations(site_id: int) -> list[SheetLocation]:
    rows = db.session.execute(
        select(Location.id, Location.code, Location.name)
        .where(Location.site_id == site_id, Location.kind == LocationKind.INTERNAL)
        .order_by(Location.position, Location.name, Location.code)).all()
    shorts = short_location_names([name for _, _, name in rows])
    return [SheetLocation(id_, code, name, short) for (id_, code, name), short in zip(rows, shorts)]


def short_location_names(names: list[str]) -> list[str]:
    """Names with a leading word most of them share left out: "Shelf A1" -> "A1".

    Only a word shared by ``COMMON_WORD_MIN_LOCATIONS`` or more names is dropped, and
    only where something is left ("Intake bay" stays as it is).
    """
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        first, _, rest = name.partition(" ")
        if rest.strip():
            counts[first] += 1
    common = {word for word, count in counts.items() if count >= COMMON_WORD_MIN_LOCATIONS}
    shorts = []
    for name in names:
        first, _, rest = name.partition(" ")
        shorts.append(rest.strip() if first in common and rest.strip() else name)
    return shorts


def _flows(location_ids: list[int], *, day_start: datetime,
           day_end: datetime) -> dict[int, tuple[int, int]]:
    """Per item: (in on the day, out on the day).

    Two queries, one per index: lines arriving at the site (read through
    ``ix_movement_to_occurred``) and lines leaving it (``ix_movement_from_occurred``). A
    line with both ends at the site is a move between its shelves and is filtered out.
    """
    if not location_ids:
        return {}
    on_day = (Movement.occurred_at >= day_start, Movement.occurred_at < day_end)
    flows: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for here, there, side in ((Movement.to_location_id, Movement.from_location_id, 0),
                              (Movement.from_location_id, Movement.to_location_id, 1)):
        for item_id, quantity in db.session.execute(
                select(Movement.item_id, func.sum(Movement.quantity))
                .where(here.in_(location_ids), not_(there.in_(location_ids)), *on_day)
                .group_by(Movement.item_id)):
            flows[item_id][side] = int(quantity or 0)
    return {item_id: tuple(values) for item_id, values in flows.items()}


def _reserved_at(site_id: int, moment: datetime) -> dict[int, int]:
    """Reservations at a site that were open at ``moment``, per item."""
    rows = db.session.execute(
        select(Reservation.item_id, func.sum(Reservation.quantity))
        .where(Reservation.site_id == site_id, Reservation.created_at < moment,
               or_(Reservation.released_at.is_(None), Reservation.released_at >= moment))
        .group_by(Reservation.item_id))
    return {item_id: int(quantity) for item_id, quantity in rows}


def _items(item_ids: set[int]) -> list[tuple[Item, Category]]:
    """The items, with their categories, in the order sheets list them: categories in
    their set order, items by name in the reader's language."""
    if not item_ids:
        return []
    rows = db.session.execute(
        select(Item, Category).join(Category, Category.id == Item.category_id)
        .where(Item.id.in_(item_ids))).all()
    return sorted(rows, key=lambda row: (row[1].position, row[1].name, row[1].id,
                                         sort_key(row[0].display_name), row[0].id))


def sort_key(text: str) -> str:
    """Alphabetical order as a reader expects it: "Bâche" between "Baskets" and "Bonnet"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- the stocktake count sheet -----------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CountBox:
    code: str
    item_code: str
    item: str
    quantity: int
    expires_on: date | None


@dataclass(frozen=True, slots=True)
class CountLoose:
    item_code: str
    item: str
    #: The level less what the location's boxes hold of the item.
    quantity: int


@dataclass(frozen=True, slots=True)
class CountSheet:
    location_id: int
    location_code: str
    location_name: str
    site_code: str
    site_name: str
    day: date
    boxes: tuple[CountBox, ...]
    loose: tuple[CountLoose, ...]


def count_sheet(location_id: int, *, now: datetime | None = None) -> CountSheet:
    """What the ledger says a location holds, for a stocktake: its boxes and loose stock.

    Boxes are listed by item (by name in the current locale) and code; loose stock is each item's level less what the
    location's boxes hold of it, where that is above zero. Only a site's internal
    locations (shelves, bays) are counted this way: any other id raises UnknownLocation.
    """
    location = db.session.get(Location, location_id)
    if location is None or location.kind != LocationKind.INTERNAL:
        raise stock_errors.UnknownLocation(location_id=location_id)
    site = location.site
    boxes = sorted(db.session.execute(
        select(Box.code, Box.quantity, Box.expires_on, Item)
        .join(Item, Item.id == Box.item_id)
        .where(Box.location_id == location.id, Box.quantity > 0)).all(),
        key=lambda row: (sort_key(row[3].display_name), row[3].id, row[0]))
    boxed: dict[int, int] = defaultdict(int)
    for _, quantity, _, item in boxes:
        boxed[item.id] += quantity
    levels = sorted(db.session.execute(
        select(Item, StockLevel.quantity).join(Item, Item.id == StockLevel.item_id)
        .where(StockLevel.location_id == location.id, StockLevel.quantity > 0)).all(),
        key=lambda row: (sort_key(row[0].display_name), row[0].id))
    loose = tuple(CountLoose(item.code, item.display_name, quantity - boxed[item.id])
                  for item, quantity in levels if quantity > boxed[item.id])
    return CountSheet(
        location_id=location.id, location_code=location.code, location_name=location.name,
        site_code=site.code, site_name=site.name, day=local_today(now),
        boxes=tuple(CountBox(code, item.code, item.display_name, quantity, expires_on)
                    for code, quantity, expires_on, item in boxes),
        loose=loose)
