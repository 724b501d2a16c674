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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, exc, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from warehouse.accounts.models import Organisation, User
from warehouse.catalogue.models import Item, Unit, item_display_name
from warehouse.core.transactions import (
    RETRYABLE_SQLSTATES,
    end_read_transaction,
    sqlstate,
    write_connection,
)
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
    Reservation,
    Site,
    StockLevel,
)
from warehouse.stock.queries import stock_differences

MAX_LINES = 500
MAX_LINE_QUANTITY = 100_000
# A deadlock, a serialization conflict or a connection broken by a database restart:
# the document is posted again from the start (nothing of it was committed).
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
                  reverses_id: int | None = None,
                  also: "Callable[[Connection, int], None] | None" = None) -> Posted:
    """Post a document of movement lines atomically, and commit.

    ``occurred_at`` defaults to now; ``site_id`` defaults to the site of the internal
    locations involved. Raises a ``warehouse.stock.errors`` error naming the broken rule,
    having written nothing. Retries by itself when PostgreSQL reports a deadlock.

    ``also(conn, document_id)`` runs inside the same transaction just before the commit,
    so a caller's own rows (a donation, a dispatch's request lines, a reservation
    released) are written with the movements or not at all. It is not run on a replay,
    and may run more than once when the post is retried: it must use ``conn`` only.
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
            return _post_once(header, lines, also)
        except exc.DBAPIError as error:
            db.session.rollback()
            # A connection broken by a database restart is retried, except when it broke
            # during COMMIT without an idempotency key: the first post may have landed.
            reconnect = error.connection_invalidated and (
                idempotency_key is not None or not getattr(error, "during_commit", False))
            retryable = sqlstate(error) in RETRYABLE_SQLSTATES or reconnect
            if retryable and attempt < MAX_ATTEMPTS:
                continue
            raise
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")


def reverse_document(document_id: int, *, actor: User | int, reason: str | None = None,
                     note: str | None = None, idempotency_key: str | None = None,
                     also: "Callable[[Connection, int], None] | None" = None) -> Posted:
    """Post the mirror image of a document, cancelling its effect on stock.

    Fails with ``InsufficientStock`` when the stock it brought in has moved on since, and
    with ``AlreadyReversed`` the second time. ``also`` is as for ``post_document``.
    """
    end_read_transaction()
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
                             idempotency_key=idempotency_key, reverses_id=document_id,
                             also=also)
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
    end_read_transaction()
    conn = write_connection()
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

def _post_once(header: dict, lines: list[Line], also=None) -> Posted:
    end_read_transaction()
    # A connection of its own rather than the session's: the post runs a fixed set of
    # prepared statements (see _Statements) and no ORM bookkeeping, which is most of what
    # it would otherwise cost.
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        transaction = conn.begin()
        try:
            posted = _post_in(conn, header, lines)
            if also is not None and not posted.replayed:
                also(conn, posted.document_id)
        except BaseException:
            if transaction.is_active:  # _insert_document may have rolled back already
                transaction.rollback()
            raise
        try:
            transaction.commit()
        except exc.DBAPIError as error:
            error.during_commit = True  # it may have committed: see post_document
            raise
    return posted


def _post_in(conn: Connection, header: dict, lines: list[Line]) -> Posted:
    sql = _statements(conn.dialect.name)
    items = {row.id: _ItemInfo(*row) for row in conn.execute(
        sql.items, {"ids": list({line.item_id for line in lines})})}
    location_ids = {line.from_location_id for line in lines} | {
        line.to_location_id for line in lines}
    locations = {row.id: _LocationInfo(*row) for row in conn.execute(
        sql.locations, {"ids": list(location_ids)})}
    box_ids = {b for line in lines for b in (line.from_box_id, line.to_box_id) if b}
    # Boxes are locked up front in id order, as levels are later, so that documents taking
    # the same boxes in different line orders queue for them instead of deadlocking.
    boxes = {row.id: _BoxState(*row) for row in conn.execute(
        sql.boxes, {"ids": list(box_ids)})} if box_ids else {}

    site_id = header["site_id"]
    if site_id is None:
        site_id = _site_of(lines, locations)
    document_id = _insert_document(conn, sql, {**header, "site_id": site_id})
    if document_id is None:
        # The key was used: the insert waited for that post to commit, so it is visible.
        return _replay(conn, header["idempotency_key"], header["fingerprint"])

    names = _Names(conn, items, locations)
    quantities = [_check_line(line, items, locations, site_id, names) for line in lines]
    _apply_boxes(conn, sql, lines, quantities, items, locations, boxes)
    _apply_levels(conn, sql, lines, quantities, items, locations)
    conn.execute(sql.movement, [
        {
            "document_id": document_id, "line_no": number, "item_id": line.item_id,
            "quantity": quantity, "from_location_id": line.from_location_id,
            "to_location_id": line.to_location_id, "from_box_id": line.from_box_id,
            "to_box_id": line.to_box_id, "occurred_at": header["occurred_at"],
        }
        for number, (line, quantity) in enumerate(zip(lines, quantities), start=1)
    ])
    return Posted(document_id)


@dataclass(frozen=True, slots=True)
class _ItemInfo:
    id: int
    name: str
    name_fr: str | None
    size: str | None
    unit: Unit
    active: bool

    @property
    def display_name(self) -> str:
        return item_display_name(self.name, self.name_fr, self.size)


@dataclass(frozen=True, slots=True)
class _LocationInfo:
    id: int
    name: str
    kind: LocationKind
    site_id: int | None
    active: bool

    @property
    def tracked(self) -> bool:
        return self.kind.tracked


class _Statements:
    """Every statement a post runs, built once per dialect with bound parameters.

    Building SQLAlchemy statements per call cost more than the database itself did; built
    once, each execution is a lookup in the compiled-statement cache.
    """

    def __init__(self, dialect):
        ids = bindparam("ids", expanding=True)
        self.items = select(Item.id, Item.name, Item.name_fr, Item.size, Item.unit,
                            Item.active).where(Item.id.in_(ids))
        self.locations = select(Location.id, Location.name, Location.kind,
                                Location.site_id, Location.active).where(Location.id.in_(ids))
        # SQLite has no FOR UPDATE and needs none: BEGIN IMMEDIATE has locked it all.
        self.boxes = (select(Box.id, Box.code, Box.item_id, Box.location_id, Box.quantity)
                      .where(Box.id.in_(ids)).order_by(Box.id).with_for_update())
        self.box_state = select(Box.code, Box.location_id, Box.quantity).where(
            Box.id == bindparam("box"))
        document = dialect.insert(Document)
        self.document = document.returning(Document.id)
        self.document_with_key = document.on_conflict_do_nothing(
            index_elements=["idempotency_key"]).returning(Document.id)
        self.movement = insert(Movement)

        box = Box.id == bindparam("box")
        self.move_box = update(Box).where(
            box, Box.location_id == bindparam("source"), Box.quantity == bindparam("q")
        ).values(location_id=bindparam("target"))
        self.take_from_box = update(Box).where(
            box, Box.location_id == bindparam("source"), Box.item_id == bindparam("item"),
            Box.quantity >= bindparam("q")
        ).values(quantity=Box.quantity - bindparam("q"))
        self.put_in_box = update(Box).where(
            box, (Box.item_id == bindparam("item")) | Box.item_id.is_(None),
            (Box.location_id == bindparam("target")) | (Box.quantity == 0)
            | Box.location_id.is_(None)
        ).values(quantity=Box.quantity + bindparam("q"), item_id=bindparam("item"),
                 location_id=bindparam("target"))

        level = (StockLevel.location_id == bindparam("location"),
                 StockLevel.item_id == bindparam("item"))
        self.take_level = update(StockLevel).where(
            *level, StockLevel.quantity >= bindparam("q")
        ).values(quantity=StockLevel.quantity - bindparam("q")).returning(StockLevel.quantity)
        upsert = dialect.insert(StockLevel)
        self.add_level = upsert.on_conflict_do_update(
            index_elements=["location_id", "item_id"],
            set_={"quantity": StockLevel.quantity + upsert.excluded.quantity},
        ).returning(StockLevel.quantity)
        self.lock_level = update(StockLevel).where(*level).values(
            quantity=StockLevel.quantity).returning(StockLevel.quantity)
        self.level = select(StockLevel.quantity).where(*level)
        self.boxed = select(func.coalesce(func.sum(Box.quantity), 0)).where(
            Box.location_id == bindparam("location"), Box.item_id == bindparam("item"))


_STATEMENTS: dict[str, _Statements] = {}


def _statements(dialect_name: str) -> _Statements:
    if dialect_name not in _STATEMENTS:
        dialect = {"postgresql": postgresql, "sqlite": sqlite}[dialect_name]
        _STATEMENTS[dialect_name] = _Statements(dialect)
    return _STATEMENTS[dialect_name]


def _insert_document(conn: Connection, sql: _Statements, values: dict) -> int | None:
    """Insert the header; ``None`` when its idempotency key was already used."""
    statement = sql.document if values["idempotency_key"] is None else sql.document_with_key
    try:
        return conn.execute(statement, {**values, "recorded_at": utcnow()}).scalar()
    except exc.IntegrityError:
        # Nothing is written yet, and PostgreSQL takes no more statements in a failed
        # transaction (SQLite does not say which key failed): look in a new one.
        conn.rollback()
        if db.session.get(User, values["actor_id"]) is None:
            raise errors.UnknownUser(user_id=values["actor_id"]) from None
        if values["site_id"] is not None and db.session.get(Site, values["site_id"]) is None:
            raise errors.UnknownSite(site_id=values["site_id"]) from None
        raise


def _replay(conn: Connection, key: str, fingerprint: str) -> Posted:
    row = conn.execute(
        select(Document.id, Document.fingerprint).where(Document.idempotency_key == key)
    ).one()
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


def _check_line(line: Line, items: dict, locations: dict, site_id: int | None,
                names: "_Names") -> int:
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
                location=location.name,
                location_site=names.site(location.site_id), site=names.site(site_id))
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
    id: int
    code: str
    item_id: int | None
    location_id: int | None
    quantity: int


def _apply_boxes(conn, sql, lines, quantities, items, locations, boxes) -> None:
    """Take stock out of and put it into boxes, line by line, checking each box's state.

    The rules are checked against the box as this document leaves it, and again by the
    conditional updates, which fail if another client changed the box meanwhile.
    """
    state = boxes
    names = _Names(conn, items, locations)
    for line, quantity in zip(lines, quantities):
        item = items[line.item_id]
        source, target = locations[line.from_location_id], locations[line.to_location_id]
        for box_id in (line.from_box_id, line.to_box_id):
            if box_id is not None and box_id not in state:
                raise errors.UnknownBox(box_id=box_id)
        if line.from_box_id is not None and line.from_box_id == line.to_box_id:
            box = state[line.from_box_id]
            _check_box_holds(box, item, source, quantity, names)
            if not target.tracked:
                raise errors.BoxNotInStock(box=box.code, location=target.name)
            if box.location_id == target.id:
                raise errors.BoxAlreadyThere(box=box.code, location=target.name)
            if quantity != box.quantity:
                raise errors.BoxMustMoveWhole(box=box.code, available=box.quantity,
                                              requested=quantity)
            changed = conn.execute(sql.move_box, {
                "box": box.id, "source": source.id, "q": quantity, "target": target.id,
            }).rowcount
            if not changed:
                _raise_box_changed(conn, sql, box.id, item, source, quantity)
            box.location_id = target.id
            continue
        if line.from_box_id is not None:
            box = state[line.from_box_id]
            _check_box_holds(box, item, source, quantity, names)
            changed = conn.execute(sql.take_from_box, {
                "box": box.id, "source": source.id, "item": item.id, "q": quantity,
            }).rowcount
            if not changed:
                _raise_box_changed(conn, sql, box.id, item, source, quantity)
            box.quantity -= quantity
        if line.to_box_id is not None:
            box = state[line.to_box_id]
            if box.item_id not in (None, item.id):
                raise errors.BoxItemMismatch(box=box.code, item=item.display_name,
                                             box_item=names.item(box.item_id))
            if not target.tracked:
                raise errors.BoxNotInStock(box=box.code, location=target.name)
            if box.quantity and box.location_id != target.id:
                raise errors.BoxNotAtLocation(
                    box=box.code, location=target.name,
                    box_location=names.location(box.location_id))
            changed = conn.execute(sql.put_in_box, {
                "box": box.id, "item": item.id, "target": target.id, "q": quantity,
            }).rowcount
            if not changed:
                _raise_box_changed(conn, sql, box.id, item, target, quantity)
            box.quantity += quantity
            box.item_id = item.id
            box.location_id = target.id


def _check_box_holds(box: _BoxState, item: _ItemInfo, source: _LocationInfo, quantity: int,
                     names: "_Names") -> None:
    if box.item_id != item.id:
        raise errors.BoxItemMismatch(box=box.code, item=item.display_name,
                                     box_item=names.item(box.item_id))
    if not source.tracked:
        raise errors.BoxNotInStock(box=box.code, location=source.name)
    if box.location_id != source.id:
        raise errors.BoxNotAtLocation(box=box.code, location=source.name,
                                      box_location=names.location(box.location_id))
    if box.quantity < quantity:
        raise errors.InsufficientStockInBox(box=box.code, item=item.display_name,
                                            available=box.quantity, requested=quantity)


def _raise_box_changed(conn, sql, box_id, item, location, quantity):
    """A conditional box update matched nothing: another client changed the box."""
    box = conn.execute(sql.box_state, {"box": box_id}).one()
    if box.location_id != location.id:
        raise errors.BoxNotAtLocation(box=box.code, location=location.name,
                                      box_location=_Names(conn).location(box.location_id))
    raise errors.InsufficientStockInBox(box=box.code, item=item.display_name,
                                        available=box.quantity, requested=quantity)


class _Names:
    """Names for error messages, looked up on the post's own connection when not loaded.

    Only error paths use it; reading through the session instead would hold a second
    pooled connection per client while the post holds its own.
    """

    def __init__(self, conn: Connection, items: dict | None = None,
                 locations: dict | None = None):
        self.conn, self.items, self.locations = conn, items or {}, locations or {}

    def item(self, item_id: int | None) -> str:
        if item_id is None:
            return "—"
        if item_id in self.items:
            return self.items[item_id].display_name
        row = self.conn.execute(select(Item.name, Item.name_fr, Item.size)
                                .where(Item.id == item_id)).first()
        return item_display_name(*row) if row else str(item_id)

    def location(self, location_id: int | None) -> str:
        if location_id is None:
            return "—"
        if location_id in self.locations:
            return self.locations[location_id].name
        name = self.conn.execute(select(Location.name)
                                 .where(Location.id == location_id)).scalar()
        return name or str(location_id)

    def site(self, site_id: int | None) -> str:
        if site_id is None:
            return "—"
        return self.conn.execute(select(Site.name).where(Site.id == site_id)).scalar() \
            or str(site_id)


def _apply_levels(conn, sql, lines, quantities, items, locations) -> None:
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

    for key in sorted(delta.keys() | loose_taken.keys()):
        location_id, item_id = key
        change = delta.get(key, 0)
        where = {"location": location_id, "item": item_id}
        if change < 0:
            level = conn.execute(sql.take_level, {**where, "q": -change}).scalar()
            if level is None:
                available = conn.execute(sql.level, where).scalar() or 0
                raise errors.InsufficientStock(
                    item=items[item_id].display_name, location=locations[location_id].name,
                    available=available, requested=-change)
        elif change > 0:
            level = conn.execute(sql.add_level, {
                "location_id": location_id, "item_id": item_id, "quantity": change,
            }).scalar()
        else:
            # No net change, but loose stock is taken: lock the row all the same so the
            # loose check below cannot race another document.
            level = conn.execute(sql.lock_level, where).scalar() or 0
        taken = loose_taken.get(key)
        if taken:
            loose_left = level - conn.execute(sql.boxed, where).scalar()
            if loose_left < 0:
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


# --- reservations: stock promised to a partner -------------------------------------------

def available(conn: Connection, *, site_id: int, item_id: int,
              excluding: tuple[str, int] | None = None) -> int:
    """On hand at a site's shelves minus its open reservations (``excluding`` one source)."""
    on_hand = conn.execute(
        select(func.coalesce(func.sum(StockLevel.quantity), 0))
        .join(Location, Location.id == StockLevel.location_id)
        .where(Location.site_id == site_id, Location.kind == LocationKind.INTERNAL,
               StockLevel.item_id == item_id)).scalar()
    reserved = select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
        Reservation.site_id == site_id, Reservation.item_id == item_id,
        Reservation.released_at.is_(None))
    if excluding is not None:
        reserved = reserved.where(~((Reservation.source_type == excluding[0])
                                    & (Reservation.source_id == excluding[1])))
    return int(on_hand) - int(conn.execute(reserved).scalar())


