"""Ledger posts per second: ``post_document`` against a raw-driver loop of the same SQL.

The representative document is a scanned move: one line, one unit of an item from one
shelf to another of the same site, with an idempotency key. Each thread posts moves of
its own item back and forth between the two shelves, one document per transaction.

"The same SQL" is captured, not written by hand: the service posts representative
documents while SQLAlchemy's ``before_cursor_execute`` event records every statement and
its parameters. Two captures that differ only in the item, key and time are compared
parameter by parameter: what differs is the item id, the idempotency key, the
fingerprint, the timestamps or the new document's id, and is filled in afresh for every
document the raw loop posts; everything else is replayed as captured. The raw loop uses
``sqlite3`` / ``psycopg`` directly on a connection set up as the app sets up its own
(SQLite: WAL, synchronous=NORMAL, busy_timeout, foreign keys; PostgreSQL: defaults,
synchronous_commit on), reads every result the service reads, and commits once per
document. Nothing here turns durability down.
"""
import cProfile
import hashlib
import io
import pstats
import re
import secrets
import sqlite3
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, make_url

from benchmarks.common import median, percentile, psycopg_conninfo

def _snapshot_services_source() -> list[str]:
    """The text of warehouse/stock/services.py as imported now, for the line profile."""
    import warehouse.stock.services as services
    with open(services.__file__, encoding="utf-8") as source:
        return source.read().splitlines(keepends=True)


SERVICES_SOURCE = _snapshot_services_source()
TIMESTAMP_STRING = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
INITIAL_STOCK = 1_000


@dataclass
class Setup:
    """The shelves and items the benchmark posts moves between."""

    actor_id: int
    shelf_a: int
    shelf_b: int
    items: list[int]  # one per thread
    capture_items: tuple[int, int]


def prepare(app, threads: int) -> Setup:
    """Pick two shelves of one site and ``threads`` + 2 items, and stock them (via the
    service) so that moving one unit back and forth never runs out."""
    from sqlalchemy import select

    from warehouse.extensions import db
    from warehouse.models import Item, Location, LocationKind, User
    from warehouse.stock import services

    with app.app_context():
        actor_id = db.session.scalar(select(User.id).order_by(User.id))
        site_id, = db.session.execute(
            select(Location.site_id).where(Location.kind == LocationKind.INTERNAL)
            .order_by(Location.id)).first()
        shelf_a, shelf_b = db.session.scalars(
            select(Location.id).where(Location.site_id == site_id,
                                      Location.kind == LocationKind.INTERNAL)
            .order_by(Location.id).limit(2)).all()
        items = db.session.scalars(select(Item.id).order_by(Item.id).limit(threads + 2)).all()
        donor = services.system_location(LocationKind.DONOR).id
        services.post_document(
            kind="receipt", actor=actor_id,
            lines=[services.Line(item, INITIAL_STOCK, donor, shelf)
                   for item in items for shelf in (shelf_a, shelf_b)])
        db.session.remove()
    return Setup(actor_id, shelf_a, shelf_b, items[:threads], (items[-2], items[-1]))


def service_post(setup: Setup, item: int, forward: bool, key: str) -> int:
    from warehouse.stock import services
    source, target = ((setup.shelf_a, setup.shelf_b) if forward
                      else (setup.shelf_b, setup.shelf_a))
    return services.post_document(
        kind="move", actor=setup.actor_id, idempotency_key=key,
        lines=[services.Line(item, 1, source, target)]).document_id


# --- capturing the service's SQL -------------------------------------------------------

@dataclass
class Statement:
    sql: str
    params: object  # tuple (qmark) or dict (pyformat), as captured
    slots: list  # [(key or index, role)] to fill per document
    returns_document_id: bool


