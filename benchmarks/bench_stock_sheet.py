"""The daily stock sheet PDF for 2,000 items on 20 shelves: under a second (DESIGN.md §5).

    python -m benchmarks.bench_stock_sheet [--backend sqlite|postgresql|both]
                                           [--items 2000] [--shelves 20] [--runs 5]
                                           [--history N] [--no-explain]

For each database (SQLite always; PostgreSQL when a server answers, as in
``benchmarks.common``): one site with ``--shelves`` shelves, ``--items`` items in 12
categories, each item on two or three shelves (one in fifty on every shelf, so some rows
wrap over several lines), 300 open reservations, and a fortnight of traffic — receipts,
dispatches, shelf moves, today included — about 20,000 movements. The stock levels are
what those movements leave.

Measured, median of ``--runs`` after one warm-up: ``build_stock_sheet`` (queries + PDF, what
the page and the command do) and, separately, its queries (``queries.stock_sheet``).

Then ``--history`` old movements (default: a million on PostgreSQL, none on SQLite) are
added to the same shelves and items, more than a fortnight back, and the sheet is timed
again: its queries read the movement table only from 14 days before the printed day, through
the ``(to_location_id, occurred_at)`` and ``(from_location_id, occurred_at)`` indexes, so
the history is never read. The plans of those queries are printed (``EXPLAIN ANALYZE`` on
PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite) and checked: no sequential scan of
``movement``. The databases are dropped at the end, whatever happens.
"""
import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from benchmarks import common
from benchmarks.common import Backend, dispose, find_postgres, make_app

SEED = 20260402
CATEGORIES = 12
RESERVATIONS = 300
WINDOW_DAYS = 15  # today and the fortnight before it: what the sheet reads
TARGET_SECONDS = 1.0


