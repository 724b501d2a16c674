"""Partner requests: write, submit, cancel, approve with an allocation, decline; and
notifications to partners.

Every service takes the acting user as ``actor=``, raises an error of
``warehouse.requests.errors`` (or the ledger's) when a rule is broken, writing nothing,
and commits once. Sending the same thing twice is harmless: a new request carries the
form's one-time ``client_key`` and is made once; submitting, cancelling, approving or
declining what already is so changes nothing.
"""
import logging
from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context, request
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from warehouse.accounts.models import Organisation, Role, User
from warehouse.audit.services import record
from warehouse.catalogue.models import Item
from warehouse.core.clock import local_today
from warehouse.core.errors import N_, DomainError, NotFound
from warehouse.core.mail import MailNotSent, send_mail
from warehouse.core.transactions import write_transaction
from warehouse.core.types import utcnow
from warehouse.distributions.models import DistributionSite
from warehouse.extensions import db
from warehouse.requests import errors
from warehouse.requests.models import (
    Notification,
    RequestStatus,
    StockRequest,
    StockRequestLine,
)
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import Site
from warehouse.stock.services import reserve, whole_quantity

log = logging.getLogger(__name__)

MAX_REQUEST_LINES = 100
MAX_NOTE_LENGTH = 2000
MAX_LINE_NOTE_LENGTH = 200
#: What a reservation made for a request line is called in the reservation table.
RESERVATION_SOURCE = "request_line"
EDITABLE = frozenset({RequestStatus.DRAFT, RequestStatus.SUBMITTED})
STAFF_ROLES = frozenset({Role.MANAGER, Role.ADMIN})

STATUS_LABELS = {
    RequestStatus.DRAFT: _l("draft"),
    RequestStatus.SUBMITTED: _l("submitted"),
    RequestStatus.APPROVED: _l("approved"),
    RequestStatus.DISPATCHED: _l("dispatched"),
    RequestStatus.DECLINED: _l("declined"),
    RequestStatus.CANCELLED: _l("cancelled"),
}

APPROVED_MESSAGE = N_("Request %(number)s is approved: %(allocated)s of %(requested)s "
                      "items allocated, to collect from %(site)s.")
DECLINED_MESSAGE = N_("Request %(number)s was declined: %(reason)s")
MAIL_SUBJECT = N_("%(app)s: %(message)s")
MAIL_BODY = N_("Hello %(name)s,\n\n%(message)s\n\n%(link)s\n")


@dataclass(frozen=True, slots=True)
class RequestLine:
    """A line as typed: an item id and a quantity, still to be checked."""

    item_id: int | None
    quantity: object


@dataclass(frozen=True, slots=True)
class Allocation:
    """What a manager gives one request line: a quantity as typed and a note."""

    quantity: object
    note: str | None = None


def status_label(status: RequestStatus) -> str:
    return str(STATUS_LABELS[RequestStatus(status)])


# --- writing a request ---------------------------------------------------------------------

def create_request(*, actor: User, organisation_id: int | None, site_id: int | None,
                   distribution_site_id: int | None, needed_by: date | None,
                   lines: list[RequestLine], note: str | None = None, submit: bool = False,
                   client_key: str | None = None) -> StockRequest:
    """Make a request (a draft, or submitted at once with ``submit``), and commit.

    Coordinators make requests for their own organisation; managers and admins may make
    one on behalf of a partner. The same ``client_key`` makes one request however often
    it is sent: the later sends return the first request.
    """
    if client_key:
        earlier = _by_client_key(client_key)
        if earlier is not None:
            _check_may_write(actor, earlier.organisation_id)
            return earlier
    organisation_id = _organisation_for(actor, organisation_id)
    checked = _check_request(site_id=site_id, distribution_site_id=distribution_site_id,
                             needed_by=needed_by, lines=lines, note=note)
    stock_request = StockRequest(
        organisation_id=organisation_id, site_id=site_id,
        distribution_site_id=distribution_site_id, needed_by=needed_by,
        note=checked["note"], client_key=client_key or None, created_by_id=actor.id,
        status=RequestStatus.SUBMITTED if submit else RequestStatus.DRAFT,
        submitted_at=utcnow() if submit else None)
    stock_request.lines = [StockRequestLine(item_id=item_id, requested=quantity)
                           for item_id, quantity in checked["lines"]]
    db.session.add(stock_request)
    try:
        db.session.flush()
    except IntegrityError:
        # Another send of the same form got there first.
        db.session.rollback()
        earlier = _by_client_key(client_key) if client_key else None
        if earlier is None:
            raise
        return earlier
    record(actor=actor, action="request.create", target=stock_request,
           summary=f"Request {stock_request.id} made ({stock_request.status.value})",
           organisation_id=organisation_id, lines=len(stock_request.lines))
    db.session.commit()
    return stock_request


