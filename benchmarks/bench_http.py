"""Scan posts over HTTP, under gunicorn, against a bare Flask endpoint that inserts one row.

DESIGN.md §5: posting a scanned move over HTTP with 16 concurrent clients must reach at
least half the throughput of a bare Flask endpoint that inserts one row (same server
settings, same run), with p99 under 50 ms; a code look-up's p99 under 20 ms.

For each database (SQLite, and PostgreSQL when one answers, see ``benchmarks/common.py``):

1. A bench database gets the schema by the migrations and the demo world and history by
   ``warehouse.demo.seed`` (the real services); a volunteer gets a personal API token
   through ``warehouse.accounts.api_tokens.create_token``.
2. Two gunicorn servers start with the same settings (``--workers``, ``--worker-class``,
   ``--threads``): the app (``wsgi:app``, production configuration) and
   ``benchmarks.bare_app`` (one-row insert into a table of the same database).
3. wrk (the same binary, the same Lua script shape, the same 16 connections) loads each in
   turn, a warm-up then ``--rounds`` interleaved rounds of ``--seconds`` each:
   - *scan*: ``POST /api/v1/moves`` ``{"box_codes": [one box], "location_code": ...}``
     with ``Authorization: Bearer``, a unique ``Idempotency-Key`` per request (run, wrk
     thread, counter) and ``Content-Type: application/json``. Each request moves the next
     of the bench boxes (demo boxes on one site's shelves) between its shelf and another
     shelf of the site, alternately, so consecutive requests touch different rows and no
     box is moved twice at once;
   - *bare*: the same requests, headers and bodies to ``POST /bare``;
   - *look-up*: ``GET /api/v1/codes/{code}`` over the bench boxes', shelves' and items'
     codes, with the token.
4. Every answer must be 2xx (wrk counts the others); afterwards the number of move
   documents must match the moves answered, and the stock levels and boxes must agree with
   the ledger (``flask stock verify``'s queries).

Throughput is the median round's requests per second; the ratio is scan/bare of the
medians; p50/p99 are wrk's latency percentiles over the rounds (the median round's).
Durability stays on: PostgreSQL's defaults are checked (``synchronous_commit=on``) and
SQLite runs as the app configures it.

    python -m benchmarks.bench_http [--backend sqlite|postgresql|all] [--seconds 10]
        [--rounds 3] [--worker-class sync|gthread] [--threads 1] [--workers 2]
"""
import argparse
import contextlib
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.common import Backend, dispose, find_postgres, make_app

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RATIO_TARGET = 0.5
SCAN_P99_TARGET_MS = 50
LOOKUP_P99_TARGET_MS = 20
MOVES_PATH = "/api/v1/moves"
CODES_PATH = "/api/v1/codes/"
BARE_PATH = "/bare"
STARTUP_SECONDS = 60


@dataclass
class Seeded:
    token: str
    user_email: str
    boxes: list[tuple[str, str, str]]  # box code, its shelf, the shelf it moves to and back
    codes: list[str]  # what the look-up cycles through
    site: str


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path
    extra: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- seeding -------------------------------------------------------------------------------

def seed(app, *, boxes: int, weeks: int, rng: random.Random) -> Seeded:
    """The demo world and history through the real services, a token, the bench boxes."""
    from sqlalchemy import func, select

    from warehouse import demo
    from warehouse.accounts.api_tokens import create_token
    from warehouse.accounts.models import Role, User
    from warehouse.extensions import db
    from warehouse.stock.models import Box, Location, LocationKind

    with app.app_context():
        demo.seed(weeks=weeks, seed=2026)
        email = next(e for e, role, _ in demo.demo_accounts() if role == Role.VOLUNTEER)
        user = db.session.scalar(select(User).where(User.email == email))
        _, token = create_token(user, "benchmark")
        # The site with the most boxes on its shelves; its boxes holding stock.
        site_id = db.session.execute(
            select(Location.site_id, func.count(Box.id))
            .join(Box, Box.location_id == Location.id)
            .where(Location.kind == LocationKind.INTERNAL, Box.quantity > 0)
            .group_by(Location.site_id).order_by(func.count(Box.id).desc())).first()[0]
        shelves = db.session.execute(
            select(Location.id, Location.code).where(
                Location.site_id == site_id, Location.kind == LocationKind.INTERNAL,
                Location.active.is_(True), Location.is_intake.is_(False))).all()
        rows = db.session.execute(
            select(Box.code, Location.id).join(Location, Box.location_id == Location.id)
            .where(Location.site_id == site_id, Location.kind == LocationKind.INTERNAL,
                   Box.quantity > 0).order_by(Box.id)).all()
        rng.shuffle(rows)
        code_of = {s.id: s.code for s in shelves}
        chosen = []
        rows = [row for row in rows if row[1] in code_of]
        for code, home_id in rows[:boxes]:
            other = rng.choice([s for s in shelves if s.id != home_id])
            chosen.append((code, code_of[home_id], other.code))
        codes = [code for code, _, _ in chosen[:100]] + [s.code for s in shelves[:50]]
        codes += _item_codes()
        site = db.session.get(Location, shelves[0].id).site.name
        db.session.remove()
    return Seeded(token=token, user_email=email, boxes=chosen, codes=codes, site=site)


