"""Read side of the weekly report: every figure it shows, computed in one place.

    period = weekly.parse_week("2026-W47")          # or weekly.date_range(start, end)
    report = weekly.weekly_report(period, site_id=None, organisation_id=None)

The PDF, the XLSX, the web page, the CLI, the issued-report check and the tests all read
``WeeklyReport``, so a figure on paper is the figure a test checks.

Two scopes. The *warehouse* report (managers, admins; one site or all) follows the stock on
the site's shelves: donations received, dispatches to partners, transfers, write-offs and
count adjustments, and beside it what every partner requested and distributed. A
*partner's* report (``organisation_id``: what a coordinator gets) follows that partner's
custody instead: what it collected, distributed and returned, its requests and people
reached, and never another partner's name or figure.

Cost does not grow with the ledger. Closing stock is today's ``stock_level`` less what
moved since the period's end; opening stock is closing less the period's own flows. So
the movement table is read only from the previous period's start to now, by queries that
name the scope's locations and bound ``occurred_at`` from below, which the
``(to_location_id, occurred_at)`` and ``(from_location_id, occurred_at)`` indexes answer.
"""
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, not_, or_, select
from sqlalchemy.orm import aliased

from warehouse.accounts.models import Organisation, OrganisationKind
from warehouse.catalogue.models import Category, Item
from warehouse.core.clock import day_start, local_today
from warehouse.distributions.models import Distribution, DistributionReason, DistributionSite
from warehouse.extensions import db
from warehouse.intake.models import Donation
from warehouse.reports import errors
from warehouse.reports.queries import sort_key
from warehouse.requests.models import RequestStatus, StockRequest, StockRequestLine
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import (Document, DocumentKind, Location, LocationKind, Movement,
                                    Reservation, Site)
from warehouse.stock.queries import (below_minimum, cover_window_days, days_of_cover, outflow,
                                     stock_at)

#: The longest period a report covers: a year, leap day included.
MAX_DAYS = 366
#: Weeks shown by the "received and distributed per week" chart, the report's week last.
CHART_WEEKS = 12
#: Items listed under "top needs".
TOP_NEEDS = 10
#: Requests counted in fulfilment: everything a partner sent, whatever became of it.
COUNTED_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.APPROVED,
                    RequestStatus.DISPATCHED, RequestStatus.DECLINED)
_WEEK = re.compile(r"^\s*(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})\s*$")


# --- periods -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start`` to ``end``, both included; ``week`` names an ISO week."""

    start: date
    end: date
    week: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        return day_start(self.start)

    @property
    def ends_at(self) -> datetime:
        """The moment after the period: midnight starting the day after ``end``."""
        return day_start(self.end + timedelta(days=1))

    def previous(self) -> "Period":
        """The period of the same length just before, for "change against"."""
        start = self.start - timedelta(days=self.days)
        end = self.start - timedelta(days=1)
        return Period(start, end, iso_week_name(start) if self.week else None)

    @property
    def slug(self) -> str:
        return self.week or f"{self.start.isoformat()}_{self.end.isoformat()}"


def iso_week_name(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_period(year: int, week: int) -> Period:
    """ISO week ``week`` of ``year``; raises WeekDoesNotExist past the year's last week."""
    weeks = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week
    if not 1 <= week <= weeks:
        raise errors.WeekDoesNotExist(week=f"{year}-W{week:02d}", year=year, weeks=weeks)
    start = date.fromisocalendar(year, week, 1)
    return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}")


def parse_week(text: str) -> Period:
    """``2026-W47`` (also ``2026W47``, ``2026-w47``) as a period of seven days."""
    match = _WEEK.match(text or "")
    if not match:
        raise errors.WeekNotUnderstood(value=(text or "")[:40],
                                       example=iso_week_name(local_today()))
    return week_period(int(match.group(1)), int(match.group(2)))


def last_week(today: date | None = None) -> Period:
    """The ISO week before the one ``today`` is in: the report's default."""
    return parse_week(iso_week_name((today or local_today()) - timedelta(days=7)))


def date_range(start: date, end: date) -> Period:
    """Any period of local days; raises RangeEndsBeforeStart or RangeTooLong."""
    if end < start:
        raise errors.RangeEndsBeforeStart(start=start.isoformat(), end=end.isoformat())
    if (end - start).days + 1 > MAX_DAYS:
        raise errors.RangeTooLong(days=MAX_DAYS, start=start.isoformat(), end=end.isoformat())
    return Period(start, end)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise errors.ReportDateNotUnderstood(value=(text or "")[:40],
                                             example=local_today().isoformat()) from None


# --- the figures -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class People:
    total: int = 0
    women: int = 0
    men: int = 0
    children: int = 0
    unaccompanied_minors: int = 0
    distributions: int = 0
    #: Distributions that recorded at least one of women, men, children, minors.
    with_breakdown: int = 0