def update_request(request_id: int, *, actor: User, site_id: int | None,
                   distribution_site_id: int | None, needed_by: date | None,
                   lines: list[RequestLine], note: str | None = None) -> StockRequest:
    """Change a draft or submitted request: its dates, sites, note and lines."""
    stock_request = _get(request_id)
    _check_may_write(actor, stock_request.organisation_id)
    _check_editable(stock_request)
    checked = _check_request(site_id=site_id, distribution_site_id=distribution_site_id,
                             needed_by=needed_by, lines=lines, note=note)
    stock_request.site_id = site_id
    stock_request.distribution_site_id = distribution_site_id
    stock_request.needed_by = needed_by
    stock_request.note = checked["note"]
    existing = {line.item_id: line for line in stock_request.lines}
    kept = []
    for item_id, quantity in checked["lines"]:
        line = existing.pop(item_id, None) or StockRequestLine(item_id=item_id)
        line.requested = quantity
        kept.append(line)
    stock_request.lines = kept
    record(actor=actor, action="request.update", target=stock_request,
           summary=f"Request {stock_request.id} changed", lines=len(kept))
    db.session.commit()
    return stock_request


def submit_request(request_id: int, *, actor: User) -> StockRequest:
    """Send a draft to the managers; a request already submitted stays as it is."""
    stock_request = _get(request_id)
    _check_may_write(actor, stock_request.organisation_id)
    if stock_request.status == RequestStatus.SUBMITTED:
        return stock_request
    _check_editable(stock_request)
    if not stock_request.lines:
        raise errors.RequestHasNoLines()
    if stock_request.needed_by < local_today():
        raise errors.NeededByInThePast(day=stock_request.needed_by.isoformat())
    changed = db.session.execute(
        update(StockRequest).where(StockRequest.id == request_id,
                                   StockRequest.status == RequestStatus.DRAFT)
        .values(status=RequestStatus.SUBMITTED, submitted_at=utcnow())).rowcount
    if changed:
        record(actor=actor, action="request.submit", target=stock_request,
               summary=f"Request {request_id} submitted")
    db.session.commit()
    db.session.refresh(stock_request)
    return stock_request


def cancel_request(request_id: int, *, actor: User) -> StockRequest:
    """Cancel a draft or submitted request; a cancelled one stays as it is."""
    stock_request = _get(request_id)
    _check_may_write(actor, stock_request.organisation_id)
    if stock_request.status == RequestStatus.CANCELLED:
        return stock_request
    _check_editable(stock_request)
    changed = db.session.execute(
        update(StockRequest).where(StockRequest.id == request_id,
                                   StockRequest.status.in_(list(EDITABLE)))
        .values(status=RequestStatus.CANCELLED)).rowcount
    if changed:
        record(actor=actor, action="request.cancel", target=stock_request,
               summary=f"Request {request_id} cancelled")
    db.session.commit()
    db.session.refresh(stock_request)
    return stock_request


# --- deciding ------------------------------------------------------------------------------

