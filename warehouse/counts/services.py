"""Counting a location with the scanner (stocktake).

A count covers ONE location. Volunteers scan every box there (saying how many it holds
when that is not what its label says) and enter loose stock by item (0 allowed). When
they finish, the count is compared with the ledger as it stands at that moment:

- a box the ledger puts here that nobody scanned is missing;
- a box scanned here that the ledger puts elsewhere is found;
- a box or an item's loose stock holding another amount is a quantity difference.

Loose stock of an item nobody counted is not compared: a partial count assumes nothing
is zero unless someone counted it at zero.

A manager then gives each difference a reason (lost, found, damaged, miscounted) and
approval posts them through the ledger, one document per difference (a found box is a
move, the rest are adjustments to or from the stocktake location), each with an
idempotency key of its own so that approving twice posts once.

Stock that changed at the location after the count finished is never overwritten: the
differences are the ledger's figures at finish against the count, and approval first
checks that the ledger still says what it said then, and checks it again inside each
posting transaction (the rows are locked by the post). If anything moved in between,
approval refuses with ``CountOutdated`` (count again) and posts nothing of that
difference; differences checked before it and already posted stay posted and are not
posted again.
"""
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext as _l
from sqlalchemy import exc, func, insert, select, update
from sqlalchemy.engine import Connection

from warehouse.accounts.models import Role, User
from warehouse.catalogue.models import Item
from warehouse.core.transactions import write_transaction
from warehouse.core.types import utcnow
from warehouse.counts import errors
from warehouse.counts.models import (
    CountDifference,
    CountLine,
    CountSession,
    CountStatus,
    DifferenceKind,
)
from warehouse.extensions import db
from warehouse.stock import errors as stock_errors
from warehouse.stock import services as ledger
from warehouse.stock.models import Box, DocumentKind, Location, LocationKind, StockLevel

#: Most anyone counts of one item on one shelf: a typo guard, like the ledger's line limit.
MAX_COUNTED = ledger.MAX_LINE_QUANTITY
MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})

REASONS = {
    "lost": _l("Lost"),
    "found": _l("Found"),
    "damaged": _l("Damaged"),
    "miscounted": _l("Miscounted"),
}
#: Which reasons fit a difference: stock that is not there was lost, damaged or never
#: there (miscounted before); stock that is there and unknown to the ledger was found.
LESS_REASONS = ("lost", "damaged", "miscounted")
MORE_REASONS = ("found", "miscounted")

STATUS_WORDS = {
    CountStatus.OPEN: _l("being counted"),
    CountStatus.FINISHED: _l("finished, waiting for approval"),
    CountStatus.APPROVED: _l("approved"),
    CountStatus.CANCELLED: _l("cancelled"),
}


def status_word(status) -> str:
    return str(STATUS_WORDS.get(CountStatus(status), status))


# --- counting --------------------------------------------------------------------------------

def start_count(*, location: Location | int, actor: User) -> tuple[CountSession, bool]:
    """Start counting a warehouse location, or join the count already open there.

    Returns the count and whether it was already open (two volunteers counting the same
    shelf count into one). Raises LocationNotCountable.
    """
    location = _location(location)
    if location.kind != LocationKind.INTERNAL or not location.active:
        raise errors.LocationNotCountable(location=location.name)
    existing = db.session.scalar(
        select(CountSession).where(CountSession.location_id == location.id,
                                   CountSession.status == CountStatus.OPEN)
        .order_by(CountSession.id).limit(1))
    if existing is not None:
        return existing, True
    count = CountSession(site_id=location.site_id, location_id=location.id,
                         started_by_id=actor.id, started_at=utcnow())
    db.session.add(count)
    db.session.commit()
    return count, False


@dataclass(frozen=True)
class Counted:
    """A line as counted, with what the ledger says about the box at the moment."""

    line: CountLine
    box: Box | None = None
    item: Item | None = None
    #: The box is somewhere else by the ledger: finishing will list it as found here.
    elsewhere: Location | None = None


