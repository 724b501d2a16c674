"""Read side of custody and distributions: what a partner holds, what moved in and out of
its custody, and the distribution list (page and CSV alike).

A distribution's items are its document's movements, so what a page or an export says is
what the ledger holds. Lists read one page of rows, then their lines in one query on
``movement.document_id`` (indexed), so their cost does not grow with the ledger.
"""
import math
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from warehouse.accounts.access import visible_to
from warehouse.accounts.models import Organisation, OrganisationKind, User
from warehouse.catalogue.models import Item, item_display_name
from warehouse.core.exports import DATE, DATETIME, NUMBER, Column
from warehouse.core.words import DISTRIBUTION_REASONS
from warehouse.distributions.models import Distribution, DistributionReason, DistributionSite
from warehouse.extensions import db
from warehouse.stock.models import (
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
    Site,
    StockLevel,
)

PER_PAGE = 50


@dataclass(frozen=True, slots=True)
class Page:
    rows: list
    total: int
    page: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _page_number(page: int | None) -> int:
    return max(1, page or 1)


# --- partners and places -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Choice:
    id: int
    label: str


def partners() -> list[Choice]:
    """Active partner organisations, by name."""
    return [Choice(o.id, o.name) for o in db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrganisationKind.PARTNER, Organisation.active.is_(True))
        .order_by(Organisation.name))]


def partner(organisation_id: int) -> Organisation | None:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind != OrganisationKind.PARTNER:
        return None
    return organisation


def distribution_sites(*, include_inactive: bool = False) -> list[Choice]:
    statement = select(DistributionSite).order_by(DistributionSite.town, DistributionSite.name)
    if not include_inactive:
        statement = statement.where(DistributionSite.active.is_(True))
    return [Choice(s.id, f"{s.name} · {s.town}") for s in db.session.scalars(statement)]


def warehouse_sites() -> list[Choice]:
    """Open warehouse sites stock can be returned to."""
    return [Choice(s.id, s.name) for s in db.session.scalars(
        select(Site).where(Site.active.is_(True)).order_by(Site.name))]


# --- custody -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Held:
    item_id: int
    item_code: str
    item: str
    unit: str
    quantity: int


def _custody_id(organisation_id: int) -> int | None:
    return db.session.scalar(select(Location.id).where(
        Location.kind == LocationKind.PARTNER, Location.organisation_id == organisation_id))


def custody(organisation_id: int) -> list[Held]:
    """What a partner holds now, per item, by item name."""
    location_id = _custody_id(organisation_id)
    if location_id is None:
        return []
    rows = db.session.execute(
        select(Item, StockLevel.quantity).join(StockLevel, StockLevel.item_id == Item.id)
        .where(StockLevel.location_id == location_id, StockLevel.quantity > 0)).all()
    held = [Held(item.id, item.code, item.display_name, item.unit.value, quantity)
            for item, quantity in rows]
    return sorted(held, key=lambda row: row.item.casefold())


@dataclass(frozen=True, slots=True)
class CustodyMovement:
    """One line into or out of a partner's custody."""

    document_id: int
    kind: DocumentKind
    reason: str | None
    occurred_at: datetime
    item_code: str
    item: str
    #: Positive into custody, negative out of it.
    change: int
    other_side: str
    actor: str
    #: The document was cancelled by a reversal, or is itself one.
    corrected: bool
    is_reversal: bool


def custody_history(organisation_id: int, *, page: int | None = 1,
                    per_page: int | None = PER_PAGE) -> Page:
    """Movements into and out of a partner's custody, newest first (all of them when
    ``per_page`` is None)."""
    page = _page_number(page)
    location_id = _custody_id(organisation_id)
    if location_id is None:
        return Page([], 0, page)
    touches = or_(Movement.from_location_id == location_id,
                  Movement.to_location_id == location_id)
    total = db.session.scalar(select(func.count()).select_from(Movement).where(touches))
    reversal = aliased(Document)
    source, target = aliased(Location), aliased(Location)
    statement = (
        select(Movement, Document.kind, Document.reason, Document.reverses_id, Item.code,
               Item.name, Item.name_fr, Item.size, source.name, target.name, User.name,
               reversal.id)
        .join(Document, Document.id == Movement.document_id)
        .join(Item, Item.id == Movement.item_id)
        .join(source, source.id == Movement.from_location_id)
        .join(target, target.id == Movement.to_location_id)
        .join(User, User.id == Document.actor_id)
        .outerjoin(reversal, reversal.reverses_id == Document.id)
        .where(touches)
        .order_by(Movement.occurred_at.desc(), Movement.id.desc()))
    if per_page is not None:
        statement = statement.limit(per_page).offset((page - 1) * per_page)
    rows = []
    for (movement, kind, reason, reverses_id, code, name, name_fr, size, source_name,
         target_name, actor, reversal_id) in db.session.execute(statement):
        into = movement.to_location_id == location_id
        rows.append(CustodyMovement(
            document_id=movement.document_id, kind=kind, reason=reason,
            occurred_at=movement.occurred_at, item_code=code,
            item=item_display_name(name, name_fr, size),
            change=movement.quantity if into else -movement.quantity,
            other_side=source_name if into else target_name, actor=actor,
            corrected=reversal_id is not None, is_reversal=reverses_id is not None))
    return Page(rows, total, page, per_page or max(total, 1))


