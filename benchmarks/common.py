"""Databases for the benchmarks: made for a run, dropped at its end, whatever happens.

SQLite databases are files in a temporary folder; PostgreSQL ones are ``bench_*``
databases created beside the server that ``BENCH_DATABASE_URL`` names (else a local
server, user ``postgres``). The schema is laid by the project's own migrations.
"""
import contextlib
import logging
import os
import secrets
import shutil
import statistics
import tempfile
from dataclasses import dataclass, field

from sqlalchemy import make_url

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Backend:
    """Where bench databases are made: ``sqlite`` or ``postgresql``."""

    name: str
    server_url: str | None = None  # PostgreSQL: a database to connect to for CREATE/DROP
    tmpdir: str | None = None
    created: list = field(default_factory=list)

    def server_info(self) -> dict:
        if self.name == "sqlite":
            import sqlite3
            return {"engine": f"SQLite {sqlite3.sqlite_version}",
                    "settings": "journal_mode=WAL, synchronous=NORMAL (the app's settings)"}
        with self._admin() as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            settings = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                        for name in ("synchronous_commit", "fsync", "shared_buffers")}
        return {"engine": f"PostgreSQL {version}",
                "settings": ", ".join(f"{k}={v}" for k, v in settings.items())}

    def create(self, label: str) -> str:
        """Make an empty database and return its SQLAlchemy URL."""
        if self.name == "sqlite":
            if self.tmpdir is None:
                self.tmpdir = tempfile.mkdtemp(prefix="warehouse-bench-")
            path = os.path.join(self.tmpdir, f"{label}.sqlite3")
            self.created.append(path)
            return f"sqlite:///{path}"
        name = f"bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = make_url(self.server_url).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.name == "sqlite":
            path = make_url(url).database
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
            with contextlib.suppress(ValueError):
                self.created.remove(path)
            return
        name = make_url(url).database
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with contextlib.suppress(ValueError):
            self.created.remove(name)

    def cleanup(self) -> None:
        """Drop whatever this run made and has not dropped yet."""
        if self.name == "sqlite":
            if self.tmpdir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
                self.tmpdir = None
            self.created.clear()
            return
        for name in list(self.created):
            with contextlib.suppress(Exception), self._admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.created.remove(name)

    @contextlib.contextmanager
    def _admin(self):
        import psycopg
        with psycopg.connect(psycopg_conninfo(self.server_url), autocommit=True,
                             connect_timeout=5) as conn:
            yield conn


def psycopg_conninfo(url: str) -> str:
    """A libpq connection string for a SQLAlchemy (or libpq) PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def find_postgres() -> tuple[str | None, str]:
    """The PostgreSQL server to use, and why (or why none)."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        url = url.replace("postgres://", "postgresql://", 1)
        source = "BENCH_DATABASE_URL"
    else:
        url, source = LOCAL_POSTGRES, "local server"
    try:
        import psycopg
        with psycopg.connect(psycopg_conninfo(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        detail = " ".join(str(error).split())
        return None, f"{source} not reachable ({type(error).__name__}: {detail})"
    return url, source


def make_app(url: str, **engine_options):
    """The real app, bound to ``url``, with its schema laid by the migrations."""
    from flask_migrate import upgrade

    from config import Config
    from warehouse import create_app

    options = dict(Config.SQLALCHEMY_ENGINE_OPTIONS) | engine_options
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options})
    logging.disable(logging.INFO)  # Alembic's env.py logs every migration at INFO
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)
    return app


def dispose(app) -> None:
    from warehouse.extensions import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def explain_movement_queries(app, run) -> tuple[list[str], bool]:
    """The plans of the queries on ``movement`` that ``run()`` makes, and whether any of
    them scans the whole table (the sign of a report that reads all history)."""
    from sqlalchemy import event

    from warehouse.extensions import db

    captured = []
    with app.app_context(), app.test_request_context():
        engine = db.engine

        def capture(conn, cursor, statement, parameters, context, executemany):
            if "FROM movement" in statement or "JOIN movement" in statement:
                captured.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            run()
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        db.session.remove()
        postgres = engine.dialect.name == "postgresql"
        prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
        report, whole_scan = [], False
        with engine.connect() as conn:
            for statement, parameters in captured:
                rows = conn.exec_driver_sql(prefix + statement, parameters).all()
                plan = [row[0] for row in rows] if postgres else [row[-1] for row in rows]
                report.append(f"-- {' '.join(statement.split())[:150]}...")
                report.extend("   " + line for line in plan)
                if postgres:
                    whole_scan |= any("Seq Scan on movement" in line for line in plan)
                else:
                    whole_scan |= any(line.startswith("SCAN movement") and "INDEX" not in line
                                      for line in plan)
    return report, whole_scan