def count_box(count: CountSession | int, *, box: Box, quantity=None,
              actor: User) -> Counted:
    """Record that ``box`` is at the count's location, holding ``quantity`` (None: what
    its label says). Scanning it again replaces what was recorded.

    Raises CountNotOpen, CountBoxIsBlank, CountQuantityNotANumber, CountQuantityTooLarge.
    """
    count = _count(count)
    _check_open(count)
    if box.item_id is None:
        raise errors.CountBoxIsBlank(box=box.code)
    counted = None if quantity is None or quantity == "" else counted_quantity(quantity)
    line = _upsert_line(count.id, actor.id, box_id=box.id, quantity=counted)
    elsewhere = None
    if box.location_id != count.location_id and box.quantity > 0:
        elsewhere = db.session.get(Location, box.location_id)
    return Counted(line, box=box, item=db.session.get(Item, box.item_id), elsewhere=elsewhere)


def count_loose(count: CountSession | int, *, item_id, quantity, actor: User) -> Counted:
    """Record ``quantity`` of an item lying loose (outside boxes) at the count's location.

    0 says "counted, none here"; an item never counted is left as the ledger has it.
    Counting it again replaces what was recorded. Raises CountNotOpen, CountItemUnknown,
    CountQuantityNeeded, CountQuantityNotANumber, CountQuantityTooLarge.
    """
    count = _count(count)
    _check_open(count)
    item = db.session.get(Item, item_id) if isinstance(item_id, int) else None
    if item is None:
        raise errors.CountItemUnknown(item_id=item_id)
    if quantity is None or quantity == "":
        raise errors.CountQuantityNeeded(item=item.display_name)
    line = _upsert_line(count.id, actor.id, item_id=item.id,
                        quantity=counted_quantity(quantity))
    return Counted(line, item=item)


def counted_quantity(value) -> int:
    """A counted quantity: a whole number from 0 (digits, not letters)."""
    if isinstance(value, bool):
        raise errors.CountQuantityNotANumber(quantity=value)
    text = str(value).strip()
    if isinstance(value, int):
        number = value
    elif text.isdigit():
        number = int(text)
    else:
        raise errors.CountQuantityNotANumber(quantity=text[:20])
    if number < 0:
        raise errors.CountQuantityNotANumber(quantity=text[:20])
    if number > MAX_COUNTED:
        raise errors.CountQuantityTooLarge(quantity=number, maximum=MAX_COUNTED)
    return number


def _upsert_line(count_id: int, actor_id: int, *, box_id=None, item_id=None,
                 quantity=None) -> CountLine:
    key = {"count_id": count_id, "box_id": box_id} if box_id else {
        "count_id": count_id, "item_id": item_id}
    values = {"quantity": quantity, "counted_by_id": actor_id, "counted_at": utcnow()}
    for attempt in range(2):
        try:
            with write_transaction() as conn:
                # Counted only while the count is open: a finish in between wins.
                status = conn.execute(select(CountSession.status)
                                      .where(CountSession.id == count_id)).scalar()
                if status != CountStatus.OPEN:
                    raise errors.CountNotOpen(count=count_id, state=status_word(status))
                changed = conn.execute(update(CountLine).filter_by(**key)
                                       .values(**values)).rowcount
                if not changed:
                    conn.execute(insert(CountLine).values(**key, **values))
            break
        except exc.IntegrityError:  # counted at the same moment on another tablet: update
            if attempt:
                raise
    return db.session.scalar(select(CountLine).filter_by(**key))


def finish_count(count: CountSession | int, *, actor: User) -> list[CountDifference]:
    """Compare the count with the ledger as it stands now and record the differences.

    A count with no difference is approved at once (nothing to post). Finishing a count
    already finished returns its differences (a replayed request); a cancelled or
    approved count raises CountNotOpen.
    """
    count = _count(count)
    if count.status == CountStatus.FINISHED:
        return list(count.differences)
    _check_open(count)
    count_id, location_id, actor_id = count.id, count.location_id, _id(actor)
    db.session.rollback()
    now = utcnow()
    with write_transaction() as conn:
        # Only one finish computes: the second waits here, then finds it finished.
        claimed = conn.execute(update(CountSession).where(
            CountSession.id == count_id, CountSession.status == CountStatus.OPEN
        ).values(status=CountStatus.FINISHED, finished_at=now,
                 finished_by_id=actor_id)).rowcount
        if claimed:
            rows = _differences(conn, count_id, location_id)
            if rows:
                conn.execute(insert(CountDifference), rows)
            else:
                conn.execute(update(CountSession).where(CountSession.id == count_id).values(
                    status=CountStatus.APPROVED, decided_at=now, decided_by_id=actor_id))
    return list(db.session.scalars(select(CountDifference).where(
        CountDifference.count_id == count_id).order_by(CountDifference.id)))


