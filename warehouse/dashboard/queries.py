"""Read side of the managers' dashboard: every figure on it, computed in one place.

``dashboard(site_id)`` gathers the page: today's in and out, the requests waiting for a
manager and those approved but not yet dispatched, the items below their minimum level
with their days of cover, the stock-outs, the offline scans that need someone, and the
received-versus-distributed weeks of the chart. ``item_cover`` is the per-item part, which
the public needs list reads too.

The words mean, for a site (or every site when ``site_id`` is None):

- *received*: what came into its shelves from donors (a reversed receipt counts back out);
- *dispatched*: what left its shelves for a partner's custody;
- *distributed*: what partners handed out (net of corrections). Distributions are not
  tied to a warehouse site, so this figure is every partner's, whatever the site filter;
- *available*: on hand less reserved; a *stock-out* is an active item with a minimum level
  that has none available;
- *days of cover*, *outflow* and *below minimum*: the rules of ``warehouse.stock.queries``
  (on hand over the average daily outflow of the last ``COVER_WINDOW_DAYS`` days;
  everything that left the shelves: dispatches, write-offs, transfers, count losses).

Cost does not grow with the ledger: levels come from ``stock_level``, and the movement
table is read only for the last ``CHART_WEEKS`` weeks through the ``(to_location_id,
occurred_at)`` and ``(from_location_id, occurred_at)`` indexes.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select

from warehouse.accounts.models import Organisation
from warehouse.catalogue.models import Category, Item
from warehouse.core.clock import day_start, local_today
from warehouse.extensions import db
from warehouse.reports.queries import sort_key
from warehouse.requests.models import RequestStatus, StockRequest, StockRequestLine
from warehouse.scan import queries as conflicts
from warehouse.stock.models import Location, LocationKind, Movement, Reservation, Site, StockLevel
from warehouse.stock.queries import below_minimum, cover_window_days, days_of_cover, outflow

#: Weeks in the dashboard's chart, the current one included.
CHART_WEEKS = 12
#: Rows shown in each of the dashboard's lists; the link behind the list shows them all.
LIST_ROWS = 8


# --- per item: on hand, available, outflow -----------------------------------------------

@dataclass(frozen=True, slots=True)
class ItemCover:
    item_id: int
    item_code: str
    item: str
    unit: str
    category_id: int
    category: str
    category_position: int
    minimum_level: int
    target_level: int
    on_hand: int
    reserved: int
    #: What left the shelves over the last ``window_days`` days.
    outflow: int
    window_days: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def days_of_cover(self) -> float | None:
        """On hand over the average daily outflow; None when nothing went out."""
        return days_of_cover(self.on_hand, self.outflow, self.window_days)

    @property
    def below_minimum(self) -> bool:
        return below_minimum(self.on_hand, self.minimum_level)

    @property
    def stock_out(self) -> bool:
        return self.available <= 0

    @property
    def needed(self) -> int:
        """How many would bring what is available up to the item's target level."""
        return max(0, self.target_level - max(0, self.available))


def internal_location_ids(site_id: int | None) -> list[int]:
    query = select(Location.id).where(Location.kind == LocationKind.INTERNAL)
    if site_id is not None:
        query = query.where(Location.site_id == site_id)
    return list(db.session.scalars(query))


def _kind_ids(kind: LocationKind) -> list[int]:
    return list(db.session.scalars(select(Location.id).where(Location.kind == kind)))