def capture(app, setup: Setup, forward: bool) -> list[Statement]:
    """The statements ``post_document`` runs for a move, with its variable slots."""
    from warehouse.extensions import db

    runs = []
    with app.app_context():
        for item in setup.capture_items:
            recorded = []

            def record(conn, cursor, statement, parameters, context, executemany):
                recorded.append((statement, parameters, executemany))

            key = f"capture-{secrets.token_hex(8)}"
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                document_id = service_post(setup, item, forward, key)
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            runs.append((recorded, {"item": item, "document_id": document_id, "key": key}))
        db.session.remove()
    (first, known1), (second, known2) = runs
    if [s for s, _, _ in first] != [s for s, _, _ in second]:
        raise RuntimeError("the service ran different statements for two similar moves")
    statements = []
    times1: dict = {}
    for (sql, params1, many), (_, params2, _) in zip(first, second):
        if many:
            raise RuntimeError(f"executemany not supported in replay: {sql}")
        keys = params1.keys() if isinstance(params1, dict) else range(len(params1))
        slots = []
        for k in keys:
            v1, v2 = params1[k], params2[k]
            if v1 == v2:
                continue
            slots.append((k, _role(v1, v2, known1, known2, times1)))
        statements.append(Statement(
            sql, params1, slots,
            returns_document_id=sql.lstrip().upper().startswith("INSERT INTO DOCUMENT")
            and "RETURNING" in sql.upper()))
    if sum(s.returns_document_id for s in statements) != 1:
        raise RuntimeError("could not find the document insert in the captured SQL")
    return statements


def _role(v1, v2, known1, known2, times1) -> str:
    """What a parameter that changed between two captured documents stands for."""
    roles = [name for name in ("item", "document_id", "key")
             if v1 == known1[name] and v2 == known2[name]]
    if len(roles) == 1:
        return roles[0]
    if roles:
        raise RuntimeError(f"ambiguous parameter {v1!r}: {roles}")
    if isinstance(v1, datetime) or (isinstance(v1, str) and TIMESTAMP_STRING.match(v1)):
        # occurred_at (first seen) is written twice, recorded_at once.
        return times1.setdefault(v1, f"time{len(times1)}")
    if isinstance(v1, str) and HEX64.match(v1):
        return "fingerprint"
    raise RuntimeError(f"unexplained parameter change: {v1!r} -> {v2!r}")


def describe(statements: list[Statement]) -> list[str]:
    return [" ".join(s.sql.split())[:110] for s in statements]


# --- the raw-driver loop ---------------------------------------------------------------

class RawPoster:
    """Posts documents by replaying captured statements on a driver connection."""

    def __init__(self, url: str, templates: dict[bool, list[Statement]]):
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            from warehouse.extensions import SQLITE_BUSY_TIMEOUT_MS
            self.conn = sqlite3.connect(make_url(url).database, isolation_level=None,
                                        check_same_thread=False)
            for pragma in (f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}", "journal_mode = WAL",
                           "synchronous = NORMAL", "foreign_keys = ON"):
                self.conn.execute(f"PRAGMA {pragma}")
        else:
            import psycopg
            self.conn = psycopg.connect(psycopg_conninfo(url))
        self.templates = templates

    def post(self, item: int, forward: bool, key: str) -> int:
        now = datetime.now(UTC)
        if self.sqlite:
            now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        values = {"item": item, "key": key, "time0": now, "time1": now,
                  "fingerprint": hashlib.sha256(key.encode()).hexdigest(),
                  "document_id": None}
        cursor = self.conn.cursor()
        try:
            for statement in self.templates[forward]:
                params = statement.params
                if statement.slots:
                    params = (dict(params) if isinstance(params, dict) else list(params))
                    for slot, role in statement.slots:
                        params[slot] = values[role]
                cursor.execute(statement.sql, params)
                if cursor.description is not None:
                    rows = cursor.fetchall()
                    if statement.returns_document_id:
                        values["document_id"] = rows[0][0]
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        finally:
            cursor.close()
        return values["document_id"]

    def close(self):
        self.conn.close()


# --- running rounds --------------------------------------------------------------------