def reserve(conn: Connection, *, site_id: int, item_id: int, organisation_id: int,
            quantity: int, source_type: str, source_id: int, actor: User | int) -> None:
    """Set what ``source`` (e.g. a request line) holds reserved of an item at a site.

    Replaces the source's open reservation (0 releases it). Runs in the caller's
    transaction (``write_transaction``), holding a lock on the (site, item) until it
    commits, so two managers allocating the same stock at once cannot together reserve
    more than is available. Raises ``NotEnoughAvailable``.
    """
    if quantity < 0:
        raise errors.QuantityMustBePositive(item=_Names(conn).item(item_id), quantity=quantity)
    _lock_availability(conn, site_id, item_id)
    release(conn, source_type=source_type, source_id=source_id)
    if quantity == 0:
        return
    free = available(conn, site_id=site_id, item_id=item_id)
    if quantity > free:
        raise errors.NotEnoughAvailable(item=_Names(conn).item(item_id),
                                        available=max(free, 0), requested=quantity)
    conn.execute(insert(Reservation).values(
        site_id=site_id, item_id=item_id, organisation_id=organisation_id, quantity=quantity,
        source_type=source_type, source_id=source_id, created_by_id=_id_of(actor),
        created_at=utcnow()))


def release(conn: Connection, *, source_type: str, source_id: int) -> int:
    """Release the open reservation of a source; return how much it held."""
    held = conn.execute(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.source_type == source_type, Reservation.source_id == source_id,
            Reservation.released_at.is_(None))).scalar()
    conn.execute(update(Reservation).where(
        Reservation.source_type == source_type, Reservation.source_id == source_id,
        Reservation.released_at.is_(None)).values(released_at=utcnow()))
    return int(held)


def _lock_availability(conn: Connection, site_id: int, item_id: int) -> None:
    """Serialise reservations of one item at one site until the transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on (site, item). SQLite needs none: a
    write transaction (BEGIN IMMEDIATE) already excludes every other writer.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(site_id, item_id)))
