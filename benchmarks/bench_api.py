"""Server time of the API's reads on the demo data: a scan's look-up must feel instant.

Seeds the demo (8 weeks) into a temporary SQLite file, makes an API token for a volunteer
and times each read 7 times in-process (the median is reported), with the size of the
offline code cache. ``python -m benchmarks.bench_api``
"""
import argparse
import statistics
import tempfile
import time
from pathlib import Path

LOOKUP_BAR_MS = 50
RUNS = 7


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=8)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import select

    from warehouse import create_app, demo
    from warehouse.accounts.api_tokens import create_token
    from warehouse.extensions import db
    from warehouse.models import Box, ItemBarcode, Location, Site, StockRequest, User

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'api.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            demo.seed(weeks=args.weeks, seed=2026)
            volunteer = db.session.scalar(select(User).where(User.role == "volunteer"))
            headers = {"Authorization": f"Bearer {create_token(volunteer, 'Bench')[1]}"}
            site = db.session.scalar(select(Site).order_by(Site.id))
            box = db.session.scalar(select(Box).where(Box.quantity > 0).order_by(Box.id))
            location = db.session.scalar(select(Location).where(Location.site_id == site.id))
            barcode = db.session.scalar(select(ItemBarcode))
            request = db.session.scalar(select(StockRequest).where(
                StockRequest.status == "approved"))
            mangled = box.code.translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
            paths = [f"/api/v1/codes/{box.code}", f"/api/v1/codes/{mangled}",
                     f"/api/v1/codes/{location.code}", f"/api/v1/codes/{barcode.code}",
                     f"/api/v1/boxes?location={location.code}", "/api/v1/items",
                     f"/api/v1/locations?site_id={site.id}", f"/api/v1/stock?site_id={site.id}",
                     f"/api/v1/requests?status=approved&site_id={site.id}",
                     f"/api/v1/codes?site_id={site.id}"]
            if request is not None:
                paths.append(f"/api/v1/requests/{request.id}")
            client = app.test_client()
            print(f"API reads on the demo data ({args.weeks} weeks, SQLite), median of {RUNS}:")
            slowest_lookup = 0.0
            for path in paths:
                times = []
                for _ in range(RUNS):
                    start = time.perf_counter()
                    response = client.get(path, headers=headers)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
                median = statistics.median(times)
                if path.startswith("/api/v1/codes/"):
                    slowest_lookup = max(slowest_lookup, median)
                size = len(response.get_data())
                print(f"  {median:7.1f} ms  {size:8d} B  {path}")
            cache = client.get(f"/api/v1/codes?site_id={site.id}", headers=headers).get_json()
            print(f"  code cache: {len(cache['codes'])} codes")
            verdict = "met" if slowest_lookup < LOOKUP_BAR_MS else "NOT met"
            print(f"  slowest look-up {slowest_lookup:.1f} ms (target < {LOOKUP_BAR_MS} ms): "
                  f"{verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