def _item_codes() -> list[str]:
    """Items' own codes, and manufacturers' barcodes (EAN/UPC) where the demo has some."""
    from sqlalchemy import select

    from warehouse.catalogue.models import Item, ItemBarcode
    from warehouse.extensions import db

    return (list(db.session.scalars(select(Item.code).order_by(Item.id).limit(50)))
            + list(db.session.scalars(select(ItemBarcode.code).limit(20))))


def box_positions(app, seeded: Seeded) -> list[tuple[str, str, str]]:
    """Each bench box with its two destinations, in order: away from where it is, then back."""
    from sqlalchemy import select

    from warehouse.extensions import db
    from warehouse.stock.models import Box, Location

    with app.app_context():
        where = dict(db.session.execute(
            select(Box.code, Location.code).join(Location, Box.location_id == Location.id)
            .where(Box.code.in_([code for code, _, _ in seeded.boxes]))).all())
        db.session.remove()
    return [(code, home, other) if where[code] == other else (code, other, home)
            for code, home, other in seeded.boxes]


def count_move_documents(app) -> int:
    from sqlalchemy import func, select

    from warehouse.extensions import db
    from warehouse.stock.models import Document

    with app.app_context():
        count = db.session.scalar(select(func.count(Document.id)))
        db.session.remove()
    return count


def settle(app, *, quiet_seconds: float = 0.5, limit_seconds: float = 30) -> None:
    """Wait until the moves wrk left in flight are posted, before reading box positions."""
    deadline = time.monotonic() + limit_seconds
    last = count_move_documents(app)
    while time.monotonic() < deadline:
        time.sleep(quiet_seconds)
        now = count_move_documents(app)
        if now == last:
            return
        last = now


def ledger_agrees(app) -> tuple[int, int]:
    """Stock levels and boxes that differ from the ledger (both 0 when all is well)."""
    from warehouse.extensions import db
    from warehouse.stock import queries

    with app.app_context():
        levels, boxes = len(queries.stock_differences()), len(queries.box_differences())
        db.session.remove()
    return levels, boxes