@dataclass(frozen=True, slots=True)
class Fulfilment:
    requests: int = 0
    fully_met: int = 0
    requested: int = 0
    allocated: int = 0
    dispatched: int = 0

    @property
    def allocated_share(self) -> float | None:
        return self.allocated / self.requested if self.requested else None

    @property
    def dispatched_share(self) -> float | None:
        return self.dispatched / self.requested if self.requested else None

    @property
    def fully_met_share(self) -> float | None:
        return self.fully_met / self.requests if self.requests else None


@dataclass(frozen=True, slots=True)
class Headline:
    """The first page's figures, for one period."""

    received: int  # warehouse: donations in; partner: collected from the warehouse
    dispatched: int  # warehouse: to partners; partner: the same as received
    distributed: int
    returned: int
    people: People
    fulfilment: Fulfilment
    stockout_item_days: int
    evictions: int
    written_off: int
    write_offs: tuple[tuple[str, int], ...]  # (reason, quantity), largest first


@dataclass(frozen=True, slots=True)
class PartnerRow:
    organisation_id: int
    name: str
    requested: int
    allocated: int
    dispatched: int
    distributed: int
    people: int
    returned: int


@dataclass(frozen=True, slots=True)
class PlaceRow:
    distribution_site_id: int
    name: str
    town: str
    region: str
    distributions: int
    distributed: int
    people: int
    evictions: int


@dataclass(frozen=True, slots=True)
class ItemRow:
    item_id: int
    code: str
    name: str
    opening: int
    received: int  # every inflow: donations, returns, transfers, count gains, corrections
    out: int  # every outflow: dispatches, transfers, write-offs, count losses
    closing: int
    on_the_way: int  # warehouse: reserved for approved requests; partner: allocated to it
    #: What left the scope in the ``days`` (the cover window) up to the period's end.
    outflow: int
    days: int
    minimum_level: int
    stockout_days: int
    watch_minimum: bool  # the warehouse keeps a minimum (a partner's custody has none)

    @property
    def days_of_cover(self) -> float | None:
        """Closing stock over the average daily outflow of the cover window."""
        return days_of_cover(self.closing, self.outflow, self.days)

    @property
    def below_minimum(self) -> bool:
        return self.watch_minimum and below_minimum(self.closing, self.minimum_level)


@dataclass(frozen=True, slots=True)
class CategoryBlock:
    name: str
    items: tuple[ItemRow, ...]


@dataclass(frozen=True, slots=True)
class NeedRow:
    item_id: int
    name: str
    requested: int
    allocated: int
    available: int  # closing less on the way, at the period's end

    @property
    def short(self) -> int:
        return self.requested - self.allocated


@dataclass(frozen=True, slots=True)
class DonationRow:
    donor_type: str
    donations: int
    items: int


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: str
    start: date
    received: int
    distributed: int
    evictions: int


@dataclass(frozen=True, slots=True)
class EvictionRow:
    item_id: int
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class DistributionLine:
    """What one partner handed out of one item at one distribution site (HXL rows)."""

    partner: str
    place: str
    town: str
    region: str
    item_code: str
    item: str
    quantity: int
    #: People reached by that partner at that site in the period (all items).
    people: int


