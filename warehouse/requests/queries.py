"""Read side of partner requests: the catalogue partners request from, request pages, the
managers' queue and the fair split they are offered, notifications. Used by the pages and
the CSV export alike; every read of a partner's rows goes through ``visible_to``.
"""
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from warehouse.accounts.access import visible_to
from warehouse.accounts.models import Organisation, Role
from warehouse.catalogue.models import Audience, Category, Item
from warehouse.core.exports import DATE, NUMBER, Column
from warehouse.distributions.models import DistributionSite
from warehouse.extensions import db
from warehouse.requests.fair_split import fair_split
from warehouse.requests.models import (
    Notification,
    PickLine,
    RequestStatus,
    StockRequest,
    StockRequestLine,
)
from warehouse.stock.models import Location, LocationKind, Reservation, Site, StockLevel

#: The catalogue shows at most this many items at once; a search narrows it.
CATALOGUE_LIMIT = 300
LIST_LIMIT = 500


# --- the catalogue -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CatalogueFilters:
    text: str = ""
    category_id: int | None = None
    size: str = ""
    audience: str = ""


@dataclass(frozen=True, slots=True)
class CatalogueRow:
    item: Item
    category: str
    #: (site, available now) for each open site, in site order.
    available: list[tuple[Site, int]]

    @property
    def total_available(self) -> int:
        return sum(quantity for _site, quantity in self.available)


def open_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                   .order_by(Site.name)))


def open_distribution_sites() -> list[DistributionSite]:
    return list(db.session.scalars(
        select(DistributionSite).where(DistributionSite.active.is_(True))
        .order_by(DistributionSite.town, DistributionSite.name)))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position,
                                                             Category.name)))


def sizes() -> list[str]:
    return list(db.session.scalars(
        select(Item.size).where(Item.active.is_(True), Item.size.is_not(None))
        .distinct().order_by(Item.size)))


def catalogue(filters: CatalogueFilters = CatalogueFilters()) -> tuple[list[CatalogueRow], bool]:
    """Active items matching ``filters`` with what each open site has available now
    (on its shelves minus open reservations); and whether the list was cut short."""
    query = (select(Item).join(Category, Category.id == Item.category_id)
             .where(Item.active.is_(True))
             .order_by(Category.position, Category.name, Item.name, Item.size, Item.id))
    text = filters.text.strip()
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(func.lower(Item.name).like(pattern),
                                func.lower(func.coalesce(Item.name_fr, "")).like(pattern),
                                func.lower(Item.code).like(pattern)))
    if filters.category_id:
        query = query.where(Item.category_id == filters.category_id)
    if filters.size:
        query = query.where(Item.size == filters.size)
    if filters.audience in {audience.value for audience in Audience}:
        query = query.where(Item.audience == filters.audience)
    items = list(db.session.scalars(query.limit(CATALOGUE_LIMIT + 1)))
    cut = len(items) > CATALOGUE_LIMIT
    items = items[:CATALOGUE_LIMIT]
    sites = open_sites()
    availability = available_by_site_item([item.id for item in items])
    rows = [CatalogueRow(item=item, category=item.category.display_name,
                         available=[(site, availability.get((site.id, item.id), 0))
                                    for site in sites])
            for item in items]
    return rows, cut


def available_by_site_item(item_ids: list[int]) -> dict[tuple[int, int], int]:
    """What is available now, {(site id, item id): on shelves − reserved}, for these items."""
    if not item_ids:
        return {}
    on_hand = db.session.execute(
        select(Location.site_id, StockLevel.item_id, func.sum(StockLevel.quantity))
        .join(Location, Location.id == StockLevel.location_id)
        .where(Location.kind == LocationKind.INTERNAL, StockLevel.item_id.in_(item_ids))
        .group_by(Location.site_id, StockLevel.item_id))
    result = {(site_id, item_id): int(quantity) for site_id, item_id, quantity in on_hand}
    reserved = db.session.execute(
        select(Reservation.site_id, Reservation.item_id, func.sum(Reservation.quantity))
        .where(Reservation.released_at.is_(None), Reservation.item_id.in_(item_ids))
        .group_by(Reservation.site_id, Reservation.item_id))
    for site_id, item_id, quantity in reserved:
        result[(site_id, item_id)] = result.get((site_id, item_id), 0) - int(quantity)
    return {key: max(0, quantity) for key, quantity in result.items()}


def requestable_items() -> list[Item]:
    """Active items, in catalogue order, for a request form's item choice."""
    return list(db.session.scalars(
        select(Item).join(Category, Category.id == Item.category_id)
        .where(Item.active.is_(True))
        .order_by(Category.position, Category.name, Item.name, Item.size, Item.id)))


# --- requests ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LineView:
    line: StockRequestLine
    picked: int

    @property
    def item(self) -> Item:
        return self.line.item