def _differences(conn: Connection, count_id: int, location_id: int) -> list[dict]:
    lines = conn.execute(select(CountLine.box_id, CountLine.item_id, CountLine.quantity)
                         .where(CountLine.count_id == count_id)).all()
    scanned = {line.box_id: line.quantity for line in lines if line.box_id}
    rows = []
    here = conn.execute(select(Box.id, Box.item_id, Box.quantity).where(
        Box.location_id == location_id, Box.quantity > 0, Box.item_id.is_not(None))
        .order_by(Box.id)).all()
    for box in here:
        if box.id not in scanned:
            rows.append(_row(count_id, DifferenceKind.MISSING_BOX, box.item_id, location_id,
                             box.quantity, 0, box_id=box.id))
    if scanned:
        boxes = conn.execute(select(Box.id, Box.item_id, Box.quantity, Box.location_id)
                             .where(Box.id.in_(scanned)).order_by(Box.id)).all()
        for box in boxes:
            counted = scanned[box.id]
            if counted is None:
                counted = box.quantity
            if box.location_id != location_id and box.quantity > 0:
                rows.append(_row(count_id, DifferenceKind.FOUND_BOX, box.item_id,
                                 box.location_id, box.quantity, box.quantity, box_id=box.id))
            if counted != box.quantity:
                rows.append(_row(count_id, DifferenceKind.QUANTITY, box.item_id, location_id,
                                 box.quantity, counted, box_id=box.id))
    for line in lines:
        if line.item_id is None:
            continue
        expected = _loose(conn, location_id, line.item_id)
        if expected != line.quantity:
            rows.append(_row(count_id, DifferenceKind.QUANTITY, line.item_id, location_id,
                             expected, line.quantity))
    return rows


def _row(count_id, kind, item_id, location_id, expected, counted, *, box_id=None) -> dict:
    return {"count_id": count_id, "kind": kind, "item_id": item_id, "box_id": box_id,
            "location_id": location_id, "expected": expected, "counted": counted}


def _loose(conn: Connection, location_id: int, item_id: int) -> int:
    """What the ledger has of an item at a location outside boxes."""
    level = conn.execute(select(StockLevel.quantity).where(
        StockLevel.location_id == location_id, StockLevel.item_id == item_id)).scalar() or 0
    boxed = conn.execute(select(func.coalesce(func.sum(Box.quantity), 0)).where(
        Box.location_id == location_id, Box.item_id == item_id)).scalar()
    return int(level) - int(boxed)


def cancel_count(count: CountSession | int, *, actor: User) -> CountSession:
    """Discard a count that is open or waiting for approval; nothing is posted."""
    count = _count(count)
    if count.status not in (CountStatus.OPEN, CountStatus.FINISHED):
        raise errors.CountNotOpen(count=count.id, state=status_word(count.status))
    count_id, actor_id = count.id, _id(actor)
    db.session.rollback()
    with write_transaction() as conn:
        changed = conn.execute(update(CountSession).where(
            CountSession.id == count_id,
            CountSession.status.in_([CountStatus.OPEN, CountStatus.FINISHED])
        ).values(status=CountStatus.CANCELLED, decided_at=utcnow(),
                 decided_by_id=actor_id)).rowcount
    count = db.session.get(CountSession, count_id)
    if not changed:
        raise errors.CountNotOpen(count=count_id, state=status_word(count.status))
    return count


# --- approval ---------------------------------------------------------------------------------