@dataclass(frozen=True)
class WeeklyReport:
    period: Period
    previous_period: Period
    #: "warehouse" or "partner" (a partner's custody: ``organisation_id`` set).
    scope: str
    site_id: int | None
    site_code: str | None
    site_name: str | None
    organisation_id: int | None
    organisation_name: str | None
    headline: Headline
    previous: Headline
    partners: tuple[PartnerRow, ...]
    places: tuple[PlaceRow, ...]
    categories: tuple[CategoryBlock, ...]
    top_needs: tuple[NeedRow, ...]
    donations: tuple[DonationRow, ...]
    evictions_by_item: tuple[EvictionRow, ...]
    weeks: tuple[WeekPoint, ...]
    distribution_lines: tuple[DistributionLine, ...] = ()
    #: Whether anything happened in the period at all (stock, requests, distributions).
    has_data: bool = True
    #: Days of the period after today, not yet counted.
    future_days: int = 0

    @property
    def items(self) -> list[ItemRow]:
        return [row for block in self.categories for row in block.items]

    @property
    def totals(self) -> dict[str, int]:
        rows = self.items
        return {name: sum(getattr(row, name) for row in rows)
                for name in ("opening", "received", "out", "closing", "on_the_way")}

    def figures(self) -> dict:
        """Every figure as plain JSON-ready data, in a stable order."""
        data = asdict(self)
        return json.loads(json.dumps(data, default=_json_default, sort_keys=True))


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def figures_fingerprint(figures: dict) -> str:
    """A hash of the numbers in ``figures`` (names left out: a renamed item is not a
    correction), to tell whether an issued report's figures still stand."""
    def numbers(value):
        if isinstance(value, dict):
            return {k: numbers(v) for k, v in sorted(value.items())
                    if k not in ("name", "code", "town", "region", "site_name",
                                 "site_code", "organisation_name")}
        if isinstance(value, list):
            return [numbers(v) for v in value]
        return value
    text = json.dumps(numbers(figures), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def weekly_report(period: Period, *, site_id: int | None = None,
                  organisation_id: int | None = None, now: datetime | None = None
                  ) -> WeeklyReport:
    """The weekly report of ``period`` for one site (or all: None), or one partner.

    With ``organisation_id`` the report is that partner's: its custody, its requests, its
    distributions; ``site_id`` then limits its requests and collections to that site.
    Names come in the current locale (use ``force_locale``).

    Raises UnknownSite, UnknownOrganisation, or PeriodInFuture for a period that starts
    after today. A period in which nothing happened gives a report with ``has_data``
    False, not an error.
    """
    today = local_today(now)
    if period.start > today:
        raise errors.PeriodInFuture(start=period.start.isoformat(), today=today.isoformat())
    site = None
    if site_id is not None:
        site = db.session.get(Site, site_id)
        if site is None:
            raise stock_errors.UnknownSite(site_id=site_id)
    organisation = None
    if organisation_id is not None:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None:
            raise errors.UnknownOrganisation()
    scope = _Scope(site_id=site.id if site else None,
                   organisation_id=organisation.id if organisation else None)
    previous_period = period.previous()

    items = _ItemCache()
    closing: dict[int, int] = defaultdict(int)
    for (_, item_id), quantity in stock_at(scope.locations, period.ends_at).items():
        closing[item_id] += quantity
    closing = dict(closing)
    window = cover_window_days()
    gone = outflow(scope.locations, since=day_start(period.end - timedelta(days=window - 1)),
                   until=period.ends_at)
    current = _flows(scope, period)
    opening = {item: closing.get(item, 0) - current.net.get(item, 0)
               for item in set(closing) | set(current.net)}
    previous = _flows(scope, previous_period)

    on_the_way = _on_the_way(scope, period.ends_at)
    requests_now = _requests(scope, period)
    requests_before = _requests(scope, previous_period)
    given_now = _distributions(scope, period)
    given_before = _distributions(scope, previous_period)
    watch = scope.is_warehouse
    stockouts_now = (_stockouts(scope, period, closing, today, items, current)
                     if watch else {})
    stockouts_before = (_stockouts(scope, previous_period, opening, today, items, previous)
                        if watch else {})

    headline = _headline(scope, current, requests_now, given_now, stockouts_now)
    headline_before = _headline(scope, previous, requests_before, given_before,
                                stockouts_before)

    # Per item, by category.
    item_ids = {i for i in set(opening) | set(closing) | current.in_ | current.out_ids
                | set(on_the_way) if opening.get(i) or closing.get(i) or i in current.in_
                or i in current.out_ids or on_the_way.get(i)}
    if watch:
        item_ids |= {i for i, days in stockouts_now.items() if days}
    items.load(item_ids | requests_now.item_ids | given_now.item_ids
               | set(given_now.evictions_by_item))
    rows_by_category: dict[tuple, list[ItemRow]] = defaultdict(list)
    for item_id in item_ids:
        item, category = items.get(item_id)
        rows_by_category[(category.position, sort_key(category.display_name), category.id,
                          category.display_name)].append(ItemRow(
            item_id=item.id, code=item.code, name=item.display_name,
            opening=opening.get(item_id, 0), received=current.gross_in.get(item_id, 0),
            out=current.gross_out.get(item_id, 0), closing=closing.get(item_id, 0),
            on_the_way=on_the_way.get(item_id, 0),
            outflow=gone.get(item_id, 0), days=window,
            minimum_level=item.minimum_level,
            stockout_days=stockouts_now.get(item_id, 0), watch_minimum=watch))
    categories = tuple(
        CategoryBlock(key[3], tuple(sorted(rows, key=lambda r: (sort_key(r.name), r.item_id))))
        for key, rows in sorted(rows_by_category.items(), key=lambda kv: kv[0][:3]))

    partners = _partner_rows(scope, current, requests_now, given_now)
    places = tuple(sorted(
        (PlaceRow(distribution_site_id=place.id, name=place.name, town=place.town,
                  region=place.region, distributions=values["distributions"],
                  distributed=values["distributed"], people=values["people"],
                  evictions=values["evictions"])
         for place, values in given_now.by_place(_places(given_now.place_ids)).items()),
        key=lambda r: (-r.distributed, sort_key(r.name))))
    needs = []
    for item_id, (requested, allocated) in requests_now.by_item.items():
        if requested > allocated:
            needs.append(NeedRow(item_id=item_id, name=items.get(item_id)[0].display_name,
                                 requested=requested, allocated=allocated,
                                 available=closing.get(item_id, 0)
                                 - (on_the_way.get(item_id, 0) if watch else 0)))
    needs.sort(key=lambda r: (-r.short, -r.requested, sort_key(r.name)))
    evictions_by_item = tuple(sorted(
        (EvictionRow(item_id, items.get(item_id)[0].display_name, quantity)
         for item_id, quantity in given_now.evictions_by_item.items() if quantity),
        key=lambda r: (-r.quantity, sort_key(r.name))))

    place_rows = _places(given_now.place_ids)
    partner_names = {row.organisation_id: row.name for row in partners}
    people_at: dict[tuple[int, int], int] = defaultdict(int)
    for row in given_now.rows:
        people_at[(row[0], row[1])] += row[3]
    lines = []
    for (org, place_id, item_id), quantity in given_now.items_by_org_place_item.items():
        place, item = place_rows[place_id], items.get(item_id)[0]
        lines.append(DistributionLine(
            partner=partner_names.get(org, "?"), place=place.name, town=place.town,
            region=place.region, item_code=item.code, item=item.display_name,
            quantity=quantity, people=people_at[(org, place_id)]))
    lines.sort(key=lambda line: (sort_key(line.partner), sort_key(line.place),
                                 sort_key(line.item), line.item_code))

    has_data = bool(current.touched or requests_now.requests or given_now.rows
                    or any(opening.values()) or any(closing.values()))
    future_days = max(0, (period.end - today).days) if period.end > today else 0
    return WeeklyReport(
        period=period, previous_period=previous_period,
        scope="warehouse" if watch else "partner",
        site_id=site.id if site else None, site_code=site.code if site else None,
        site_name=site.name if site else None,
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else None,
        headline=headline, previous=headline_before, partners=partners, places=places,
        categories=categories, top_needs=tuple(needs[:TOP_NEEDS]),
        donations=_donations(scope, period) if watch else (),
        evictions_by_item=evictions_by_item,
        weeks=_weeks(scope, period), distribution_lines=tuple(lines), has_data=has_data,
        future_days=future_days)


# --- scope -------------------------------------------------------------------------------

class _Scope:
    """The locations whose stock the report follows, and the filters of its other tables."""

    def __init__(self, *, site_id: int | None, organisation_id: int | None):
        self.site_id = site_id
        self.organisation_id = organisation_id
        self.is_warehouse = organisation_id is None
        if self.is_warehouse:
            query = select(Location.id).where(Location.kind == LocationKind.INTERNAL)
            if site_id is not None:
                query = query.where(Location.site_id == site_id)
        else:
            query = select(Location.id).where(Location.kind == LocationKind.PARTNER,
                                              Location.organisation_id == organisation_id)
        self.locations = list(db.session.scalars(query.order_by(Location.id)))
        rows = db.session.execute(select(Location.id, Location.kind, Location.organisation_id,
                                         Location.site_id)).all()
        self.kind = {id_: kind for id_, kind, _, _ in rows}
        self.organisation_of = {id_: org for id_, _, org, _ in rows}
        self.site_of = {id_: site for id_, _, _, site in rows}
        self.distributed_ids = [id_ for id_, kind, _, _ in rows
                                if kind == LocationKind.DISTRIBUTED]


class _ItemCache:
    def __init__(self):
        self._items: dict[int, tuple[Item, Category]] = {}

    def load(self, item_ids) -> None:
        missing = [i for i in item_ids if i not in self._items]
        if missing:
            for item, category in db.session.execute(
                    select(Item, Category).join(Category, Category.id == Item.category_id)
                    .where(Item.id.in_(missing))):
                self._items[item.id] = (item, category)

    def get(self, item_id: int) -> tuple[Item, Category]:
        if item_id not in self._items:
            self.load([item_id])
        return self._items[item_id]

    def candidates(self) -> list[Item]:
        """Active items with a minimum level: at zero, they count as out of stock."""
        rows = db.session.execute(
            select(Item, Category).join(Category, Category.id == Item.category_id)
            .where(Item.active.is_(True), Item.minimum_level > 0)).all()
        for item, category in rows:
            self._items.setdefault(item.id, (item, category))
        return [item for item, _ in rows]


# --- the ledger --------------------------------------------------------------------------

class _Flows:
    """The period's lines into and out of the scope's locations, sorted by what they were."""

    def __init__(self):
        self.gross_in: dict[int, int] = defaultdict(int)
        self.gross_out: dict[int, int] = defaultdict(int)
        self.net: dict[int, int] = defaultdict(int)
        self.received = 0
        self.dispatched: dict[int, int] = defaultdict(int)  # per organisation
        self.returned: dict[int, int] = defaultdict(int)  # per organisation
        self.distributed = 0  # handed out straight from these locations
        self.write_offs: dict[str, int] = defaultdict(int)
        #: Per item, the net change of each day of the period (short periods only).
        self.daily: dict[int, list[int]] | None = None
        self.touched = False

    @property
    def in_(self) -> set[int]:
        return {i for i, q in self.gross_in.items() if q}

    @property
    def out_ids(self) -> set[int]:
        return {i for i, q in self.gross_out.items() if q}


#: Up to this many days, the period's flows are read day by day in the same queries (the
#: stock-outs need them); longer periods read the days in queries of their own, so the
#: flows' rows do not multiply by hundreds of days.
DAILY_IN_FLOWS_DAYS = 31


def _flows(scope: _Scope, period: Period) -> _Flows:
    """The period's lines in and out of the scope's locations, two queries each way.

    The first reads every line (no document needed: quantities per item, other end and
    day). The second joins the documents only for the lines whose meaning depends on
    them: those to or from a partner (a dispatch, a return, or one undone) and write-offs
    (their reason, or the reason of the write-off a reversal undoes).
    """
    flows = _Flows()
    ids = scope.locations
    if not ids:
        return flows
    window = (Movement.occurred_at >= period.starts_at, Movement.occurred_at < period.ends_at)
    by_day = period.days <= DAILY_IN_FLOWS_DAYS
    if by_day:
        flows.daily = defaultdict(lambda: [0] * period.days)
    day = _day_bucket(Movement.occurred_at, period, period.days)
    counterpart = LocationKind.INTERNAL if not scope.is_warehouse else LocationKind.PARTNER
    by_document = sorted(id_ for id_, kind in scope.kind.items()
                         if kind in (counterpart, LocationKind.WRITE_OFF) and id_ not in ids)
    needs_document = set(by_document)
    original = aliased(Document)
    reason = func.coalesce(original.reason, Document.reason)
    for here, other, direction in ((Movement.to_location_id, Movement.from_location_id, 1),
                                   (Movement.from_location_id, Movement.to_location_id, -1)):
        groups = [Movement.item_id, other] + ([day] if by_day else [])
        rows = db.session.execute(
            select(*groups, func.sum(Movement.quantity))
            .where(here.in_(ids), not_(other.in_(ids)), *window).group_by(*groups))
        for row in rows:
            item_id, other_id, quantity = row[0], row[1], int(row[-1])
            flows.touched = True
            if direction > 0:
                flows.gross_in[item_id] += quantity
            else:
                flows.gross_out[item_id] += quantity
            flows.net[item_id] += direction * quantity
            if by_day:
                flows.daily[item_id][int(row[2])] += direction * quantity
            if other_id not in needs_document:
                _classify(flows, scope, other_id, "", None, direction * quantity)
        if not by_document:
            continue
        groups = [other, Document.kind, reason]
        rows = db.session.execute(
            select(*groups, func.sum(Movement.quantity))
            .join(Document, Document.id == Movement.document_id)
            .outerjoin(original, original.id == Document.reverses_id)
            .where(here.in_(ids), other.in_(by_document), *window).group_by(*groups))
        for other_id, kind, why, quantity in rows:
            _classify(flows, scope, other_id, str(kind), why, direction * int(quantity))
    return flows


def _classify(flows: _Flows, scope: _Scope, other_id: int, kind: str,
              reason: str | None, signed: int) -> None:
    """Book one group of lines (``signed`` > 0 coming in) under what it was.

    A reversal counts against what it undoes: a dispatch undone lowers "dispatched".
    """
    other_kind = scope.kind.get(other_id)
    reversal = kind == DocumentKind.REVERSAL.value
    coming_in = signed > 0
    quantity = abs(signed)
    if other_kind == LocationKind.DONOR:
        flows.received += signed
    elif other_kind == LocationKind.WRITE_OFF:
        flows.write_offs[reason or "other"] -= signed
    elif other_kind == LocationKind.DISTRIBUTED:
        flows.distributed -= signed
    elif scope.is_warehouse and other_kind == LocationKind.PARTNER:
        org = scope.organisation_of.get(other_id)
        if coming_in and reversal:  # a dispatch undone
            flows.dispatched[org] -= quantity
        elif coming_in:
            flows.returned[org] += quantity
        elif reversal:  # a return undone
            flows.returned[org] -= quantity
        else:
            flows.dispatched[org] += quantity
    elif not scope.is_warehouse and other_kind == LocationKind.INTERNAL:
        # A partner's custody: what comes from the warehouse is what it collected.
        org = scope.organisation_id
        if coming_in and reversal:  # a return undone
            flows.returned[org] -= quantity
        elif coming_in:
            flows.dispatched[org] += quantity
        elif reversal:  # a collection undone
            flows.dispatched[org] -= quantity
        else:
            flows.returned[org] += quantity


class _Requests:
    def __init__(self):
        self.requests = 0
        self.fully_met = 0
        self.requested = self.allocated = self.dispatched = 0
        self.by_item: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        self.by_org: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])

    @property
    def item_ids(self) -> set[int]:
        return set(self.by_item)

    def fulfilment(self) -> Fulfilment:
        return Fulfilment(requests=self.requests, fully_met=self.fully_met,
                          requested=self.requested, allocated=self.allocated,
                          dispatched=self.dispatched)


