"""Intake: donations received, loose stock sorted into boxes, and blank box codes.

Every quantity goes through the ledger (``warehouse.stock.services.post_document``), which
owns and commits its own transaction. A donation therefore cannot be inserted in the same
transaction as its receipt; it is made *post first*:

1. everything a person can get wrong is checked before anything is written;
2. new boxes, if the donation arrives boxed, are made empty (as pre-printed boxes are) and
   committed, because the receipt names them;
3. the receipt is posted under an idempotency key derived from the form's own key;
4. the ``Donation`` row is inserted, linked to the receipt by ``document_id`` (unique), and
   the filled boxes are linked to it, in one transaction.

If the ledger refuses (3), the empty boxes of (2) are deleted again and no donation exists.
If (4) fails, the receipt is there without its donation: sending the same form again
replays the receipt and makes the donation, and only one can ever be made per receipt.
The same form sent twice, one after the other or at the same moment, records one donation
and answers both with it. Sorting works the same way, without a donation row.
"""
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import format_date, format_time, gettext
from sqlalchemy import delete, exc, select, update

from warehouse.accounts.models import User
from warehouse.audit.models import AuditEvent
from warehouse.audit.services import record
from warehouse.catalogue.models import Item
from warehouse.core.clock import local_today
from warehouse.core.errors import DomainError
from warehouse.core.transactions import begin_write
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.intake import errors
from warehouse.intake.models import Donation, DonorType, Priority
from warehouse.intake.queries import box_ids_between, loose_quantity
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
    Site,
)
from warehouse.stock.services import (
    MAX_LINES,
    Line,
    post_document,
    system_location,
    whole_quantity,
)

#: A clock a few minutes fast on a tablet must not refuse a donation logged "now".
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_BOXES_PER_LINE = 200
MAX_BLANK_CODES = 500
MAX_DONOR_NAME_LENGTH = 120  # the columns' sizes
MAX_ORIGIN_LENGTH = 120
MAX_REASON_LENGTH = 200
MAX_NOTE_LENGTH = 2000
#: The reason of a receipt whose stock was not needed and went straight to write-off.
NOT_NEEDED_REASON = "not_needed"
SORTING_REASON = "sorting"
BLANK_CODES_ACTION = "blank_box_codes_created"
# Idempotency keys are the form's UUID under a prefix per kind of form, so the same UUID
# sent to two different forms can never replay the wrong one.
DONATION_KEY = "donation:"
SORTING_KEY = "sorting:"


@dataclass(frozen=True, slots=True)
class DonationLine:
    """One line of a donation: ``quantity`` of an item, loose or in ``boxes`` new boxes.

    With ``boxes``, ``quantity`` is how many go in *each* box (3 boxes of 20 is 60).
    Values may be the text a person typed; the service checks them.
    """

    item_id: int
    quantity: int | str
    boxes: int | str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    donation: Donation
    #: The form had been sent before: this is what it recorded then; nothing new was.
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class NewBoxes:
    """Boxes made in one go (sorting, or blank codes), in code order."""

    box_ids: list[int]
    document_id: int | None = None
    replayed: bool = False


# --- donations ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _CheckedLine:
    item_id: int
    quantity: int  # per box when boxed
    boxes: int  # 0: loose