# --- distributions -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DistributionFilters:
    """What the list is narrowed to. Dates are days, both included."""

    date_from: date | None = None
    date_to: date | None = None
    distribution_site_id: int | None = None
    reason: DistributionReason | None = None
    organisation_id: int | None = None

    @property
    def active(self) -> bool:
        return any(getattr(self, name) is not None for name in self.__slots__)


@dataclass(frozen=True, slots=True)
class ItemLine:
    item_id: int
    item_code: str
    item: str
    unit: str
    quantity: int


@dataclass(slots=True)
class DistributionRow:
    id: int
    organisation_id: int
    organisation: str
    distributed_on: date
    site: str
    town: str
    region: str
    reason: DistributionReason
    people_total: int
    women: int | None
    men: int | None
    children: int | None
    unaccompanied_minors: int | None
    note: str | None
    document_id: int
    reversal_document_id: int | None
    recorded_by: str
    created_at: datetime
    lines: list[ItemLine] = field(default_factory=list)

    @property
    def corrected(self) -> bool:
        return self.reversal_document_id is not None


def _distribution_select(user):
    statement = (
        select(Distribution, Organisation.name, DistributionSite.name, DistributionSite.town,
               DistributionSite.region, User.name)
        .join(Organisation, Organisation.id == Distribution.organisation_id)
        .join(DistributionSite, DistributionSite.id == Distribution.distribution_site_id)
        .join(User, User.id == Distribution.created_by_id))
    return visible_to(statement, Distribution, user)


def _rows(result) -> list[DistributionRow]:
    rows = [DistributionRow(
        id=d.id, organisation_id=d.organisation_id, organisation=org,
        distributed_on=d.distributed_on,
        site=site, town=town, region=region, reason=d.reason, people_total=d.people_total,
        women=d.women, men=d.men, children=d.children,
        unaccompanied_minors=d.unaccompanied_minors, note=d.note, document_id=d.document_id,
        reversal_document_id=d.reversal_document_id, recorded_by=by, created_at=d.created_at)
        for d, org, site, town, region, by in result]
    by_document = {row.document_id: row for row in rows}
    if by_document:
        # One line per item: stock handed out of several boxes is several ledger lines.
        lines = db.session.execute(
            select(Movement.document_id, Movement.item_id,
                   func.sum(Movement.quantity).label("quantity"), Item.code, Item.name,
                   Item.name_fr, Item.size, Item.unit)
            .join(Item, Item.id == Movement.item_id)
            .where(Movement.document_id.in_(list(by_document)))
            .group_by(Movement.document_id, Movement.item_id, Item.code, Item.name,
                      Item.name_fr, Item.size, Item.unit)
            .order_by(Movement.document_id, func.min(Movement.line_no)))
        for line in lines:
            by_document[line.document_id].lines.append(ItemLine(
                line.item_id, line.code, item_display_name(line.name, line.name_fr, line.size),
                line.unit.value, line.quantity))
    return rows


def distributions(user, filters: DistributionFilters, *, page: int | None = 1,
                  per_page: int | None = PER_PAGE) -> Page:
    """Distributions ``user`` may see, newest first (all of them when ``per_page`` is None)."""
    page = _page_number(page)
    statement = _distribution_select(user)
    conditions = []
    if filters.date_from:
        conditions.append(Distribution.distributed_on >= filters.date_from)
    if filters.date_to:
        conditions.append(Distribution.distributed_on <= filters.date_to)
    if filters.distribution_site_id:
        conditions.append(Distribution.distribution_site_id == filters.distribution_site_id)
    if filters.reason:
        conditions.append(Distribution.reason == filters.reason)
    if filters.organisation_id:
        conditions.append(Distribution.organisation_id == filters.organisation_id)
    statement = statement.where(*conditions)
    total = db.session.scalar(
        visible_to(select(func.count()).select_from(Distribution), Distribution, user)
        .where(*conditions))
    statement = statement.order_by(Distribution.distributed_on.desc(), Distribution.id.desc())
    if per_page is not None:
        statement = statement.limit(per_page).offset((page - 1) * per_page)
    return Page(_rows(db.session.execute(statement)), total, page, per_page or max(total, 1))


