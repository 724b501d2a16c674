"""The unit of work: how a service begins, runs and commits its writes.

Services own their transaction: a caller hands them plain values and nothing pending in
the session. Three ways to write, one rule behind them:

- ``begin_write()`` for a service that writes through the ORM session: any read
  transaction the caller left open ends first, and the new one takes SQLite's write lock
  before its first read, so a check made before a write cannot be overtaken (two admins,
  two forms sent at once). PostgreSQL gets row locks where a rule needs them.
- ``write_transaction()``: a connection of its own, committed when the block ends, for
  rows that must change together (a request's allocation, a count's lines).
- ``side_transaction()``: the same, keeping what the session has loaded, for bookkeeping
  rows no loaded object shows (an API token's last use, an idempotency record).

On SQLite a transaction that has read cannot later wait for the write lock, hence
``end_read_transaction``; on PostgreSQL it is merely tidy. ``RETRYABLE_SQLSTATES`` are the
failures after which a whole unit of work may simply run again.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc
from sqlalchemy.engine import Connection

from warehouse.extensions import db

# PostgreSQL aborts one side of a deadlock (40P01) or a serialization conflict (40001);
# nothing of the aborted transaction was committed, so it is safe to run it again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def sqlstate(error: exc.DBAPIError) -> str | None:
    """The SQLSTATE of a database error (PostgreSQL's; None on SQLite)."""
    return getattr(error.orig, "sqlstate", None)


def end_read_transaction(*, keep_objects: bool = False) -> None:
    """Close a read-only transaction the caller left open, so the write starts afresh.

    Pending ORM changes mean a caller broke the rule that services own their transaction:
    ``RuntimeError``. ``keep_objects`` leaves what was read loaded (not expired), for a
    write that cannot change it: no reload afterwards.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("services own their transaction: commit other changes first")
    if session.in_transaction():
        if not keep_objects:
            session.commit()
            return
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True


def write_connection() -> Connection:
    """The session's connection, in a transaction that queues for SQLite's write lock."""
    return db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def begin_write() -> None:
    """Start a fresh write transaction on the session, holding the write lock from its
    first read (see the module's docstring)."""
    end_read_transaction()
    write_connection()


@contextmanager
def write_transaction() -> Iterator[Connection]:
    """A write transaction on a connection of its own, committed when the block ends.

    For changes that must happen together without moving stock, such as allocating a
    request's lines; ``post_document(also=...)`` is the same for changes that do.
    """
    end_read_transaction()
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn


@contextmanager
def side_transaction() -> Iterator[Connection]:
    """A short write transaction on a connection of its own, for bookkeeping rows that no
    loaded object shows: the session's read transaction ends first (SQLite needs it) but
    its objects stay loaded."""
    end_read_transaction(keep_objects=True)
    with db.engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            yield conn
