"""Picking and dispatch of approved requests.

Picking sets stock aside for a request line (a ``PickLine``) and moves nothing: the box or
the loose stock stays where it is until a manager dispatches. ``dispatch_request`` then
posts ONE ledger document taking every waiting pick from where it was picked to the
partner's custody, and in the same transaction marks the picks dispatched, adds to each
line's ``dispatched``, shrinks or releases the line's reservation and settles the
request's status. If the stock changed since picking (a box moved or emptied), the
ledger refuses with its own error and nothing is written.

Picks are serialised by one lock (a PostgreSQL advisory lock; SQLite's write transaction
is exclusive already): picking is human-paced, and one lock makes the checks "box not
already picked", "no more than allocated" and "no more loose stock than is there" hold
between volunteers picking at once.
"""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from warehouse.accounts.models import User
from warehouse.audit.models import AuditEvent
from warehouse.catalogue.models import Item, item_display_name
from warehouse.core.errors import N_
from warehouse.core.transactions import write_transaction
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.requests import errors
from warehouse.requests.models import PickLine, RequestStatus, StockRequest, StockRequestLine
from warehouse.requests.services import notify, request_link
from warehouse.stock import services as ledger
from warehouse.stock.models import (
    Box,
    Document,
    Location,
    LocationKind,
    Reservation,
    Site,
    StockLevel,
)

#: Reservations of request lines carry this source type (see ``ledger.reserve``).
SOURCE_TYPE = "request_line"
#: The advisory lock every pick and unpick holds: "PICK".
PICK_LOCK = 0x5049434B
#: How long a form's one-time key is remembered against a second submission.
KEY_MEMORY = timedelta(hours=12)
MAX_KEY_LENGTH = 100
READY_MESSAGE = N_("Request %(request)s is picked and ready to collect.")
DISPATCHED_MESSAGE = N_("Request %(request)s was dispatched to you: see its dispatch note.")
PART_DISPATCHED_MESSAGE = N_("Part of request %(request)s was dispatched to you; the rest "
                             "stays reserved.")


@dataclass(frozen=True)
class Picked:
    pick_line_id: int | None
    quantity: int
    whole_box: bool = False
    replayed: bool = False


# --- picking ------------------------------------------------------------------------------

def pick_box(target: StockRequest | StockRequestLine, *, box: Box | int,
             quantity: int | str | None = None, actor, key: str | None = None) -> Picked:
    """Pick a box (all of it, or ``quantity`` out of it) for a request or one of its lines.

    Given the request, the line is the one for the box's item. Without ``quantity`` the
    whole box is picked when it holds no more than is still needed, else
    ``PartialBoxNeedsQuantity`` asks how many. Raises ``RequestNotApproved``,
    ``BoxIsEmptyOrBlank``, ``BoxNotOnAShelf``, ``BoxOfAnotherSite``,
    ``WrongItemForRequest``, ``BoxAlreadyPicked``, ``OverPick``, ``PickMoreThanBoxHolds``;
    ``key`` (the form's one-time key) makes a second submission raise ``PickRepeated``
    instead of picking twice.
    """
    request_id, line_id = _target_ids(target)
    box_id = box if isinstance(box, int) else box.id
    actor_id = actor if isinstance(actor, int) else actor.id
    wanted = None if quantity in (None, "") else _whole(quantity)
    with write_transaction() as conn:
        _lock(conn)
        _refuse_repeat(conn, actor_id, key)
        request = _approved_request(conn, request_id)
        found = conn.execute(select(Box.id, Box.code, Box.item_id, Box.quantity,
                                    Box.location_id).where(Box.id == box_id)).one()
        if found.item_id is None or found.quantity <= 0:
            raise errors.BoxIsEmptyOrBlank(box=found.code)
        location = conn.execute(select(Location.id, Location.name, Location.kind,
                                       Location.site_id)
                                .where(Location.id == found.location_id)).one()
        if location.kind != LocationKind.INTERNAL:
            raise errors.BoxNotOnAShelf(box=found.code, location=location.name)
        if location.site_id != request.site_id:
            raise errors.BoxOfAnotherSite(box=found.code, box_site=_site(conn, location.site_id),
                                          request=request.id,
                                          site=_site(conn, request.site_id))
        lines = _line_states(conn, request.id)
        if line_id is not None:
            line = next(line for line in lines if line.id == line_id)
            if line.item_id != found.item_id:
                raise _wrong_item(conn, found, request.id, lines)
        else:
            matching = [line for line in lines if line.item_id == found.item_id
                        and line.allocated > 0]
            if not matching:
                raise _wrong_item(conn, found, request.id, lines)
            line = next((line for line in matching if line.left > 0), matching[0])
        other = conn.execute(
            select(StockRequestLine.request_id).join(PickLine)
            .where(PickLine.box_id == found.id, PickLine.dispatch_document_id.is_(None),
                   PickLine.cancelled_at.is_(None)).limit(1)).scalar()
        if other is not None:
            raise errors.BoxAlreadyPicked(box=found.code, request=other)
        item = _item_name(conn, found.item_id)
        if wanted is None:
            if line.left <= 0 or found.quantity <= line.left:
                wanted = found.quantity
            else:
                raise errors.PartialBoxNeedsQuantity(box=found.code, holds=found.quantity,
                                                     item=item, left=line.left)
        if wanted > found.quantity:
            raise errors.PickMoreThanBoxHolds(box=found.code, holds=found.quantity, item=item,
                                              requested=wanted)
        _refuse_over_pick(line, wanted, item, request.id)
        pick_id = _insert_pick(conn, line.id, location.id, found.id, wanted, actor_id, key,
                               f"Picked box {found.code} ({wanted}) for request {request.id}")
        ready = _all_picked(conn, request.id)
    if ready:
        _notify_ready(request)
    return Picked(pick_id, wanted, whole_box=wanted == found.quantity)