def reasons_for(difference: CountDifference) -> tuple[str, ...]:
    """The reasons that fit a difference (see ``LESS_REASONS`` and ``MORE_REASONS``)."""
    if difference.kind == DifferenceKind.FOUND_BOX or difference.counted > difference.expected:
        return MORE_REASONS
    return LESS_REASONS


def approve_count(count: CountSession | int, *, decisions: dict[int, str],
                  actor: User) -> list[int]:
    """Post every difference of a finished count with the reason the manager gave.

    ``decisions`` maps each difference id to lost, found, damaged or miscounted. Returns
    the ids of the documents posted (or posted before, on a repeat). Raises
    NotAllowedToApprove (not a manager), CountNotFinished, UnknownDifference,
    DecisionsMissing, UnknownReason, ReasonDoesNotFit, CountOutdated (see the module's
    docstring), or a ledger error naming what changed.
    """
    if actor.role not in MANAGERS:
        raise errors.NotAllowedToApprove()
    count = _count(count)
    if count.status not in (CountStatus.FINISHED, CountStatus.APPROVED):
        raise errors.CountNotFinished(count=count.id, state=status_word(count.status))
    differences = list(count.differences)
    known = {d.id for d in differences}
    for difference_id in decisions:
        if difference_id not in known:
            raise errors.UnknownDifference(difference=difference_id, count=count.id)
    waiting = [d for d in differences if d.document_id is None]
    missing = [d for d in waiting if not decisions.get(d.id)]
    if missing:
        raise errors.DecisionsMissing(missing=len(missing))
    for difference in waiting:
        reason = decisions[difference.id]
        if reason not in REASONS:
            raise errors.UnknownReason(reason=str(reason)[:20])
        choices = reasons_for(difference)
        if reason not in choices:
            raise errors.ReasonDoesNotFit(
                reason=str(REASONS[reason]).lower(), what=describe(difference),
                choices=", ".join(str(REASONS[c]).lower() for c in choices))
    context = _ApprovalContext.of(count)
    found_at = {d.box_id: d.location_id for d in waiting
                if d.kind == DifferenceKind.FOUND_BOX}
    plans = [_plan(difference, decisions[difference.id], context,
                   found_at=found_at.get(difference.box_id))
             for difference in sorted(waiting, key=lambda d: d.kind != DifferenceKind.FOUND_BOX)]
    actor_id = _id(actor)
    db.session.rollback()
    for plan in plans:  # all checked before anything is posted
        plan.check_before()
    documents = {d.id: d.document_id for d in differences if d.document_id is not None}
    for plan in plans:
        documents[plan.difference_id] = plan.post(actor_id)
    now = utcnow()
    with write_transaction() as conn:
        open_left = conn.execute(select(func.count()).select_from(CountDifference).where(
            CountDifference.count_id == context.count_id,
            CountDifference.document_id.is_(None))).scalar()
        if not open_left:
            conn.execute(update(CountSession).where(
                CountSession.id == context.count_id,
                CountSession.status == CountStatus.FINISHED
            ).values(status=CountStatus.APPROVED, decided_at=now, decided_by_id=actor_id))
    return [documents[d.id] for d in differences]


@dataclass(frozen=True)
class _ApprovalContext:
    count_id: int
    location_id: int
    location_name: str
    adjustment_id: int

    @classmethod
    def of(cls, count: CountSession) -> "_ApprovalContext":
        adjustment = ledger.system_location(LocationKind.ADJUSTMENT)  # may commit
        return cls(count.id, count.location_id, count.location.name, adjustment.id)