def lines_of(stock_request: StockRequest) -> list[LineView]:
    """A request's lines with what is picked and waits for dispatch on each."""
    picked = picked_by_line([line.id for line in stock_request.lines])
    return [LineView(line, picked.get(line.id, 0)) for line in stock_request.lines]


def picked_by_line(line_ids: list[int]) -> dict[int, int]:
    """Picked and not yet dispatched (nor cancelled), per request line."""
    if not line_ids:
        return {}
    rows = db.session.execute(
        select(PickLine.request_line_id, func.sum(PickLine.quantity))
        .where(PickLine.request_line_id.in_(line_ids), PickLine.cancelled_at.is_(None),
               PickLine.dispatch_document_id.is_(None))
        .group_by(PickLine.request_line_id))
    return {line_id: int(quantity) for line_id, quantity in rows}


@dataclass(frozen=True, slots=True)
class RequestSummary:
    request: StockRequest
    lines: int
    requested: int
    allocated: int
    dispatched: int


def _summaries(query) -> list[RequestSummary]:
    totals = (select(StockRequestLine.request_id,
                     func.count(StockRequestLine.id).label("lines"),
                     func.sum(StockRequestLine.requested).label("requested"),
                     func.sum(StockRequestLine.allocated).label("allocated"),
                     func.sum(StockRequestLine.dispatched).label("dispatched"))
              .group_by(StockRequestLine.request_id).subquery())
    rows = db.session.execute(
        query.add_columns(totals.c.lines, totals.c.requested, totals.c.allocated,
                          totals.c.dispatched)
        .outerjoin(totals, totals.c.request_id == StockRequest.id))
    return [RequestSummary(row[0], int(row.lines or 0), int(row.requested or 0),
                           int(row.allocated or 0), int(row.dispatched or 0))
            for row in rows]


def _requests_query(user, status: str | None = None, *, organisation_id: int | None = None):
    query = visible_to(select(StockRequest), StockRequest, user)
    if status in {s.value for s in RequestStatus}:
        query = query.where(StockRequest.status == status)
    if organisation_id is not None:
        query = query.where(StockRequest.organisation_id == organisation_id)
    return query.order_by(StockRequest.created_at.desc(), StockRequest.id.desc())


def visible_requests(user):
    """A statement of the requests ``user`` may see in the scanner's API: coordinators their
    own; volunteers only the approved ones, which they pick."""
    statement = visible_to(select(StockRequest), StockRequest, user)
    if user.role == Role.VOLUNTEER:
        statement = statement.where(StockRequest.status == RequestStatus.APPROVED)
    return statement


def visible_request(user, request_id: int) -> StockRequest | None:
    """One request ``user`` may see (``visible_requests``), or None."""
    return db.session.scalar(visible_requests(user).where(StockRequest.id == request_id))


def requests_to_list(user, *, status: str | None = None, site_id: int | None = None,
                     limit: int | None = None) -> list[StockRequest]:
    """The requests ``user`` may see (of a status, at a site), soonest needed first."""
    statement = visible_requests(user)
    if status:
        statement = statement.where(StockRequest.status == status)
    if site_id is not None:
        statement = statement.where(StockRequest.site_id == site_id)
    return list(db.session.scalars(statement.order_by(
        StockRequest.needed_by, StockRequest.id).limit(limit)))


def lines_by_request(request_ids: list[int]) -> dict[int, list[StockRequestLine]]:
    """The lines of these requests, per request."""
    lines: dict[int, list[StockRequestLine]] = {}
    if request_ids:
        for line in db.session.scalars(select(StockRequestLine).where(
                StockRequestLine.request_id.in_(request_ids))):
            lines.setdefault(line.request_id, []).append(line)
    return lines


def requests_for(user, status: str | None = None, *, limit: int | None = LIST_LIMIT,
                 organisation_id: int | None = None) -> list[RequestSummary]:
    """The requests ``user`` may see (a coordinator: their organisation's), newest first;
    the newest ``limit`` of them (all when None), of one organisation if given."""
    query = _requests_query(user, status, organisation_id=organisation_id)
    if limit is not None:
        query = query.limit(limit)
    return _summaries(query)


@dataclass(frozen=True, slots=True)
class ExportLine:
    """One line of a request, with its request and item, for the exports."""

    request: StockRequest
    line: StockRequestLine
    item: Item


def export_lines(user, status: str | None = None, *, organisation_id: int | None = None):
    """One ``ExportLine`` per line of every request ``requests_for`` gives (with no
    limit), newest request first, read in batches."""
    query = (_requests_query(user, status, organisation_id=organisation_id)
             .add_columns(StockRequestLine, Item)
             .join(StockRequestLine, StockRequestLine.request_id == StockRequest.id)
             .join(Item, Item.id == StockRequestLine.item_id)
             .order_by(StockRequestLine.id)
             .options(selectinload(StockRequest.organisation), selectinload(StockRequest.site),
                      selectinload(StockRequest.distribution_site))
             .execution_options(yield_per=500))
    for stock_request, line, item in db.session.execute(query):
        yield ExportLine(stock_request, line, item)