def receive_donation(*, actor: User, site_id: int, received_at: datetime | None,
                     donor_type: DonorType | str, donor_name: str | None,
                     origin: str | None, priority: Priority | str,
                     condition: BoxCondition | str, intake_location_id: int,
                     lines: list[DonationLine], note: str | None,
                     idempotency_key: str | None, reason: str | None = None,
                     now: datetime | None = None) -> Received:
    """Record a donation and post its receipt into the intake location, and commit.

    Loose lines go in as loose stock to be sorted; boxed lines go into new boxes, made
    here, with codes and the donation's condition. A donation that is ``not_needed``
    requires ``reason`` (why, and where it goes): each of its lines comes in and goes
    straight out to the write-off location *in the same receipt*, so it is counted as
    received and as written off, atomically, with ``reason`` as the receipt's note.

    Raises an ``intake.errors`` or ``stock.errors`` error, having written nothing. Every
    problem found is in its ``.problems`` (so a form can show them all at once), and one
    about a line carries ``.line``, that line's index in ``lines``. The same
    ``idempotency_key`` records once and answers ``Received(..., replayed=True)``.
    """
    key = _namespaced(DONATION_KEY, idempotency_key)
    earlier = _donation_of_key(key)
    if earlier is not None:
        return Received(earlier, replayed=True)

    actor_id = _user_id(actor)
    problems = _Problems()
    donor_type = problems.check(_enum, DonorType, donor_type, errors.UnknownDonorType,
                                field="donor_type")
    priority = problems.check(_enum, Priority, priority, errors.UnknownPriority,
                              field="priority")
    condition = problems.check(_enum, BoxCondition, condition, errors.UnknownCondition,
                               field="condition")
    names = _field_names()
    donor_name = problems.check(_text, donor_name, MAX_DONOR_NAME_LENGTH, names["donor_name"],
                                field="donor_name")
    origin = problems.check(_text, origin, MAX_ORIGIN_LENGTH, names["origin"], field="origin")
    note = problems.check(_text, note, MAX_NOTE_LENGTH, names["note"], field="note")
    reason_given = bool(str(reason or "").strip())
    reason = problems.check(_text, reason, MAX_REASON_LENGTH, names["reason"], field="reason")
    not_needed = priority == Priority.NOT_NEEDED
    if not_needed and not reason_given:
        problems.add(errors.ReasonRequired(), field="reason")
    if priority is not None and not not_needed and reason_given:
        problems.add(errors.ReasonOnlyWhenNotNeeded(), field="reason")
    received_at = problems.check(_check_received_at, received_at, now or utcnow(),
                                 field="received_at")
    site = problems.check(_active_site, site_id, field="site_id")
    intake = problems.check(_warehouse_location, intake_location_id,
                            field="intake_location_id")
    if site is not None and intake is not None and intake.site_id != site.id:
        problems.add(errors.IntakeLocationOfAnotherSite(
            location=intake.name, location_site=intake.site.name, site=site.name),
            field="intake_location_id")
    checked = _check_lines(lines, not_needed=not_needed, problems=problems)
    problems.raise_any()
    ledger_lines = len(checked) * (2 if not_needed else 1) + sum(c.boxes for c in checked)
    if ledger_lines > MAX_LINES:
        raise errors.TooManyDonationLines(maximum=MAX_LINES, count=ledger_lines)
    site_id, intake_id = site.id, intake.id
    donor_id = system_location(LocationKind.DONOR).id
    write_off_id = system_location(LocationKind.WRITE_OFF).id if not_needed else None

    box_ids = _make_boxes(sum(c.boxes for c in checked), condition=condition)
    boxes = iter(box_ids)
    postings = []
    for line in checked:
        if line.boxes:
            postings += [Line(line.item_id, line.quantity, donor_id, intake_id, None, next(boxes))
                         for _ in range(line.boxes)]
        else:
            postings.append(Line(line.item_id, line.quantity, donor_id, intake_id))
            if not_needed:
                postings.append(Line(line.item_id, line.quantity, intake_id, write_off_id))
    try:
        posted = post_document(
            kind=DocumentKind.RECEIPT, lines=postings, actor=actor_id, occurred_at=received_at,
            site_id=site_id, reason=NOT_NEEDED_REASON if not_needed else donor_type.value,
            note=reason, idempotency_key=key)
    except stock_errors.IdempotencyKeyReused:
        # The same form, sent at the same moment, won the race with other new boxes.
        _discard_boxes(box_ids)
        earlier = _donation_of_key(key)
        if earlier is None:  # it posted but has not made its donation yet: make it here
            document_id = db.session.scalar(select(Document.id)
                                             .where(Document.idempotency_key == key))
            earlier = _make_donation(document_id, actor_id, site_id, intake_id, received_at,
                                     donor_type, donor_name, origin, priority, condition, note)
        return Received(earlier, replayed=True)
    except BaseException:
        _discard_boxes(box_ids)
        raise
    donation = _make_donation(posted.document_id, actor_id, site_id, intake_id, received_at,
                              donor_type, donor_name, origin, priority, condition, note)
    return Received(donation, replayed=posted.replayed)