def pick_loose(request_line: StockRequestLine, *, location: Location | int,
               quantity: int | str, actor, key: str | None = None) -> Picked:
    """Pick ``quantity`` of a line's item from the loose stock (outside boxes) of a shelf.

    Loose stock already picked for another request and not yet dispatched does not count
    as there. Raises ``RequestNotApproved``, ``BoxNotOnAShelf``'s sibling
    ``LocationOfAnotherSite``, ``NotEnoughLooseStock``, ``OverPick``, ``PickRepeated``.
    """
    request_id, line_id = _target_ids(request_line)
    location_id = location if isinstance(location, int) else location.id
    actor_id = actor if isinstance(actor, int) else actor.id
    wanted = _whole(quantity)
    with write_transaction() as conn:
        _lock(conn)
        _refuse_repeat(conn, actor_id, key)
        request = _approved_request(conn, request_id)
        place = conn.execute(select(Location.id, Location.name, Location.kind,
                                    Location.site_id)
                             .where(Location.id == location_id)).one()
        if place.kind != LocationKind.INTERNAL or place.site_id != request.site_id:
            raise errors.LocationOfAnotherSite(
                location=place.name, location_site=_site(conn, place.site_id),
                request=request.id, site=_site(conn, request.site_id))
        line = next(line for line in _line_states(conn, request.id) if line.id == line_id)
        item = _item_name(conn, line.item_id)
        free = loose_available(conn, location_id=place.id, item_id=line.item_id)
        if wanted > free:
            raise errors.NotEnoughLooseStock(location=place.name, available=max(free, 0),
                                             item=item, requested=wanted)
        _refuse_over_pick(line, wanted, item, request.id)
        pick_id = _insert_pick(conn, line.id, place.id, None, wanted, actor_id, key,
                               f"Picked {wanted} loose from {place.name} for request "
                               f"{request.id}")
        ready = _all_picked(conn, request.id)
    if ready:
        _notify_ready(request)
    return Picked(pick_id, wanted)


def unpick(pick_line: PickLine | int, *, actor) -> None:
    """Undo a pick that has not been dispatched: the stock is free to pick again.

    Raises ``PickAlreadyDispatched`` for a pick dispatched or undone already (a second
    click of the same button included).
    """
    pick_id = pick_line if isinstance(pick_line, int) else pick_line.id
    actor_id = actor if isinstance(actor, int) else actor.id
    with write_transaction() as conn:
        _lock(conn)
        changed = conn.execute(update(PickLine).where(
            PickLine.id == pick_id, PickLine.dispatch_document_id.is_(None),
            PickLine.cancelled_at.is_(None)).values(cancelled_at=utcnow())).rowcount
        if not changed:
            raise errors.PickAlreadyDispatched()
        conn.execute(insert(AuditEvent).values(
            at=utcnow(), actor_id=actor_id, action="unpick", target_type="pick_line",
            target_id=pick_id, summary=f"Undid pick {pick_id}", details={}))


