"""The stock ledger: the one door through which stock moves.

Every change of a quantity anywhere (a donation received, a box shelved, a dispatch, a
distribution, a stocktake difference) is a document posted here. Nothing else writes
``movement``, ``stock_level`` or a box's quantity and place.

Rules kept by ``post_document``:

- a document posts all of its lines or none of them;
- quantities are whole numbers of the item's unit, more than zero and at most
  ``MAX_LINE_QUANTITY`` per line;
- tracked locations (warehouse shelves, partner custody, transit) never go negative, and
  neither does the loose stock of a location (what it holds outside boxes), even with many
  clients posting at once: decrements are conditional updates in a consistent order;
- internal locations of one document belong to one site (stock goes between sites through
  transit, in a transfer);
- an idempotency key posts once: a replay returns the first document, the same key with
  different contents is refused;
- history is never edited: ``reverse_document`` posts the mirror image.
"""
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import exc, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from warehouse.accounts.models import Organisation, User
from warehouse.catalogue.models import Item
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.stock import errors
from warehouse.stock.models import (
    Box,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
    Site,
    StockLevel,
)

MAX_LINES = 500
MAX_LINE_QUANTITY = 100_000
# PostgreSQL aborts one side of a deadlock (40P01) or a serialization conflict (40001);
# the document is then posted again from the start, which is safe because nothing of it
# was committed.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
MAX_ATTEMPTS = 4


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a document. Boxes: see ``Movement``."""

    item_id: int
    quantity: int
    from_location_id: int
    to_location_id: int
    from_box_id: int | None = None
    to_box_id: int | None = None

    def reversed(self) -> "Line":
        return Line(self.item_id, self.quantity, self.to_location_id, self.from_location_id,
                    self.to_box_id, self.from_box_id)


@dataclass(frozen=True, slots=True)
class Posted:
    """What a post returns: the document, and whether it was an earlier post replayed."""

    document_id: int
    replayed: bool = False


def post_document(*, kind: DocumentKind | str, lines: list[Line], actor: User | int,
                  occurred_at: datetime | None = None, site_id: int | None = None,
                  reason: str | None = None, note: str | None = None,
                  idempotency_key: str | None = None,
                  reverses_id: int | None = None) -> Posted:
    """Post a document of movement lines atomically, and commit.

    ``occurred_at`` defaults to now; ``site_id`` defaults to the site of the internal
    locations involved. Raises a ``warehouse.stock.errors`` error naming the broken rule,
    having written nothing. Retries by itself when PostgreSQL reports a deadlock.
    """
    try:
        kind = DocumentKind(kind)
    except ValueError:
        raise errors.UnknownDocumentKind(kind=kind) from None
    if not lines:
        raise errors.EmptyDocument()
    if len(lines) > MAX_LINES:
        raise errors.TooManyLines(maximum=MAX_LINES)
    actor_id = _id_of(actor)
    fingerprint = _fingerprint(kind, lines, actor_id, occurred_at, site_id, reason, note,
                               reverses_id)
    header = {
        "kind": kind.value, "site_id": site_id, "reason": reason, "note": note,
        "actor_id": actor_id, "occurred_at": occurred_at or utcnow(),
        "idempotency_key": idempotency_key, "fingerprint": fingerprint,
        "reverses_id": reverses_id,
    }
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return _post_once(header, lines)
        except exc.DBAPIError as error:
            db.session.rollback()
            if _sqlstate(error) in RETRYABLE_SQLSTATES and attempt < MAX_ATTEMPTS:
                continue
            raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def reverse_document(document_id: int, *, actor: User | int, reason: str | None = None,
                     note: str | None = None, idempotency_key: str | None = None) -> Posted:
    """Post the mirror image of a document, cancelling its effect on stock.

    Fails with ``InsufficientStock`` when the stock it brought in has moved on since, and
    with ``AlreadyReversed`` the second time.
    """
    _end_read_transaction()
    document = db.session.get(Document, document_id)
    if document is None:
        raise errors.UnknownDocument(document_id=document_id)
    if document.kind == DocumentKind.REVERSAL:
        raise errors.CannotReverseReversal(document_id=document_id)
    reversal_id = db.session.scalar(
        select(Document.id).where(Document.reverses_id == document_id))
    if reversal_id is not None and idempotency_key is None:
        raise errors.AlreadyReversed(document_id=document_id, reversal_id=reversal_id)
    lines = [
        Line(m.item_id, m.quantity, m.from_location_id, m.to_location_id, m.from_box_id,
             m.to_box_id).reversed()
        for m in reversed(document.lines)
    ]
    site_id = document.site_id
    db.session.rollback()
    try:
        return post_document(kind=DocumentKind.REVERSAL, lines=lines, actor=actor,
                             site_id=site_id, reason=reason, note=note,
                             idempotency_key=idempotency_key, reverses_id=document_id)
    except exc.IntegrityError:
        reversal_id = db.session.scalar(
            select(Document.id).where(Document.reverses_id == document_id))
        raise errors.AlreadyReversed(document_id=document_id, reversal_id=reversal_id) \
            from None


def rebuild_stock_levels() -> int:
    """Replace every stock level by what the ledger adds up to; return how many changed.

    The repair half of ``flask stock verify --repair``; run it only after the verify
    report has been read.
    """
    from warehouse.stock.queries import stock_differences

    _end_read_transaction()
    conn = _write_connection()
    differences = stock_differences()
    for difference in differences:
        key = {"location_id": difference.location_id, "item_id": difference.item_id}
        changed = conn.execute(
            update(StockLevel).filter_by(**key).values(quantity=difference.ledger)).rowcount
        if not changed:
            conn.execute(insert(StockLevel).values(**key, quantity=difference.ledger))
    db.session.commit()
    return len(differences)


# --- the post itself ------------------------------------------------------------------

def _post_once(header: dict, lines: list[Line]) -> Posted:
    _end_read_transaction()
    conn = _write_connection()
    items = _load(conn, Item, {line.item_id for line in lines})
    locations = _load(conn, Location,
                      {line.from_location_id for line in lines}
                      | {line.to_location_id for line in lines})
    box_ids = {b for line in lines for b in (line.from_box_id, line.to_box_id) if b}
    # Boxes are locked up front in id order, as levels are later, so that documents taking
    # the same boxes in different line orders queue for them instead of deadlocking.
    boxes = _load(conn, Box, box_ids, lock=True) if box_ids else {}

    site_id = header["site_id"]
    if site_id is None:
        site_id = _site_of(lines, locations)
    document_id = _insert_document(conn, {**header, "site_id": site_id})
    if document_id is None:
        db.session.rollback()
        return _replay(header["idempotency_key"], header["fingerprint"])

    quantities = [_check_line(line, items, locations, site_id) for line in lines]
    if header["site_id"] is not None and not _exists(conn, Site, site_id):
        raise errors.UnknownSite(site_id=site_id)
    _apply_boxes(conn, lines, quantities, items, locations, boxes)
    _apply_levels(conn, lines, quantities, items, locations)
    conn.execute(insert(Movement), [
        {
            "document_id": document_id, "line_no": number, "item_id": line.item_id,
            "quantity": quantity, "from_location_id": line.from_location_id,
            "to_location_id": line.to_location_id, "from_box_id": line.from_box_id,
            "to_box_id": line.to_box_id, "occurred_at": header["occurred_at"],
        }
        for number, (line, quantity) in enumerate(zip(lines, quantities), start=1)
    ])
    db.session.commit()
    return Posted(document_id)


def _end_read_transaction() -> None:
    """Close a read-only transaction the caller left open, so the write starts afresh.

    On SQLite a transaction that has read cannot later wait for the write lock; on
    PostgreSQL it is merely tidy. Pending ORM changes mean a caller broke the one door.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("stock services own their transaction: commit other changes first")
    if session.in_transaction():
        session.commit()