def distribution(user, distribution_id: int) -> DistributionRow | None:
    """One distribution ``user`` may see, with its lines; None otherwise."""
    rows = _rows(db.session.execute(
        _distribution_select(user).where(Distribution.id == distribution_id)))
    return rows[0] if rows else None


# --- downloads: the rows of the lists' CSV and XLSX, and of a partner's archive ----------

def custody_kind_label(kind: DocumentKind, is_reversal: bool) -> str:
    """What a document did to a partner's custody, in the reader's words."""
    if is_reversal:
        return gettext("Correction")
    return {
        DocumentKind.DISPATCH: gettext("Dispatched to the partner"),
        DocumentKind.DISTRIBUTION: gettext("Distributed"),
        DocumentKind.RETURN: gettext("Returned to the warehouse"),
        DocumentKind.TRANSFER: gettext("Transfer"),
        DocumentKind.ADJUSTMENT: gettext("Count adjustment"),
        DocumentKind.WRITE_OFF: gettext("Written off"),
    }.get(kind, kind.value)


def reason_label(reason) -> str:
    """A distribution's reason in the reader's words (an unknown one as stored)."""
    label = DISTRIBUTION_REASONS.get(reason or "")
    return str(label) if label is not None else reason or ""


CUSTODY_COLUMNS = [
    Column(_l("When"), "#date", DATETIME), Column(_l("Document"), "#activity+code", NUMBER),
    Column(_l("What"), "#activity+type", safe=True),
    Column(_l("Reason"), "#description+reason", safe=True),
    Column(_l("Item code"), "#item+code", safe=True), Column(_l("Item"), "#item+name"),
    Column(_l("Change"), "#output+num", NUMBER), Column(_l("From or to"), "#loc+name"),
    Column(_l("Recorded by"), "#contact+name"), Column(_l("Corrected"), None, safe=True),
]


def custody_rows(organisation_id: int, *, kinds: set[DocumentKind] | None = None):
    """A partner's custody history as export rows, newest first (for ``CUSTODY_COLUMNS``);
    only documents of ``kinds`` if given."""
    yes = gettext("yes")
    history = custody_history(organisation_id, per_page=None)
    return ([row.occurred_at, row.document_id, custody_kind_label(row.kind, row.is_reversal),
             reason_label(row.reason), row.item_code, row.item, row.change, row.other_side,
             row.actor, yes if row.corrected else ""]
            for row in history.rows if kinds is None or row.kind in kinds)


DISTRIBUTION_COLUMNS = [
    Column(_l("Distribution"), "#activity+code", NUMBER), Column(_l("Day"), "#date", DATE),
    Column(_l("Partner"), "#org+name"), Column(_l("Distribution site"), "#loc+name"),
    Column(_l("Town"), "#loc+town"), Column(_l("Region"), "#adm1+name"),
    Column(_l("Reason"), "#description+reason", safe=True),
    Column(_l("Item code"), "#item+code", safe=True), Column(_l("Item"), "#item+name"),
    Column(_l("Unit"), "#item+unit", safe=True),
    Column(_l("Quantity"), "#output+num", NUMBER),
    Column(_l("People reached"), "#reached+total", NUMBER),
    Column(_l("Women"), "#reached+f", NUMBER), Column(_l("Men"), "#reached+m", NUMBER),
    Column(_l("Children"), "#reached+children", NUMBER),
    Column(_l("Unaccompanied minors"), "#reached+minors+unaccompanied", NUMBER),
    Column(_l("Note"), "#description+note"), Column(_l("Recorded by"), "#contact+name"),
    Column(_l("Corrected"), "#status+corrected", safe=True),
]


def distribution_rows(user, filters: DistributionFilters):
    """The distributions ``user`` may see, one row per item (for ``DISTRIBUTION_COLUMNS``).

    The people reached are a distribution's, repeated on each of its items' rows.
    """
    yes = gettext("yes")
    found = distributions(user, filters, per_page=None)
    return ([row.id, row.distributed_on, row.organisation, row.site, row.town, row.region,
             reason_label(row.reason), line.item_code, line.item, line.unit, line.quantity,
             row.people_total, row.women, row.men, row.children, row.unaccompanied_minors,
             row.note, row.recorded_by, yes if row.corrected else ""]
            for row in found.rows for line in row.lines)
