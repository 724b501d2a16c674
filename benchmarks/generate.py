"""Large, valid ledgers for the benchmarks: items x locations x N movements.

Posting a million movements through ``post_document`` would take hours, so the ledger is
written in bulk (SQLite: ``executemany`` in large transactions; PostgreSQL: ``COPY``)
while the generator keeps, in Python, what every tracked location holds: a line never
takes more than its source holds at that moment, so the ledger is one the service could
have posted. Stock levels are then computed by the ledger's own
``rebuild_stock_levels()``. ``verify_ledger`` checks the whole history with SQL (no
running balance ever below zero) for whoever doubts the generator.

The world is the same for every size (same seed): 2 sites of 18 shelves, a transit
location per site, 2 partners' custody (40 tracked locations), the 4 virtual locations,
300 items in 12 categories. Each item lives on 3 home shelves per site, so the number of
stock levels is the same at 10 thousand and at 1 million movements: only the ledger grows.

Run alone: ``python -m benchmarks.generate --movements 100000 [--postgres]`` (makes a
database, fills it, prints timings and drops it).
"""
import argparse
import hashlib
import random
import sqlite3
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, make_url, select, text
from tqdm import tqdm

from benchmarks.common import Backend, dispose, find_postgres, make_app, psycopg_conninfo

SEED = 20261127
CHUNK_MOVEMENTS = 100_000
DOCUMENT_COLUMNS = ("id", "kind", "site_id", "reason", "note", "actor_id", "occurred_at",
                    "recorded_at", "idempotency_key", "fingerprint", "reverses_id")
MOVEMENT_COLUMNS = ("id", "document_id", "line_no", "item_id", "quantity",
                    "from_location_id", "to_location_id", "from_box_id", "to_box_id",
                    "occurred_at")


@dataclass
class World:
    """The ids of the catalogue, sites and locations the ledger moves stock between."""

    actor_ids: list[int]
    item_ids: list[int]
    site_ids: list[int]
    shelves: dict[int, list[int]]  # site -> internal locations
    transit: dict[int, int]  # site -> its transit location
    custody: list[int]  # partners' custody locations
    donor: int
    distributed: int
    write_off: int
    adjustment: int
    homes: dict[tuple[int, int], list[int]] = field(default_factory=dict)  # (item, site)

    @property
    def tracked_locations(self) -> int:
        return sum(map(len, self.shelves.values())) + len(self.transit) + len(self.custody)


def build_world(*, items: int = 300, sites: int = 2, shelves_per_site: int = 18,
                partners: int = 2, categories: int = 12, homes_per_site: int = 3,
                seed: int = SEED) -> World:
    """Create the catalogue, people, sites and locations (in the app context's database)."""
    from warehouse.extensions import db
    from warehouse.models import (
        Audience,
        Category,
        Item,
        Location,
        LocationKind,
        Organisation,
        OrganisationKind,
        Role,
        Site,
        Unit,
        User,
    )
    from warehouse.stock import services

    rnd = random.Random(seed)
    operator = Organisation(name="Warehouse operator", short_name="OP",
                            kind=OrganisationKind.OPERATOR)
    orgs = [Organisation(name=f"Partner {n}", short_name=f"PT{n}",
                         kind=OrganisationKind.PARTNER) for n in range(1, partners + 1)]
    users = [User(email="manager@example.org", name="Manager", role=Role.MANAGER,
                  organisation=operator)]
    users += [User(email=f"volunteer{n}@example.org", name=f"Volunteer {n}",
                   role=Role.VOLUNTEER, organisation=operator) for n in range(1, 5)]
    cats = [Category(name=f"Category {n}", position=n) for n in range(1, categories + 1)]
    units, audiences = list(Unit), list(Audience)
    item_rows = []
    for n in range(1, items + 1):
        minimum = rnd.choice((0, 0, 10, 20, 50, 100, 200))
        item_rows.append(Item(code=f"P{n:05d}", name=f"Item {n}", name_fr=f"Article {n}",
                              category=cats[n % categories], unit=rnd.choice(units),
                              size=rnd.choice((None, "S", "M", "L")),
                              audience=rnd.choice(audiences), minimum_level=minimum,
                              target_level=minimum * 2))
    site_rows = [Site(code=f"S{n}", name=f"Site {n}", town="Calais", region="Hauts-de-France")
                 for n in range(1, sites + 1)]
    shelf_rows = {site: [Location(code=f"{site.code}-{r:02d}", name=f"{site.code} shelf {r}",
                                  kind=LocationKind.INTERNAL, site=site, position=r)
                         for r in range(1, shelves_per_site + 1)] for site in site_rows}
    db.session.add_all([operator, *orgs, *users, *cats, *item_rows, *site_rows,
                        *(s for rows in shelf_rows.values() for s in rows)])
    db.session.commit()

    world = World(
        actor_ids=[u.id for u in users], item_ids=[i.id for i in item_rows],
        site_ids=[s.id for s in site_rows],
        shelves={site.id: [s.id for s in rows] for site, rows in shelf_rows.items()},
        transit={s.id: services.transit_location(s.id).id for s in site_rows},
        custody=[services.custody_location(o.id).id for o in orgs],
        donor=services.system_location(LocationKind.DONOR).id,
        distributed=services.system_location(LocationKind.DISTRIBUTED).id,
        write_off=services.system_location(LocationKind.WRITE_OFF).id,
        adjustment=services.system_location(LocationKind.ADJUSTMENT).id,
    )
    for item in world.item_ids:
        for site in world.site_ids:
            world.homes[(item, site)] = rnd.sample(world.shelves[site], homes_per_site)
    db.session.remove()
    return world