def build_world(app, *, items: int, shelves: int, seed: int = SEED) -> dict:
    """Catalogue, site, shelves, levels, reservations and a fortnight of movements."""
    from warehouse.extensions import db
    from warehouse.models import (Category, Document, Item, Location, LocationKind, Movement,
                                  Organisation, OrganisationKind, Reservation, Role, Site,
                                  StockLevel, User)
    from warehouse.stock import services

    rnd = random.Random(seed)
    with app.app_context():
        partner = Organisation(name="Partner", short_name="PT", kind=OrganisationKind.PARTNER)
        manager = User(email="manager@example.org", name="Manager", role=Role.MANAGER)
        site = Site(code="CAL", name="Calais Warehouse", town="Calais", region="Hauts-de-France")
        categories = [Category(name=f"Category {n:02d}", position=n)
                      for n in range(1, CATEGORIES + 1)]
        db.session.add_all([partner, manager, site, *categories])
        db.session.flush()
        shelf_rows = [Location(code=f"L{n:05d}", name=f"Shelf {chr(65 + n // 5)}{n % 5 + 1}",
                               kind=LocationKind.INTERNAL, site_id=site.id, position=n)
                      for n in range(shelves)]
        db.session.add_all(shelf_rows)
        db.session.flush()
        db.session.execute(insert(Item), [
            {"code": f"P{n:05d}", "name": f"Item {n:04d}", "name_fr": f"Article {n:04d}",
             "category_id": categories[n % CATEGORIES].id,
             "size": rnd.choice((None, "S", "M", "L", "XL")),
             "minimum_level": (minimum := rnd.choice((0, 10, 20, 50, 100, 200))),
             "target_level": minimum * 3}
            for n in range(1, items + 1)])
        db.session.commit()
        site_id, actor_id, partner_id = site.id, manager.id, partner.id
        shelf_ids = [s.id for s in shelf_rows]
        item_ids = list(db.session.scalars(text("SELECT id FROM item ORDER BY id")))
        donor = services.system_location(LocationKind.DONOR).id
        custody = services.custody_location(partner_id).id

        homes = {item: (shelf_ids if n % 50 == 0 else rnd.sample(shelf_ids, rnd.choice((2, 3))))
                 for n, item in enumerate(item_ids)}
        now = datetime.now(UTC)
        start = now - timedelta(days=WINDOW_DAYS + 5)
        levels: dict[tuple[int, int], int] = {}
        lines = []  # (item, quantity, from, to, occurred_at)
        for item, shelves_of_item in homes.items():
            for shelf in shelves_of_item:
                quantity = rnd.randint(100, 600)
                levels[(shelf, item)] = quantity
                lines.append((item, quantity, donor, shelf, start))
        # A fortnight of traffic, in time order, never taking more than a shelf holds.
        events = []
        for item, shelves_of_item in homes.items():
            for _ in range(rnd.randint(5, 15)):
                moment = now - timedelta(seconds=rnd.randint(60, WINDOW_DAYS * 86400))
                events.append((moment, item, rnd.random()))
        for moment, item, kind in sorted(events):
            shelf = rnd.choice(homes[item])
            if kind < 0.35:
                lines.append((item, rnd.randint(5, 40), donor, shelf, moment))
                levels[(shelf, item)] += lines[-1][1]
            elif kind < 0.8:
                quantity = min(levels[(shelf, item)], rnd.randint(5, 40))
                if quantity:
                    lines.append((item, quantity, shelf, custody, moment))
                    levels[(shelf, item)] -= quantity
            else:  # a shelf move: neither in nor out
                other = rnd.choice(shelf_ids)
                quantity = min(levels[(shelf, item)], rnd.randint(5, 20))
                if quantity and other != shelf:
                    lines.append((item, quantity, shelf, other, moment))
                    levels[(shelf, item)] -= quantity
                    levels[(other, item)] = levels.get((other, item), 0) + quantity
        document_ids = []
        for n in range(0, len(lines), 10):
            document_ids.append(db.session.execute(insert(Document).returning(Document.id), {
                "kind": "receipt", "site_id": site_id, "actor_id": actor_id,
                "occurred_at": lines[n][4], "recorded_at": lines[n][4],
                "fingerprint": f"bench-{n}"}).scalar())
        db.session.execute(insert(Movement), [
            {"document_id": document_ids[n // 10], "line_no": n % 10 + 1, "item_id": item,
             "quantity": quantity, "from_location_id": source, "to_location_id": target,
             "occurred_at": moment}
            for n, (item, quantity, source, target, moment) in enumerate(lines)])
        db.session.execute(insert(StockLevel), [
            {"location_id": shelf, "item_id": item, "quantity": quantity}
            for (shelf, item), quantity in levels.items()])
        db.session.execute(insert(Reservation), [
            {"site_id": site_id, "item_id": item, "organisation_id": partner_id,
             "quantity": rnd.randint(1, 30), "source_type": "bench",
             "created_by_id": actor_id, "created_at": now - timedelta(days=1)}
            for item in rnd.sample(item_ids, RESERVATIONS)])
        db.session.commit()
        db.session.remove()
    return {"site_id": site_id, "actor_id": actor_id, "item_ids": item_ids,
            "homes": homes, "donor": donor, "custody": custody, "movements": len(lines)}


def add_history(app, world: dict, count: int) -> float:
    """Add ``count`` movements before the fortnight, on the same shelves and items.

    Each receipt is followed by a dispatch of the same quantity from the same shelf, so
    the stock levels stay right. Written by the database itself (generate_series on
    PostgreSQL, a recursive CTE on SQLite): a million rows in seconds.
    """
    from warehouse.extensions import db
    from warehouse.models import Document

    if count <= 0:
        return 0.0
    started = time.perf_counter()
    pairs = [(item, shelves[0]) for item, shelves in world["homes"].items()]
    oldest = datetime.now(UTC) - timedelta(days=WINDOW_DAYS + 10)
    with app.app_context():
        document = db.session.execute(insert(Document).returning(Document.id), {
            "kind": "receipt", "site_id": world["site_id"], "actor_id": world["actor_id"],
            "occurred_at": oldest, "recorded_at": oldest,
            "fingerprint": "bench-history"}).scalar()
        params = {"n": count, "doc": document, "donor": world["donor"],
                  "custody": world["custody"], "pairs": len(pairs)}
        if db.engine.dialect.name == "postgresql":
            params |= {"items": [p[0] for p in pairs], "shelves": [p[1] for p in pairs],
                       "oldest": oldest}
            db.session.execute(text("""
                INSERT INTO movement (document_id, line_no, item_id, quantity,
                                      from_location_id, to_location_id, occurred_at)
                SELECT :doc, 1, (:items)[1 + (g / 2) % :pairs], 1,
                       CASE WHEN g % 2 = 0 THEN :donor ELSE (:shelves)[1 + (g / 2) % :pairs] END,
                       CASE WHEN g % 2 = 0 THEN (:shelves)[1 + (g / 2) % :pairs] ELSE :custody END,
                       CAST(:oldest AS timestamptz) - (:n - g) * interval '1 minute'
                FROM generate_series(0, :n - 1) AS g"""), params)
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE movement"))
        else:
            db.session.execute(text("CREATE TEMP TABLE home (k INTEGER PRIMARY KEY, item INTEGER, "
                                    "shelf INTEGER)"))
            db.session.execute(text("INSERT INTO home VALUES (:k, :item, :shelf)"),
                               [{"k": k, "item": item, "shelf": shelf}
                                for k, (item, shelf) in enumerate(pairs)])
            params["oldest"] = oldest.strftime("%Y-%m-%d %H:%M:%S")
            db.session.execute(text("""
                WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < :n - 1)
                INSERT INTO movement (document_id, line_no, item_id, quantity,
                                      from_location_id, to_location_id, occurred_at)
                SELECT :doc, 1, home.item, 1,
                       CASE WHEN g.n % 2 = 0 THEN :donor ELSE home.shelf END,
                       CASE WHEN g.n % 2 = 0 THEN home.shelf ELSE :custody END,
                       strftime('%Y-%m-%d %H:%M:%S', :oldest,
                                '-' || ((:n - g.n) * 60) || ' seconds') || '.000000'
                FROM g JOIN home ON home.k = (g.n / 2) % :pairs"""), params)
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()
    return time.perf_counter() - started


def time_sheet(app, site_id: int, runs: int) -> dict:
    """Median seconds of the whole PDF and of its queries alone, after a warm-up."""
    from warehouse.extensions import db
    from warehouse.reports import build_stock_sheet
    from warehouse.reports import queries

    pdf_times, query_times = [], []
    with app.app_context():
        pdf = build_stock_sheet(site_id, printed_by="Benchmark")  # fonts, caches, pool
        db.session.remove()
        for _ in range(runs):
            started = time.perf_counter()
            pdf = build_stock_sheet(site_id, printed_by="Benchmark")
            pdf_times.append(time.perf_counter() - started)
            db.session.remove()
            started = time.perf_counter()
            sheet = queries.stock_sheet(site_id)
            query_times.append(time.perf_counter() - started)
            db.session.remove()
    return {"pdf_s": statistics.median(pdf_times), "query_s": statistics.median(query_times),
            "pdf_max_s": max(pdf_times), "pages": _pages(pdf),
            "kb": len(pdf) // 1024, "lines": len(sheet.lines)}


def _pages(pdf: bytes) -> int:
    import pypdfium2 as pdfium
    document = pdfium.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def explain_movement_queries(app, site_id: int) -> tuple[list[str], bool]:
    """The plans of the sheet's queries on ``movement``, and whether any scans it whole."""
    from warehouse.reports import queries
    return common.explain_movement_queries(app, lambda: queries.stock_sheet(site_id))



def run_backend(backend: Backend, args) -> dict:
    url = backend.create("sheet")
    app = make_app(url)
    try:
        started = time.perf_counter()
        world = build_world(app, items=args.items, shelves=args.shelves)
        built = time.perf_counter() - started
        result = {"backend": backend.server_info()["engine"], "items": args.items,
                  "shelves": args.shelves, "window_movements": world["movements"],
                  "setup_s": built}
        result["fresh"] = time_sheet(app, world["site_id"], args.runs)
        history = args.history if args.history is not None else (
            1_000_000 if backend.name == "postgresql" else 0)
        if history:
            result["history"] = history
            result["history_insert_s"] = add_history(app, world, history)
            result["with_history"] = time_sheet(app, world["site_id"], args.runs)
        if args.explain:
            result["plans"], result["whole_scan"] = explain_movement_queries(
                app, world["site_id"])
        return result
    finally:
        dispose(app)
        backend.drop(url)


def print_result(result: dict) -> None:
    fresh = result["fresh"]
    print(f"\n== {result['backend']}: {result['items']:,} items x {result['shelves']} shelves, "
          f"{result['window_movements']:,} movements in the last {WINDOW_DAYS} days "
          f"(setup {result['setup_s']:.1f} s)")
    verdict = "OK" if fresh["pdf_s"] < TARGET_SECONDS else "TOO SLOW"
    print(f"   stock sheet PDF: median {fresh['pdf_s'] * 1000:.0f} ms (max "
          f"{fresh['pdf_max_s'] * 1000:.0f} ms), of which queries {fresh['query_s'] * 1000:.0f} "
          f"ms; {fresh['lines']:,} lines, {fresh['pages']} pages, {fresh['kb']} KB "
          f"[target < {TARGET_SECONDS * 1000:.0f} ms: {verdict}]")
    if "with_history" in result:
        later = result["with_history"]
        print(f"   + {result['history']:,} older movements (inserted in "
              f"{result['history_insert_s']:.1f} s): PDF {later['pdf_s'] * 1000:.0f} ms, "
              f"queries {later['query_s'] * 1000:.0f} ms "
              f"(x{later['pdf_s'] / fresh['pdf_s']:.2f} and "
              f"x{later['query_s'] / fresh['query_s']:.2f})")
    if "plans" in result:
        print("   plans of the queries on movement:")
        for line in result["plans"]:
            print("   " + line)
        print("   whole movement table scanned: "
              + ("YES (an index is not used)" if result["whole_scan"] else "no"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--shelves", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--history", type=int, default=None,
                        help="older movements to add (default: 1,000,000 on PostgreSQL, "
                             "0 on SQLite)")
    parser.add_argument("--no-explain", dest="explain", action="store_false")
    args = parser.parse_args(argv)

    names = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    failed = False
    for name in names:
        backend = Backend(name)
        if name == "postgresql":
            backend.server_url, why = find_postgres()
            if backend.server_url is None:
                print(f"\n== PostgreSQL skipped: {why}")
                failed |= args.backend == "postgresql"
                continue
        try:
            result = run_backend(backend, args)
        finally:
            backend.cleanup()
        print_result(result)
        failed |= result["fresh"]["pdf_s"] >= TARGET_SECONDS or result.get("whole_scan", False)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
