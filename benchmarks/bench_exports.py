"""Streaming CSV export of a million movements: rows per second and the server's memory.

    python -m benchmarks.bench_exports [--backend sqlite|postgresql|both]
                                       [--movements 1000000] [--runs 3] [--no-tracemalloc]

For each database (SQLite always; PostgreSQL when a server answers, as in
``benchmarks.common``): the ledger of ``benchmarks.generate`` (the same world, fixed seed),
then ``GET /stock/movements.csv`` as the generated manager, through the real app (access
check, filter parsing, query, translation of the headers and words, the streamed
response), reading the body chunk by chunk as a client would and dropping it. Reported:

- rows per second: the median of ``--runs`` full downloads (time from the request to the
  last byte; target at least 100,000 rows/s);
- memory, two ways: the process's resident set before the download and its peak during
  it (``VmHWM`` after resetting it through ``/proc/self/clear_refs``), and, on a separate
  download (tracemalloc slows Python down several times), tracemalloc's peak of Python
  allocations — what grows with the rows would show there;
- tracemalloc's peak again for a short export (the write-offs only), to show the memory
  does not grow with the length of the export.

The databases are dropped at the end, whatever happens.
"""
import argparse
import gc
import statistics
import sys
import time
import tracemalloc

from benchmarks.common import Backend, dispose, find_postgres, make_app
from benchmarks.generate import generate

TARGET_ROWS_PER_SECOND = 100_000
PATH = "/stock/movements.csv"
LAST_CPU = 0.0  # CPU seconds of the last download (this process: app and client)


def _status(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB (VmRSS, VmHWM)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Make VmHWM start again from the current resident set (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _signed_in_client(app):
    from flask_login.utils import _create_identifier
    from sqlalchemy import select

    from warehouse.accounts.models import Role, User
    from warehouse.extensions import db

    with app.app_context():
        manager = db.session.scalar(select(User).where(User.role == Role.MANAGER))
        user_id = manager.get_id()
        db.session.remove()
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["_id"] = identifier
    return client


def download(client, path: str) -> tuple[float, int, int]:
    """(seconds, bytes, lines) of one streamed download, the body read and dropped."""
    global LAST_CPU
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, buffered=False)
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    LAST_CPU = time.process_time() - cpu
    return time.perf_counter() - start, size, lines


def measure(app, movements: int, runs: int, use_tracemalloc: bool) -> dict:
    client = _signed_in_client(app)
    download(client, PATH + "?kind=write_off")  # warm-up: imports, caches, first query
    seconds, cpu = [], []
    gc.collect()
    rss_before = _status("VmRSS")
    peak_reset = _reset_peak()
    for _ in range(runs):
        elapsed, size, lines = download(client, PATH)
        seconds.append(elapsed)
        cpu.append(LAST_CPU)
        rows = lines - 1  # the header
        assert rows == movements, (rows, movements)
    rss_peak = _status("VmHWM") if peak_reset else None
    median = statistics.median(seconds)
    result = {"movements": movements, "runs": [round(s, 3) for s in seconds],
              "median_s": round(median, 3), "rows_per_s": round(movements / median),
              "cpu_s": [round(c, 3) for c in cpu],
              "rows_per_cpu_s": round(movements / statistics.median(cpu)),
              "bytes": size, "rss_before_kib": rss_before, "rss_peak_kib": rss_peak,
              "rss_growth_kib": (rss_peak - rss_before) if rss_peak else None}
    if use_tracemalloc:
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        download(client, PATH)
        result["tracemalloc_s"] = round(time.perf_counter() - start, 1)
        result["tracemalloc_peak_kib"] = tracemalloc.get_traced_memory()[1] // 1024
        tracemalloc.stop()
        # A short export: the peak must be about the same.
        tracemalloc.start()
        elapsed, _, lines = download(client, PATH + "?kind=write_off")
        result["tracemalloc_small_rows"] = lines - 1
        result["tracemalloc_small_peak_kib"] = tracemalloc.get_traced_memory()[1] // 1024
        tracemalloc.stop()
    return result


def run(backend: Backend, args) -> dict:
    url = backend.create("exports")
    app = make_app(url)
    try:
        generated = generate(app, url, args.movements, label=f"{backend.name} exports")
        print(f"  generated {generated.movements:,} movements", file=sys.stderr)
        return measure(app, generated.movements, args.runs, not args.no_tracemalloc)
    finally:
        dispose(app)
        backend.drop(url)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-tracemalloc", action="store_true")
    args = parser.parse_args(argv)
    backends = []
    if args.backend in ("sqlite", "both"):
        backends.append(Backend("sqlite"))
    if args.backend in ("postgresql", "both"):
        server, why = find_postgres()
        if server is None:
            print(f"PostgreSQL skipped: {why}")
        else:
            backends.append(Backend("postgresql", server))
    met = True
    for backend in backends:
        try:
            info = backend.server_info()
            result = run(backend, args)
        finally:
            backend.cleanup()
        ok = result["rows_per_s"] >= TARGET_ROWS_PER_SECOND
        met = met and ok
        print(f"{info['engine']}: {PATH}, {result['movements']:,} rows, "
              f"{result['bytes'] / 2**20:.0f} MiB of CSV")
        print(f"  median {result['median_s']} s of {result['runs']}: "
              f"{result['rows_per_s']:,} rows/s "
              f"(target >= {TARGET_ROWS_PER_SECOND:,}: {'met' if ok else 'NOT met'}); "
              f"{result['rows_per_cpu_s']:,} rows per CPU second of this process")
        if result["rss_peak_kib"]:
            print(f"  resident memory: {result['rss_before_kib'] / 1024:.0f} MiB before, "
                  f"peak {result['rss_peak_kib'] / 1024:.0f} MiB during the downloads "
                  f"({result['rss_growth_kib'] / 1024:+.1f} MiB)")
        if "tracemalloc_peak_kib" in result:
            print(f"  tracemalloc peak of Python allocations: "
                  f"{result['tracemalloc_peak_kib'] / 1024:.1f} MiB for all rows, "
                  f"{result['tracemalloc_small_peak_kib'] / 1024:.1f} MiB for "
                  f"{result['tracemalloc_small_rows']:,} rows")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
