"""What the scan page does besides the domains' own services: undoing a scan, and the
offline scans that the server refused ("needs attention"), kept to be sent again or let go.

The scanner's writes are the domains' services (``warehouse.boxes.services``,
``warehouse.requests.picking``), called by the JSON API. Each write the API can replay is
registered here with ``replayable`` (endpoint -> schema and work), so that a scan refused
when it was replayed offline can be sent again later, from the conflicts page or the API,
through the very same code (``retry``).
"""
import functools
import json
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError
from sqlalchemy import insert, select, update

from warehouse.accounts.access import access_of
from warehouse.accounts.models import Role, User
from warehouse.boxes.services import UNDONE
from warehouse.core.errors import DomainError
from warehouse.core.types import utcnow
from warehouse.core.words import kind_label
from warehouse.extensions import db
from warehouse.scan import errors
from warehouse.scan.models import SyncConflict
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import Document, DocumentKind
from warehouse.stock.services import Posted, reverse_document

MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})
#: How long the person who recorded a scan may undo it themselves.
UNDO_WINDOW = timedelta(hours=1)
#: Documents whose effects reach beyond stock (request lines, custody, distributions): they
#: are corrected from their own pages, which undo those effects too.
NOT_UNDONE_HERE = frozenset({DocumentKind.DISPATCH, DocumentKind.DISTRIBUTION,
                             DocumentKind.RETURN, DocumentKind.TRANSFER})
#: Idempotency keys of documents posted by the scanner (the JSON API) start so.
SCANNER_KEY_PREFIX = "api:"


def scanner_key(user_id: int, key: str) -> str:
    """The ledger's key of a scan: the user's own ``Idempotency-Key``, kept apart from
    everyone else's (``api:<user_id>:<key>``)."""
    return f"{SCANNER_KEY_PREFIX}{user_id}:{key}"


# --- undoing a scan ---------------------------------------------------------------------------