def approve_request(request_id: int, *, actor: User, allocations: dict[int, Allocation],
                    decision_note: str | None = None) -> StockRequest:
    """Approve a submitted request, allocating each line all, part or none of it.

    ``allocations`` maps each line id to what it gets (a line left out gets nothing).
    Each allocation reserves stock at the request's site in one transaction with the
    lines and the request, so what is available drops everywhere at once, or nothing is
    written. Refused: more than requested (``AllocationExceedsRequest``), more than is
    available (the ledger's ``NotEnoughAvailable``, its ``line`` set to the line id), a
    request not submitted (``RequestNotSubmitted``; an approved one is returned as it is,
    so a double click approves once). The partner is notified.
    """
    stock_request = _get(request_id)
    _check_staff(actor)
    if stock_request.status == RequestStatus.APPROVED:
        return stock_request
    if stock_request.status != RequestStatus.SUBMITTED:
        raise errors.RequestNotSubmitted(number=request_id,
                                         status=status_label(stock_request.status))
    decision_note = _clean_note(decision_note, MAX_NOTE_LENGTH)
    planned = []
    for line in stock_request.lines:
        allocation = allocations.get(line.id) or Allocation(0)
        quantity = _allocated_quantity(line, allocation.quantity)
        note = _clean_note(allocation.note, MAX_LINE_NOTE_LENGTH)
        planned.append((line.id, line.item_id, line.requested, quantity, note))
    site_id, organisation_id = stock_request.site_id, stock_request.organisation_id
    actor_id = actor.id
    # The write below runs on a connection of its own; the session must not read during
    # it (on SQLite a read begun before the write commits could not write afterwards).
    db.session.commit()

    with write_transaction() as conn:
        changed = conn.execute(
            update(StockRequest).where(StockRequest.id == request_id,
                                       StockRequest.status == RequestStatus.SUBMITTED)
            .values(status=RequestStatus.APPROVED, decided_by_id=actor_id,
                    decided_at=utcnow(), decision_note=decision_note)).rowcount
        # Nothing matched: approved or changed meanwhile by someone else; write nothing.
        if changed:
            for line_id, item_id, _requested, quantity, note in planned:
                try:
                    reserve(conn, site_id=site_id, item_id=item_id,
                            organisation_id=organisation_id, quantity=quantity,
                            source_type=RESERVATION_SOURCE, source_id=line_id,
                            actor=actor_id)
                except stock_errors.NotEnoughAvailable as error:
                    error.line = line_id
                    raise
                conn.execute(update(StockRequestLine).where(StockRequestLine.id == line_id)
                             .values(allocated=quantity, allocation_note=note))
    db.session.commit()
    stock_request = _get(request_id)
    if not changed:
        if stock_request.status == RequestStatus.APPROVED:
            return stock_request
        raise errors.RequestNotSubmitted(number=request_id,
                                         status=status_label(stock_request.status))
    allocated = sum(line[3] for line in planned)
    requested = sum(line[2] for line in planned)
    record(actor=actor, action="request.approve", target=stock_request,
           summary=f"Request {request_id} approved: {allocated} of {requested} allocated",
           allocated=allocated, requested=requested)
    db.session.commit()
    notify(organisation_id, APPROVED_MESSAGE,
           {"number": request_id, "allocated": allocated, "requested": requested,
            "site": stock_request.site.name},
           request_link(request_id))
    return stock_request


def decline_request(request_id: int, *, actor: User, reason: str | None) -> StockRequest:
    """Decline a submitted request with a reason the partner reads, and notify them.

    Declining a declined request again changes nothing.
    """
    stock_request = _get(request_id)
    _check_staff(actor)
    if stock_request.status == RequestStatus.DECLINED:
        return stock_request
    if stock_request.status != RequestStatus.SUBMITTED:
        raise errors.RequestNotSubmitted(number=request_id,
                                         status=status_label(stock_request.status))
    reason = _clean_note(reason, MAX_NOTE_LENGTH)
    if not reason:
        raise errors.DeclineNeedsReason()
    changed = db.session.execute(
        update(StockRequest).where(StockRequest.id == request_id,
                                   StockRequest.status == RequestStatus.SUBMITTED)
        .values(status=RequestStatus.DECLINED, decided_by_id=actor.id, decided_at=utcnow(),
                decision_note=reason)).rowcount
    if changed:
        record(actor=actor, action="request.decline", target=stock_request,
               summary=f"Request {request_id} declined", reason=reason)
    db.session.commit()
    db.session.refresh(stock_request)
    if changed:
        notify(stock_request.organisation_id, DECLINED_MESSAGE,
               {"number": request_id, "reason": reason}, request_link(request_id))
    elif stock_request.status != RequestStatus.DECLINED:
        raise errors.RequestNotSubmitted(number=request_id,
                                         status=status_label(stock_request.status))
    return stock_request