def _make_donation(document_id, actor_id, site_id, intake_id, received_at, donor_type,
                   donor_name, origin, priority, condition, note) -> Donation:
    """Insert the donation of a posted receipt and link its boxes; at most one per receipt."""
    begin_write()
    donation = Donation(
        received_at=received_at, donor_type=donor_type, donor_name=donor_name, origin=origin,
        priority=priority, condition=condition.value, site_id=site_id,
        intake_location_id=intake_id, document_id=document_id, note=note,
        created_by_id=actor_id)
    db.session.add(donation)
    try:
        db.session.flush()
        db.session.execute(
            update(Box).where(Box.id.in_(
                select(Movement.to_box_id).where(Movement.document_id == document_id,
                                                 Movement.to_box_id.is_not(None))))
            .values(donation_id=donation.id))
        db.session.commit()
    except exc.IntegrityError:  # the same form, sent at the same moment, made it first
        db.session.rollback()
        return db.session.scalar(select(Donation).where(Donation.document_id == document_id))
    return donation


def _donation_of_key(key: str) -> Donation | None:
    """The donation recorded under an idempotency key, or None if there is none yet."""
    return db.session.scalar(
        select(Donation).join(Document, Document.id == Donation.document_id)
        .where(Document.idempotency_key == key))


def _check_lines(lines: list[DonationLine], *, not_needed: bool,
                 problems: "_Problems") -> list[_CheckedLine]:
    if not lines:
        problems.add(errors.NoDonationLines(), field="lines")
        return []
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_({_int_or_none(line.item_id) for line in lines})))}
    checked = []
    for index, line in enumerate(lines):
        item = problems.check(_line_item, line.item_id, items, line=index, field="item_id")
        if item is None:
            continue
        if str(line.quantity if line.quantity is not None else "").strip() == "":
            problems.add(errors.QuantityRequired(item=item.display_name), line=index,
                         field="quantity")
            quantity = None
        else:
            quantity = problems.check(whole_quantity, line.quantity, item, line=index,
                                      field="quantity")
        boxes = problems.check(_box_count, line.boxes, item, allow_none=True, line=index,
                               field="boxes")
        if boxes and not_needed:
            problems.add(errors.NotNeededIsNotBoxed(item=item.display_name), line=index,
                         field="boxes")
        if quantity is not None and boxes is not None:
            checked.append(_CheckedLine(item.id, quantity, boxes))
    return checked


def _line_item(item_id, items: dict) -> Item:
    """The active item chosen, from ``items`` when it was loaded with others."""
    if str(item_id if item_id is not None else "").strip() == "":
        raise errors.ItemRequired()
    number = _int_or_none(item_id)
    item = items.get(number) or (db.session.get(Item, number) if number else None)
    return _active_item(item, item_id)


class _Problems:
    """Every rule a form broke, so that a person sees them all at once, not one per send."""

    def __init__(self) -> None:
        self.found: list[DomainError] = []

    def add(self, error: DomainError, *, line: int | None = None,
            field: str | None = None) -> None:
        """Keep ``error``, noting the line (its index) or the argument it is about."""
        if line is not None:
            error.line = line
        if field is not None:
            error.field = field
        self.found.append(error)

    def check(self, function, *args, line: int | None = None, field: str | None = None,
              **kwargs):
        """``function(*args, **kwargs)``, or None when it raised a domain error (kept)."""
        try:
            return function(*args, **kwargs)
        except DomainError as error:
            self.add(error, line=line, field=field)
            return None

    def raise_any(self) -> None:
        """Raise the first problem, carrying them all in ``.problems``.

        Each knows, in ``.field``, the argument it is about (and ``.line``, for a line), so
        that a form can show it next to what was typed.
        """
        if self.found:
            first = self.found[0]
            first.problems = list(self.found)
            raise first


def _check_received_at(received_at: datetime | None, now: datetime) -> datetime:
    if received_at is None:
        raise errors.ReceivedAtMissing()
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    if received_at > now + FUTURE_TOLERANCE:
        raise errors.ReceivedInFuture(when=f"{format_date(received_at, 'medium')} "
                                           f"{format_time(received_at, 'short')}")
    return received_at


# --- sorting ------------------------------------------------------------------------------