def _run_round(make_worker, items: list[int], seconds: float) -> tuple[int, float, list]:
    """Run one worker per item for ``seconds``; return (posts, elapsed, latencies)."""
    barrier = threading.Barrier(len(items) + 1)
    results = [None] * len(items)
    errors = []
    stop_at = [0.0]

    def work(n, item):
        try:
            post, close = make_worker()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
            barrier.abort()
            return
        latencies = []
        try:
            barrier.wait()
            forward = True
            while True:
                start = time.perf_counter()
                if start >= stop_at[0]:
                    break
                post(item, forward, f"b{n}-{secrets.token_hex(8)}")
                latencies.append(time.perf_counter() - start)
                forward = not forward
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            close()
            results[n] = latencies

    stop_at[0] = float("inf")
    threads = [threading.Thread(target=work, args=(n, item), daemon=True)
               for n, item in enumerate(items)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=60)
    except threading.BrokenBarrierError:
        pass
    start = time.perf_counter()
    stop_at[0] = start + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    latencies = [x for r in results for x in r]
    return len(latencies), elapsed, latencies


def service_worker(app, setup: Setup):
    def make():
        from warehouse.extensions import db
        context = app.app_context()
        context.push()

        def post(item, forward, key):
            service_post(setup, item, forward, key)

        def close():
            db.session.remove()
            context.pop()
        return post, close
    return make


def raw_worker(url: str, templates):
    def make():
        poster = RawPoster(url, templates)
        return poster.post, poster.close
    return make


def bench_ledger(app, url: str, *, thread_counts=(1, 16), rounds: int = 5,
                 seconds: float = 3.0) -> dict:
    """Posts/s of the service and of the raw loop, interleaved round by round."""
    setup = prepare(app, max(thread_counts))
    templates = {forward: capture(app, setup, forward) for forward in (True, False)}
    workers = {"service": service_worker(app, setup), "raw": raw_worker(url, templates)}
    # Warm up both (pool connections, prepared statements, caches).
    for name, make in workers.items():
        _run_round(make, setup.items[:max(thread_counts)], 0.5)
    results = {}
    for threads in thread_counts:
        rates = defaultdict(list)
        latencies = defaultdict(list)
        for round_ in range(rounds):
            order = list(workers) if round_ % 2 == 0 else list(reversed(workers))
            for name in order:
                posts, elapsed, lat = _run_round(workers[name], setup.items[:threads], seconds)
                rates[name].append(posts / elapsed)
                latencies[name].extend(lat)
        service, raw = median(rates["service"]), median(rates["raw"])
        results[f"{threads}_threads"] = {
            "threads": threads, "rounds": rounds, "seconds_per_round": seconds,
            "service_posts_per_s": service, "raw_posts_per_s": raw,
            "ratio": service / raw if raw else float("nan"),
            "service_rounds": rates["service"], "raw_rounds": rates["raw"],
            "service_p50_ms": percentile(latencies["service"], 0.5) * 1000,
            "service_p99_ms": percentile(latencies["service"], 0.99) * 1000,
            "raw_p50_ms": percentile(latencies["raw"], 0.5) * 1000,
            "raw_p99_ms": percentile(latencies["raw"], 0.99) * 1000,
        }
    results["statements"] = describe(templates[True])
    results["consistent"] = _check_consistent(app)
    return results


def _check_consistent(app) -> bool:
    """After all the posting, levels still equal the ledger's sums (raw posts included)."""
    from warehouse.extensions import db
    from warehouse.stock.queries import stock_differences
    with app.app_context():
        differences = stock_differences()
        db.session.remove()
    if differences:
        raise AssertionError(f"stock levels differ from the ledger: {differences[:5]}")
    return True


# --- where the service's time goes -----------------------------------------------------

