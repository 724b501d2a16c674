"""What a volunteer or manager does to a box: each operation is one ledger document.

These are thin wrappers over ``warehouse.stock.services.post_document``: they choose the
lines (the same box on both sides moves the whole box; a box only on the "from" side takes
out of it; only on the "to" side puts into it), check the rules that are about boxes rather
than stock, and leave every quantity to the ledger. Each takes the acting user and an
idempotency key: a form sent twice with the same key records once, and the second call
returns what the first did.

Errors are ``warehouse.boxes.errors`` (rules of boxes) or ``warehouse.stock.errors`` (rules
of the ledger: not enough in the box, a box already at a location, a location of another
site, a quantity that is not a whole number). Either way nothing was written.
"""
from datetime import date, datetime

from sqlalchemy import or_, select, update

from warehouse.accounts.models import User
from warehouse.boxes import errors
from warehouse.boxes.queries import last_document_id
from warehouse.catalogue.models import Item
from warehouse.core.words import CONDITIONS, WRITE_OFF_REASONS
from warehouse.extensions import db
from warehouse.stock import errors as stock_errors
from warehouse.stock.codes import allocate_codes
from warehouse.stock.models import (
    Box,
    BoxCondition,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
)
from warehouse.stock.services import (
    Line,
    Posted,
    post_document,
    reverse_document,
    system_location,
    whole_quantity,
)

MAX_NOTE_LENGTH = 500

# Reasons recorded on the documents these operations post, so a report or a box's
# history can tell a split from a shelving move.
MOVED, TAKEN, TOPPED_UP, SPLIT, MERGED, EMPTIED, FILLED, UNDONE = (
    "box_move", "box_take", "box_top_up", "box_split", "box_merge", "box_empty", "box_fill",
    "box_undo")


def move_box(box: Box, *, to_location: Location | int, actor: User,
             idempotency_key: str | None = None) -> Posted:
    """Move the whole box, with everything in it, to another shelf of its site.

    Raises BoxIsBlank, BoxIsEmpty, LocationNotInWarehouse, and the ledger's BoxAlreadyThere
    or LocationOfAnotherSite.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    _check_holds_stock(state)
    target = _internal(to_location)
    return post_document(
        kind=DocumentKind.MOVE, actor=actor, reason=MOVED, idempotency_key=idempotency_key,
        lines=[Line(state.item_id, state.quantity, state.location_id, target.id,
                    state.id, state.id)])


def take_from_box(box: Box, *, quantity, to_location: Location | int | None = None,
                  actor: User, idempotency_key: str | None = None,
                  occurred_at: datetime | None = None) -> Posted:
    """Take ``quantity`` out of the box, as loose stock where the box is or at ``to_location``.

    Raises BoxIsBlank, BoxIsEmpty, LocationNotInWarehouse, and the ledger's
    InsufficientStockInBox or quantity errors.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    _check_holds_stock(state)
    quantity = _quantity(quantity, state.item_id)
    target = _internal(to_location) if to_location is not None else None
    return post_document(
        kind=DocumentKind.MOVE, actor=actor, reason=TAKEN, idempotency_key=idempotency_key,
        occurred_at=occurred_at,
        lines=[Line(state.item_id, quantity, state.location_id,
                    target.id if target else state.location_id, state.id, None)])


def empty_box(box: Box, *, to_location: Location | int | None = None, actor: User,
              idempotency_key: str | None = None) -> Posted:
    """Take everything out of the box, as loose stock where it is or at ``to_location``.

    The box keeps its code and item, ready to be topped up again.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    _check_holds_stock(state)
    target = _internal(to_location) if to_location is not None else None
    return post_document(
        kind=DocumentKind.MOVE, actor=actor, reason=EMPTIED, idempotency_key=idempotency_key,
        lines=[Line(state.item_id, state.quantity, state.location_id,
                    target.id if target else state.location_id, state.id, None)])


def top_up_box(box: Box, *, quantity, from_location: Location | int | None = None,
               actor: User, idempotency_key: str | None = None,
               occurred_at: datetime | None = None) -> Posted:
    """Put ``quantity`` more of the box's item into it, from loose stock.

    The loose stock is taken where the box is, or at ``from_location`` (e.g. the intake
    bay). An empty box may be topped up again. Raises BoxIsBlank (fill it instead),
    LocationNotInWarehouse, and the ledger's InsufficientStock (not that much loose) or
    quantity errors.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    if state.item_id is None:
        raise errors.BoxIsBlank(box=state.code)
    quantity = _quantity(quantity, state.item_id)
    source = _internal(from_location) if from_location is not None else None
    return post_document(
        kind=DocumentKind.MOVE, actor=actor, reason=TOPPED_UP,
        idempotency_key=idempotency_key, occurred_at=occurred_at,
        lines=[Line(state.item_id, quantity, source.id if source else state.location_id,
                    state.location_id, None, state.id)])