def _requests(scope: _Scope, period: Period) -> _Requests:
    """Requests needed in the period (sent, whatever became of them), line by line."""
    query = (select(StockRequest.id, StockRequest.organisation_id, StockRequestLine.item_id,
                    StockRequestLine.requested, StockRequestLine.allocated,
                    StockRequestLine.dispatched)
             .join(StockRequestLine, StockRequestLine.request_id == StockRequest.id)
             .where(StockRequest.needed_by >= period.start, StockRequest.needed_by <= period.end,
                    StockRequest.status.in_([s.value for s in COUNTED_STATUSES])))
    if scope.site_id is not None:
        query = query.where(StockRequest.site_id == scope.site_id)
    if scope.organisation_id is not None:
        query = query.where(StockRequest.organisation_id == scope.organisation_id)
    result = _Requests()
    met: dict[int, bool] = {}
    for request_id, org, item_id, requested, allocated, dispatched in db.session.execute(query):
        met[request_id] = met.get(request_id, True) and dispatched >= requested
        result.requested += requested
        result.allocated += allocated
        result.dispatched += dispatched
        result.by_item[item_id][0] += requested
        result.by_item[item_id][1] += allocated
        result.by_org[org][0] += requested
        result.by_org[org][1] += allocated
        result.by_org[org][2] += dispatched
    result.requests = len(met)
    result.fully_met = sum(met.values())
    return result