def sort_into_boxes(*, actor: User, source_location_id: int, item_id: int,
                    per_box: int | str, boxes: int | str,
                    target_location_id: int | None, condition: BoxCondition | str,
                    expires_on: date | None, idempotency_key: str | None,
                    today: date | None = None) -> NewBoxes:
    """Put loose stock of an item into new boxes, in one move document, and commit.

    The boxes (``boxes`` of ``per_box`` each) are made with new codes, ``condition`` and
    ``expires_on``, filled from the loose stock at ``source_location_id`` (usually an
    intake bay) and placed at ``target_location_id``: a place of the same site, or the
    source itself when None. Raises ``InsufficientStock`` when the loose stock there is
    less than ``boxes × per_box``, and the errors of ``receive_donation`` for bad values
    (all of them in ``.problems``), having written nothing. The same ``idempotency_key``
    sorts once.
    """
    key = _namespaced(SORTING_KEY, idempotency_key)
    earlier = _boxes_of_key(key)
    if earlier is not None:
        return earlier

    actor_id = _user_id(actor)
    problems = _Problems()
    condition = problems.check(_enum, BoxCondition, condition, errors.UnknownCondition,
                               field="condition")
    source = problems.check(_warehouse_location, source_location_id,
                            field="source_location_id")
    target = source if target_location_id in (None, "") else \
        problems.check(_warehouse_location, target_location_id, field="target_location_id")
    if source is not None and target is not None and target.site_id != source.site_id:
        problems.add(errors.TargetOfAnotherSite(
            location=target.name, location_site=target.site.name, site=source.site.name),
            field="target_location_id")
    item = problems.check(_line_item, item_id, {}, field="item_id")
    if item is not None:
        if str(per_box if per_box is not None else "").strip() == "":
            problems.add(errors.QuantityRequired(item=item.display_name), field="per_box")
        else:
            per_box = problems.check(whole_quantity, per_box, item, field="per_box")
        count = problems.check(_box_count, boxes, item, allow_none=False, field="boxes")
    today = today or _local_today()
    if expires_on is not None and expires_on < today:
        problems.add(errors.ExpiryInPast(expires_on=format_date(expires_on)),
                     field="expires_on")
    problems.raise_any()
    loose = loose_quantity(source.id, item.id)
    if per_box * count > loose:  # the ledger checks again, under its locks
        problems.add(stock_errors.InsufficientStock(
            item=item.display_name, location=source.name, available=loose,
            requested=per_box * count), field="boxes")
        problems.raise_any()
    source_id, target_id, item_id = source.id, target.id, item.id

    box_ids = _make_boxes(count, condition=condition, expires_on=expires_on)
    try:
        posted = post_document(
            kind=DocumentKind.MOVE, actor=actor_id, reason=SORTING_REASON, idempotency_key=key,
            lines=[Line(item_id, per_box, source_id, target_id, None, box_id)
                   for box_id in box_ids])
    except stock_errors.IdempotencyKeyReused:
        _discard_boxes(box_ids)
        return _boxes_of_key(key)
    except BaseException:
        _discard_boxes(box_ids)
        raise
    return NewBoxes(box_ids, document_id=posted.document_id, replayed=posted.replayed)


def _boxes_of_key(key: str) -> NewBoxes | None:
    document_id = db.session.scalar(select(Document.id).where(Document.idempotency_key == key))
    if document_id is None:
        return None
    box_ids = list(db.session.scalars(
        select(Movement.to_box_id).where(Movement.document_id == document_id)
        .order_by(Movement.line_no)))
    db.session.commit()
    return NewBoxes(box_ids, document_id=document_id, replayed=True)


# --- blank codes ----------------------------------------------------------------------------

def create_blank_boxes(*, actor: User, count: int | str,
                       idempotency_key: str | None) -> NewBoxes:
    """Make ``count`` empty boxes with new codes, for labels printed before a sorting day.

    A blank box has a code and nothing else until stock is first put in it. From 1 to
    ``MAX_BLANK_CODES`` per batch, else ``BlankCodeCountOutOfRange``. The batch is
    recorded in the audit log with the form's key, so the same form sent twice makes one
    batch: the code counter is locked first, so a second request waits for the first and
    then finds its record.
    """
    number = _int_or_none(count)
    if number is None or not 1 <= number <= MAX_BLANK_CODES:
        raise errors.BlankCodeCountOutOfRange(count=count, maximum=MAX_BLANK_CODES)
    key = _namespaced("", idempotency_key)
    actor = db.session.get(User, _user_id(actor))
    for attempt in range(2):
        begin_write()
        try:
            codes = allocate_codes("box", number)  # holds the counter until commit
            earlier = _blank_batch_of_key(actor.id, key)
            if earlier is not None:
                db.session.rollback()  # gives the codes back
                return earlier
            rows = [Box(code=code) for code in codes]
            db.session.add_all(rows)
            db.session.flush()
            record(actor=actor, action=BLANK_CODES_ACTION, target=rows[0],
                   summary=f"Made {number} blank box codes, {codes[0]} to {codes[-1]}",
                   count=number, first=codes[0], last=codes[-1], idempotency_key=key)
            box_ids = [row.id for row in rows]
            db.session.commit()
            return NewBoxes(box_ids)
        except exc.IntegrityError:
            # The very first codes of an installation, asked for twice at once: the
            # counter row now exists, so the second attempt queues behind it.
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _blank_batch_of_key(actor_id: int, key: str) -> NewBoxes | None:
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == BLANK_CODES_ACTION,
                                 AuditEvent.actor_id == actor_id,
                                 AuditEvent.at > utcnow() - timedelta(days=1)))
    for event in events:
        details = event.details or {}
        if details.get("idempotency_key") == key:
            return NewBoxes(box_ids_between(details["first"], details["last"],
                                            limit=details["count"]), replayed=True)
    return None