def queue() -> list[RequestSummary]:
    """Submitted requests waiting for a manager: the most urgent (needed by the earliest
    day) first, then the longest waiting."""
    return _summaries(select(StockRequest)
                      .where(StockRequest.status == RequestStatus.SUBMITTED)
                      .order_by(StockRequest.needed_by, StockRequest.submitted_at,
                                StockRequest.id))


# --- the fair split a manager is offered ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class Competitor:
    request_id: int
    organisation: str
    needed_by: date
    requested: int
    share: int


@dataclass(slots=True)
class LineProposal:
    line: StockRequestLine
    available: int
    #: What every submitted request at the site asks for this item, this one included.
    demand: int
    proposed: int
    competitors: list[Competitor] = field(default_factory=list)

    @property
    def short(self) -> bool:
        return self.demand > self.available


def fair_split_minimum() -> int:
    return max(0, int(current_app.config.get("FAIR_SPLIT_MINIMUM", 1)))


def proposals(stock_request: StockRequest) -> list[LineProposal]:
    """For each line, what is available and the allocation to propose.

    When the submitted requests for an item at the request's site together ask for more
    than is available, the proposal is this request's share of ``fair_split`` between
    them (proportional, ``FAIR_SPLIT_MINIMUM`` each when possible); otherwise what was
    requested, as far as it is available.
    """
    lines = stock_request.lines
    item_ids = [line.item_id for line in lines]
    availability = available_by_site_item(item_ids)
    open_rows = db.session.execute(
        select(StockRequestLine.item_id, StockRequest.id, Organisation.name,
               StockRequest.needed_by, StockRequestLine.requested)
        .join(StockRequest, StockRequest.id == StockRequestLine.request_id)
        .join(Organisation, Organisation.id == StockRequest.organisation_id)
        .where(StockRequest.site_id == stock_request.site_id,
               StockRequest.status == RequestStatus.SUBMITTED,
               StockRequestLine.item_id.in_(item_ids or [0]))
        .order_by(StockRequest.needed_by, StockRequest.submitted_at, StockRequest.id)).all()
    minimum = fair_split_minimum()
    result = []
    for line in lines:
        available = availability.get((stock_request.site_id, line.item_id), 0)
        wanted = {row[1]: row[4] for row in open_rows if row[0] == line.item_id}
        wanted.setdefault(stock_request.id, line.requested)
        demand = sum(wanted.values())
        shares = fair_split(available, wanted, minimum)
        competitors = [Competitor(row[1], row[2], row[3], row[4], shares[row[1]])
                       for row in open_rows if row[0] == line.item_id]
        result.append(LineProposal(line=line, available=available, demand=demand,
                                   proposed=shares[stock_request.id],
                                   competitors=competitors))
    return result


# --- notifications -------------------------------------------------------------------------

def notifications_for(user, limit: int = 100) -> list[Notification]:
    if user.organisation_id is None:
        return []
    return list(db.session.scalars(
        select(Notification).where(Notification.organisation_id == user.organisation_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.organisation_id == user.organisation_id,
               Notification.read_at.is_(None))) or 0


# --- downloads -------------------------------------------------------------------------------

REQUEST_COLUMNS = [
    Column(_l("Request"), "#activity+code", NUMBER), Column(_l("Organisation"), "#org+name"),
    Column(_l("Status"), "#status", safe=True), Column(_l("Needed by"), "#date+needed", DATE),
    Column(_l("Site"), "#loc+site"), Column(_l("Distribution site"), "#loc+name"),
    Column(_l("Item code"), "#item+code", safe=True), Column(_l("Item"), "#item+name"),
    Column(_l("Requested"), "#output+num+requested", NUMBER),
    Column(_l("Allocated"), "#output+num+allocated", NUMBER),
    Column(_l("Dispatched"), "#output+num+dispatched", NUMBER),
    Column(_l("Note on the allocation"), "#description+allocation"),
]


def request_rows(user, status: str | None = None, *, organisation_id: int | None = None):
    """One row per request line (for ``REQUEST_COLUMNS``), of the requests ``user`` may
    see, as the list shows them."""
    for entry in export_lines(user, status, organisation_id=organisation_id):
        stock_request, line = entry.request, entry.line
        # The status as stored (submitted, approved…): a stable value to sort and count by.
        yield [stock_request.id, stock_request.organisation.name,
               stock_request.status.value, stock_request.needed_by,
               stock_request.site.name,
               stock_request.distribution_site.name if stock_request.distribution_site
               else None, entry.item.code, entry.item.display_name, line.requested,
               line.allocated, line.dispatched, line.allocation_note]
