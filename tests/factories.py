"""Make test objects with sensible defaults; pass keywords to override any field."""
import hashlib
import itertools
import secrets
from datetime import date, timedelta

from werkzeug.security import generate_password_hash

from warehouse.core.clock import local_today
from warehouse.extensions import db
from warehouse.models import (
    Box,
    Category,
    Item,
    Location,
    LocationKind,
    Organisation,
    OrganisationKind,
    Role,
    Site,
    TabletDevice,
    User,
)
from warehouse.stock import services as ledger

_numbers = itertools.count(1)

#: A password the policy accepts, for users a test signs in with the real form.
PASSWORD = "plum kettle harbour"
# A cheap hash: tests check passwords often, and the strength of the hash is the
# service's business (create_user uses the default), not the factory's.
_FAST_HASH = "pbkdf2:sha256:1000"


def days_from_today(days: int) -> date:
    """A day counted from the warehouse's today: for the dates a rule compares with today
    (use-by dates, "needed by"), so that a test means the same on any day it runs."""
    return local_today() + timedelta(days=days)


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj


def create_organisation(**overrides) -> Organisation:
    n = next(_numbers)
    values = {"name": f"Partner {n}", "short_name": f"P{n}", "kind": OrganisationKind.PARTNER}
    return _save(Organisation(**(values | overrides)))


def create_user(**overrides) -> User:
    """A user; ``password="…"`` gives them a password to sign in with."""
    password = overrides.pop("password", None)
    if password is not None:
        overrides["password_hash"] = generate_password_hash(password, method=_FAST_HASH)
    n = next(_numbers)
    values = {"email": f"user{n}@example.org", "name": f"User {n}", "role": Role.MANAGER}
    if overrides.get("role") == Role.COORDINATOR and "organisation" not in overrides:
        values["organisation"] = create_organisation()
    return _save(User(**(values | overrides)))


def create_site(**overrides) -> Site:
    n = next(_numbers)
    values = {"code": f"S{n}", "name": f"Site {n}", "town": "Calais",
              "region": "Hauts-de-France"}
    return _save(Site(**(values | overrides)))


def create_category(**overrides) -> Category:
    n = next(_numbers)
    return _save(Category(**({"name": f"Category {n}"} | overrides)))


def create_item(**overrides) -> Item:
    n = next(_numbers)
    values = {"code": f"P{n:05d}", "name": f"Item {n}"}
    if "category" not in overrides and "category_id" not in overrides:
        values["category"] = create_category()
    return _save(Item(**(values | overrides)))


def create_location(**overrides) -> Location:
    """An internal location (a shelf) unless ``kind`` says otherwise."""
    n = next(_numbers)
    values = {"code": f"L{n:05d}", "name": f"Shelf {n}", "kind": LocationKind.INTERNAL}
    if overrides.get("kind", LocationKind.INTERNAL) == LocationKind.INTERNAL \
            and "site" not in overrides and "site_id" not in overrides:
        values["site"] = create_site()
    return _save(Location(**(values | overrides)))


def create_box(**overrides) -> Box:
    """An empty, pre-printed box: stock goes in through the ledger."""
    n = next(_numbers)
    return _save(Box(**({"code": f"B{n:05d}"} | overrides)))


def receive(item, location, quantity, *, actor, box=None):
    """Put stock on a shelf (or in a box on it) from the donor location, via the ledger."""
    donor = ledger.system_location(LocationKind.DONOR)
    return ledger.post_document(
        kind="receipt", actor=actor,
        lines=[ledger.Line(item.id, quantity, donor.id, location.id, None,
                           box.id if box else None)])


def create_tablet(**overrides) -> TabletDevice:
    """A registered shared tablet. Its cookie token is kept on ``tablet.token``."""
    n = next(_numbers)
    token = secrets.token_urlsafe(32)
    values = {"name": f"Tablet {n}", "token_hash": hashlib.sha256(token.encode()).hexdigest()}
    if "created_by" not in overrides and "created_by_id" not in overrides:
        values["created_by"] = create_user(role=Role.MANAGER)
    tablet = _save(TabletDevice(**(values | overrides)))
    tablet.token = token
    return tablet


# The ledger as a test sees it.

def empty_tables() -> None:
    """Delete every row, children first, so the next test (or Hypothesis example) starts
    from an empty database: services commit, so a rollback would not undo them."""
    db.session.rollback()
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def stock_levels() -> dict[tuple[int, int], int]:
    """Every stored level as ``{(location_id, item_id): quantity}``, zeros left out."""
    from sqlalchemy import select

    from warehouse.models import StockLevel

    rows = db.session.execute(select(StockLevel.location_id, StockLevel.item_id,
                                     StockLevel.quantity)).all()
    db.session.commit()
    return {(r.location_id, r.item_id): r.quantity for r in rows if r.quantity}


def ledger_snapshot() -> dict:
    """What a refused post must leave as it was: documents, movements, levels and boxes."""
    from sqlalchemy import func, select

    from warehouse.models import Document, Movement

    snapshot = {
        "documents": db.session.scalar(select(func.count()).select_from(Document)),
        "movements": db.session.scalar(select(func.count()).select_from(Movement)),
        "boxes": {r.id: (r.item_id, r.location_id, r.quantity) for r in db.session.execute(
            select(Box.id, Box.item_id, Box.location_id, Box.quantity))},
    }
    db.session.commit()
    snapshot["levels"] = stock_levels()
    return snapshot