def loose_available(conn: Connection, *, location_id: int, item_id: int) -> int:
    """Loose stock of an item at a shelf that no waiting pick has set aside."""
    level = conn.execute(select(StockLevel.quantity).where(
        StockLevel.location_id == location_id, StockLevel.item_id == item_id)).scalar() or 0
    boxed = conn.execute(select(func.coalesce(func.sum(Box.quantity), 0)).where(
        Box.location_id == location_id, Box.item_id == item_id)).scalar()
    picked = conn.execute(select(func.coalesce(func.sum(PickLine.quantity), 0))
                          .join(StockRequestLine)
                          .where(PickLine.from_location_id == location_id,
                                 PickLine.box_id.is_(None),
                                 StockRequestLine.item_id == item_id,
                                 PickLine.dispatch_document_id.is_(None),
                                 PickLine.cancelled_at.is_(None))).scalar()
    return int(level) - int(boxed) - int(picked)


@dataclass
class _LineState:
    id: int
    item_id: int
    allocated: int
    dispatched: int
    picked: int

    @property
    def left(self) -> int:
        return self.allocated - self.dispatched - self.picked


def _line_states(conn: Connection, request_id: int) -> list[_LineState]:
    picked = (select(PickLine.request_line_id, func.sum(PickLine.quantity).label("q"))
              .where(PickLine.dispatch_document_id.is_(None), PickLine.cancelled_at.is_(None))
              .group_by(PickLine.request_line_id).subquery())
    rows = conn.execute(
        select(StockRequestLine.id, StockRequestLine.item_id, StockRequestLine.allocated,
               StockRequestLine.dispatched, func.coalesce(picked.c.q, 0))
        .outerjoin(picked, picked.c.request_line_id == StockRequestLine.id)
        .where(StockRequestLine.request_id == request_id).order_by(StockRequestLine.id))
    return [_LineState(*row) for row in rows]


def _all_picked(conn: Connection, request_id: int) -> bool:
    return all(line.left <= 0 for line in _line_states(conn, request_id))


def _notify_ready(request) -> None:
    notify(request.organisation_id, READY_MESSAGE, {"request": request.id},
           link=request_link(request.id))


def _notify_dispatched(request_id: int, organisation_id: int, closed: bool) -> None:
    notify(organisation_id, DISPATCHED_MESSAGE if closed else PART_DISPATCHED_MESSAGE,
           {"request": request_id}, link=request_link(request_id))


def _target_ids(target) -> tuple[int, int | None]:
    if isinstance(target, StockRequest):
        return target.id, None
    return target.request_id, target.id


def _whole(quantity) -> int:
    text = str(quantity).strip()
    if not text.isdigit() or int(text) <= 0:
        raise errors.PickQuantityMustBePositive(quantity=text[:20])
    return int(text)


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(PICK_LOCK)))


def _refuse_repeat(conn: Connection, actor_id: int, key: str | None) -> None:
    """A form's one-time key seen before from the same user: the form was sent twice."""
    if not key:
        return
    since = utcnow() - KEY_MEMORY
    for details in conn.execute(select(AuditEvent.details).where(
            AuditEvent.action == "pick", AuditEvent.actor_id == actor_id,
            AuditEvent.at >= since)).scalars():
        if (details or {}).get("key") == key[:MAX_KEY_LENGTH]:
            raise errors.PickRepeated()


def _approved_request(conn: Connection, request_id: int):
    request = conn.execute(select(StockRequest.id, StockRequest.status, StockRequest.site_id,
                                  StockRequest.organisation_id)
                           .where(StockRequest.id == request_id)).one()
    if request.status != RequestStatus.APPROVED:
        raise errors.RequestNotApproved(request=request.id, status=status_word(request.status))
    return request


STATUS_WORDS = {
    RequestStatus.DRAFT: N_("a draft"),
    RequestStatus.SUBMITTED: N_("waiting for approval"),
    RequestStatus.APPROVED: N_("approved"),
    RequestStatus.DISPATCHED: N_("already dispatched"),
    RequestStatus.DECLINED: N_("declined"),
    RequestStatus.CANCELLED: N_("cancelled"),
}


def status_word(status) -> str:
    """How a request status reads in a sentence: "waiting for approval"."""
    return gettext(STATUS_WORDS.get(RequestStatus(status), str(status)))


def _refuse_over_pick(line: _LineState, wanted: int, item: str, request_id: int) -> None:
    if wanted > line.left:
        raise errors.OverPick(left=max(line.left, 0), item=item, request=request_id,
                              allocated=line.allocated, done=line.dispatched + line.picked,
                              requested=wanted)