class _Given:
    """Partners' distributions in the period (corrected ones left out)."""

    def __init__(self):
        self.rows: list = []  # (org, place, reason, people..., items)
        self.items_by: dict[tuple[int, int], int] = defaultdict(int)  # (org, place)
        self.items_by_org_place_item: dict[tuple[int, int, int], int] = defaultdict(int)
        self.evictions_by_item: dict[int, int] = defaultdict(int)
        self.evictions_by_place: dict[int, int] = defaultdict(int)

    @property
    def item_ids(self) -> set[int]:
        return {key[2] for key in self.items_by_org_place_item}

    @property
    def place_ids(self) -> set[int]:
        return {row[1] for row in self.rows} | {key[1] for key in self.items_by}

    @property
    def distributed(self) -> int:
        return sum(self.items_by.values())

    @property
    def evictions(self) -> int:
        return sum(self.evictions_by_item.values())

    def people(self) -> People:
        totals = [0] * 5
        with_breakdown = 0
        for row in self.rows:
            counts = row[3:8]
            for i, value in enumerate(counts):
                totals[i] += value or 0
            if any(value is not None for value in counts[1:]):
                with_breakdown += 1
        return People(*totals, distributions=len(self.rows), with_breakdown=with_breakdown)

    def by_org(self) -> dict[int, tuple[int, int]]:
        result: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for (org, _), quantity in self.items_by.items():
            result[org][0] += quantity
        for row in self.rows:
            result[row[0]][1] += row[3]
        return {org: tuple(values) for org, values in result.items()}

    def by_place(self, places: dict[int, DistributionSite]) -> dict:
        result: dict[int, dict[str, int]] = defaultdict(
            lambda: {"distributions": 0, "distributed": 0, "people": 0, "evictions": 0})
        for (_, place), quantity in self.items_by.items():
            result[place]["distributed"] += quantity
        for row in self.rows:
            result[row[1]]["distributions"] += 1
            result[row[1]]["people"] += row[3]
        for place, quantity in self.evictions_by_place.items():
            result[place]["evictions"] += quantity
        return {places[place_id]: values for place_id, values in result.items()}


