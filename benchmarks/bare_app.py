"""The yardstick for scan posts over HTTP: a bare Flask endpoint that inserts one row.

``POST /bare`` reads the JSON body and the ``Idempotency-Key`` header as the API does,
inserts one row (the key, which is unique, and the body) in its own transaction, and
answers 201 with the new id as JSON. No sign-in, no ledger, no ORM session: Flask,
SQLAlchemy Core and the driver, with the database settings the app uses (SQLite: WAL,
``synchronous=NORMAL``, a busy timeout, writes starting with ``BEGIN IMMEDIATE``;
PostgreSQL: its defaults, durable commits).

Served by gunicorn next to the app, with the same settings::

    BENCH_BARE_DATABASE_URL=postgresql+psycopg://... gunicorn 'benchmarks.bare_app:create_app()'

``benchmarks.bench_http`` makes its table with ``create_table`` before starting it.
"""
import os
import sqlite3

from flask import Flask, jsonify, request
from sqlalchemy import (Column, DateTime, Integer, MetaData, String, Table, Text,
                        create_engine, event, func, insert)

URL_VARIABLE = "BENCH_BARE_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 15_000

metadata = MetaData()
bare_insert = Table(
    "bench_bare_insert", metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(100), unique=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


def make_engine(url: str):
    engine = create_engine(url, pool_pre_ping=False)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            if isinstance(dbapi_connection, sqlite3.Connection):
                dbapi_connection.isolation_level = None
                for pragma in (f"busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}",
                               "journal_mode = WAL", "synchronous = NORMAL",
                               "foreign_keys = ON"):
                    dbapi_connection.execute(f"PRAGMA {pragma}")

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # (Where the warehouse package is imported, its own listener began already.)
            if not conn.connection.dbapi_connection.in_transaction:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def create_table(url: str) -> None:
    engine = make_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app(url: str | None = None) -> Flask:
    engine = make_engine(url or os.environ[URL_VARIABLE])
    statement = insert(bare_insert).returning(bare_insert.c.id)
    app = Flask(__name__)

    @app.post("/bare")
    def insert_one_row():
        body = request.get_json()
        with engine.begin() as conn:
            new_id = conn.execute(statement, {
                "idempotency_key": request.headers.get("Idempotency-Key"),
                "body": request.get_data(as_text=True),
            }).scalar_one()
        return jsonify(id=new_id, boxes=len(body.get("box_codes", ()))), 201

    @app.get("/bare")
    def ready():
        return jsonify(ready=True)

    return app