# --- shared checks and helpers ----------------------------------------------------------

def _field_names() -> dict:
    return {"donor_name": gettext("The donor's name"), "origin": gettext("The origin"),
            "note": gettext("The note"), "reason": gettext("The reason")}


def _namespaced(prefix: str, key: str | None) -> str:
    """The ledger's key for a form's key; a missing key gets a fresh one (no replay)."""
    if key is None:
        return prefix + uuid.uuid4().hex
    try:
        return prefix + str(uuid.UUID(str(key).strip()))
    except ValueError:
        raise errors.IdempotencyKeyMissing() from None


def _user_id(actor) -> int:
    if isinstance(actor, int):
        return actor
    return db.inspect(actor).identity[0]


def _enum(enum_class, value, error_class):
    try:
        return enum_class(value)
    except ValueError:
        raise error_class() from None


def _text(value: str | None, maximum: int, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > maximum:
        raise errors.TextTooLong(field=field, maximum=maximum)
    return value or None


def _int_or_none(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _box_count(value, item: Item, *, allow_none: bool) -> int:
    if allow_none and (value is None or str(value).strip() in ("", "0")):
        return 0
    number = _int_or_none(value)
    if number is None or not 1 <= number <= MAX_BOXES_PER_LINE:
        raise errors.BoxCountOutOfRange(count=value, item=item.display_name,
                                        maximum=MAX_BOXES_PER_LINE)
    return number


def _active_item(item: Item | None, item_id) -> Item:
    if item is None:
        raise stock_errors.UnknownItem(item_id=item_id)
    if not item.active:
        raise stock_errors.ItemInactive(item=item.display_name)
    return item


def _active_site(site_id) -> Site:
    site = db.session.get(Site, _int_or_none(site_id)) if _int_or_none(site_id) else None
    if site is None:
        raise errors.UnknownSite(site_id=site_id)
    if not site.active:
        raise errors.SiteInactive(site=site.name)
    return site


def _warehouse_location(location_id) -> Location:
    number = _int_or_none(location_id)
    location = db.session.get(Location, number) if number else None
    if location is None:
        raise errors.UnknownLocation(location_id=location_id)
    if location.kind != LocationKind.INTERNAL:
        raise errors.NotAWarehouseLocation(location=location.name)
    if not location.active:
        raise stock_errors.LocationInactive(location=location.name)
    return location


def _local_today() -> date:
    return local_today()


def _make_boxes(count: int, **attributes) -> list[int]:
    """Make ``count`` empty boxes with new codes and commit; the ledger then fills them."""
    if not count:
        return []
    for attempt in range(2):
        begin_write()
        try:
            rows = [Box(code=code, **attributes) for code in allocate_codes("box", count)]
            db.session.add_all(rows)
            db.session.flush()
            box_ids = [row.id for row in rows]
            db.session.commit()
            return box_ids
        except exc.IntegrityError:  # see create_blank_boxes
            db.session.rollback()
            if attempt:
                raise
    raise AssertionError("unreachable")


def _discard_boxes(box_ids: list[int]) -> None:
    """Delete boxes made for a post the ledger refused: they were never filled."""
    db.session.rollback()
    if box_ids:
        db.session.execute(delete(Box).where(Box.id.in_(box_ids), Box.quantity == 0,
                                             Box.item_id.is_(None)))
        db.session.commit()