def _distributions(scope: _Scope, period: Period) -> _Given:
    given = _Given()
    where = [Distribution.distributed_on >= period.start,
             Distribution.distributed_on <= period.end,
             Distribution.reversal_document_id.is_(None)]
    if scope.organisation_id is not None:
        where.append(Distribution.organisation_id == scope.organisation_id)
    given.rows = db.session.execute(
        select(Distribution.organisation_id, Distribution.distribution_site_id,
               Distribution.reason, Distribution.people_total, Distribution.women,
               Distribution.men, Distribution.children, Distribution.unaccompanied_minors)
        .where(*where)).all()
    if not given.rows:
        return given
    eviction = DistributionReason.EVICTION_REPLACEMENT.value
    rows = db.session.execute(
        select(Distribution.organisation_id, Distribution.distribution_site_id,
               Distribution.reason, Movement.item_id, func.sum(Movement.quantity))
        .join(Movement, Movement.document_id == Distribution.document_id)
        .where(*where, Movement.to_location_id.in_(scope.distributed_ids or [-1]))
        .group_by(Distribution.organisation_id, Distribution.distribution_site_id,
                  Distribution.reason, Movement.item_id))
    for org, place, reason, item_id, quantity in rows:
        quantity = int(quantity)
        given.items_by[(org, place)] += quantity
        given.items_by_org_place_item[(org, place, item_id)] += quantity
        if str(reason) == eviction:
            given.evictions_by_item[item_id] += quantity
            given.evictions_by_place[place] += quantity
    return given


def _places(place_ids: set[int]) -> dict[int, DistributionSite]:
    if not place_ids:
        return {}
    return {place.id: place for place in db.session.scalars(
        select(DistributionSite).where(DistributionSite.id.in_(place_ids)))}


def _on_the_way(scope: _Scope, moment: datetime) -> dict[int, int]:
    """Reservations open at ``moment``: approved for a partner, not yet dispatched."""
    query = (select(Reservation.item_id, func.sum(Reservation.quantity))
             .where(Reservation.created_at < moment,
                    or_(Reservation.released_at.is_(None), Reservation.released_at >= moment))
             .group_by(Reservation.item_id))
    if scope.site_id is not None:
        query = query.where(Reservation.site_id == scope.site_id)
    if scope.organisation_id is not None:
        query = query.where(Reservation.organisation_id == scope.organisation_id)
    return {item_id: int(quantity) for item_id, quantity in db.session.execute(query)}