def item_cover(site_id: int | None = None, *, now: datetime | None = None,
               location_ids: list[int] | None = None) -> list[ItemCover]:
    """Every active item with a minimum or target level, or with stock, at a site (or all).

    In no particular order: each page sorts what it shows its own way.
    """
    ids = internal_location_ids(site_id) if location_ids is None else location_ids
    window = cover_window_days()
    on_hand: dict[int, int] = {}
    if ids:
        on_hand = {item_id: int(quantity) for item_id, quantity in db.session.execute(
            select(StockLevel.item_id, func.sum(StockLevel.quantity))
            .where(StockLevel.location_id.in_(ids)).group_by(StockLevel.item_id))}
    out = outflow(ids, since=day_start(local_today(now) - timedelta(days=window)))
    reserved_query = (select(Reservation.item_id, func.sum(Reservation.quantity))
                      .where(Reservation.released_at.is_(None))
                      .group_by(Reservation.item_id))
    if site_id is not None:
        reserved_query = reserved_query.where(Reservation.site_id == site_id)
    reserved = {item_id: int(quantity)
                for item_id, quantity in db.session.execute(reserved_query)}
    held = {item_id for item_id, quantity in on_hand.items() if quantity}
    rows = db.session.execute(
        select(Item, Category).join(Category, Category.id == Item.category_id)
        .where(Item.active.is_(True),
               or_(Item.minimum_level > 0, Item.target_level > 0, Item.id.in_(held)))).all()
    return [ItemCover(item_id=item.id, item_code=item.code, item=item.display_name,
                      unit=item.unit.value, category_id=category.id,
                      category=category.display_name, category_position=category.position,
                      minimum_level=item.minimum_level, target_level=item.target_level,
                      on_hand=on_hand.get(item.id, 0), reserved=reserved.get(item.id, 0),
                      outflow=out.get(item.id, 0), window_days=window)
            for item, category in rows]


# --- the dashboard -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    organisation: str
    site: str
    needed_by: date
    #: When it was sent (waiting requests) or approved (approved ones).
    since: datetime | None
    lines: int
    quantity: int  # requested (waiting) or allocated (approved)
    dispatched: int


@dataclass(frozen=True, slots=True)
class RequestList:
    total: int
    rows: tuple[RequestRow, ...]


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    received: int
    distributed: int


@dataclass(frozen=True, slots=True)
class AttentionRow:
    what: str  # what the scan asked for, in a sentence
    who: str
    when: datetime
    problem: str


@dataclass(frozen=True, slots=True)
class Attention:
    """Offline scans that could not be applied and wait for someone to decide."""

    count: int
    rows: tuple[AttentionRow, ...]
    endpoint: str | None  # the page that lists them, when it exists


@dataclass(frozen=True, slots=True)
class Dashboard:
    site_id: int | None
    today: date
    received_today: int
    dispatched_today: int
    waiting: RequestList
    approved: RequestList
    below_minimum: tuple[ItemCover, ...]
    below_minimum_total: int
    stock_outs: tuple[ItemCover, ...]
    stock_outs_total: int
    attention: Attention | None
    weeks: tuple[Week, ...]


def sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                   .order_by(Site.name)))


