"""Run every benchmark on SQLite and, when one is reachable, PostgreSQL; print a table and
write the figures as JSON (and the service's profile as text) under benchmarks/results/.

    python -m benchmarks.run            # full run (about 10 minutes on 2 cores)
    python -m benchmarks.run --quick    # short run: smaller ledger, fewer and shorter rounds

PostgreSQL: ``BENCH_DATABASE_URL`` names a server (any database on it, e.g.
``postgresql://postgres@127.0.0.1:5432/postgres``); without it a local server
(127.0.0.1:5432, user postgres) is used if it answers. The bench databases made there are
named ``bench_*`` and dropped at the end, as are the temporary SQLite files.
"""
import argparse
import json
import os
import platform
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.bench_ledger import bench_ledger, profile_service
from benchmarks.bench_stock_query import bench_stock_by_site
from benchmarks.common import Backend, dispose, find_postgres, make_app
from benchmarks.generate import generate, verify_ledger

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LEDGER_TARGET = 0.5
QUERY_TARGET = 1.2


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Warehouse benchmarks")
    parser.add_argument("--quick", action="store_true", help="a short run (about 2 minutes)")
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--small", type=int, default=10_000, help="movements, small ledger")
    parser.add_argument("--large", type=int, help="movements, large ledger (1,000,000)")
    parser.add_argument("--query-runs", type=int, help="timed stock_by_site runs (30)")
    parser.add_argument("--rounds", type=int, help="ledger rounds per variant (7)")
    parser.add_argument("--seconds", type=float, help="seconds per ledger round (2)")
    parser.add_argument("--threads", default="1,16", help="thread counts, e.g. 1,16")
    parser.add_argument("--profile-posts", type=int, help="posts profiled (1500)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--verify", action="store_true",
                        help="also check the large generated ledger's running balances")
    parser.add_argument("--markdown", metavar="JSON",
                        help="print the results table of an earlier run as Markdown, and stop")
    args = parser.parse_args(argv)
    quick = args.quick
    args.large = args.large or (100_000 if quick else 1_000_000)
    args.query_runs = args.query_runs or (10 if quick else 30)
    args.rounds = args.rounds or (2 if quick else 7)
    args.seconds = args.seconds or (1.0 if quick else 2.0)
    args.profile_posts = args.profile_posts or (300 if quick else 1500)
    args.threads = tuple(int(n) for n in args.threads.split(","))
    return args


def run_backend(backend: Backend, args) -> dict:
    result = {"server": backend.server_info()}
    threads = max(args.threads)
    # A pool as large as the thread count, so 16 threads never wait for a connection
    # (the app's defaults are otherwise kept).
    engine_options = {"pool_size": threads}
    small_url = backend.create("small")
    small = make_app(small_url, **engine_options)
    generated = {"small": generate(small, small_url, args.small, label=f"{backend.name} small")}
    result["small_lowest_running_balance"] = verify_ledger(small)
    large_url = backend.create("large")
    large = make_app(large_url, **engine_options)
    generated["large"] = generate(large, large_url, args.large, label=f"{backend.name} large")
    if args.verify:
        result["large_lowest_running_balance"] = verify_ledger(large)
    result["generated"] = {label: vars(g) for label, g in generated.items()}

    print(f"[{backend.name}] stock_by_site x {args.query_runs} on each ledger ...", flush=True)
    query = bench_stock_by_site({"small": small, "large": large}, runs=args.query_runs)
    for label in query:
        query[label]["movements"] = generated[label].movements
        query[label]["stock_levels"] = generated[label].stock_levels
    query["ratio"] = query["large"]["median_ms"] / query["small"]["median_ms"]
    result["stock_query"] = query
    dispose(large)
    backend.drop(large_url)

    print(f"[{backend.name}] ledger posts, {args.rounds} rounds x {args.seconds:g} s per "
          f"variant, threads {args.threads} ...", flush=True)
    result["ledger"] = bench_ledger(small, small_url, thread_counts=args.threads,
                                    rounds=args.rounds, seconds=args.seconds)
    if not args.no_profile:
        print(f"[{backend.name}] profiling post_document ({args.profile_posts} posts) ...",
              flush=True)
        result["profile"] = profile_service(small, args.profile_posts)
    dispose(small)
    backend.drop(small_url)
    return result


# --- report ----------------------------------------------------------------------------

def _fmt(value, spec):
    return "—" if value is None else format(value, spec)