def _wrong_item(conn: Connection, box, request_id: int, lines: list[_LineState]):
    needed = ", ".join(f"{_item_name(conn, line.item_id)} ({line.left})"
                       for line in lines if line.left > 0) or "—"
    return errors.WrongItemForRequest(box=box.code, box_item=_item_name(conn, box.item_id),
                                      request=request_id, needed=needed)


def _insert_pick(conn, line_id, location_id, box_id, quantity, actor_id, key, summary) -> int:
    pick_id = conn.execute(insert(PickLine).values(
        request_line_id=line_id, from_location_id=location_id, box_id=box_id,
        quantity=quantity, picked_by_id=actor_id, picked_at=utcnow()
    ).returning(PickLine.id)).scalar()
    conn.execute(insert(AuditEvent).values(
        at=utcnow(), actor_id=actor_id, action="pick", target_type="pick_line",
        target_id=pick_id, summary=summary,
        details={"key": (key or "")[:MAX_KEY_LENGTH], "quantity": quantity}))
    return pick_id


def _item_name(conn: Connection, item_id: int) -> str:
    row = conn.execute(select(Item.name, Item.name_fr, Item.size)
                       .where(Item.id == item_id)).one()
    return item_display_name(*row)


def _site(conn: Connection, site_id: int | None) -> str:
    if site_id is None:
        return "—"
    return conn.execute(select(Site.name).where(Site.id == site_id)).scalar() or str(site_id)


# --- dispatch -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Dispatched:
    document_id: int
    closed: bool = False
    replayed: bool = False
    quantities: dict[int, int] = field(default_factory=dict)  # request line id -> dispatched


def dispatch_request(request: StockRequest, *, actor, close: bool = False,
                     idempotency_key: str | None = None) -> Dispatched:
    """Dispatch every waiting pick of an approved request to the partner's custody.

    One ledger document: a whole box picked whole goes to custody as the box, a part of a
    box is taken out of it, loose stock comes off its shelf. With ``close`` the request
    becomes dispatched and what was allocated but not picked is released; without it, the
    request stays approved while lines are short, each reservation reduced to allocated −
    dispatched. Raises ``RequestNotApproved``, ``NothingPicked``, ``PicksChanged`` (someone
    dispatched or undid a pick meanwhile) or the ledger's error when the stock moved since
    picking, having written nothing. The same ``idempotency_key`` dispatches once.
    """
    actor_id = ledger._id_of(actor)
    if idempotency_key:
        document_id = db.session.scalar(select(Document.id).where(
            Document.idempotency_key == idempotency_key))
        if document_id is not None:
            db.session.rollback()
            return Dispatched(document_id, replayed=True)
    request_id, organisation_id, site_id = request.id, request.organisation_id, request.site_id
    if request.status != RequestStatus.APPROVED:
        raise errors.RequestNotApproved(request=request_id, status=status_word(request.status))
    custody_id = ledger.custody_location(organisation_id).id  # commits: before the post
    picks = db.session.execute(
        select(PickLine.id, PickLine.request_line_id, PickLine.from_location_id,
               PickLine.box_id, PickLine.quantity, StockRequestLine.item_id,
               Box.quantity.label("box_quantity"), Box.location_id.label("box_location_id"))
        .join(StockRequestLine).outerjoin(Box, Box.id == PickLine.box_id)
        .where(StockRequestLine.request_id == request_id,
               PickLine.dispatch_document_id.is_(None), PickLine.cancelled_at.is_(None))
        .order_by(PickLine.id)).all()
    db.session.rollback()
    if not picks:
        raise errors.NothingPicked(request=request_id)
    lines, per_line = [], {}
    for pick in picks:
        whole = (pick.box_id is not None and pick.box_quantity == pick.quantity
                 and pick.box_location_id == pick.from_location_id)
        lines.append(ledger.Line(pick.item_id, pick.quantity, pick.from_location_id,
                                 custody_id, pick.box_id, pick.box_id if whole else None))
        per_line[pick.request_line_id] = per_line.get(pick.request_line_id, 0) + pick.quantity
    pick_ids = [pick.id for pick in picks]
    outcome = {}

    def also(conn: Connection, document_id: int) -> None:
        now = utcnow()
        changed = conn.execute(update(PickLine).where(
            PickLine.id.in_(pick_ids), PickLine.dispatch_document_id.is_(None),
            PickLine.cancelled_at.is_(None)).values(dispatch_document_id=document_id)).rowcount
        if changed != len(pick_ids):
            raise errors.PicksChanged(request=request_id)
        for line_id, quantity in per_line.items():
            conn.execute(update(StockRequestLine).where(StockRequestLine.id == line_id)
                         .values(dispatched=StockRequestLine.dispatched + quantity))
        states = _line_states(conn, request_id)
        complete = all(line.dispatched >= line.allocated for line in states)
        closing = close or complete
        for line in states:
            remaining = line.allocated - line.dispatched
            _settle_reservation(conn, site_id=site_id, item_id=line.item_id,
                                organisation_id=organisation_id, line_id=line.id,
                                quantity=0 if closing else remaining, actor_id=actor_id)
        if closing:
            # Picks made after this dispatch was prepared have nothing left to go to.
            conn.execute(update(PickLine).where(
                PickLine.request_line_id.in_([line.id for line in states]),
                PickLine.dispatch_document_id.is_(None), PickLine.cancelled_at.is_(None)
            ).values(cancelled_at=now))
            conn.execute(update(StockRequest).where(StockRequest.id == request_id)
                         .values(status=RequestStatus.DISPATCHED, dispatched_at=now))
        conn.execute(insert(AuditEvent).values(
            at=now, actor_id=actor_id, action="dispatch",
            target_type="stock_request", target_id=request_id,
            summary=f"Dispatched request {request_id} (document {document_id})"
                    + (", closed" if closing else ""),
            details={"document_id": document_id, "closed": closing}))
        outcome["closed"] = closing

    posted = ledger.post_document(kind="dispatch", lines=lines, actor=actor, site_id=site_id,
                                  idempotency_key=idempotency_key, also=also)
    if not posted.replayed:
        _notify_dispatched(request_id, organisation_id, outcome.get("closed", False))
    return Dispatched(posted.document_id, closed=outcome.get("closed", False),
                      replayed=posted.replayed, quantities=per_line)