def _day_bucket(column, period: Period, days: int):
    """A SQL expression: the index of the period's local day ``column`` falls in."""
    if days == 1:  # a CASE needs one WHEN at least (and GROUP BY 0 means a column)
        return case((column.is_not(None), 0), else_=0)
    return case(*((column < day_start(period.start + timedelta(days=n + 1)), n)
                  for n in range(days - 1)), else_=days - 1)


def _stockouts(scope: _Scope, period: Period, closing: dict[int, int], today: date,
               items: _ItemCache, flows: _Flows) -> dict[int, int]:
    """Per item: the days of the period (up to today) that ended with none available.

    Available is on hand less reserved, at each day's end. Items counted: those the
    scope held at some day's end or start of the period, and active items with a minimum
    level (at zero all along, they were out of stock every day).
    """
    ids = scope.locations
    days = min(period.days, (today - period.start).days + 1)
    if days <= 0 or not ids:
        return {}
    daily = flows.daily if flows.daily is not None else _daily_net(ids, period)
    query = (select(Reservation.item_id, Reservation.quantity, Reservation.created_at,
                    Reservation.released_at)
             .where(Reservation.created_at < period.ends_at,
                    or_(Reservation.released_at.is_(None),
                        Reservation.released_at >= period.starts_at)))
    if scope.site_id is not None:
        query = query.where(Reservation.site_id == scope.site_id)
    reservations: dict[int, list] = defaultdict(list)
    for item_id, quantity, created, released in db.session.execute(query):
        reservations[item_id].append((quantity, created, released))
    ends = [day_start(period.start + timedelta(days=n + 1)) for n in range(period.days)]

    candidates = {item.id for item in items.candidates()}
    levels_by_item: dict[int, list[int]] = {}
    for item_id in set(closing) | set(daily) | candidates:
        level = closing.get(item_id, 0)
        changes = daily.get(item_id, [0] * period.days)
        at_end = [0] * period.days
        for n in range(period.days - 1, -1, -1):
            at_end[n] = level
            level -= changes[n]
        # ``level`` is now the opening: an item held then or at any day's end counts.
        if item_id in candidates or level > 0 or any(q > 0 for q in at_end):
            levels_by_item[item_id] = at_end
    result = {}
    for item_id, at_end in levels_by_item.items():
        out = 0
        for n in range(days):
            reserved = sum(q for q, created, released in reservations.get(item_id, ())
                           if created < ends[n]
                           and (released is None or released >= ends[n]))
            if at_end[n] - reserved <= 0:
                out += 1
        result[item_id] = out
    return result


def _daily_net(ids: list[int], period: Period) -> dict[int, list[int]]:
    """Per item, the net change of each day of the period at these locations."""
    bucket = _day_bucket(Movement.occurred_at, period, period.days)
    daily: dict[int, list[int]] = defaultdict(lambda: [0] * period.days)
    window = (Movement.occurred_at >= period.starts_at, Movement.occurred_at < period.ends_at)
    for here, other, sign in ((Movement.to_location_id, Movement.from_location_id, 1),
                              (Movement.from_location_id, Movement.to_location_id, -1)):
        rows = db.session.execute(
            select(Movement.item_id, bucket.label("day"), func.sum(Movement.quantity))
            .where(here.in_(ids), not_(other.in_(ids)), *window)
            .group_by(Movement.item_id, bucket))
        for item_id, day, quantity in rows:
            daily[item_id][int(day)] += sign * int(quantity)
    return daily


def _headline(scope: _Scope, flows: _Flows, requests: _Requests, given: _Given,
              stockouts: dict[int, int]) -> Headline:
    write_offs = tuple(sorted(((reason, quantity) for reason, quantity
                               in flows.write_offs.items() if quantity),
                              key=lambda pair: (-pair[1], pair[0])))
    dispatched = sum(flows.dispatched.values())
    return Headline(
        received=dispatched if not scope.is_warehouse else flows.received,
        dispatched=dispatched,
        distributed=given.distributed + flows.distributed * scope.is_warehouse,
        returned=sum(flows.returned.values()),
        people=given.people(), fulfilment=requests.fulfilment(),
        stockout_item_days=sum(stockouts.values()), evictions=given.evictions,
        written_off=sum(q for _, q in write_offs), write_offs=write_offs)


def _partner_rows(scope: _Scope, flows: _Flows, requests: _Requests,
                  given: _Given) -> tuple[PartnerRow, ...]:
    distributed = given.by_org()
    orgs = set(requests.by_org) | set(distributed) | {
        org for org, q in flows.dispatched.items() if q} | {
        org for org, q in flows.returned.items() if q}
    if scope.organisation_id is not None:
        orgs = {org for org in orgs if org == scope.organisation_id}
    orgs.discard(None)
    if not orgs:
        return ()
    names = dict(db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(orgs))).all())
    rows = [PartnerRow(
        organisation_id=org, name=names.get(org, "?"),
        requested=requests.by_org.get(org, (0, 0, 0))[0],
        allocated=requests.by_org.get(org, (0, 0, 0))[1],
        dispatched=flows.dispatched.get(org, 0),
        distributed=distributed.get(org, (0, 0))[0], people=distributed.get(org, (0, 0))[1],
        returned=flows.returned.get(org, 0)) for org in orgs]
    return tuple(sorted(rows, key=lambda r: sort_key(r.name)))