# --- notifications -------------------------------------------------------------------------

def notify(organisation_id: int, message: str, params: dict | None = None,
           link: str | None = None) -> Notification:
    """Tell a partner organisation something, and commit.

    ``message`` is an untranslated template marked with ``N_`` and ``params`` fills its
    ``%(name)s`` placeholders (plain JSON values); it is translated when shown, so each
    reader sees it in their own language. ``link`` is a path in the app (e.g. the
    request's page). When a mail server is configured (or under testing), each active
    coordinator of the organisation also gets it by e-mail in their language; a mail
    that cannot be sent is logged and does not undo the notification.
    """
    params = dict(params or {})
    notification = Notification(organisation_id=organisation_id, message=message,
                                params=params, link=link)
    db.session.add(notification)
    db.session.commit()
    app = current_app._get_current_object()
    if app.config.get("MAIL_SERVER") or app.testing:
        coordinators = db.session.scalars(
            select(User).where(User.organisation_id == organisation_id,
                               User.role == Role.COORDINATOR, User.active.is_(True))
            .order_by(User.id)).all()
        for user in coordinators:
            _mail_notification(user, message, params, link)
    return notification


def mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's organisation's notifications read (all, or these); return how many."""
    if actor.organisation_id is None:
        return 0
    statement = update(Notification).where(
        Notification.organisation_id == actor.organisation_id,
        Notification.read_at.is_(None))
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(notification_ids))
    count = db.session.execute(statement.values(read_at=utcnow())).rowcount
    db.session.commit()
    return count


def notification_text(notification: Notification) -> str:
    """The notification in the current language."""
    try:
        return gettext(notification.message, **(notification.params or {}))
    except (KeyError, TypeError, ValueError):  # a template changed since it was written
        return notification.message


def _mail_notification(user: User, message: str, params: dict, link: str | None) -> None:
    languages = current_app.config["LANGUAGES"]
    language = user.locale if user.locale in languages else current_app.config.get(
        "BABEL_DEFAULT_LOCALE", languages[0])
    full_link = link or ""
    if link and has_request_context():
        full_link = request.host_url.rstrip("/") + link
    with force_locale(language):
        text = gettext(message, **params)
        values = {"app": gettext("Warehouse"), "message": text, "name": user.name,
                  "link": full_link}
        try:
            send_mail(to=user.email, subject=gettext(MAIL_SUBJECT, **values),
                      body=gettext(MAIL_BODY, **values), after_response=True)
        except MailNotSent:
            log.warning("notification mail to %s not sent", user.email)


def request_link(request_id: int) -> str:
    return f"/requests/{request_id}"


# --- checks --------------------------------------------------------------------------------

def _get(request_id: int) -> StockRequest:
    stock_request = db.session.get(StockRequest, request_id)
    if stock_request is None:
        raise NotFound()
    return stock_request


def _by_client_key(client_key: str) -> StockRequest | None:
    return db.session.scalar(select(StockRequest).where(StockRequest.client_key == client_key))


def _organisation_for(actor: User, organisation_id: int | None) -> int:
    if actor.role == Role.COORDINATOR:
        if organisation_id not in (None, actor.organisation_id):
            raise errors.NotYourOrganisation()
        organisation_id = actor.organisation_id
    elif actor.role not in STAFF_ROLES:
        raise errors.NotYourOrganisation()
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or not organisation.active:
        raise errors.UnknownOrganisation()
    return organisation.id


def _check_may_write(actor: User, organisation_id: int) -> None:
    if actor.role in STAFF_ROLES:
        return
    if actor.role != Role.COORDINATOR or actor.organisation_id != organisation_id:
        raise errors.NotYourOrganisation()


def _check_staff(actor: User) -> None:
    if actor.role not in STAFF_ROLES:
        raise errors.NotYourOrganisation()


def _check_editable(stock_request: StockRequest) -> None:
    if stock_request.status not in EDITABLE:
        raise errors.RequestNotEditable(number=stock_request.id,
                                        status=status_label(stock_request.status))


def _check_request(*, site_id, distribution_site_id, needed_by, lines, note) -> dict:
    """Check what a request form says; return the note and lines cleaned up.

    Every problem is found, not only the first: the first is raised, carrying them all
    in ``.problems``, so a form can mark each field and line at once.
    """
    problems: list = []
    if needed_by is None:
        problems.append(errors.NeededByMissing())
    elif needed_by < local_today():
        problems.append(errors.NeededByInThePast(day=needed_by.isoformat()))
    site = db.session.get(Site, site_id) if site_id else None
    if site is None:
        problems.append(errors.UnknownSite())
    elif not site.active:
        problems.append(errors.SiteClosed(site=site.name))
    place = db.session.get(DistributionSite, distribution_site_id) \
        if distribution_site_id else None
    if place is None:
        problems.append(errors.UnknownDistributionSite())
    elif not place.active:
        problems.append(errors.DistributionSiteInactive(place=place.name))
    if not lines:
        problems.append(errors.RequestHasNoLines())
    elif len(lines) > MAX_REQUEST_LINES:
        problems.append(errors.TooManyRequestLines(maximum=MAX_REQUEST_LINES))
        lines = []
    quantities: dict[int, int] = {}
    for index, line in enumerate(lines):
        try:
            item, quantity = _check_line(index, line)
        except DomainError as problem:
            problems.append(problem)
            continue
        # The same item twice is one line asking for both quantities.
        quantities[item.id] = quantities.get(item.id, 0) + quantity
    try:
        note = _clean_note(note, MAX_NOTE_LENGTH)
    except DomainError as problem:
        problems.append(problem)
    if problems:
        problems[0].problems = problems
        raise problems[0]
    return {"note": note, "lines": list(quantities.items())}


def _check_line(index: int, line: RequestLine) -> tuple[Item, int]:
    item = db.session.get(Item, line.item_id) if line.item_id else None
    if item is None:
        raise errors.UnknownRequestItem(line=index)
    if not item.active:
        raise errors.RequestItemInactive(line=index, item=item.display_name)
    if str(line.quantity if line.quantity is not None else "").strip() == "":
        raise errors.QuantityMissing(line=index, item=item.display_name)
    try:
        return item, whole_quantity(line.quantity, item)
    except (stock_errors.QuantityMustBePositive, stock_errors.QuantityMustBeWhole,
            stock_errors.QuantityTooLarge) as error:
        error.line, error.field = index, "quantity"
        raise


def _allocated_quantity(line: StockRequestLine, typed) -> int:
    text = str(typed if typed is not None else "").strip()
    if text in ("", "0"):
        return 0
    try:
        quantity = whole_quantity(text, line.item)
    except (stock_errors.QuantityMustBeWhole, stock_errors.QuantityMustBePositive,
            stock_errors.QuantityTooLarge):
        raise errors.AllocationNotWhole(line=line.id, item=line.item.display_name,
                                        requested=line.requested, quantity=typed) from None
    if quantity > line.requested:
        raise errors.AllocationExceedsRequest(line=line.id, item=line.item.display_name,
                                              quantity=quantity, requested=line.requested)
    return quantity


def _clean_note(note: str | None, maximum: int) -> str | None:
    note = (note or "").strip()
    if len(note) > maximum:
        raise errors.NoteTooLong(maximum=maximum)
    return note or None