def profile_requests(app, seeded: Seeded, count: int) -> dict:
    """Where one request's time goes, in-process (Flask test client, no gunicorn, no wrk).

    Times ``count`` look-ups and ``count`` moves one after the other, then the same under
    cProfile; returns milliseconds per request and the cProfile listings.
    """
    import cProfile
    import io
    import pstats

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from benchmarks.bare_app import create_app as create_bare_app

    client = app.test_client()
    bare = create_bare_app(app.config["SQLALCHEMY_DATABASE_URI"]).test_client()
    headers = {"Authorization": f"Bearer {seeded.token}", "Accept": "application/json"}
    boxes = box_positions(app, seeded)
    run = secrets.token_hex(4)

    def lookups(n):
        for i in range(n):
            response = client.get(CODES_PATH + seeded.codes[i % len(seeded.codes)],
                                  headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)

    def moves(n, lap):
        for i in range(n):
            code, first, second = boxes[i % len(boxes)]
            destination = first if (lap + i // len(boxes)) % 2 == 0 else second
            response = client.post(MOVES_PATH, json={"box_codes": [code],
                                                     "location_code": destination},
                                   headers=headers | {"Idempotency-Key": f"p{run}{lap}-{i}"})
            assert response.status_code == 201, response.get_data(as_text=True)

    def inserts(n, lap):
        for i in range(n):
            response = bare.post(BARE_PATH, json={"box_codes": ["X"], "location_code": "Y"},
                                 headers=headers | {"Idempotency-Key": f"b{run}{lap}-{i}"})
            assert response.status_code == 201

    # Whole laps over the boxes, so each lap ends with every box back where it started.
    n = max(len(boxes), count // len(boxes) * len(boxes))
    result = {"requests": n}
    # No app context around the requests: each gets its own, as under gunicorn (a shared
    # one would keep the signed-in user in ``g`` and skip the token look-up).
    counts = {"statements": 0, "commits": 0, "seconds_in_db": 0.0}

    def before_execute(conn, cursor, statement, parameters, context, executemany):
        counts["statements"] += 1
        conn.info["bench_started"] = time.perf_counter()

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        counts["seconds_in_db"] += time.perf_counter() - conn.info.pop("bench_started")

    def on_commit(conn):
        counts["commits"] += 1

    lookups(20)
    for name, call in (("lookup", lambda lap: lookups(n)), ("scan", lambda lap: moves(n, lap)),
                       ("bare", lambda lap: inserts(n, lap))):
        counts.update(statements=0, commits=0, seconds_in_db=0.0)
        listeners = (("before_cursor_execute", before_execute),
                     ("after_cursor_execute", after_execute), ("commit", on_commit))
        for event_name, listener in listeners:
            event.listen(Engine, event_name, listener)
        start = time.perf_counter()
        try:
            call(0)
        finally:
            for event_name, listener in listeners:
                event.remove(Engine, event_name, listener)
        result[f"{name}_ms"] = (time.perf_counter() - start) * 1000 / n
        result[f"{name}_statements"] = counts["statements"] / n
        result[f"{name}_commits"] = counts["commits"] / n
        # Statements only: a COMMIT's own wait (the WAL flush) is not in this figure.
        result[f"{name}_ms_in_statements"] = counts["seconds_in_db"] * 1000 / n
        profiler = cProfile.Profile()
        profiler.enable()
        call(1)
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        result[f"{name}_profile"] = text.getvalue()
    return result


# --- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(target: str, port: int, args) -> list[str]:
    command = [sys.executable, "-m", "gunicorn", target, "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--worker-class", args.worker_class,
               "--log-level", "warning", "--backlog", "2048"]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    return command


def start_server(name: str, target: str, env: dict, args, folder: Path,
                 ready_path: str) -> Server:
    port = free_port()
    log = folder / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(gunicorn_command(target, port, args), cwd=ROOT,
                                   env={**os.environ, **env}, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} server stopped:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.base + ready_path, timeout=2) as response:
                response.read()
                return server
        except urllib.error.HTTPError:
            return server  # it answers
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"{name} server did not answer in {STARTUP_SECONDS} s:\n"
                       f"{server.log_tail()}")


def stop_server(server: Server) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait()


def probe(server: Server, path: str, *, token: str, body: dict | None) -> tuple[int, str]:
    """One request, to see that an endpoint is there before loading it."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if data is not None:
        headers |= {"Content-Type": "application/json",
                    "Idempotency-Key": f"probe-{secrets.token_hex(8)}"}
    request = urllib.request.Request(server.base + path, data=data, headers=headers,
                                     method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


# --- wrk -------------------------------------------------------------------------------------

LUA_COMMON = r"""
local counter = 0
thread_number = 1  -- set for each wrk thread by setup()
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

local function auth_headers()
  return {["Authorization"] = "Bearer " .. TOKEN, ["Accept"] = "application/json"}
end

-- The first few answers that are not 2xx, on standard error, to say what went wrong.
local failures = 0
function response(status, headers, body)
  if status >= 300 and failures < 3 then
    failures = failures + 1
    io.stderr:write("BENCH_FAILED " .. status .. " " .. string.sub(body or "", 1, 300) .. "\n")
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors_connect": %d, ' ..
    '"errors_read": %d, "errors_write": %d, "errors_status": %d, "errors_timeout": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""

LUA_MOVES = r"""
-- Each wrk thread moves its own share of the boxes, one after the other, so a box is
-- moved again only after every other box of the share: never twice at the same time.
local mine = {}

function init(args)
  for i, box in ipairs(BOXES) do
    if (i - 1) % THREADS == thread_number - 1 then table.insert(mine, box) end
  end
end

function request()
  counter = counter + 1
  local n = #mine
  local box = mine[(counter - 1) % n + 1]
  local lap = math.floor((counter - 1) / n)
  local destination = box[(lap % 2) + 2]
  local body = '{"box_codes": ["' .. box[1] .. '"], "location_code": "' .. destination .. '"}'
  local headers = auth_headers()
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = RUN .. "-" .. thread_number .. "-" .. counter
  return wrk.format("POST", PATH, headers, body)
end
"""