def profile_service(app, posts: int = 1500) -> dict:
    """One thread: share of wall time inside the driver's execute (database and driver)
    against Python around it, per-statement times, and a cProfile listing."""
    from warehouse.extensions import db

    setup = prepare(app, 1)
    item = setup.items[0]
    statement_time = defaultdict(float)
    statement_count = defaultdict(int)
    started = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        key = " ".join(statement.split())[:70]
        statement_time[key] += time.perf_counter() - started.pop(id(cursor))
        statement_count[key] += 1

    with app.app_context():
        for n in range(50):  # warm-up
            service_post(setup, item, n % 2 == 0, f"pw-{secrets.token_hex(8)}")
        engine = db.engine
        commit_time = [0.0]
        original_commit = engine.dialect.do_commit

        def timed_commit(dbapi_connection):
            start = time.perf_counter()
            original_commit(dbapi_connection)
            commit_time[0] += time.perf_counter() - start

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        engine.dialect.do_commit = timed_commit
        # In chunks, so that a burst of noise from the machine's neighbours shows as one
        # odd chunk instead of skewing the whole: the median chunk is reported.
        chunks = []
        try:
            for chunk in range(5):
                execute_before = sum(statement_time.values())
                commit_before = commit_time[0]
                start = time.perf_counter()
                for n in range(posts // 5):
                    service_post(setup, item, n % 2 == 0, f"pt-{secrets.token_hex(8)}")
                wall = time.perf_counter() - start
                chunks.append((wall, sum(statement_time.values()) - execute_before,
                               commit_time[0] - commit_before))
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            engine.dialect.do_commit = original_commit
        wall, in_execute, in_commit = sorted(chunks)[len(chunks) // 2]
        per_chunk = posts // 5

        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(posts):
            service_post(setup, item, n % 2 == 0, f"pp-{secrets.token_hex(8)}")
        profiler.disable()
        lines, line_listing = _line_profile(
            lambda n: service_post(setup, item, n % 2 == 0, f"pl-{secrets.token_hex(8)}"),
            posts)
        db.session.remove()

    listing = io.StringIO()
    stats = pstats.Stats(profiler, stream=listing)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    return {
        "posts": posts,
        "ms_per_post": wall / per_chunk * 1000,
        "ms_in_execute_per_post": in_execute / per_chunk * 1000,
        "ms_in_commit_per_post": in_commit / per_chunk * 1000,
        "ms_python_per_post": (wall - in_execute - in_commit) / per_chunk * 1000,
        "chunks_ms_per_post": [c[0] / per_chunk * 1000 for c in chunks],
        "statements": {k: {"count": statement_count[k],
                           "ms_per_post": v / (per_chunk * 5) * 1000}
                       for k, v in sorted(statement_time.items(), key=lambda kv: -kv[1])},
        "top_lines": lines,
        "cprofile": listing.getvalue(),
        "line_profile": line_listing,
    }


def _line_profile(post, posts: int) -> tuple[list, str]:
    """Time every line of the service's posting functions (needs ``line_profiler``, in the
    ``dev`` extra). Returns the costliest lines (µs per post) and the full listing."""
    try:
        from line_profiler import LineProfiler
    except ImportError:
        return [], "line_profiler is not installed: pip install -e '.[dev]'"
    import linecache

    from warehouse.stock import services
    # Show the source as it was imported, even if the file has been edited since.
    filename = services.post_document.__code__.co_filename
    linecache.cache[filename] = (len(SERVICES_SOURCE), None, SERVICES_SOURCE, filename)
    # Every function of the module that a post runs through, whatever they are called.
    functions = [f for name, f in vars(services).items()
                 if callable(f) and getattr(f, "__module__", None) == services.__name__
                 and hasattr(f, "__code__")]
    profiler = LineProfiler(*functions)
    profiler.enable_by_count()
    try:
        for n in range(posts):
            post(n)
    finally:
        profiler.disable_by_count()
    stats = profiler.get_stats()
    names = [f.__name__ for f in functions]
    lines = []
    for (filename, _first, name), timings in stats.timings.items():
        for lineno, hits, total in timings:
            source = linecache.getline(filename, lineno).strip()
            lines.append({
                "function": name, "line": lineno, "source": source,
                "us_per_post": total * stats.unit * 1e6 / posts,
                "hits_per_post": hits / posts,
                # A line calling another profiled function includes that one's time.
                "nested": any(f"{other}(" in source for other in names if other != name),
            })
    whole = sum(row["us_per_post"] for row in lines if row["function"] == "post_document")
    for row in lines:
        row["share"] = row["us_per_post"] / whole if whole else float("nan")
    lines.sort(key=lambda row: -row["us_per_post"])
    listing = io.StringIO()
    profiler.print_stats(stream=listing, output_unit=1e-6, stripzeros=True)
    return lines[:60], listing.getvalue()