def _donations(scope: _Scope, period: Period) -> tuple[DonationRow, ...]:
    where = [Donation.received_at >= period.starts_at, Donation.received_at < period.ends_at]
    if scope.site_id is not None:
        where.append(Donation.site_id == scope.site_id)
    counts = dict(db.session.execute(
        select(Donation.donor_type, func.count()).where(*where)
        .group_by(Donation.donor_type)).all())
    quantities = dict(db.session.execute(
        select(Donation.donor_type, func.sum(Movement.quantity))
        .join(Movement, Movement.document_id == Donation.document_id)
        .where(*where).group_by(Donation.donor_type)).all())
    rows = [DonationRow(str(kind), int(counts[kind]), int(quantities.get(kind) or 0))
            for kind in counts]
    return tuple(sorted(rows, key=lambda r: (-r.items, r.donor_type)))


def _weeks(scope: _Scope, period: Period) -> tuple[WeekPoint, ...]:
    """Received, distributed and eviction replacements per ISO week, the last twelve."""
    last_monday = period.end - timedelta(days=period.end.weekday())
    first = last_monday - timedelta(weeks=CHART_WEEKS - 1)
    span = Period(first, last_monday + timedelta(days=6))
    received = [0] * CHART_WEEKS
    distributed = [0] * CHART_WEEKS
    evictions = [0] * CHART_WEEKS

    def bucket(column, as_day: bool):
        bounds = [first + timedelta(weeks=n + 1) for n in range(CHART_WEEKS - 1)]
        return case(*((column < (b if as_day else day_start(b)), n)
                      for n, b in enumerate(bounds)), else_=CHART_WEEKS - 1)

    ids = scope.locations
    if ids:
        window = (Movement.occurred_at >= span.starts_at, Movement.occurred_at < span.ends_at)
        week = bucket(Movement.occurred_at, False)
        if scope.is_warehouse:  # donations in, less receipts undone
            source = [i for i, kind in scope.kind.items() if kind == LocationKind.DONOR]
            # Driven from the donor's side of the ledger: receipts are a small share of
            # the twelve weeks' lines, so the (from_location_id, occurred_at) index reads
            # just them; no document needed.
            for where, sign in (((Movement.from_location_id.in_(source),
                                  Movement.to_location_id.in_(ids)), 1),
                                ((Movement.to_location_id.in_(source),
                                  Movement.from_location_id.in_(ids)), -1)):
                if not source:
                    break
                rows = db.session.execute(
                    select(week.label("week"), func.sum(Movement.quantity))
                    .where(*where, *window).group_by(week))
                for n, quantity in rows:
                    received[int(n)] += sign * int(quantity)
        else:  # a partner "receives" what it collects, less collections undone
            source = [i for i, kind in scope.kind.items() if kind == LocationKind.INTERNAL]
            for here, other, sign, extra in (
                    (Movement.to_location_id, Movement.from_location_id, 1,
                     Document.kind != DocumentKind.REVERSAL.value),
                    (Movement.from_location_id, Movement.to_location_id, -1,
                     Document.kind == DocumentKind.REVERSAL.value)):
                if not source:
                    break
                rows = db.session.execute(
                    select(week.label("week"), func.sum(Movement.quantity))
                    .join(Document, Document.id == Movement.document_id)
                    .where(here.in_(ids), other.in_(source), *window, extra)
                    .group_by(week))
                for n, quantity in rows:
                    received[int(n)] += sign * int(quantity)
    where = [Distribution.distributed_on >= span.start, Distribution.distributed_on <= span.end,
             Distribution.reversal_document_id.is_(None),
             Movement.to_location_id.in_(scope.distributed_ids or [-1])]
    if scope.organisation_id is not None:
        where.append(Distribution.organisation_id == scope.organisation_id)
    week = bucket(Distribution.distributed_on, True)
    eviction = DistributionReason.EVICTION_REPLACEMENT.value
    rows = db.session.execute(
        select(week.label("week"), Distribution.reason, func.sum(Movement.quantity))
        .join(Movement, Movement.document_id == Distribution.document_id)
        .where(*where).group_by(week, Distribution.reason))
    for n, reason, quantity in rows:
        distributed[int(n)] += int(quantity)
        if str(reason) == eviction:
            evictions[int(n)] += int(quantity)
    return tuple(WeekPoint(iso_week_name(first + timedelta(weeks=n)),
                           first + timedelta(weeks=n), received[n], distributed[n],
                           evictions[n]) for n in range(CHART_WEEKS))


# --- choosing what to report on ----------------------------------------------------------

def report_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                   .order_by(Site.name)))


def report_partners() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PARTNER)
        .order_by(Organisation.name)))