def report(results: dict) -> str:
    backends = list(results["backends"])
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    width = 36
    out = []

    def row(label, getter, spec):
        cells = []
        for name in backends:
            try:
                cells.append(_fmt(getter(results["backends"][name]), spec))
            except (KeyError, TypeError):
                cells.append("—")
        out.append(f"  {label:<{width}}" + "".join(f"{c:>16}" for c in cells))

    def verdict(ok):
        return "met" if ok else "NOT met"

    out.append(f"Warehouse benchmarks, {results['date']}, {results['machine']['cores']} cores, "
               f"Python {results['machine']['python']}")
    out.append(f"command: {results['command']}; commit {results['code']['commit']}"
               + (f" + uncommitted changes in {len(results['code']['warehouse_changed_files'])}"
                  " files under warehouse/" if results["code"]["warehouse_changed_files"]
                  else ""))
    load = results["machine"]
    out.append(f"load average at start / end: {load['load_average_at_start'][0]:.1f} / "
               f"{load.get('load_average_at_end', (float('nan'),))[0]:.1f} "
               f"(machine shared with other work)")
    for name in backends:
        out.append(f"  {names[name]}: {results['backends'][name]['server']['engine']} "
                   f"({results['backends'][name]['server']['settings']})")
    out.append("")
    out.append(f"  {'':<{width}}" + "".join(f"{names[n]:>16}" for n in backends))
    small, large = results["args"]["small"], results["args"]["large"]
    out.append(f"Stock-levels query stock_by_site(), median of {results['args']['query_runs']}")
    row(f"{small:,} movements (ms)", lambda b: b["stock_query"]["small"]["median_ms"], ".2f")
    row(f"{large:,} movements (ms)", lambda b: b["stock_query"]["large"]["median_ms"], ".2f")
    row(f"ratio large/small (target <= {QUERY_TARGET})",
        lambda b: b["stock_query"]["ratio"], ".2f")
    row("  target", lambda b: verdict(b["stock_query"]["ratio"] <= QUERY_TARGET), "")
    row("rows returned", lambda b: b["stock_query"]["large"]["rows"], "d")
    row("stock levels small / large", lambda b: f"{b['stock_query']['small']['stock_levels']}"
        f"/{b['stock_query']['large']['stock_levels']}", "")
    out.append(f"Ledger posts/s (one-line move, one document per commit), median of "
               f"{results['args']['rounds']} rounds x {results['args']['seconds']:g} s")
    for threads in results["args"]["threads"]:
        key = f"{threads}_threads"
        row(f"{threads} thread(s): post_document", lambda b: b["ledger"][key]
            ["service_posts_per_s"], ".0f")
        row(f"{threads} thread(s): raw driver, same SQL", lambda b: b["ledger"][key]
            ["raw_posts_per_s"], ".0f")
        row(f"{threads} thread(s): ratio (target >= {LEDGER_TARGET})",
            lambda b: b["ledger"][key]["ratio"], ".2f")
        row("  target", lambda b: verdict(b["ledger"][key]["ratio"] >= LEDGER_TARGET), "")
        row(f"{threads} thread(s): service p50/p99 ms", lambda b: f"{b['ledger'][key]['service_p50_ms']:.1f}/{b['ledger'][key]['service_p99_ms']:.1f}", "")
        row(f"{threads} thread(s): raw p50/p99 ms", lambda b: f"{b['ledger'][key]['raw_p50_ms']:.1f}/{b['ledger'][key]['raw_p99_ms']:.1f}", "")
    if any("profile" in results["backends"][n] for n in backends):
        out.append("Where one post's time goes (1 thread, ms per post)")
        row("total", lambda b: b["profile"]["ms_per_post"], ".2f")
        row("  in the driver's execute (DB+driver)",
            lambda b: b["profile"]["ms_in_execute_per_post"], ".2f")
        row("  in COMMIT", lambda b: b["profile"]["ms_in_commit_per_post"], ".2f")
        row("  Python (service, SQLAlchemy, pool)",
            lambda b: b["profile"]["ms_python_per_post"], ".2f")
    for name in backends:
        profile = results["backends"][name].get("profile")
        if not profile or not profile.get("top_lines"):
            continue
        out.append(f"Costliest lines of warehouse/stock/services.py on {names[name]} "
                   "(line_profiler, 1 thread; share of post_document's time)")
        shown = [r for r in profile["top_lines"] if not r["nested"]][:12]
        for r in shown:
            out.append(f"  {r['share']:6.1%} {r['us_per_post']:8.0f} us  "
                       f"{r['function']}:{r['line']}  {r['source'][:70]}")
    out.append("Generating the large ledger (s)")
    row("bulk insert of movements", lambda b: b["generated"]["large"]["seconds_insert"], ".1f")
    row("rebuild_stock_levels()", lambda b: b["generated"]["large"]["seconds_rebuild"], ".1f")
    for name, reason in results.get("skipped", {}).items():
        out.append(f"{names[name]} skipped: {reason}")
    return "\n".join(out)