@dataclass
class _Plan:
    """One difference turned into a ledger document and what must hold around it."""

    difference_id: int
    kind: DocumentKind
    reason: str
    lines: list
    context: _ApprovalContext
    what: str
    #: (box_id or None, item_id, location_id, expected before, expected after)
    box_id: int | None
    item_id: int
    location_id: int
    before: int
    after: int
    #: Where the box may also be before approval: a found box is moved here first.
    found_at: int | None = None

    def _now(self, conn: Connection) -> tuple[int | None, int]:
        """The ledger's figure now: (the box's location, its quantity) or loose stock."""
        if self.box_id is None:
            return self.location_id, _loose(conn, self.location_id, self.item_id)
        row = conn.execute(select(Box.location_id, Box.quantity)
                           .where(Box.id == self.box_id)).one()
        return row.location_id, row.quantity

    def _outdated(self, expected: int, now: int) -> errors.CountOutdated:
        return errors.CountOutdated(location=self.context.location_name,
                                    count=self.context.count_id, what=self.what,
                                    expected=expected, now=now)

    def check_before(self) -> None:
        with db.engine.connect() as conn:
            where, quantity = self._now(conn)
        # An empty box may be anywhere: putting stock in it brings it here.
        anywhere = self.box_id is not None and self.before == 0
        if (where not in (self.location_id, self.found_at) and not anywhere) \
                or quantity != self.before:
            raise self._outdated(self.before, quantity if where == self.location_id else 0)

    def post(self, actor_id: int) -> int:
        difference_id, after = self.difference_id, self.after
        target = self.context.location_id

        def also(conn: Connection, document_id: int) -> None:
            where, quantity = self._now(conn)
            if self.box_id is not None and self.kind == DocumentKind.MOVE:
                expected_where = target
            else:
                expected_where = self.location_id
            if where != expected_where or quantity != after:
                # The post was made against changed stock: undo it all, say why.
                raise self._outdated(self.before, quantity - (after - self.before)
                                     if where == expected_where else 0)
            conn.execute(update(CountDifference).where(
                CountDifference.id == difference_id).values(
                reason=self.reason, document_id=document_id, decided_by_id=actor_id,
                decided_at=utcnow()))

        posted = ledger.post_document(
            kind=self.kind, lines=self.lines, actor=actor_id, reason=self.reason,
            note=f"count {self.context.count_id}",
            idempotency_key=f"count:{self.context.count_id}:difference:{difference_id}",
            also=also)
        return posted.document_id


def _plan(difference: CountDifference, reason: str, context: _ApprovalContext, *,
          found_at: int | None = None) -> _Plan:
    line = ledger.Line
    item, box = difference.item_id, difference.box_id
    here, adjustment = context.location_id, context.adjustment_id
    change = difference.counted - difference.expected
    common = {"difference_id": difference.id, "reason": reason, "context": context,
              "what": describe(difference), "box_id": box, "item_id": item}
    if difference.kind == DifferenceKind.FOUND_BOX:
        return _Plan(kind=DocumentKind.MOVE, location_id=difference.location_id,
                     before=difference.expected, after=difference.expected,
                     lines=[line(item, difference.expected, difference.location_id, here,
                                 box, box)], **common)
    if difference.kind == DifferenceKind.MISSING_BOX:
        lines = [line(item, difference.expected, here, adjustment, box, None)]
    elif change < 0:
        lines = [line(item, -change, here, adjustment, box, None)]
    else:
        lines = [line(item, change, adjustment, here, None, box)]
    return _Plan(kind=DocumentKind.ADJUSTMENT, location_id=here, before=difference.expected,
                 after=difference.counted, lines=lines,
                 found_at=found_at if box is not None else None, **common)


def describe(difference: CountDifference) -> str:
    """What a difference is about, in a few words: "box B00012", "loose Blanket"."""
    if difference.box_id is not None:
        return gettext("box %(box)s", box=difference.box.code)
    return gettext("loose %(item)s", item=difference.item.display_name)


# --- helpers ----------------------------------------------------------------------------------

def _id(user: User) -> int:
    """The user's id, read before a write transaction: reading it inside one would start a
    read through the session (SQLite: a snapshot older than the write)."""
    return user.id


def _count(count: CountSession | int) -> CountSession:
    if isinstance(count, CountSession):
        return count
    found = db.session.get(CountSession, count)
    if found is None:
        raise errors.UnknownCount(count=count)
    return found


def _check_open(count: CountSession) -> None:
    if count.status != CountStatus.OPEN:
        raise errors.CountNotOpen(count=count.id, state=status_word(count.status))


def _location(location: Location | int) -> Location:
    if isinstance(location, Location):
        return location
    found = db.session.get(Location, location)
    if found is None:
        raise stock_errors.UnknownLocation(location_id=location)
    return found