def _write_connection() -> Connection:
    return db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _load(conn: Connection, model, ids: set[int], lock: bool = False) -> dict:
    if not ids:
        return {}
    query = select(model).where(model.id.in_(ids))
    if lock:  # SQLite has no FOR UPDATE and needs none: BEGIN IMMEDIATE locks it all
        query = (query.order_by(model.id).with_for_update()
                 .execution_options(populate_existing=True))
    rows = db.session.execute(query).scalars()
    return {row.id: row for row in rows}


def _exists(conn: Connection, model, id_: int) -> bool:
    return conn.execute(select(model.id).where(model.id == id_)).first() is not None


def _insert_document(conn: Connection, values: dict) -> int | None:
    """Insert the header; ``None`` when its idempotency key was already used."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
    statement = dialect.insert(Document).values(**values, recorded_at=utcnow())
    if values["idempotency_key"] is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    try:
        return conn.execute(statement.returning(Document.id)).scalar()
    except exc.IntegrityError:
        # Nothing is written yet, and PostgreSQL takes no more statements in a failed
        # transaction (SQLite does not say which key failed): look in a new one.
        db.session.rollback()
        if db.session.get(User, values["actor_id"]) is None:
            raise errors.UnknownUser(user_id=values["actor_id"]) from None
        if values["site_id"] is not None and db.session.get(Site, values["site_id"]) is None:
            raise errors.UnknownSite(site_id=values["site_id"]) from None
        raise


def _replay(key: str, fingerprint: str) -> Posted:
    row = db.session.execute(
        select(Document.id, Document.fingerprint).where(Document.idempotency_key == key)
    ).one()
    db.session.commit()
    if row.fingerprint != fingerprint:
        raise errors.IdempotencyKeyReused()
    return Posted(row.id, replayed=True)


def _site_of(lines: list[Line], locations: dict) -> int | None:
    for line in lines:
        for location_id in (line.from_location_id, line.to_location_id):
            location = locations.get(location_id)
            if location is not None and location.kind == LocationKind.INTERNAL:
                return location.site_id
    return None


def _check_line(line: Line, items: dict, locations: dict, site_id: int | None) -> int:
    """Validate one line against the catalogue and locations; return its quantity."""
    item = items.get(line.item_id)
    if item is None:
        raise errors.UnknownItem(item_id=line.item_id)
    quantity = whole_quantity(line.quantity, item)
    if not item.active:
        raise errors.ItemInactive(item=item.display_name)
    for location_id in (line.from_location_id, line.to_location_id):
        location = locations.get(location_id)
        if location is None:
            raise errors.UnknownLocation(location_id=location_id)
        if not location.active:
            raise errors.LocationInactive(location=location.name)
        if location.kind == LocationKind.INTERNAL and location.site_id != site_id:
            raise errors.LocationOfAnotherSite(
                location=location.name, location_site=location.site.name,
                site=db.session.get(Site, site_id).name if site_id else "—")
    # A whole box "moved" to where it is gets the box's own error, from _apply_boxes.
    if line.from_location_id == line.to_location_id and (
            line.from_box_id is None and line.to_box_id is None):
        raise errors.SameLocation(item=item.display_name,
                                  location=locations[line.from_location_id].name)
    return quantity


# "1,000" is a thousand to a British volunteer and one to a French one: refuse to guess.
_GROUPED_DIGITS = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{3})+")


def whole_quantity(value, item: Item) -> int:
    """Return ``value`` as a whole, positive, plausible quantity of ``item``, or raise.

    Text may use a decimal comma ("12,0" is 12); digits grouped in thousands ("1,000",
    "1.000") are refused as not whole rather than guessed.
    """
    def not_whole():
        return errors.QuantityMustBeWhole(item=item.display_name, unit=item.unit.value,
                                          quantity=value)

    if isinstance(value, bool):
        raise not_whole()
    number = value
    if not isinstance(value, int):
        text = str(value).strip()
        if isinstance(value, str) and _GROUPED_DIGITS.fullmatch(text):
            raise not_whole()
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise not_whole() from None
        if not number.is_finite() or number != number.to_integral_value():
            raise not_whole()
    # Compared before int(): int(Decimal("1e999999999")) would run for minutes.
    if number <= 0:
        raise errors.QuantityMustBePositive(item=item.display_name, quantity=value)
    if number > MAX_LINE_QUANTITY:
        raise errors.QuantityTooLarge(item=item.display_name, quantity=value,
                                      maximum=MAX_LINE_QUANTITY)
    return int(number)


@dataclass(slots=True)
class _BoxState:
    code: str
    item_id: int | None
    location_id: int | None
    quantity: int


def _apply_boxes(conn, lines, quantities, items, locations, boxes) -> None:
    """Take stock out of and put it into boxes, line by line, checking each box's state.

    The rules are checked against the box as this document leaves it, and again by the
    conditional updates, which fail if another client changed the box meanwhile.
    """
    state = {b.id: _BoxState(b.code, b.item_id, b.location_id, b.quantity)
             for b in boxes.values()}
    for line, quantity in zip(lines, quantities):
        item = items[line.item_id]
        source, target = locations[line.from_location_id], locations[line.to_location_id]
        for box_id in (line.from_box_id, line.to_box_id):
            if box_id is not None and box_id not in state:
                raise errors.UnknownBox(box_id=box_id)
        if line.from_box_id is not None and line.from_box_id == line.to_box_id:
            box = state[line.from_box_id]
            _check_box_holds(box, item, source, quantity, locations)
            if not target.tracked:
                raise errors.BoxNotInStock(box=box.code, location=target.name)
            if box.location_id == target.id:
                raise errors.BoxAlreadyThere(box=box.code, location=target.name)
            if quantity != box.quantity:
                raise errors.BoxMustMoveWhole(box=box.code, available=box.quantity,
                                              requested=quantity)
            changed = conn.execute(
                update(Box).where(Box.id == line.from_box_id,
                                  Box.location_id == source.id, Box.quantity == quantity)
                .values(location_id=target.id)).rowcount
            if not changed:
                _raise_box_changed(conn, line.from_box_id, item, source, quantity)
            box.location_id = target.id
            continue
        if line.from_box_id is not None:
            box = state[line.from_box_id]
            _check_box_holds(box, item, source, quantity, locations)
            changed = conn.execute(
                update(Box).where(Box.id == line.from_box_id,
                                  Box.location_id == source.id, Box.item_id == item.id,
                                  Box.quantity >= quantity)
                .values(quantity=Box.quantity - quantity)).rowcount
            if not changed:
                _raise_box_changed(conn, line.from_box_id, item, source, quantity)
            box.quantity -= quantity
        if line.to_box_id is not None:
            box = state[line.to_box_id]
            if box.item_id not in (None, item.id):
                raise errors.BoxItemMismatch(box=box.code, item=item.display_name,
                                             box_item=items_name(box.item_id, items))
            if not target.tracked:
                raise errors.BoxNotInStock(box=box.code, location=target.name)
            if box.quantity and box.location_id != target.id:
                raise errors.BoxNotAtLocation(
                    box=box.code, location=target.name,
                    box_location=_location_name(box.location_id, locations))
            changed = conn.execute(
                update(Box).where(
                    Box.id == line.to_box_id,
                    (Box.item_id == item.id) | Box.item_id.is_(None),
                    (Box.location_id == target.id) | (Box.quantity == 0)
                    | Box.location_id.is_(None))
                .values(quantity=Box.quantity + quantity, item_id=item.id,
                        location_id=target.id)).rowcount
            if not changed:
                _raise_box_changed(conn, line.to_box_id, item, target, quantity)
            box.quantity += quantity
            box.item_id = item.id
            box.location_id = target.id


def _check_box_holds(box: _BoxState, item: Item, source: Location, quantity: int,
                     locations: dict) -> None:
    if box.item_id != item.id:
        raise errors.BoxItemMismatch(box=box.code, item=item.display_name,
                                     box_item=_item_name(box.item_id))
    if not source.tracked:
        raise errors.BoxNotInStock(box=box.code, location=source.name)
    if box.location_id != source.id:
        raise errors.BoxNotAtLocation(box=box.code, location=source.name,
                                      box_location=_location_name(box.location_id, locations))
    if box.quantity < quantity:
        raise errors.InsufficientStockInBox(box=box.code, item=item.display_name,
                                            available=box.quantity, requested=quantity)


def _raise_box_changed(conn, box_id, item, location, quantity):
    """A conditional box update matched nothing: another client changed the box."""
    box = conn.execute(select(Box.code, Box.location_id, Box.quantity)
                       .where(Box.id == box_id)).one()
    if box.location_id != location.id:
        raise errors.BoxNotAtLocation(box=box.code, location=location.name,
                                      box_location=_location_name(box.location_id, {}))
    raise errors.InsufficientStockInBox(box=box.code, item=item.display_name,
                                        available=box.quantity, requested=quantity)


def items_name(item_id, items: dict) -> str:
    return items[item_id].display_name if item_id in items else _item_name(item_id)


def _item_name(item_id: int | None) -> str:
    if item_id is None:
        return "—"
    item = db.session.get(Item, item_id)
    return item.display_name if item else str(item_id)


def _location_name(location_id: int | None, locations: dict) -> str:
    if location_id is None:
        return "—"
    location = locations.get(location_id) or db.session.get(Location, location_id)
    return location.name if location else str(location_id)


def _apply_levels(conn, lines, quantities, items, locations) -> None:
    """Update tracked stock levels by each (location, item)'s net change.

    Keys are updated in sorted order so concurrent documents lock rows in the same order.
    Loose stock (level minus what is in boxes) is checked where a line took stock that was
    not in a box.
    """
    delta: dict[tuple[int, int], int] = defaultdict(int)
    loose_taken: dict[tuple[int, int], int] = defaultdict(int)
    for line, quantity in zip(lines, quantities):
        if locations[line.from_location_id].tracked:
            key = (line.from_location_id, line.item_id)
            delta[key] -= quantity
            if line.from_box_id is None:
                loose_taken[key] += quantity
        if locations[line.to_location_id].tracked:
            delta[(line.to_location_id, line.item_id)] += quantity

    new_levels: dict[tuple[int, int], int] = {}
    upsert = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name].insert
    for key in sorted(delta.keys() | loose_taken.keys()):
        location_id, item_id = key
        change = delta.get(key, 0)
        where = (StockLevel.location_id == location_id, StockLevel.item_id == item_id)
        if change < 0:
            level = conn.execute(
                update(StockLevel).where(*where, StockLevel.quantity >= -change)
                .values(quantity=StockLevel.quantity + change)
                .returning(StockLevel.quantity)).scalar()
            if level is None:
                available = conn.execute(
                    select(StockLevel.quantity).where(*where)).scalar() or 0
                raise errors.InsufficientStock(
                    item=items[item_id].display_name, location=locations[location_id].name,
                    available=available, requested=-change)
        elif change > 0:
            statement = upsert(StockLevel).values(
                location_id=location_id, item_id=item_id, quantity=change)
            level = conn.execute(
                statement.on_conflict_do_update(
                    index_elements=["location_id", "item_id"],
                    set_={"quantity": StockLevel.quantity + statement.excluded.quantity})
                .returning(StockLevel.quantity)).scalar()
        else:
            # No net change, but loose stock is taken: lock the row all the same so the
            # loose check below cannot race another document.
            level = conn.execute(
                update(StockLevel).where(*where).values(quantity=StockLevel.quantity)
                .returning(StockLevel.quantity)).scalar() or 0
        new_levels[key] = level

    if loose_taken:
        boxed = {(row.location_id, row.item_id): row.quantity for row in conn.execute(
            select(Box.location_id, Box.item_id, func.sum(Box.quantity).label("quantity"))
            .where(tuple_(Box.location_id, Box.item_id).in_(list(loose_taken)))
            .group_by(Box.location_id, Box.item_id))}
        for key, taken in loose_taken.items():
            loose_left = new_levels[key] - (boxed.get(key) or 0)
            if loose_left < 0:
                location_id, item_id = key
                raise errors.InsufficientStock(
                    item=items[item_id].display_name, location=locations[location_id].name,
                    available=max(0, loose_left + taken), requested=taken)


# --- helpers ----------------------------------------------------------------------------

def _id_of(obj) -> int:
    """The primary key of a model instance or an id, without loading expired attributes."""
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj
    identity = db.inspect(obj).identity
    if identity is None:
        raise ValueError(f"{obj!r} has not been saved yet")
    return identity[0]


def _fingerprint(kind, lines, actor_id, occurred_at, site_id, reason, note,
                 reverses_id) -> str:
    """A digest of what the caller asked for, to tell a replay from a reused key."""
    content = {
        "kind": kind.value, "actor_id": actor_id, "site_id": site_id, "reason": reason,
        "note": note, "reverses_id": reverses_id,
        "occurred_at": occurred_at.isoformat() if occurred_at else None,
        "lines": [{k: str(v) for k, v in asdict(line).items()} for line in lines],
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _sqlstate(error: exc.DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


# --- locations that every installation has ----------------------------------------------

VIRTUAL_LOCATIONS = {
    LocationKind.DONOR: ("VDONOR", "Donors"),
    LocationKind.DISTRIBUTED: ("VDISTRIBUTED", "Distributed to people"),
    LocationKind.WRITE_OFF: ("VWRITEOFF", "Written off"),
    LocationKind.ADJUSTMENT: ("VADJUST", "Stocktake adjustments"),
}


def system_location(kind: LocationKind) -> Location:
    """The one virtual location of ``kind`` (donor, distributed, write-off, adjustment).

    Made on first use, so a fresh database needs no set-up step.
    """
    code, name = VIRTUAL_LOCATIONS[LocationKind(kind)]
    return _get_or_create_location(code, lambda: Location(code=code, name=name, kind=kind))


def custody_location(organisation) -> Location:
    """The location standing for what a partner organisation holds (its custody)."""
    org_id = _id_of(organisation)
    code = f"VORG{org_id}"
    return _get_or_create_location(code, lambda: Location(
        code=code, name=f"Custody: {db.session.get(Organisation, org_id).name}",
        kind=LocationKind.PARTNER, organisation_id=org_id))


def transit_location(site) -> Location:
    """Where stock leaving ``site`` for another site is while on the road."""
    site_id = _id_of(site)
    code = f"VTRANSIT{site_id}"
    return _get_or_create_location(code, lambda: Location(
        code=code, name=f"In transit from {db.session.get(Site, site_id).name}",
        kind=LocationKind.TRANSIT))


def _get_or_create_location(code: str, make) -> Location:
    location = db.session.scalar(select(Location).where(Location.code == code))
    if location is not None:
        return location
    db.session.add(make())
    try:
        db.session.commit()
    except exc.IntegrityError:  # made meanwhile by another client
        db.session.rollback()
    return db.session.scalar(select(Location).where(Location.code == code))
