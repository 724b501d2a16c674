"""Fixtures shared by every test.

The database is the one ``TEST_DATABASE_URL`` names (PostgreSQL in CI), else a SQLite file
in a temporary folder: a file rather than memory, so that threads and subprocesses see the
same data. Its schema is made once per run by the migrations, as in production. Services
commit (they own their transaction), so each test's rows are deleted after it rather than
rolled back.
"""
import os
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import time_machine
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from sqlalchemy import text

from tests import factories
from warehouse import create_app
from warehouse.extensions import db, limiter
from warehouse.models import Role

POSTGRES = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres")

#: "Now" for the tests that assert calendar dates (a printed week, a month's name, a scan
#: made at a given time): Friday 27 November 2026, 10:30 in Paris. Every other test runs
#: on the real clock and computes what it expects from it; CI runs the suite once more
#: with the clock moved 400 days ahead to prove it.
FIXED_NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords and not POSTGRES:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id):
    """The test database: TEST_DATABASE_URL's, or a SQLite file of this run's own.

    Under pytest-xdist (``scripts/test`` runs the whole suite on every core), each worker
    has its own: a SQLite file in the worker's temporary folder, or a PostgreSQL database
    named after TEST_DATABASE_URL's with the worker's name added (``test_gw0``), made on
    the same server when missing.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    if worker_id == "master":
        return url
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker_id}"
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone() \
                is None:
            admin.execute(f'CREATE DATABASE "{own}"')
    return f"{base}/{own}"


class Client(FlaskClient):
    """A test client whose every request starts with an empty ``g``, as in production.

    Tests run inside an app context (``_app_context``) and Flask reuses it for the
    requests they make, so without this, ``g`` would carry over from one request to the
    next — and with it the user Flask-Login loaded (a session ended by a new password
    would still be signed in) and the language Flask-Babel chose.
    """

    def open(self, *args, **kwargs):
        context = _cv_app.get(None)
        if context is not None and context.app is self.application:
            context.g = self.application.app_ctx_globals_class()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                      "SECRET_KEY": "testing", "WTF_CSRF_ENABLED": False})
    app.test_client_class = Client
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


def another_app(app, **config):
    """A second app on the test database, e.g. with CSRF on or with test-only routes.

    The schema is already there (the ``app`` fixture migrated it); routes can be added to
    the new app until it serves its first request.
    """
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "TESTING": True, "SECRET_KEY": "testing", "WTF_CSRF_ENABLED": False}
                       | config)
    other.test_client_class = Client
    return other


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the catalogues the app reads, so French pages work under a bare ``pytest``.

    ``scripts/test`` compiles them too; the ``.mo`` files are not committed.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "warehouse" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parents[1].name)
        partial = mo_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        os.replace(partial, mo_path)  # atomic: a parallel run never reads half a file


@pytest.fixture(autouse=True)
def _reset_limiter(app):
    """Start each test with no sign-in attempts counted: every test client is 127.0.0.1."""
    limiter.reset()


@pytest.fixture(autouse=True)
def _app_context(request, app):
    """Every test runs inside an app context and leaves an empty database behind."""
    with app.app_context():
        yield
        factories.empty_tables()


@pytest.fixture
def fixed_clock():
    """Put the whole test process at ``FIXED_NOW``, the clock ticking on from there.

    time-machine moves every clock Python reads (``datetime.now``, ``date.today``,
    ``time.time``), so the app's ``utcnow``, the live server's thread, Flask-Login,
    itsdangerous and the rate limiter all agree on the day. ``fixed_clock.shift(...)``
    and ``fixed_clock.move_to(...)`` move it on.
    """
    with time_machine.travel(FIXED_NOW, tick=True) as traveller:
        yield traveller


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


# Signing in.

def login(client, user):
    """Sign ``user`` in on ``client`` by writing the session Flask-Login reads.

    Much faster than the sign-in form (no password hash to check); tests of signing in
    itself use the form.
    """
    # Session protection compares this with the address and browser of each request.
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
    return client


# One user of each kind. Partner A and partner B are two partner organisations, each
# with a coordinator, so a test can check one partner never reaches the other's data.

@pytest.fixture
def partner_a():
    return factories.create_organisation(name="Partner A", short_name="PA")


@pytest.fixture
def partner_b():
    return factories.create_organisation(name="Partner B", short_name="PB")


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def volunteer():
    return factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer")


@pytest.fixture
def coordinator_a(partner_a):
    return factories.create_user(role=Role.COORDINATOR, organisation=partner_a,
                                 name="Cora Coordinator")


@pytest.fixture
def coordinator_b(partner_b):
    return factories.create_user(role=Role.COORDINATOR, organisation=partner_b,
                                 name="Colin Coordinator")


@pytest.fixture
def manager():
    return factories.create_user(role=Role.MANAGER, name="Max Manager")


@pytest.fixture
def admin():
    return factories.create_user(role=Role.ADMIN, name="Ada Admin")