def plan_ledger(world: World, movements: int, *, seed: int = SEED, years: float = 3.0,
                end: datetime | None = None, chunk: int = CHUNK_MOVEMENTS):
    """Yield (documents, movements) row chunks making up a valid ledger of ``movements``.

    Rows are tuples in ``DOCUMENT_COLUMNS`` / ``MOVEMENT_COLUMNS`` order, with aware UTC
    datetimes. The first documents stock every item's home shelves, the rest is a mix of
    receipts, moves, transfers through transit, dispatches to partners, distributions,
    write-offs and stocktake adjustments, each taking at most what its source holds.
    """
    rnd = random.Random(seed)
    randint, rand, choice, sample = rnd.randint, rnd.random, rnd.choice, rnd.sample
    end = end or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    start = end - timedelta(days=365 * years)
    span = (end - start).total_seconds()
    held: dict[tuple[int, int], int] = defaultdict(int)
    in_transit: deque = deque()  # (from site, item, quantity) on the road
    items, sites = world.item_ids, world.site_ids
    other_site = {s: sites[(n + 1) % len(sites)] for n, s in enumerate(sites)}
    homes = world.homes
    docs, moves = [], []
    doc_id = move_id = 0
    actors = world.actor_ids

    def emit(kind, site_id, lines, key=None):
        """Append one document; ``lines`` are (item, qty, from, to), already applied."""
        nonlocal doc_id, move_id
        lines = lines[:movements - move_id]
        if not lines:
            return
        doc_id += 1
        at = start + timedelta(seconds=span * move_id / movements)
        docs.append((doc_id, kind, site_id, None, None, choice(actors), at,
                     at + timedelta(seconds=randint(1, 30)),
                     key and f"{key}-{doc_id}",
                     hashlib.sha256(b"bench-%d" % doc_id).hexdigest(), None))
        for number, (item, qty, source, target) in enumerate(lines, start=1):
            move_id += 1
            moves.append((move_id, doc_id, number, item, qty, source, target, None, None, at))

    def take(source, item, most):
        """Take up to ``most`` of ``item`` from ``source``: the quantity taken (maybe 0)."""
        have = held[(source, item)]
        if have <= 0:
            return 0
        qty = randint(1, min(have, most))
        held[(source, item)] = have - qty
        return qty

    def put(target, item, qty):
        held[(target, item)] += qty

    def stocked_shelf(item, site):
        shelves = [s for s in homes[(item, site)] if held[(s, item)] > 0]
        return choice(shelves) if shelves else None

    # Every home shelf gets stock first, so the set of levels does not depend on length.
    for site in sites:
        for item in items:
            lines = []
            for shelf in homes[(item, site)]:
                qty = randint(50, 500)
                put(shelf, item, qty)
                lines.append((item, qty, world.donor, shelf))
            emit("receipt", site, lines)
            if len(moves) >= chunk:
                yield docs, moves
                docs, moves = [], []

    while move_id < movements:
        r = rand()
        site = choice(sites)
        lines = []
        if r < 0.22:  # a donation received onto shelves
            kind = "receipt"
            for item in sample(items, randint(1, 4)):
                shelf = choice(homes[(item, site)])
                qty = randint(10, 400)
                put(shelf, item, qty)
                lines.append((item, qty, world.donor, shelf))
        elif r < 0.50:  # a scanned move between shelves
            kind = "move"
            for item in sample(items, randint(1, 2)):
                source = stocked_shelf(item, site)
                if source is None:
                    continue
                target = choice([s for s in homes[(item, site)] if s != source])
                qty = take(source, item, 200)
                put(target, item, qty)
                lines.append((item, qty, source, target))
        elif r < 0.55:  # a transfer leaves for the other site
            kind = "transfer"
            for item in sample(items, randint(1, 3)):
                source = stocked_shelf(item, site)
                if source is None:
                    continue
                qty = take(source, item, 150)
                put(world.transit[site], item, qty)
                lines.append((item, qty, source, world.transit[site]))
                in_transit.append((site, item, qty))
        elif r < 0.60:  # the oldest transfer on the road arrives
            kind = "transfer"
            if not in_transit:
                continue
            origin, item, qty = in_transit.popleft()
            site = other_site[origin]
            held[(world.transit[origin], item)] -= qty
            shelf = choice(homes[(item, site)])
            put(shelf, item, qty)
            lines.append((item, qty, world.transit[origin], shelf))
        elif r < 0.70:  # a dispatch to a partner
            kind = "dispatch"
            partner = choice(world.custody)
            for item in sample(items, randint(1, 3)):
                source = stocked_shelf(item, site)
                if source is None:
                    continue
                qty = take(source, item, 100)
                put(partner, item, qty)
                lines.append((item, qty, source, partner))
        elif r < 0.94:  # handed out to people, from a shelf or by a partner
            kind = "distribution"
            by_partner = rand() < 0.4
            partner = choice(world.custody)
            for item in sample(items, randint(1, 3)):
                source = partner if by_partner else stocked_shelf(item, site)
                if source is None:
                    continue
                qty = take(source, item, 60)
                if qty:
                    lines.append((item, qty, source, world.distributed))
            if by_partner:
                site = None
        elif r < 0.97:  # damaged or expired
            kind = "write_off"
            item = choice(items)
            source = stocked_shelf(item, site)
            if source is None:
                continue
            lines.append((item, take(source, item, 20), source, world.write_off))
        else:  # a stocktake difference, either way
            kind = "adjustment"
            item = choice(items)
            shelf = choice(homes[(item, site)])
            if rand() < 0.5:
                qty = randint(1, 10)
                put(shelf, item, qty)
                lines.append((item, qty, world.adjustment, shelf))
            else:
                qty = take(shelf, item, 10)
                if qty:
                    lines.append((item, qty, shelf, world.adjustment))
        emit(kind, site, lines, key="scan" if kind == "move" else None)
        if len(moves) >= chunk:
            yield docs, moves
            docs, moves = [], []
    if moves:
        yield docs, moves