def markdown(results: dict) -> str:
    """The headline figures of a run as a Markdown table (for benchmarks/README.md)."""
    backends = list(results["backends"])
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    args = results["args"]
    lines = ["| measure | " + " | ".join(names[n] for n in backends) + " |",
             "|---|" + "---:|" * len(backends)]

    def row(label, getter):
        cells = []
        for name in backends:
            try:
                cells.append(getter(results["backends"][name]))
            except (KeyError, TypeError):
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row(f"stock_by_site(), {args['small']:,} movements: median ms",
        lambda b: f"{b['stock_query']['small']['median_ms']:.1f}")
    row(f"stock_by_site(), {args['large']:,} movements: median ms",
        lambda b: f"{b['stock_query']['large']['median_ms']:.1f}")
    row(f"**ratio** (target ≤ {QUERY_TARGET})", lambda b: "**{:.2f}** {}".format(
        b["stock_query"]["ratio"],
        "met" if b["stock_query"]["ratio"] <= QUERY_TARGET else "NOT met"))
    for threads in args["threads"]:
        key = f"{threads}_threads"
        row(f"{threads} thread(s): post_document, posts/s",
            lambda b: f"{b['ledger'][key]['service_posts_per_s']:.0f}")
        row(f"{threads} thread(s): raw driver, same SQL, posts/s",
            lambda b: f"{b['ledger'][key]['raw_posts_per_s']:.0f}")
        row(f"{threads} thread(s): **ratio** (target ≥ {LEDGER_TARGET})",
            lambda b: "**{:.2f}** {}".format(
                b["ledger"][key]["ratio"],
                "met" if b["ledger"][key]["ratio"] >= LEDGER_TARGET else "NOT met"))
        row(f"{threads} thread(s): p50/p99 ms, service; raw",
            lambda b: "{:.1f}/{:.0f}; {:.1f}/{:.0f}".format(
                b["ledger"][key]["service_p50_ms"], b["ledger"][key]["service_p99_ms"],
                b["ledger"][key]["raw_p50_ms"], b["ledger"][key]["raw_p99_ms"]))
    row("one post, 1 thread: ms total / in driver execute / COMMIT / Python",
        lambda b: "{:.2f} / {:.2f} / {:.2f} / {:.2f}".format(
            b["profile"]["ms_per_post"], b["profile"]["ms_in_execute_per_post"],
            b["profile"]["ms_in_commit_per_post"], b["profile"]["ms_python_per_post"]))
    row(f"generate {args['large']:,} movements: bulk insert s / rebuild_stock_levels() s",
        lambda b: "{:.1f} / {:.1f}".format(b["generated"]["large"]["seconds_insert"],
                                           b["generated"]["large"]["seconds_rebuild"]))
    return "\n".join(lines)


def write_results(results: dict, stamp: str) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"bench-{stamp}.json"
    for name, backend in results["backends"].items():
        profile = backend.get("profile")
        if profile:
            text = RESULTS_DIR / f"profile-{name}-{stamp}.txt"
            text.write_text(profile.pop("line_profile") + "\n\n" + profile.pop("cprofile"))
            profile["listing"] = text.name
    path.write_text(json.dumps(results, indent=2, default=str))
    (RESULTS_DIR / "latest.json").write_text(path.read_text())
    return path


def _code_version() -> dict:
    """The commit measured, and whether the working tree's warehouse/ differs from it."""
    import subprocess

    def git(*args):
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True,
                                  check=True, cwd=Path(__file__).resolve().parent.parent).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""
    changed = git("status", "--porcelain", "--", "warehouse").splitlines()
    return {"commit": git("rev-parse", "--short", "HEAD").strip() or "unknown",
            "warehouse_changed_files": [line[3:] for line in changed]}


def _stop(signum, _frame):
    raise SystemExit(128 + signum)  # run the finally clauses: drop the bench databases


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)
    args = parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.markdown).read_text())))
        return 0
    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["scripts/bench" if os.environ.get("BENCH_FROM_SCRIPT")
                             else "python -m benchmarks.run", *(argv or sys.argv[1:])]),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average_at_start": os.getloadavg()},
        "code": _code_version(),
        "args": {k: v for k, v in vars(args).items()},
        "backends": {}, "skipped": {},
    }
    wanted = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    for name in wanted:
        if name == "postgresql":
            server, why = find_postgres()
            if server is None:
                results["skipped"][name] = why
                print(f"PostgreSQL skipped: {why}", flush=True)
                continue
            backend = Backend(name, server)
        else:
            backend = Backend(name)
        try:
            results["backends"][name] = run_backend(backend, args)
        finally:
            backend.cleanup()
    if not results["backends"]:
        print("No benchmark ran.", file=sys.stderr)
        return 1
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_average_at_end"] = os.getloadavg()
    table = report(results)
    path = write_results(results, stamp)
    print()
    print(table)
    print(f"\n{results['seconds']:.0f} s; figures in {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
