"""The demo data a newcomer gets the first time the app starts."""
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tests.conftest import FIXED_NOW
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
from warehouse.distributions.models import Distribution
from warehouse.intake.models import Donation, Priority
from warehouse.requests import queries as request_queries
from warehouse.requests.models import (
    Notification,
    PickLine,
    RequestStatus,
    StockRequest,
    StockRequestLine,
)
from warehouse.stock.models import Reservation
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


def test_every_donation_and_purchase_is_a_donation_with_its_receipt(summary):
    receipts = db.session.scalars(select(Document).where(
        Document.kind == DocumentKind.RECEIPT)).all()
    donations = db.session.scalars(select(Donation)).all()
    assert receipts and len(donations) == len(receipts)
    assert {d.document_id for d in donations} == {r.id for r in receipts}
    assert {d.donor_type.value for d in donations} >= {"group", "individual", "purchase"}
    assert {d.priority for d in donations} >= {Priority.NORMAL, Priority.URGENT}
    assert all(d.received_at == d.document.occurred_at for d in donations)
    boxed = db.session.scalar(select(func.count()).select_from(Box)
                              .where(Box.donation_id.is_not(None)))
    assert boxed > 0


def test_the_managers_find_requests_in_every_state_with_a_fair_split_to_review(summary):
    def of(status):
        return db.session.scalars(select(StockRequest).where(StockRequest.status == status)
                                  .order_by(StockRequest.id)).all()

    submitted = of(RequestStatus.SUBMITTED)
    assert len({r.organisation_id for r in submitted}) >= 3
    assert [r.id for r in submitted] == [s.request.id for s in request_queries.queue()]
    assert_a_fair_split_to_review(submitted)

    dispatched = of(RequestStatus.DISPATCHED)
    assert len(dispatched) >= 5
    today = utcnow().astimezone(demo.LOCAL_TIME).date()
    days = {r.dispatched_at.astimezone(demo.LOCAL_TIME).date() for r in dispatched}
    assert len(days) >= 3 and min(days) < today - timedelta(days=2)
    assert all(line.dispatched == line.allocated for r in dispatched for line in r.lines)

    declined = of(RequestStatus.DECLINED)
    assert declined and all(r.decision_note for r in declined)

    approved = of(RequestStatus.APPROVED)
    assert len(approved) == 1
    waiting = db.session.scalars(
        select(PickLine).join(StockRequestLine)
        .where(StockRequestLine.request_id == approved[0].id,
               PickLine.dispatch_document_id.is_(None),
               PickLine.cancelled_at.is_(None))).all()
    assert waiting
    assert sum(p.quantity for p in waiting) < sum(line.allocated for line in approved[0].lines)


def test_open_reservations_are_exactly_the_approved_stock_not_yet_dispatched(summary):
    reserved = dict(db.session.execute(
        select(Reservation.source_id, func.sum(Reservation.quantity))
        .where(Reservation.released_at.is_(None)).group_by(Reservation.source_id)).all())
    owed = {line.id: line.allocated - line.dispatched
            for line in db.session.scalars(
                select(StockRequestLine).join(StockRequest)
                .where(StockRequest.status == RequestStatus.APPROVED))
            if line.allocated > line.dispatched}
    assert owed and reserved == owed
    assert stock_differences() == []
    assert box_differences() == []


def test_partners_distributions_record_people_counts_and_coordinators_are_notified(summary):
    distributions = db.session.scalars(select(Distribution)).all()
    assert len(distributions) == count_documents(DocumentKind.DISTRIBUTION)
    assert len({d.organisation_id for d in distributions}) == len(PARTNER_NAMES)
    assert all(1 <= d.people_total <= 120 for d in distributions)
    routine = [d for d in distributions if d.reason.value == "routine"]
    assert routine and all(d.people_total >= 20 for d in routine)
    for d in distributions:
        breakdown = [d.women, d.men, d.children, d.unaccompanied_minors]
        assert sum(n or 0 for n in breakdown) <= d.people_total
        assert d.distributed_on == d.document.occurred_at.astimezone(demo.LOCAL_TIME).date()
    assert any(d.women is not None for d in distributions)
    assert any(d.unaccompanied_minors for d in distributions)

    notifications = db.session.scalars(select(Notification)).all()
    assert len({n.organisation_id for n in notifications}) >= 5
    assert any(n.read_at is None for n in notifications)
    assert any(n.read_at is not None for n in notifications)


def assert_a_fair_split_to_review(submitted: list[StockRequest]) -> None:
    """Two requests at Calais want more of the same items than there is: the fair split
    cuts each back, and gives each some."""
    at_calais = [r for r in submitted if r.site.code == "CAL"]
    shared = set.intersection(*({line.item_id for line in r.lines} for r in at_calais))
    assert len(at_calais) >= 2 and shared
    proposals = request_queries.proposals(at_calais[0])
    short = [p for p in proposals if p.short]
    assert short and all(len(p.competitors) >= 2 for p in short)
    assert all(0 < p.proposed < p.line.requested for p in short)


def count_documents(kind) -> int:
    return db.session.scalar(select(func.count()).select_from(Document)
                             .where(Document.kind == kind))


# Seven days of the week, each at another time of day (FIXED_NOW is a Friday, 10:30 in
# Paris): before the working day, during it, after it, and just past midnight.
LOAD_TIMES = {"friday-10:30": timedelta(0),
              "saturday-07:30": timedelta(days=1, hours=-3),
              "sunday-23:45": timedelta(days=2, hours=13, minutes=15),
              "monday-00:30": timedelta(days=2, hours=14),
              "tuesday-10:30": timedelta(days=4),
              "wednesday-07:30": timedelta(days=5, hours=-3),
              "thursday-16:00": timedelta(days=6, hours=5, minutes=30)}


@pytest.mark.parametrize("after", LOAD_TIMES.values(), ids=LOAD_TIMES.keys())
def test_the_demo_is_complete_whatever_day_of_the_week_it_is_loaded(after):
    """Every partner collects and hands out, and the managers find work in every state
    with a fair split to review, whatever the day and the hour the demo is loaded."""
    with time_machine.travel(FIXED_NOW + after, tick=False):
        demo.seed(weeks=WEEKS)
    distributions = db.session.scalars(select(Distribution)).all()
    assert {d.organisation.name for d in distributions} == PARTNER_NAMES
    kinds = set(db.session.scalars(select(Document.kind).distinct()))
    assert kinds >= {DocumentKind.RECEIPT, DocumentKind.MOVE, DocumentKind.TRANSFER,
                     DocumentKind.DISPATCH, DocumentKind.DISTRIBUTION, DocumentKind.RETURN,
                     DocumentKind.ADJUSTMENT, DocumentKind.WRITE_OFF}
    statuses = set(db.session.scalars(select(StockRequest.status).distinct()))
    assert statuses >= {RequestStatus.SUBMITTED, RequestStatus.APPROVED,
                        RequestStatus.DISPATCHED, RequestStatus.DECLINED}
    assert_a_fair_split_to_review(db.session.scalars(select(StockRequest).where(
        StockRequest.status == RequestStatus.SUBMITTED).order_by(StockRequest.id)).all())
    assert stock_differences() == [] and box_differences() == []