def dashboard(site_id: int | None = None, *, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard, for a site or (``None``) every site."""
    today = local_today(now)
    ids = internal_location_ids(site_id)
    donors = _kind_ids(LocationKind.DONOR)
    partners = _kind_ids(LocationKind.PARTNER)
    start, end = day_start(today), day_start(today + timedelta(days=1))
    received_today = (_flow(donors, ids, start, end) - _flow(ids, donors, start, end))
    dispatched_today = _flow(ids, partners, start, end)

    covers = item_cover(site_id, now=now, location_ids=ids)
    outs = [c for c in covers if c.minimum_level > 0 and c.stock_out]
    outs.sort(key=lambda c: (-c.outflow, sort_key(c.item)))
    low = [c for c in covers if c.below_minimum and not c.stock_out]
    low.sort(key=lambda c: (_cover_order(c), sort_key(c.item)))

    return Dashboard(
        site_id=site_id, today=today, received_today=received_today,
        dispatched_today=dispatched_today,
        waiting=_requests(RequestStatus.SUBMITTED, site_id),
        approved=_requests(RequestStatus.APPROVED, site_id),
        below_minimum=tuple(low[:LIST_ROWS]), below_minimum_total=len(low),
        stock_outs=tuple(outs[:LIST_ROWS]), stock_outs_total=len(outs),
        attention=attention(site_id),
        weeks=tuple(weekly_flows(ids, donors, today=today)))


def _cover_order(cover: ItemCover) -> float:
    days = cover.days_of_cover
    return days if days is not None else float("inf")


def _flow(from_ids: list[int], to_ids: list[int], start: datetime, end: datetime) -> int:
    if not from_ids or not to_ids:
        return 0
    return int(db.session.scalar(
        select(func.coalesce(func.sum(Movement.quantity), 0))
        .where(Movement.to_location_id.in_(to_ids), Movement.from_location_id.in_(from_ids),
               Movement.occurred_at >= start, Movement.occurred_at < end)) or 0)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def weekly_flows(location_ids: list[int], donor_ids: list[int], *, today: date,
                 weeks: int = CHART_WEEKS) -> list[Week]:
    """Received (at these locations) and distributed (by every partner), per week.

    The last week is the current one, still running. One query per direction, over the
    window only.
    """
    starts = [week_start(today) - timedelta(weeks=weeks - 1 - n) for n in range(weeks)]
    bounds = [day_start(s) for s in starts] + [day_start(starts[-1] + timedelta(days=7))]

    # Each line's week number by one CASE over the week starts, then a GROUP BY on it:
    # the window's lines are read once, through the (to_location_id, occurred_at) index.
    week_of = case(*((Movement.occurred_at < bounds[n + 1], n) for n in range(weeks)),
                   else_=weeks)

    def per_week(from_ids, to_ids) -> list[int]:
        totals = [0] * weeks
        if not from_ids or not to_ids:
            return totals
        rows = db.session.execute(
            select(week_of, func.sum(Movement.quantity))
            .where(Movement.to_location_id.in_(to_ids), Movement.from_location_id.in_(from_ids),
                   Movement.occurred_at >= bounds[0], Movement.occurred_at < bounds[-1])
            .group_by(week_of))
        for week, quantity in rows:
            if 0 <= week < weeks:
                totals[week] = int(quantity or 0)
        return totals

    distributed_ids = _kind_ids(LocationKind.DISTRIBUTED)
    partner_ids = _kind_ids(LocationKind.PARTNER)
    received = per_week(donor_ids, location_ids)
    returned_to_donor = per_week(location_ids, donor_ids)
    distributed = per_week(partner_ids, distributed_ids)
    corrected = per_week(distributed_ids, partner_ids)
    return [Week(start, received[n] - returned_to_donor[n], distributed[n] - corrected[n])
            for n, start in enumerate(starts)]


def chart_weeks(site_id: int | None = None, *, now: datetime | None = None) -> list[Week]:
    """The chart's weeks alone: received at a site (or all) and distributed, per week."""
    return weekly_flows(internal_location_ids(site_id), _kind_ids(LocationKind.DONOR),
                        today=local_today(now))


def _requests(status: RequestStatus, site_id: int | None) -> RequestList:
    """Requests in ``status``: waiting ones longest-waiting first, approved ones soonest
    needed first."""
    condition = [StockRequest.status == status]
    if site_id is not None:
        condition.append(StockRequest.site_id == site_id)
    total = db.session.scalar(select(func.count(StockRequest.id)).where(*condition)) or 0
    if status == RequestStatus.SUBMITTED:
        order = (StockRequest.submitted_at, StockRequest.id)
        since = StockRequest.submitted_at
        quantity = func.sum(StockRequestLine.requested)
    else:
        order = (StockRequest.needed_by, StockRequest.id)
        since = StockRequest.decided_at
        quantity = func.sum(StockRequestLine.allocated)
    rows = db.session.execute(
        select(StockRequest.id, Organisation.name, Site.name, StockRequest.needed_by, since,
               func.count(StockRequestLine.id), quantity,
               func.sum(StockRequestLine.dispatched))
        .join(Organisation, Organisation.id == StockRequest.organisation_id)
        .join(Site, Site.id == StockRequest.site_id)
        .outerjoin(StockRequestLine, StockRequestLine.request_id == StockRequest.id)
        .where(*condition)
        .group_by(StockRequest.id, Organisation.name, Site.name, StockRequest.needed_by, since)
        .order_by(*order).limit(LIST_ROWS)).all()
    return RequestList(total, tuple(
        RequestRow(id_, organisation, site, needed_by, when, int(lines or 0),
                   int(quantity or 0), int(dispatched or 0))
        for id_, organisation, site, needed_by, when, lines, quantity, dispatched in rows))


def attention(site_id: int | None = None) -> Attention | None:
    """Offline scans waiting for a decision (everyone's: a scan has no site), oldest first."""
    count = int(conflicts.unresolved_conflicts_count() or 0)
    rows = tuple(
        AttentionRow(what=conflicts.what_was_scanned(c), who=c.user.name if c.user else "",
                     when=c.scanned_at or c.created_at,
                     problem=(c.problem or {}).get("detail")
                     or (c.problem or {}).get("title") or "")
        for c in (conflicts.open_conflicts()[:LIST_ROWS] if count else ()))
    return Attention(count, rows, "conflicts.index")