def split_box(box: Box, *, quantity, actor: User, idempotency_key: str | None = None) -> Box:
    """Put ``quantity`` of the box into a new box with a new code, at the same place.

    The new box has the same condition, expiry and donation; its label is printed next.
    Returns the new box (on a replay, the one the first call made). Raises BoxIsBlank,
    BoxIsEmpty, SplitNeedsPartOfBox (all of it: move the box instead), the ledger's
    InsufficientStockInBox or quantity errors.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return _box_split_off(replay.document_id, state.id)
    _check_holds_stock(state)
    item = db.session.get(Item, state.item_id)
    wanted = _quantity(quantity, item.id)
    if wanted > state.quantity:
        raise stock_errors.InsufficientStockInBox(
            box=state.code, item=item.display_name, available=state.quantity,
            requested=wanted)
    if wanted == state.quantity:
        raise errors.SplitNeedsPartOfBox(box=state.code, available=state.quantity)

    # The new box must exist before the ledger can fill it, and the ledger commits on its
    # own, so the box is made first and removed again if the post is refused.
    new_id = _make_blank_box(condition=box.condition, expires_on=box.expires_on,
                             donation_id=box.donation_id)
    try:
        post_document(
            kind=DocumentKind.MOVE, actor=actor, reason=SPLIT,
            idempotency_key=idempotency_key,
            lines=[Line(state.item_id, wanted, state.location_id, state.location_id,
                        state.id, new_id)])
    except stock_errors.IdempotencyKeyReused:
        # The same form, sent twice at once: the other request made its own box first.
        _discard_blank_box(new_id)
        replay = _replayed(idempotency_key, state)
        if replay is None:
            raise
        return _box_split_off(replay.document_id, state.id)
    except BaseException:
        _discard_blank_box(new_id)
        raise
    return db.session.get(Box, new_id)


def merge_boxes(*, source: Box, target: Box, actor: User,
                idempotency_key: str | None = None) -> Posted:
    """Put everything in ``source`` into ``target``; ``source`` is left empty.

    Both hold the same item, in the same condition, at the same place (an empty target
    may come from anywhere: it is where the source is now). The target keeps the earlier
    of the two expiry dates. Raises MergeNeedsTwoBoxes, BoxIsBlank, BoxIsEmpty,
    MergeNeedsSameItem, MergeNeedsSameCondition, MergeNeedsSameLocation.
    """
    from_state, to_state = _state(source), _state(target)
    if (replay := _replayed(idempotency_key, from_state)) is not None:
        return replay
    if from_state.id == to_state.id:
        raise errors.MergeNeedsTwoBoxes()
    _check_holds_stock(from_state)
    if to_state.item_id is None:
        raise errors.BoxIsBlank(box=to_state.code)
    if from_state.item_id != to_state.item_id:
        raise errors.MergeNeedsSameItem(
            source=from_state.code, target=to_state.code,
            source_item=_item_name(from_state.item_id),
            target_item=_item_name(to_state.item_id))
    if source.condition != target.condition:
        raise errors.MergeNeedsSameCondition(
            source=from_state.code, target=to_state.code,
            source_condition=str(CONDITIONS[source.condition]).lower(),
            target_condition=str(CONDITIONS[target.condition]).lower())
    if to_state.quantity and to_state.location_id != from_state.location_id:
        raise errors.MergeNeedsSameLocation(
            source=from_state.code, target=to_state.code,
            source_location=_location_name(from_state.location_id),
            target_location=_location_name(to_state.location_id))
    earliest = min((d for d in (source.expires_on, target.expires_on) if d), default=None)
    posted = post_document(
        kind=DocumentKind.MOVE, actor=actor, reason=MERGED, idempotency_key=idempotency_key,
        lines=[Line(from_state.item_id, from_state.quantity, from_state.location_id,
                    from_state.location_id, from_state.id, to_state.id)])
    if earliest is not None:
        _set_details(to_state.id, expires_on=earliest)
    return posted


def write_off_box(box: Box, *, quantity=None, reason: str, note: str | None = None,
                  actor: User, idempotency_key: str | None = None) -> Posted:
    """Write off ``quantity`` of the box (all of it when None) with a reason.

    Reasons: damaged, expired, mouldy, lost, other (which needs a note saying what).
    Raises WriteOffNeedsReason, UnknownWriteOffReason, WriteOffNeedsNote, NoteTooLong,
    BoxIsBlank, BoxIsEmpty, and the ledger's InsufficientStockInBox or quantity errors.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    reason = (reason or "").strip()
    note = (note or "").strip() or None
    if not reason:
        raise errors.WriteOffNeedsReason()
    if reason not in WRITE_OFF_REASONS:
        raise errors.UnknownWriteOffReason(reason=reason[:40])
    if reason == "other" and not note:
        raise errors.WriteOffNeedsNote()
    _check_note(note)
    _check_holds_stock(state)
    quantity = state.quantity if quantity is None else _quantity(quantity, state.item_id)
    write_off = system_location(LocationKind.WRITE_OFF)
    return post_document(
        kind=DocumentKind.WRITE_OFF, actor=actor, reason=reason, note=note,
        idempotency_key=idempotency_key,
        lines=[Line(state.item_id, quantity, state.location_id, write_off.id, state.id,
                    None)])