LUA_LOOKUP = r"""
function request()
  counter = counter + 1
  local code = CODES[(counter * 7 + thread_number) % #CODES + 1]
  return wrk.format("GET", PATH .. code, auth_headers())
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua one for ASCII text


def moves_script(path: str, token: str, run: str, boxes, threads: int) -> str:
    rows = ",\n  ".join("{" + ", ".join(lua_string(v) for v in box) + "}" for box in boxes)
    return (f"TOKEN = {lua_string(token)}\nRUN = {lua_string(run)}\n"
            f"PATH = {lua_string(path)}\nTHREADS = {threads}\nBOXES = {{\n  {rows}\n}}\n"
            + LUA_COMMON + LUA_MOVES)


def lookup_script(token: str, codes) -> str:
    rows = ", ".join(lua_string(c) for c in codes)
    return (f"TOKEN = {lua_string(token)}\nPATH = {lua_string(CODES_PATH)}\n"
            f"CODES = {{{rows}}}\n" + LUA_COMMON + LUA_LOOKUP)


def run_wrk(url: str, script: str, *, seconds: float, connections: int, threads: int,
            folder: Path) -> dict:
    path = folder / f"wrk-{secrets.token_hex(4)}.lua"
    path.write_text(script)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "10s", "-s", str(path), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    path.unlink()
    found = re.search(r"BENCH_JSON (\{.*\})", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result = json.loads(found.group(1))
    result["failed_samples"] = re.findall(r"BENCH_FAILED (.*)", done.stderr)[:5]
    result["per_s"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in result if k.startswith("errors_"))
    return result


# --- one database ------------------------------------------------------------------------------

def run_backend(backend: Backend, args, folder: Path) -> dict:
    url = backend.create("http")
    app = make_app(url)
    rng = random.Random(2026)
    started = time.perf_counter()
    print(f"[{backend.name}] seeding the demo ({args.weeks} week(s)) through the services ...",
          flush=True)
    seeded = seed(app, boxes=args.boxes, weeks=args.weeks, rng=rng)
    from benchmarks.bare_app import create_table
    create_table(url)
    result = {"server": backend.server_info(), "seconds_seed": time.perf_counter() - started,
              "boxes": len(seeded.boxes), "codes": len(seeded.codes), "rounds": []}
    if args.profile:
        print(f"[{backend.name}] profiling {args.profile} requests of each kind in-process ...",
              flush=True)
        result["profile"] = profile_requests(app, seeded, args.profile)
        if args.profile_only:
            dispose(app)
            backend.drop(url)
            return result
        p = result["profile"]
        for kind in ("lookup", "scan", "bare"):
            print(f"[{backend.name}] in-process {kind}: {p[f'{kind}_ms']:.2f} ms per request, "
                  f"{p[f'{kind}_statements']:.1f} statements ({p[f'{kind}_ms_in_statements']:.2f}"
                  f" ms), {p[f'{kind}_commits']:.1f} commits", flush=True)
    env = {"WAREHOUSE_CONFIG": "production", "DATABASE_URL": url,
           "SECRET_KEY": secrets.token_hex(32), "BENCH_BARE_DATABASE_URL": url}
    servers = {}
    try:
        servers["bare"] = start_server("bare", "benchmarks.bare_app:create_app()", env, args,
                                       folder, BARE_PATH)
        servers["app"] = start_server("app", "wsgi:app", env, args, folder, "/login")
        code, text = probe(servers["app"], MOVES_PATH, token=seeded.token, body={
            "box_codes": [seeded.boxes[0][0]], "location_code": seeded.boxes[0][2]})
        result["moves_probe"] = {"status": code, "body": text[:300]}
        moves_ready = code == 201
        if not moves_ready:
            print(f"[{backend.name}] {MOVES_PATH} answered {code}: {text[:200]}\n"
                  f"  measuring the bare endpoint only", flush=True)
        code, text = probe(servers["app"], CODES_PATH + seeded.codes[0], token=seeded.token,
                           body=None)
        result["lookup_probe"] = {"status": code, "body": text[:300]}
        lookup_ready = code == 200

        targets = ["bare"] + (["scan"] if moves_ready else [])
        documents_before = count_move_documents(app)
        answered = 0
        for lap in range(args.rounds + 1):  # lap 0 is the warm-up
            order = targets if lap % 2 else list(reversed(targets))
            for target in order:
                boxes = box_positions(app, seeded)
                run = f"{backend.name}-{lap}-{target}-{secrets.token_hex(3)}"
                server = servers["bare" if target == "bare" else "app"]
                path = BARE_PATH if target == "bare" else MOVES_PATH
                measured = run_wrk(server.base + path,
                                   moves_script(path, seeded.token, run, boxes, args.wrk_threads),
                                   seconds=args.warmup if lap == 0 else args.seconds,
                                   connections=args.connections, threads=args.wrk_threads,
                                   folder=folder)
                measured |= {"target": target, "lap": lap}
                if target == "scan":
                    answered += measured["requests"]
                if lap:
                    result["rounds"].append(measured)
                print(f"[{backend.name}] {'warm-up' if lap == 0 else f'round {lap}'} "
                      f"{target:>5}: {measured['per_s']:7.0f}/s  p50 "
                      f"{measured['p50_us'] / 1000:5.1f} ms  p99 "
                      f"{measured['p99_us'] / 1000:6.1f} ms  errors {measured['errors']}",
                      flush=True)
                if measured["errors"]:
                    print(f"  {measured['errors']} requests failed or were not 2xx, e.g. "
                          f"{measured['failed_samples'][:2]}", flush=True)
                if target == "scan":
                    settle(app)
        if moves_ready:
            posted = count_move_documents(app) - documents_before
            result["documents_posted"] = posted
            result["scan_requests_answered"] = answered
        result["ledger_differences"] = ledger_agrees(app)

        if lookup_ready:
            # At 16 connections like the posts, and at 1: one tablet scanning alone.
            for lap in range(args.rounds + 1):
                for target, connections in (("lookup", args.connections), ("lookup_1", 1)):
                    measured = run_wrk(servers["app"].base + CODES_PATH,
                                       lookup_script(seeded.token, seeded.codes),
                                       seconds=args.warmup if lap == 0 else args.seconds,
                                       connections=connections, threads=1, folder=folder)
                    measured |= {"target": target, "lap": lap}
                    if lap:
                        result["rounds"].append(measured)
                    print(f"[{backend.name}] {'warm-up' if lap == 0 else f'round {lap}'} "
                          f"{target}: {measured['per_s']:7.0f}/s  p50 "
                          f"{measured['p50_us'] / 1000:5.1f} ms  p99 "
                          f"{measured['p99_us'] / 1000:6.1f} ms  errors {measured['errors']}",
                          flush=True)
        else:
            print(f"[{backend.name}] {CODES_PATH}… answered {code}: look-ups not measured",
                  flush=True)
    finally:
        for server in servers.values():
            stop_server(server)
        dispose(app)
        backend.drop(url)
    result["summary"] = summarise(result["rounds"])
    return result


def summarise(rounds: list[dict]) -> dict:
    summary = {}
    for target in ("bare", "scan", "lookup", "lookup_1"):
        mine = [r for r in rounds if r["target"] == target]
        if not mine:
            continue
        middle = sorted(mine, key=lambda r: r["per_s"])[len(mine) // 2]
        summary[target] = {
            "per_s": statistics.median(r["per_s"] for r in mine),
            "p50_ms": middle["p50_us"] / 1000, "p99_ms": middle["p99_us"] / 1000,
            "worst_p99_ms": max(r["p99_us"] for r in mine) / 1000,
            "errors": sum(r["errors"] for r in mine), "rounds": len(mine)}
    if "bare" in summary and "scan" in summary:
        summary["ratio"] = summary["scan"]["per_s"] / summary["bare"]["per_s"]
    return summary


# --- report ------------------------------------------------------------------------------------

def report(results: dict) -> str:
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    args = results["args"]
    out = [f"Scan posts over HTTP, {results['date']}, {results['machine']['cores']} cores; "
           f"gunicorn {args['workers']} workers, {args['worker_class']}"
           + (f" x {args['threads']} threads" if args["worker_class"] == "gthread" else "")
           + f"; wrk {args['connections']} connections, {args['rounds']} rounds x "
           f"{args['seconds']:g} s; commit {results['commit']}"]
    for name, backend in results["backends"].items():
        s = backend.get("summary", {})
        out.append(f"{names[name]} ({backend['server']['engine']}; "
                   f"{backend['server']['settings']})")
        if "profile" in backend:
            p = backend["profile"]
            out.append(f"  in-process, one request at a time (profile: {p.get('listing', '')}):")
            for kind in ("lookup", "scan", "bare"):
                out.append(f"    {kind:<7} {p[f'{kind}_ms']:6.2f} ms per request; "
                           f"{p[f'{kind}_statements']:4.1f} SQL statements taking "
                           f"{p[f'{kind}_ms_in_statements']:.2f} ms; "
                           f"{p[f'{kind}_commits']:.1f} commits")

        def line(label, key):
            if key in s:
                r = s[key]
                out.append(f"  {label:<34} {r['per_s']:7.0f}/s   p50 {r['p50_ms']:6.1f} ms  "
                           f"p99 {r['p99_ms']:6.1f} ms (worst round {r['worst_p99_ms']:.1f})"
                           f"  errors {r['errors']}")
        line("bare endpoint, one-row insert", "bare")
        line("scan: POST /api/v1/moves", "scan")
        line("look-up: GET /api/v1/codes/{code}", "lookup")
        line("look-up, 1 connection", "lookup_1")
        if "ratio" in s:
            ok = s["ratio"] >= RATIO_TARGET
            out.append(f"  ratio scan/bare {s['ratio']:.2f} (target >= {RATIO_TARGET}): "
                       f"{'met' if ok else 'NOT met'}; scan p99 "
                       f"{'met' if s['scan']['p99_ms'] < SCAN_P99_TARGET_MS else 'NOT met'} "
                       f"(< {SCAN_P99_TARGET_MS} ms)")
        elif "moves_probe" in backend:
            out.append(f"  scan not measured: {MOVES_PATH} answered "
                       f"{backend['moves_probe']['status']}")
        for key, label in (("lookup", f"{args['connections']} connections"),
                           ("lookup_1", "1 connection")):
            if key in s:
                ok = s[key]["p99_ms"] < LOOKUP_P99_TARGET_MS
                out.append(f"  look-up p99 at {label} {'met' if ok else 'NOT met'} "
                           f"(< {LOOKUP_P99_TARGET_MS} ms)")
        if "documents_posted" in backend:
            out.append(f"  documents posted {backend['documents_posted']} for "
                       f"{backend['scan_requests_answered']} answered moves; ledger "
                       f"differences (levels, boxes): {backend['ledger_differences']}")
    for name, why in results.get("skipped", {}).items():
        out.append(f"{names[name]} skipped: {why}")
    return "\n".join(out)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("all", "sqlite", "postgresql"), default="all")
    parser.add_argument("--seconds", type=float, default=10, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4, help="per worker, with gthread")
    parser.add_argument("--boxes", type=int, default=256)
    parser.add_argument("--weeks", type=int, default=1, help="weeks of demo history")
    parser.add_argument("--profile", type=int, default=512, metavar="N",
                        help="also time N requests of each kind in-process, and profile "
                             "them (0: skip)")
    parser.add_argument("--profile-only", action="store_true",
                        help="stop after the in-process profile (no servers, no wrk)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk).", file=sys.stderr)
        return 1
    results = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m benchmarks.bench_http " + " ".join(argv or sys.argv[1:]),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "load_average_at_start": os.getloadavg()},
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                 capture_output=True, text=True).stdout.strip(),
        "args": vars(args), "backends": {}, "skipped": {},
    }
    wanted = ["sqlite", "postgresql"] if args.backend == "all" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="warehouse-http-") as folder:
        for name in wanted:
            if name == "postgresql":
                server, why = find_postgres()
                if server is None:
                    results["skipped"][name] = why
                    continue
                backend = Backend(name, server)
            else:
                backend = Backend(name)
            try:
                results["backends"][name] = run_backend(backend, args, Path(folder))
            finally:
                backend.cleanup()
    results["machine"]["load_average_at_end"] = os.getloadavg()
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"http-{stamp}.json"
    for name, backend in results["backends"].items():
        profile = backend.get("profile")
        if profile:
            listing = RESULTS_DIR / f"http-profile-{name}-{stamp}.txt"
            listing.write_text("\n\n".join(
                f"=== {kind}: {profile[f'{kind}_ms']:.2f} ms per request without the "
                f"profiler ===\n{profile.pop(f'{kind}_profile')}"
                for kind in ("lookup", "scan", "bare")))
            profile["listing"] = listing.name
    path.write_text(json.dumps(results, indent=2, default=str))
    print()
    print(report(results))
    print(f"figures in {path}")
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    raise SystemExit(main())