# --- writing the rows ---------------------------------------------------------------

def _datetime_processor(dialect):
    """How SQLAlchemy stores the app's UTC datetimes on ``dialect`` (SQLite: a string)."""
    from warehouse.stock.models import Movement
    return Movement.__table__.c.occurred_at.type.bind_processor(dialect) or (lambda v: v)


def _insert_sqlite(url: str, chunks, progress) -> None:
    from sqlalchemy.dialects import sqlite
    to_db = _datetime_processor(sqlite.dialect())
    conn = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        # The app's own settings, plus a large page cache for the index updates.
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON",
                       "cache_size = -512000"):
            conn.execute(f"PRAGMA {pragma}")
        doc_sql = (f"INSERT INTO document ({', '.join(DOCUMENT_COLUMNS)}) "
                   f"VALUES ({', '.join('?' * len(DOCUMENT_COLUMNS))})")
        move_sql = (f"INSERT INTO movement ({', '.join(MOVEMENT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(MOVEMENT_COLUMNS))})")
        for docs, moves in chunks:
            stamps = {}
            for row in docs:
                stamps[row[6]] = to_db(row[6])
            conn.execute("BEGIN")
            conn.executemany(doc_sql, (
                (*row[:6], stamps[row[6]], to_db(row[7]), *row[8:]) for row in docs))
            conn.executemany(move_sql, ((*row[:9], stamps[row[9]]) for row in moves))
            conn.execute("COMMIT")
            progress.update(len(moves))
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _insert_postgres(url: str, chunks, progress) -> None:
    """COPY the rows in; the ledger tables' secondary indexes and foreign keys are dropped
    during the load and made again afterwards (which checks every foreign key)."""
    import psycopg
    with psycopg.connect(psycopg_conninfo(url)) as conn:
        rebuild = _drop_secondary(conn, ("movement", "document"))
        conn.commit()
        with conn.cursor() as cur:
            for docs, moves in chunks:
                with cur.copy(f"COPY document ({', '.join(DOCUMENT_COLUMNS)}) "
                              "FROM STDIN") as copy:
                    for row in docs:
                        copy.write_row(row)
                with cur.copy(f"COPY movement ({', '.join(MOVEMENT_COLUMNS)}) "
                              "FROM STDIN") as copy:
                    for row in moves:
                        copy.write_row(row)
                conn.commit()
                progress.update(len(moves))
            progress.set_postfix_str("indexing")
            for statement in rebuild:
                cur.execute(statement)
            for table in ("document", "movement"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
            conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")  # what autovacuum would soon do on its own


def _drop_secondary(conn, tables) -> list[str]:
    """Drop the non-unique indexes and foreign keys of ``tables``; return how to remake them."""
    remake = []
    for table in tables:
        for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'", (table,)).fetchall():
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            remake.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for name, definition in conn.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisunique", (table,)).fetchall():
            conn.execute(f'DROP INDEX "{name}"')
            remake.append(definition)
    return remake


@dataclass
class Generated:
    movements: int
    documents: int
    stock_levels: int
    seconds_world: float
    seconds_insert: float
    seconds_rebuild: float


def generate(app, url: str, movements: int, *, seed: int = SEED, label: str = "") -> Generated:
    """Fill the empty, migrated database of ``app`` with a world and a ledger."""
    from warehouse.extensions import db
    from warehouse.stock.models import Document, Movement, StockLevel
    from warehouse.stock.services import rebuild_stock_levels

    t0 = time.perf_counter()
    with app.app_context():
        world = build_world(seed=seed)
    t1 = time.perf_counter()
    insert = _insert_postgres if url.startswith("postgresql") else _insert_sqlite
    with tqdm(total=movements, unit=" mov", unit_scale=True, mininterval=0.5,
              desc=f"generate {label or movements}", leave=True) as progress:
        insert(url, plan_ledger(world, movements, seed=seed), progress)
        progress.set_postfix_str("rebuild_stock_levels()")
        t2 = time.perf_counter()
        with app.app_context():
            rebuild_stock_levels()
            if not url.startswith("postgresql"):
                db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            counts = [db.session.scalar(select(func.count()).select_from(model))
                      for model in (Movement, Document, StockLevel)]
            db.session.remove()
        progress.set_postfix_str("")
    t3 = time.perf_counter()
    return Generated(counts[0], counts[1], counts[2], t1 - t0, t2 - t1, t3 - t2)


def verify_ledger(app) -> int:
    """The lowest running balance of any tracked (location, item) over the whole history
    (must be >= 0), and that the levels equal the ledger's sums."""
    from warehouse.extensions import db
    from warehouse.stock.queries import stock_differences
    query = text("""
        SELECT min(running) FROM (
            SELECT sum(change) OVER (PARTITION BY location_id, item_id ORDER BY mid
                                     ROWS UNBOUNDED PRECEDING) AS running
            FROM (SELECT id AS mid, to_location_id AS location_id, item_id,
                         quantity AS change FROM movement
                  UNION ALL
                  SELECT id, from_location_id, item_id, -quantity FROM movement) AS lines
            JOIN location ON location.id = lines.location_id
            WHERE location.kind IN ('internal', 'partner', 'transit')) AS balances""")
    with app.app_context():
        lowest = db.session.scalar(query)
        differences = stock_differences()
        db.session.remove()
    if differences:
        raise AssertionError(f"{len(differences)} stock levels differ from the ledger")
    return lowest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args(argv)
    if args.postgres:
        server, why = find_postgres()
        if server is None:
            raise SystemExit(why)
        backend = Backend("postgresql", server)
    else:
        backend = Backend("sqlite")
    try:
        url = backend.create("generate")
        app = make_app(url)
        result = generate(app, url, args.movements)
        print(result)
        if args.verify:
            t = time.perf_counter()
            print("lowest running balance:", verify_ledger(app),
                  f"({time.perf_counter() - t:.1f} s)")
        dispose(app)
    finally:
        backend.cleanup()


if __name__ == "__main__":
    main()
