"""The demo data a newcomer gets the first time the app starts."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from warehouse import demo
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.models import (
    Box,
    Document,
    DocumentKind,
    Item,
    Location,
    LocationKind,
    Movement,
    Organisation,
    OrganisationKind,
    Site,
    StockLevel,
    User,
)
from warehouse.stock.queries import box_differences, stock_by_site, stock_differences

# One week has every kind of document and keeps each test to a couple of seconds; the
# command's eight weeks are timed by hand (see the commit that added the demo).
WEEKS = 1
PARTNER_NAMES = {"L'Auberge des Migrants", "Refugee Community Kitchen",
                 "Refugee Youth Service", "Utopia 56", "Refugee Info Bus",
                 "Refugee Women's Centre", "Mobile Refugee Support"}
DISTRIBUTION_REASONS = {"routine", "new_arrivals", "eviction_replacement",
                        "cold_weather_emergency"}


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch):
    """Hash the demo accounts' passwords cheaply: a slow hash per account is a second a seed."""
    monkeypatch.setattr("warehouse.accounts.services.generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1"))


@pytest.fixture
def summary():
    return demo.seed(weeks=WEEKS)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def on_shelves(item: Item) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(StockLevel.quantity), 0))
        .join(Location, Location.id == StockLevel.location_id)
        .where(StockLevel.item_id == item.id, Location.kind == LocationKind.INTERNAL))


def test_an_empty_database_is_reported_empty():
    assert demo.database_is_empty()


def test_seeding_gives_the_partners_both_sites_a_catalogue_and_stock_on_each_site(summary):
    organisations = db.session.scalars(select(Organisation)).all()
    assert {o.name for o in organisations if o.kind == OrganisationKind.PARTNER} \
        == PARTNER_NAMES
    assert [o.name for o in organisations if o.kind == OrganisationKind.OPERATOR] \
        == ["Calais Warehouse"]
    sites = db.session.scalars(select(Site)).all()
    assert {(s.code, s.region) for s in sites} == {("CAL", "Hauts-de-France"),
                                                   ("DUN", "Hauts-de-France")}
    shelves = db.session.scalars(
        select(Location).where(Location.kind == LocationKind.INTERNAL)).all()
    assert all(re.fullmatch(r"L\d{5}", shelf.code) for shelf in shelves)
    assert sorted(shelf.site.code for shelf in shelves if shelf.is_intake) == ["CAL", "DUN"]

    items = db.session.scalars(select(Item)).all()
    assert 75 <= len(items) <= 90
    assert all(re.fullmatch(r"P\d{5}", item.code) for item in items)
    assert all(item.name_fr and item.category.name_fr for item in items)
    assert all(0 < item.minimum_level <= item.target_level for item in items)
    assert {item.size for item in items if item.name == "Walking boots"} \
        == {f"EU {n}" for n in range(38, 46)}

    rows = stock_by_site()
    assert {row.site_name for row in rows} == {"Calais Warehouse", "Dunkirk Store"}
    assert any(row.item == "Sleeping bag" for row in rows)
    boxes = db.session.scalars(select(Box).where(Box.quantity > 0)).all()
    assert boxes and all(re.fullmatch(r"B\d{5}", box.code) for box in boxes)


def test_seeded_stock_agrees_with_the_ledger_and_is_never_negative(summary):
    assert stock_differences() == []
    assert box_differences() == []
    assert db.session.scalar(select(func.min(StockLevel.quantity))) >= 0
    assert db.session.scalar(select(func.min(Box.quantity))) >= 0


def test_the_history_fills_the_weeks_asked_for_with_every_kind_of_document(summary):
    kinds = set(db.session.scalars(select(Document.kind).distinct()))
    assert kinds >= {DocumentKind.RECEIPT, DocumentKind.MOVE, DocumentKind.TRANSFER,
                     DocumentKind.DISPATCH, DocumentKind.DISTRIBUTION, DocumentKind.RETURN,
                     DocumentKind.ADJUSTMENT, DocumentKind.WRITE_OFF}
    reasons = set(db.session.scalars(select(Document.reason).distinct().where(
        Document.kind == DocumentKind.DISTRIBUTION)))
    assert {"routine", "eviction_replacement"} <= reasons <= DISTRIBUTION_REASONS
    first, last = db.session.execute(
        select(func.min(Movement.occurred_at), func.max(Movement.occurred_at))).one()
    assert last <= utcnow()
    assert last - first > timedelta(days=WEEKS * 7 - 2)


def test_a_few_items_end_below_their_minimum_level(summary):
    for name, size in demo.SHORT_ITEMS:
        item = db.session.scalar(select(Item).where(
            Item.name == name, Item.size.is_(None) if size is None else Item.size == size))
        assert on_shelves(item) < item.minimum_level, item.display_name


def test_every_seeded_account_is_found_and_signs_in_with_the_demo_password(summary):
    accounts = demo.demo_accounts()
    assert sum(role == "coordinator" for _, role, _ in accounts) == len(PARTNER_NAMES)
    assert {"admin", "manager", "volunteer"} <= {role.value for _, role, _ in accounts}
    for email, role, organisation in accounts:
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        assert (user.role, user.organisation.short_name) == (role, organisation)
        assert check_password_hash(user.password_hash, demo.DEMO_PASSWORD)
        assert email in summary
    assert demo.DEMO_PASSWORD in summary


def test_seeding_a_database_that_has_data_refuses_and_duplicates_nothing(summary):
    tables = (Organisation, User, Site, Location, Item, Box, Document, Movement)
    before = {model: count(model) for model in tables}

    assert not demo.database_is_empty()
    with pytest.raises(demo.DatabaseNotEmpty):
        demo.seed(weeks=WEEKS)

    assert {model: count(model) for model in tables} == before


def test_the_same_seed_makes_the_same_history():
    def history():
        demo.seed(weeks=WEEKS, seed=7)
        place = dict(db.session.execute(select(Location.id, Location.name)).all())
        box = dict(db.session.execute(select(Box.id, Box.code)).all())
        rows = db.session.execute(
            select(Document.kind, Document.reason, Movement.item_id, Movement.quantity,
                   Movement.from_location_id, Movement.to_location_id, Movement.from_box_id,
                   Movement.to_box_id)
            .join(Movement.document)
            .order_by(Document.occurred_at, Document.id, Movement.line_no)).all()
        items = dict(db.session.execute(select(Item.id, Item.code)).all())
        db.session.rollback()  # end the read, so the next seed sees the tables emptied
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        return [(kind, reason, items[item], quantity, place[source], place[target],
                 box.get(from_box), box.get(to_box))
                for kind, reason, item, quantity, source, target, from_box, to_box in rows]

    first = history()
    assert first and history() == first