def _settle_reservation(conn: Connection, *, site_id, item_id, organisation_id, line_id,
                        quantity, actor_id) -> None:
    """Release a line's reservation, or shrink it to ``quantity``.

    Shrinking a promise never needs stock to be available, so the new, smaller
    reservation is written straight after the release rather than through
    ``ledger.reserve``, which would refuse it when the site is short for other reasons
    (a write-off of reserved stock, say) and so block the dispatch.
    """
    ledger.release(conn, source_type=SOURCE_TYPE, source_id=line_id)
    if quantity > 0:
        conn.execute(insert(Reservation).values(
            site_id=site_id, item_id=item_id, organisation_id=organisation_id,
            quantity=quantity, source_type=SOURCE_TYPE, source_id=line_id,
            created_by_id=actor_id, created_at=utcnow()))


# --- read side: the picking page, the pick list and the dispatch note ---------------------

#: At most this many boxes are suggested for one line, however many it would take.
MAX_SUGGESTED_BOXES = 12


@dataclass(frozen=True)
class Suggestion:
    """Where to find stock for a line: a box (oldest, or soonest to expire, first) or the
    loose stock of a shelf."""

    box_code: str | None
    location: str
    location_code: str
    quantity: int
    expires_on: object = None


@dataclass(frozen=True)
class PickedRow:
    id: int
    box_code: str | None
    location: str
    quantity: int
    picked_by: str
    picked_at: object
    dispatch_document_id: int | None


@dataclass
class LineToPick:
    id: int
    item_id: int
    item: str
    item_code: str
    unit: str
    requested: int
    allocated: int
    dispatched: int
    picked: int
    picks: list[PickedRow] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def left(self) -> int:
        return max(self.allocated - self.dispatched - self.picked, 0)


@dataclass
class PickingSheet:
    request: StockRequest
    lines: list[LineToPick]

    @property
    def picked(self) -> int:
        return sum(line.picked for line in self.lines)

    @property
    def all_picked(self) -> bool:
        """Every allocated unit is picked or dispatched, and something waits to go."""
        return self.picked > 0 and all(line.left == 0 for line in self.lines)


def picking_sheet(request: StockRequest, *, suggest: bool = True) -> PickingSheet:
    """A request's lines with what is picked, what is left, and where to find the rest."""
    lines = []
    for line in request.lines:
        picks = _picks_of(line.id, waiting=True)
        picked = sum(p.quantity for p in picks)
        row = LineToPick(line.id, line.item_id, line.item.display_name, line.item.code,
                         line.item.unit.value, line.requested, line.allocated,
                         line.dispatched, picked, picks)
        if suggest and row.left and request.status == RequestStatus.APPROVED:
            row.suggestions = suggestions(site_id=request.site_id, item_id=line.item_id,
                                          needed=row.left)
        lines.append(row)
    return PickingSheet(request, lines)


