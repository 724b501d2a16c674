"""The stock page's query, ``warehouse.stock.queries.stock_by_site``, over ledgers of
different lengths: its time must not depend on how many movements were ever posted.

Each database gets the same world (catalogue, sites, locations) and a ledger of its own
length; the runs alternate between the databases so that the machine's noise falls on
both alike. Each run is what a page does: the call, then the session removed (connection
back to the pool, identity map dropped).
"""
import time

from benchmarks.common import median, percentile


def bench_stock_by_site(apps: dict[str, object], *, runs: int = 30, warmup: int = 3) -> dict:
    """Time ``stock_by_site()`` ``runs`` times on each app's database, interleaved."""
    from warehouse.extensions import db
    from warehouse.stock.queries import stock_by_site

    times = {label: [] for label in apps}
    rows = {}
    for n in range(warmup + runs):
        for label, app in apps.items():
            with app.app_context():
                start = time.perf_counter()
                result = stock_by_site()
                elapsed = time.perf_counter() - start
                db.session.remove()
            rows[label] = len(result)
            if n >= warmup:
                times[label].append(elapsed)
    return {label: {"runs": runs, "rows": rows[label],
                    "median_ms": median(values) * 1000,
                    "p90_ms": percentile(values, 0.9) * 1000,
                    "min_ms": min(values) * 1000}
            for label, values in times.items()}
