"""The migrations are the one way a schema is made: they must make what the models say.

As in Redash's tests/test_migrations.py, Alembic must have a single head (two people
adding a migration on two branches would otherwise leave ``flask db upgrade`` unable to
choose). Downgrading to nothing and upgrading again runs in a scratch database of its
own, so the shared test schema is left alone.
"""
import os
import uuid
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from warehouse import create_app
from warehouse.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def schema_differences() -> list:
    """What ``flask db migrate`` would write now: the models against the database."""
    options = current_app.extensions["migrate"].configure_args
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": options.get("compare_type", True),
            "render_as_batch": options.get("render_as_batch", False)})
        return compare_metadata(context, db.metadata)


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_alembic_has_a_single_head():
    heads = scripts().get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


def test_the_migrated_schema_is_what_the_models_describe(app):
    """The test database was made by ``flask db upgrade`` (see conftest)."""
    assert current_revision() == scripts().get_current_head()
    assert schema_differences() == []


@pytest.fixture
def scratch_database(database_url, tmp_path):
    """An empty database of the same kind as the test database, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"warehouse_scratch_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    server = database_url.replace("+psycopg", "")
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_downgrading_to_nothing_and_upgrading_again_gives_the_same_schema(scratch_database):
    scratch = create_app({"SQLALCHEMY_DATABASE_URI": scratch_database, "TESTING": True,
                          "SECRET_KEY": "testing"})
    with scratch.app_context():
        try:
            upgrade()
            assert current_revision() == scripts().get_current_head()
            assert schema_differences() == []

            downgrade(revision="base")
            assert current_revision() is None
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

            upgrade()
            assert current_revision() == scripts().get_current_head()
            assert schema_differences() == []
        finally:
            db.session.remove()
            db.engine.dispose()