def dispatched_picks(request: StockRequest) -> list[tuple[LineToPick, list[PickedRow]]]:
    """Each line of a request with the picks that were dispatched, for the dispatch note."""
    result = []
    for line in request.lines:
        picks = _picks_of(line.id, waiting=False)
        row = LineToPick(line.id, line.item_id, line.item.display_name, line.item.code,
                         line.item.unit.value, line.requested, line.allocated,
                         line.dispatched, 0, picks)
        result.append((row, picks))
    return result


def dispatch_documents(request: StockRequest) -> list[tuple[int, object]]:
    """The dispatch documents of a request as (document id, when it happened), in order."""
    return [(row.id, row.occurred_at) for row in db.session.execute(
        select(Document.id, Document.occurred_at).where(Document.id.in_(
            select(PickLine.dispatch_document_id).join(StockRequestLine)
            .where(StockRequestLine.request_id == request.id)))
        .order_by(Document.occurred_at, Document.id))]


def _picks_of(line_id: int, *, waiting: bool) -> list[PickedRow]:
    statement = (select(PickLine.id, Box.code, Location.name, PickLine.quantity, User.name,
                        PickLine.picked_at, PickLine.dispatch_document_id)
                 .join(Location, Location.id == PickLine.from_location_id)
                 .join(User, User.id == PickLine.picked_by_id)
                 .outerjoin(Box, Box.id == PickLine.box_id)
                 .where(PickLine.request_line_id == line_id, PickLine.cancelled_at.is_(None))
                 .order_by(PickLine.id))
    if waiting:
        statement = statement.where(PickLine.dispatch_document_id.is_(None))
    else:
        statement = statement.where(PickLine.dispatch_document_id.is_not(None))
    return [PickedRow(*row) for row in db.session.execute(statement)]


def suggestions(*, site_id: int, item_id: int, needed: int) -> list[Suggestion]:
    """Boxes and shelves to pick ``needed`` of an item from at a site.

    Boxes first: those with a use-by date soonest first, then the others oldest first;
    boxes picked for a request and not yet dispatched are left out. Then the loose stock
    of each shelf in shelf order, for what the boxes do not cover.
    """
    waiting_boxes = select(PickLine.box_id).where(
        PickLine.box_id.is_not(None), PickLine.dispatch_document_id.is_(None),
        PickLine.cancelled_at.is_(None))
    boxes = db.session.execute(
        select(Box.code, Location.name, Location.code, Box.quantity, Box.expires_on)
        .join(Location, Location.id == Box.location_id)
        .where(Box.item_id == item_id, Box.quantity > 0, Location.site_id == site_id,
               Location.kind == LocationKind.INTERNAL, Location.active.is_(True),
               Box.id.not_in(waiting_boxes))
        .order_by(Box.expires_on.is_(None), Box.expires_on, Box.created_at, Box.id)).all()
    found, covered = [], 0
    for code, location, location_code, quantity, expires_on in boxes:
        if covered >= needed or len(found) >= MAX_SUGGESTED_BOXES:
            break
        found.append(Suggestion(code, location, location_code, quantity, expires_on))
        covered += quantity
    if covered >= needed:
        return found
    shelves = db.session.execute(
        select(Location.id, Location.name, Location.code)
        .join(StockLevel, StockLevel.location_id == Location.id)
        .where(StockLevel.item_id == item_id, StockLevel.quantity > 0,
               Location.site_id == site_id, Location.kind == LocationKind.INTERNAL)
        .order_by(Location.position, Location.name)).all()
    conn = db.session.connection()
    for shelf in shelves:
        if covered >= needed:
            break
        loose = loose_available(conn, location_id=shelf.id, item_id=item_id)
        if loose > 0:
            found.append(Suggestion(None, shelf.name, shelf.code, loose))
            covered += loose
    return found


def approved_requests(*, site_id: int | None = None, day=None) -> list[StockRequest]:
    """Approved requests (of a site, needed by a day), soonest needed first."""
    statement = select(StockRequest).where(StockRequest.status == RequestStatus.APPROVED)
    if site_id is not None:
        statement = statement.where(StockRequest.site_id == site_id)
    if day is not None:
        statement = statement.where(StockRequest.needed_by == day)
    return list(db.session.scalars(statement.order_by(StockRequest.needed_by,
                                                       StockRequest.id)))
