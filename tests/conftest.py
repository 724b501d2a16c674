"""Fixtures shared by every test.

The database is the one ``TEST_DATABASE_URL`` names (PostgreSQL in CI), else a SQLite file
in a temporary folder: a file rather than memory, so that threads and subprocesses see the
same data. Its schema is made once per run by the migrations, as in production. Services
commit (they own their transaction), so each test's rows are deleted after it rather than
rolled back.
"""
import os

import pytest
from sqlalchemy import text

from tests import factories
from warehouse import create_app
from warehouse.extensions import db

POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords and not POSTGRES:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "SECRET_KEY": "testing", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        reset_schema()
        from flask_migrate import upgrade
        upgrade()
    return app


def reset_schema() -> None:
    """Drop everything so the migrations start from an empty database."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            conn.execute(text("PRAGMA foreign_keys = OFF"))
            for (name,) in conn.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'")).all():
                conn.execute(text(f'DROP TABLE "{name}"'))
            conn.execute(text("PRAGMA foreign_keys = ON"))


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Every test runs inside an app context and leaves an empty database behind."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Factories, as fixtures so a test names what it needs.

@pytest.fixture
def create_item():
    return factories.create_item


@pytest.fixture
def create_location():
    return factories.create_location


@pytest.fixture
def create_box():
    return factories.create_box


@pytest.fixture
def dummy_manager():
    return factories.create_user(role="manager")


@pytest.fixture
def dummy_site():
    return factories.create_site()


@pytest.fixture
def dummy_item():
    return factories.create_item()


@pytest.fixture
def dummy_shelf(dummy_site):
    return factories.create_location(site=dummy_site, name="Shelf A1")


@pytest.fixture
def dummy_partner():
    return factories.create_organisation()