def undo_document(document_id: int, *, actor: User, idempotency_key: str | None = None,
                  now: datetime | None = None) -> Posted:
    """Reverse a document recorded with the scanner, as the person who recorded it.

    Volunteers undo their own scans within ``UNDO_WINDOW`` of recording them; managers
    and admins undo any document. Dispatches, distributions, returns and transfers are
    corrected from their own pages (UndoElsewhere). Raises the ledger's UnknownDocument,
    AlreadyReversed, CannotReverseReversal or InsufficientStock (the stock moved on since),
    and NotYourScan, UndoTooLate, NotAScan. A replayed ``idempotency_key`` returns the
    first reversal.
    """
    document = db.session.get(Document, document_id)
    if document is None:
        db.session.rollback()
        raise stock_errors.UnknownDocument(document_id=document_id)
    kind, actor_id = document.kind, document.actor_id
    recorded_at, key = document.recorded_at, document.idempotency_key or ""
    db.session.rollback()
    if kind in NOT_UNDONE_HERE:
        raise errors.UndoElsewhere(document_id=document_id, kind=kind_label(kind))
    if actor.role not in (Role.MANAGER, Role.ADMIN):
        if actor_id != actor.id:
            raise errors.NotYourScan(document_id=document_id)
        if not key.startswith(SCANNER_KEY_PREFIX):
            raise errors.NotAScan(document_id=document_id)
        if (now or utcnow()) - recorded_at > UNDO_WINDOW:
            raise errors.UndoTooLate(document_id=document_id,
                                     minutes=int(UNDO_WINDOW.total_seconds() // 60))
    return reverse_document(document_id, actor=actor, reason=UNDONE,
                            idempotency_key=idempotency_key)


# --- offline scans that need attention --------------------------------------------------------

#: endpoint -> (schema, work): what a conflict's retry runs again.
REPLAYABLE: dict = {}


def replayable(endpoint: str, schema: type[Schema]):
    """Keep ``work`` as what ``endpoint`` runs, for a conflict's retry."""
    def decorator(work):
        @functools.wraps(work)
        def run(user, data, key, **values):
            # Settle the language first: worked out lazily inside a service's write
            # transaction it would read the user through the session, and on SQLite that
            # read's snapshot then blocks the session's own writes after the commit.
            get_locale()
            return work(user, data, key, **values)

        REPLAYABLE[endpoint] = (schema, run)
        return run
    return decorator


def retry(conflict: SyncConflict) -> dict:
    """Run a conflict's stored request again, as its user, through its endpoint's work."""
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(
            conflict.path, method=conflict.method)
    except Exception:  # noqa: BLE001 (werkzeug's NotFound, MethodNotAllowed, ...)
        raise errors.CannotRetry() from None
    if endpoint not in REPLAYABLE:
        raise errors.CannotRetry()
    user = db.session.get(User, conflict.user_id)
    access = access_of(endpoint)
    if user is None or not user.active or access is None or user.role not in access.roles:
        raise errors.CannotRetry()
    schema, work = REPLAYABLE[endpoint]
    try:
        data = schema().load(conflict.body or {})
    except ValidationError as error:
        raise errors.StoredScanInvalid(problems=_messages(error.messages)) from None
    key = scanner_key(user.id, conflict.idempotency_key) if conflict.idempotency_key else None
    return _plain(work(user, data, key, **values))


def _messages(messages) -> str:
    return json.dumps(messages, ensure_ascii=False)[:300]


def _plain(result: dict) -> dict:
    return json.loads(json.dumps(result, default=str))


def record_conflict(*, user_id: int, idempotency_key: str | None, method: str, path: str,
                    body, problem: dict, scanned_at: datetime | None) -> int:
    """Keep an offline scan the server refused, in a transaction of its own; return its id.

    The same scan replayed again (same user and key) is kept once: its problem is updated.
    """
    values = {"method": method[:8], "path": path[:300], "body": body, "problem": problem,
              "scanned_at": scanned_at}
    with db.engine.begin() as conn:
        if idempotency_key:
            found = conn.execute(select(SyncConflict.id).where(
                SyncConflict.user_id == user_id,
                SyncConflict.idempotency_key == idempotency_key)).scalar()
            if found is not None:
                conn.execute(update(SyncConflict).where(SyncConflict.id == found)
                             .values(problem=problem))
                return found
        return conn.execute(insert(SyncConflict).values(
            user_id=user_id, idempotency_key=idempotency_key, created_at=utcnow(), **values
        ).returning(SyncConflict.id)).scalar()


def conflicts_for(user: User, *, include_resolved: bool = False) -> list[SyncConflict]:
    """Scans needing attention: a user's own; for managers and admins, everyone's."""
    statement = select(SyncConflict).order_by(SyncConflict.created_at.desc(),
                                              SyncConflict.id.desc()).limit(500)
    if not include_resolved:
        statement = statement.where(SyncConflict.resolved_at.is_(None))
    if user.role not in MANAGERS:
        statement = statement.where(SyncConflict.user_id == user.id)
    return list(db.session.scalars(statement))


def get_conflict(conflict_id: int, *, actor: User) -> SyncConflict:
    """A conflict the actor may resolve (their own; managers any), or an error."""
    conflict = db.session.get(SyncConflict, conflict_id)
    if conflict is None:
        raise errors.UnknownConflict(conflict=conflict_id)
    if actor.role not in MANAGERS and conflict.user_id != actor.id:
        # Someone else's scan is not found rather than forbidden: it is not theirs to see.
        raise errors.UnknownConflict(conflict=conflict_id)
    return conflict


RESOLUTION_WORDS = {"retried": _l("sent again, it worked"), "dismissed": _l("dismissed")}


def resolve_conflict(conflict_id: int, *, action: str, actor: User, retry=None) -> dict | None:
    """Dismiss a scan needing attention, or send it again with ``retry(conflict)``.

    ``retry`` runs the stored request through the code that first refused it and returns
    its result, or raises the ``DomainError`` it still meets: then the conflict stays open
    with the new problem, and the error is raised. Returns the retried request's result.
    """
    conflict = get_conflict(conflict_id, actor=actor)
    if conflict.resolved_at is not None:
        raise errors.ConflictAlreadyResolved(
            resolution=str(RESOLUTION_WORDS.get(conflict.resolution, conflict.resolution)))
    if action not in ("retry", "dismiss"):
        raise errors.UnknownConflictAction(action=str(action)[:20])
    result = None
    if action == "retry":
        if retry is None:
            raise errors.CannotRetry()
        try:
            result = retry(conflict)
        except DomainError as error:
            db.session.rollback()
            with db.engine.begin() as conn:
                conn.execute(update(SyncConflict).where(SyncConflict.id == conflict_id).values(
                    problem={**(conflict.problem or {}), "detail": error.message,
                             "type": f"/problems/{error.slug}", "status": error.status}))
            raise
    actor_id = _id(actor)
    db.session.rollback()
    with db.engine.begin() as conn:
        changed = conn.execute(update(SyncConflict).where(
            SyncConflict.id == conflict_id, SyncConflict.resolved_at.is_(None)).values(
            resolved_at=utcnow(), resolved_by_id=actor_id,
            resolution="retried" if action == "retry" else "dismissed")).rowcount
    if not changed and action == "dismiss":
        conflict = db.session.get(SyncConflict, conflict_id)
        raise errors.ConflictAlreadyResolved(
            resolution=str(RESOLUTION_WORDS.get(conflict.resolution, conflict.resolution)))
    return result


def _id(user: User) -> int:
    """The user's id, read before a write transaction: reading it inside one would start a
    read through the session (SQLite: a snapshot older than the write)."""
    return user.id