def fill_blank_box(box: Box, *, item: Item | int, quantity, condition: BoxCondition | str,
                   location: Location | int, from_location: Location | int | None = None,
                   expires_on: date | None = None, actor: User,
                   idempotency_key: str | None = None,
                   occurred_at: datetime | None = None) -> Posted:
    """Put stock into a pre-printed box used for the first time, on a warehouse shelf.

    The stock is received from donors (a receipt), or, with ``from_location``, taken from
    the loose stock there (e.g. a donation waiting in the intake bay). Raises
    BlankBoxAlreadyUsed, LocationNotInWarehouse, the ledger's UnknownItem, ItemInactive,
    InsufficientStock (not that much loose) or quantity errors.
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    if state.item_id is not None:
        raise errors.BlankBoxAlreadyUsed(box=state.code, item=_item_name(state.item_id))
    condition = BoxCondition(condition)
    item_id = item if isinstance(item, int) else item.id
    quantity = _quantity(quantity, item_id)
    target = _internal(location)
    if from_location is None:
        kind, source_id = DocumentKind.RECEIPT, system_location(LocationKind.DONOR).id
    else:
        kind, source_id = DocumentKind.MOVE, _internal(from_location).id
    posted = post_document(
        kind=kind, actor=actor, reason=FILLED, idempotency_key=idempotency_key,
        occurred_at=occurred_at,
        lines=[Line(item_id, quantity, source_id, target.id, None, state.id)])
    _set_details(state.id, condition=condition, expires_on=expires_on)
    return posted


def undo_last_movement(box: Box, *, document_id: int, actor: User,
                       idempotency_key: str | None = None) -> Posted:
    """Reverse the last document that touched the box (all of its lines), as a manager.

    ``document_id`` is the one the page showed: if anything happened to the box since,
    NotTheLastMovement. Raises NothingToUndo, and the ledger's AlreadyReversed,
    CannotReverseReversal or InsufficientStock (the stock has moved on since).
    """
    state = _state(box)
    if (replay := _replayed(idempotency_key, state)) is not None:
        return replay
    last = last_document_id(state.id)
    if last is None:
        raise errors.NothingToUndo(box=state.code)
    if last != document_id:
        raise errors.NotTheLastMovement(box=state.code)
    return reverse_document(document_id, actor=actor, reason=UNDONE,
                            idempotency_key=idempotency_key)


#: Most boxes one move may carry (a pallet's worth, and well under the ledger's line limit).
MAX_BOXES_PER_MOVE = 200


def move_boxes(boxes: list[Box], *, to_location: Location | int, actor: User,
               idempotency_key: str | None = None,
               occurred_at: datetime | None = None) -> Posted:
    """Move several whole boxes to one shelf of their site, in ONE document.

    All move or none does. Raises MoveNeedsBoxes, TooManyBoxes, BoxScannedTwice (the same
    box twice in the list), BoxIsBlank, BoxIsEmpty, LocationNotInWarehouse, and the
    ledger's BoxAlreadyThere, BoxNotAtLocation (a box moved meanwhile) or
    LocationOfAnotherSite. A replayed ``idempotency_key`` returns the first move.
    """
    if not boxes:
        raise errors.MoveNeedsBoxes()
    if len(boxes) > MAX_BOXES_PER_MOVE:
        raise errors.TooManyBoxes(maximum=MAX_BOXES_PER_MOVE)
    states = [_state(box) for box in boxes]
    if (replay := _replayed(idempotency_key, states[0])) is not None:
        return replay
    seen = set()
    for state in states:
        if state.id in seen:
            raise errors.BoxScannedTwice(box=state.code)
        seen.add(state.id)
    for state in states:
        _check_holds_stock(state)
    target = _internal(to_location)
    return post_document(
        kind=DocumentKind.MOVE, actor=actor, reason=MOVED, idempotency_key=idempotency_key,
        occurred_at=occurred_at,
        lines=[Line(state.item_id, state.quantity, state.location_id, target.id, state.id,
                    state.id) for state in states])


# --- helpers ----------------------------------------------------------------------------

class _State:
    """The box as the caller saw it, read once before anything is posted."""

    __slots__ = ("id", "code", "item_id", "location_id", "quantity")

    def __init__(self, box: Box):
        self.id, self.code = box.id, box.code
        self.item_id, self.location_id, self.quantity = box.item_id, box.location_id, \
            box.quantity


def _state(box: Box) -> _State:
    return _State(box)


def _replayed(key: str | None, state: _State) -> Posted | None:
    """The document an earlier call posted with ``key``, if there was one.

    Checked before the lines are worked out afresh: after the first post the box has
    changed, and the same form would otherwise describe a different document. A key
    used for another box is refused as the ledger refuses any reused key.
    """
    if not key:
        return None
    document_id = db.session.scalar(select(Document.id).where(Document.idempotency_key == key))
    if document_id is None:
        return None
    touched = db.session.scalar(select(Movement.id).where(
        Movement.document_id == document_id,
        or_(Movement.from_box_id == state.id, Movement.to_box_id == state.id)).limit(1))
    if touched is None:
        raise stock_errors.IdempotencyKeyReused()
    return Posted(document_id, replayed=True)


def _check_holds_stock(state: _State) -> None:
    if state.item_id is None:
        raise errors.BoxIsBlank(box=state.code)
    if state.quantity <= 0:
        raise errors.BoxIsEmpty(box=state.code)


def _internal(location: Location | int) -> Location:
    """A warehouse shelf or bay, or LocationNotInWarehouse (UnknownLocation if none)."""
    location_id = location if isinstance(location, int) else location.id
    found = db.session.get(Location, location_id)
    if found is None:
        raise stock_errors.UnknownLocation(location_id=location_id)
    if found.kind != LocationKind.INTERNAL:
        raise errors.LocationNotInWarehouse(location=found.name)
    return found


def _quantity(value, item_id: int) -> int:
    """``value`` as a whole number of the item, as the ledger reads it (``"12,0"`` is 12)."""
    item = db.session.get(Item, item_id)
    if item is None:
        raise stock_errors.UnknownItem(item_id=item_id)
    return whole_quantity(value, item)


def _check_note(note: str | None) -> None:
    if note and len(note) > MAX_NOTE_LENGTH:
        raise errors.NoteTooLong(maximum=MAX_NOTE_LENGTH)


def _item_name(item_id: int | None) -> str:
    item = db.session.get(Item, item_id) if item_id else None
    return item.display_name if item else "—"


def _location_name(location_id: int | None) -> str:
    location = db.session.get(Location, location_id) if location_id else None
    return location.name if location else "—"


def _set_details(box_id: int, **values) -> None:
    """Write what a box says about its stock (condition, expiry), never its quantity."""
    db.session.execute(update(Box).where(Box.id == box_id).values(**values))
    db.session.commit()


def _make_blank_box(**details) -> int:
    """Make an empty box with a newly allocated code; return its id."""
    [code] = allocate_codes("box", 1)
    new_box = Box(code=code, **details)
    db.session.add(new_box)
    db.session.commit()
    return new_box.id


def _box_split_off(document_id: int, from_box_id: int) -> Box:
    """The box a split document put stock into."""
    box_id = db.session.scalar(select(Movement.to_box_id).where(
        Movement.document_id == document_id, Movement.from_box_id == from_box_id))
    return db.session.get(Box, box_id)


def _discard_blank_box(box_id: int) -> None:
    """Remove a box made for a split that was refused; it never held anything."""
    db.session.rollback()
    db.session.execute(Box.__table__.delete().where(
        Box.id == box_id, Box.item_id.is_(None), Box.quantity == 0))
    db.session.commit()
