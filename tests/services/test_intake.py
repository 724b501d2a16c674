"""Intake services: donations received, loose stock sorted into boxes, blank box codes.

Each refusal is checked for its error (named after the broken rule) and for having written
nothing: no donation, stock document, movement or box more than before. After each flow
that writes, the stock levels and boxes still add up to the ledger.
"""
import threading
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from tests import factories
from warehouse.audit.models import AuditEvent
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.intake import errors, queries, services
from warehouse.intake.models import Donation, DonorType, Priority
from warehouse.intake.services import DonationLine
from warehouse.models import Box, Document, DocumentKind, Item, LocationKind, Movement
from warehouse.stock import errors as stock_errors
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_differences


# --- the world of these tests -----------------------------------------------------------

@pytest.fixture
def volunteer_user(volunteer):
    return volunteer


@pytest.fixture
def site():
    return factories.create_site(name="Calais Warehouse")


@pytest.fixture
def intake(site):
    return factories.create_location(site=site, name="Intake bay", is_intake=True)


@pytest.fixture
def shelf(site):
    return factories.create_location(site=site, name="Shelf A1")


@pytest.fixture
def other_site_intake():
    return factories.create_location(site=factories.create_site(name="Dunkirk Store"),
                                     name="Dunkirk intake", is_intake=True)


@pytest.fixture
def clothing():
    return factories.create_category(name="Clothing")


@pytest.fixture
def sleeping_bag():
    return factories.create_item(name="Sleeping bag")


@pytest.fixture
def jacket(clothing):
    return factories.create_item(name="Men's jacket", size="L", category=clothing)


def key() -> str:
    return str(uuid.uuid4())


def receive(actor, site, intake, lines, **overrides):
    """Receive a donation with sensible defaults; keywords override any argument."""
    arguments = dict(
        actor=actor, site_id=site.id, received_at=utcnow() - timedelta(minutes=30),
        donor_type="group", donor_name="St Mary's church", origin="Bristol",
        priority="normal", condition="used", intake_location_id=intake.id, lines=lines,
        note=None, idempotency_key=key())
    return services.receive_donation(**(arguments | overrides))


def counts() -> dict:
    """Rows that intake writes, to prove that a refusal wrote none."""
    db.session.commit()  # a fresh snapshot: other sessions may have written meanwhile
    result = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Donation, Document, Movement, Box)}
    db.session.commit()
    return result


def level(location, item) -> int:
    return factories.stock_levels().get((location.id, item.id), 0)


def assert_ledger_agrees():
    assert stock_differences() == []
    assert box_differences() == []


# --- receiving a donation -----------------------------------------------------------------

def test_a_loose_donation_puts_its_stock_at_intake_and_links_the_receipt(
        volunteer_user, site, intake, sleeping_bag, jacket):
    received = receive(volunteer_user, site, intake,
                       [DonationLine(sleeping_bag.id, "20"), DonationLine(jacket.id, 7)])

    donation = received.donation
    assert not received.replayed
    assert (donation.donor_type, donation.priority, donation.condition) == (
        DonorType.GROUP, Priority.NORMAL, "used")
    document = db.session.get(Document, donation.document_id)
    assert document.kind == DocumentKind.RECEIPT and document.reason == "group"
    assert document.site_id == site.id and document.occurred_at == donation.received_at
    assert level(intake, sleeping_bag) == 20 and level(intake, jacket) == 7
    row = queries.donation(donation.id)
    assert [(line.item, line.quantity, line.boxes) for line in row.lines] == [
        ("Sleeping bag", 20, 0), ("Men's jacket (L)", 7, 0)]
    assert queries.loose_quantity(intake.id, sleeping_bag.id) == 20
    assert_ledger_agrees()


def test_a_boxed_line_makes_new_boxes_with_codes_filled_through_the_ledger(
        volunteer_user, site, intake, sleeping_bag, jacket):
    received = receive(volunteer_user, site, intake,
                       [DonationLine(sleeping_bag.id, 10, boxes=3), DonationLine(jacket.id, 4)],
                       condition="new")

    boxes = queries.boxes_of_donation(received.donation.id)
    assert len(boxes) == 3
    assert all(box.code.startswith("B") and len(box.code) == 6 for box in boxes)
    assert {(box.item, box.quantity, box.location, box.condition) for box in boxes} == {
        ("Sleeping bag", 10, "Intake bay", "new")}
    assert level(intake, sleeping_bag) == 30
    assert queries.loose_quantity(intake.id, sleeping_bag.id) == 0  # all of it is boxed
    movements = db.session.scalars(select(Movement).where(
        Movement.document_id == received.donation.document_id)).all()
    assert sorted(m.to_box_id for m in movements if m.to_box_id) == sorted(b.id for b in boxes)
    line = queries.donation(received.donation.id).lines[0]
    assert (line.quantity, line.boxes) == (30, 3)
    assert_ledger_agrees()


def test_a_donation_not_needed_is_received_and_written_off_in_one_receipt(
        volunteer_user, site, intake, sleeping_bag):
    received = receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 12)],
                       priority="not_needed", reason="Wet and mouldy")

    document = db.session.get(Document, received.donation.document_id)
    written_off = ledger.system_location(LocationKind.WRITE_OFF)
    assert document.kind == DocumentKind.RECEIPT
    assert (document.reason, document.note) == (services.NOT_NEEDED_REASON, "Wet and mouldy")
    assert [(m.from_location_id, m.to_location_id, m.quantity) for m in document.lines] == [
        (ledger.system_location(LocationKind.DONOR).id, intake.id, 12),
        (intake.id, written_off.id, 12)]
    assert level(intake, sleeping_bag) == 0
    row = queries.donation(received.donation.id)
    assert [(line.item, line.quantity) for line in row.lines] == [("Sleeping bag", 12)]
    assert row.not_needed_reason == "Wet and mouldy"
    assert_ledger_agrees()


def test_the_same_form_sent_twice_records_one_donation_and_one_set_of_boxes(
        volunteer_user, site, intake, sleeping_bag, jacket):
    form_key = key()
    lines = [DonationLine(sleeping_bag.id, 10, boxes=2), DonationLine(jacket.id, 5)]
    first = receive(volunteer_user, site, intake, lines, idempotency_key=form_key)
    before = counts()

    again = receive(volunteer_user, site, intake, lines, idempotency_key=form_key)

    assert again.replayed and again.donation.id == first.donation.id
    assert counts() == before
    assert level(intake, sleeping_bag) == 20
    assert_ledger_agrees()


def test_a_receipt_posted_before_a_failure_gets_its_donation_when_the_form_is_sent_again(
        volunteer_user, site, intake, sleeping_bag, monkeypatch):
    form_key = key()

    def fail(*args, **kwargs):
        raise RuntimeError("the connection dropped")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_make_donation", fail)
        with pytest.raises(RuntimeError):
            receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 10, 2)],
                    idempotency_key=form_key)
    assert counts()["Donation"] == 0 and counts()["Document"] == 1

    again = receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 10, 2)],
                    idempotency_key=form_key)

    assert again.replayed
    assert counts() == {"Donation": 1, "Document": 1, "Movement": 2, "Box": 2}
    assert len(queries.boxes_of_donation(again.donation.id)) == 2
    assert_ledger_agrees()


def test_a_refusal_by_the_ledger_leaves_no_donation_and_no_empty_boxes(
        volunteer_user, site, intake, sleeping_bag, monkeypatch):
    before = counts()

    def refuse(**kwargs):  # e.g. the item was retired between the checks and the post
        raise stock_errors.ItemInactive(item="Sleeping bag")

    monkeypatch.setattr(services, "post_document", refuse)
    with pytest.raises(stock_errors.ItemInactive):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 10, boxes=3)])

    assert counts() == before


@pytest.mark.parametrize("quantity, error", [
    (0, stock_errors.QuantityMustBePositive),
    ("-3", stock_errors.QuantityMustBePositive),
    ("2,5", stock_errors.QuantityMustBeWhole),
    ("1.000", stock_errors.QuantityMustBeWhole),
    ("ten", stock_errors.QuantityMustBeWhole),
    ("", errors.QuantityRequired),
    (10_000_000, stock_errors.QuantityTooLarge),
])
def test_a_quantity_that_is_not_a_plausible_whole_number_is_refused(
        volunteer_user, site, intake, sleeping_bag, quantity, error):
    before = counts()
    with pytest.raises(error) as refused:
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, quantity)])
    assert refused.value.line == 0 and refused.value.field == "quantity"
    assert counts() == before


def test_a_donation_with_no_lines_is_refused(volunteer_user, site, intake):
    before = counts()
    with pytest.raises(errors.NoDonationLines):
        receive(volunteer_user, site, intake, [])
    assert counts() == before


def test_an_unknown_or_retired_item_is_refused(volunteer_user, site, intake, sleeping_bag):
    retired = factories.create_item(name="Old stock", active=False)
    before = counts()
    with pytest.raises(stock_errors.UnknownItem):
        receive(volunteer_user, site, intake, [DonationLine(999_999, 1)])
    with pytest.raises(stock_errors.ItemInactive):
        receive(volunteer_user, site, intake, [DonationLine(retired.id, 1)])
    with pytest.raises(errors.ItemRequired):
        receive(volunteer_user, site, intake, [DonationLine("", 1)])
    assert counts() == before


def test_an_intake_location_of_another_site_is_refused(
        volunteer_user, site, other_site_intake, sleeping_bag):
    before = counts()
    with pytest.raises(errors.IntakeLocationOfAnotherSite) as refused:
        receive(volunteer_user, site, other_site_intake, [DonationLine(sleeping_bag.id, 5)])
    assert "Dunkirk Store" in refused.value.message and "Calais Warehouse" in refused.value.message
    assert counts() == before


def test_a_donation_received_in_the_future_is_refused_but_a_fast_clock_is_not(
        volunteer_user, site, intake, sleeping_bag):
    before = counts()
    with pytest.raises(errors.ReceivedInFuture):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)],
                received_at=utcnow() + timedelta(hours=2))
    with pytest.raises(errors.ReceivedAtMissing):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)],
                received_at=None)
    assert counts() == before

    receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)],
            received_at=utcnow() + timedelta(minutes=2))
    assert counts()["Donation"] == 1


def test_not_needed_asks_for_a_reason_and_no_boxes(volunteer_user, site, intake, sleeping_bag):
    before = counts()
    with pytest.raises(errors.ReasonRequired):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)],
                priority="not_needed", reason="  ")
    with pytest.raises(errors.NotNeededIsNotBoxed):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5, boxes=2)],
                priority="not_needed", reason="Passed on to another charity")
    with pytest.raises(errors.ReasonOnlyWhenNotNeeded):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)],
                priority="urgent", reason="Passed on")
    assert counts() == before


@pytest.mark.parametrize("overrides, error", [
    ({"donor_type": "alien"}, errors.UnknownDonorType),
    ({"priority": "whenever"}, errors.UnknownPriority),
    ({"condition": "broken"}, errors.UnknownCondition),
    ({"donor_name": "x" * 121}, errors.TextTooLong),
    ({"site_id": 999_999}, errors.UnknownSite),
    ({"intake_location_id": 999_999}, errors.UnknownLocation),
    ({"idempotency_key": "not-a-uuid"}, errors.IdempotencyKeyMissing),
])
def test_other_bad_values_are_refused(volunteer_user, site, intake, sleeping_bag,
                                      overrides, error):
    before = counts()
    with pytest.raises(error):
        receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)], **overrides)
    assert counts() == before


def test_boxes_must_be_a_whole_number_up_to_the_limit(volunteer_user, site, intake,
                                                      sleeping_bag):
    before = counts()
    for boxes in ("-1", "1.5", services.MAX_BOXES_PER_LINE + 1):
        with pytest.raises(errors.BoxCountOutOfRange):
            receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5, boxes)])
    with pytest.raises(errors.TooManyDonationLines):
        receive(volunteer_user, site, intake,
                [DonationLine(sleeping_bag.id, 1, services.MAX_BOXES_PER_LINE)] * 3)
    assert counts() == before


def test_every_problem_of_a_form_is_reported_at_once(volunteer_user, site, intake,
                                                     sleeping_bag, jacket):
    with pytest.raises(errors.UnknownDonorType) as refused:  # the first, carrying the rest
        receive(volunteer_user, site, intake,
                [DonationLine(sleeping_bag.id, "2,5"), DonationLine(jacket.id, 4),
                 DonationLine("", 3)],
                received_at=utcnow() + timedelta(days=1), donor_type="alien")
    problems = [(type(p), getattr(p, "line", None), p.field) for p in refused.value.problems]
    assert problems == [
        (errors.UnknownDonorType, None, "donor_type"),
        (errors.ReceivedInFuture, None, "received_at"),
        (stock_errors.QuantityMustBeWhole, 0, "quantity"),
        (errors.ItemRequired, 2, "item_id"),
    ]
    assert counts()["Donation"] == 0


def test_a_form_sent_twice_at_the_same_moment_records_once(
        app, volunteer_user, site, intake, sleeping_bag):
    form_key = key()
    ledger.system_location(LocationKind.DONOR)  # there since the first donation ever
    arguments = dict(actor=volunteer_user.id, site_id=site.id, received_at=utcnow(),
                     donor_type="individual", donor_name=None, origin=None,
                     priority="normal", condition="used", intake_location_id=intake.id,
                     lines=[DonationLine(sleeping_bag.id, 10, boxes=2)], note=None,
                     idempotency_key=form_key)
    results, failures = [], []
    start = threading.Barrier(2)

    def send():
        with app.app_context():
            start.wait()
            try:
                results.append(services.receive_donation(**arguments).donation.id)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    assert len(set(results)) == 1
    assert counts() == {"Donation": 1, "Document": 1, "Movement": 2, "Box": 2}
    assert_ledger_agrees()


# --- sorting ------------------------------------------------------------------------------

def sort(actor, source, item, per_box, boxes, **overrides):
    arguments = dict(actor=actor, source_location_id=source.id, item_id=item.id,
                     per_box=per_box, boxes=boxes, target_location_id=None,
                     condition="used", expires_on=None, idempotency_key=key())
    return services.sort_into_boxes(**(arguments | overrides))


@pytest.fixture
def loose_bags(volunteer_user, site, intake, sleeping_bag):
    """47 sleeping bags in the intake bay, loose, and 10 more there in a box."""
    receive(volunteer_user, site, intake,
            [DonationLine(sleeping_bag.id, 47), DonationLine(sleeping_bag.id, 10, boxes=1)])
    return sleeping_bag


def test_sorting_moves_loose_stock_into_new_boxes_on_a_shelf(
        volunteer_user, intake, shelf, loose_bags):
    made = sort(volunteer_user, intake, loose_bags, "20", "2", target_location_id=shelf.id,
                condition="new", expires_on=date.today() + timedelta(days=300))

    boxes = queries.boxes_by_id(made.box_ids)
    assert [(b.item, b.quantity, b.location, b.condition) for b in boxes] == [
        ("Sleeping bag", 20, "Shelf A1", "new")] * 2
    assert all(b.expires_on == date.today() + timedelta(days=300) for b in boxes)
    document = db.session.get(Document, made.document_id)
    assert (document.kind, document.reason) == (DocumentKind.MOVE, services.SORTING_REASON)
    assert level(intake, loose_bags) == 17 and level(shelf, loose_bags) == 40
    assert queries.loose_quantity(intake.id, loose_bags.id) == 7
    assert_ledger_agrees()


def test_sorted_boxes_can_stay_at_intake(volunteer_user, intake, loose_bags):
    made = sort(volunteer_user, intake, loose_bags, 5, 3)

    assert {b.location for b in queries.boxes_by_id(made.box_ids)} == {"Intake bay"}
    assert level(intake, loose_bags) == 57
    assert queries.loose_quantity(intake.id, loose_bags.id) == 32
    assert_ledger_agrees()


def test_sorting_more_than_the_loose_stock_is_refused_and_writes_nothing(
        volunteer_user, intake, shelf, loose_bags):
    before = counts()
    with pytest.raises(stock_errors.InsufficientStock) as refused:
        # 57 at intake, but 10 of them are in a box: only 47 are loose
        sort(volunteer_user, intake, loose_bags, 10, 5, target_location_id=shelf.id)
    assert refused.value.params["available"] == 47
    assert refused.value.params["requested"] == 50
    assert counts() == before


def test_the_ledger_refuses_what_the_check_let_through_and_no_empty_boxes_remain(
        volunteer_user, intake, shelf, loose_bags, monkeypatch):
    monkeypatch.setattr("warehouse.intake.queries.loose_quantity", lambda *a: 1_000)
    before = counts()
    with pytest.raises(stock_errors.InsufficientStock):
        sort(volunteer_user, intake, loose_bags, 10, 5, target_location_id=shelf.id)
    assert counts() == before


def test_sorting_refuses_bad_values(volunteer_user, intake, loose_bags, other_site_intake):
    before = counts()
    with pytest.raises(errors.TargetOfAnotherSite):
        sort(volunteer_user, intake, loose_bags, 5, 1, target_location_id=other_site_intake.id)
    for boxes in (0, "", 201, "x"):
        with pytest.raises(errors.BoxCountOutOfRange):
            sort(volunteer_user, intake, loose_bags, 5, boxes)
    with pytest.raises(stock_errors.QuantityMustBePositive):
        sort(volunteer_user, intake, loose_bags, 0, 1)
    with pytest.raises(errors.ExpiryInPast):
        sort(volunteer_user, intake, loose_bags, 5, 1,
             expires_on=date.today() - timedelta(days=3))
    with pytest.raises(errors.NotAWarehouseLocation):
        sort(volunteer_user, ledger.system_location(LocationKind.DONOR), loose_bags, 5, 1)
    assert counts() == before


def test_the_same_sorting_form_sent_twice_sorts_once(volunteer_user, intake, loose_bags):
    form_key = key()
    first = sort(volunteer_user, intake, loose_bags, 10, 2, idempotency_key=form_key)
    before = counts()

    again = sort(volunteer_user, intake, loose_bags, 10, 2, idempotency_key=form_key)

    assert again.replayed and again.box_ids == first.box_ids
    assert counts() == before
    assert_ledger_agrees()


# --- blank codes ----------------------------------------------------------------------------

def test_blank_codes_are_empty_boxes_with_consecutive_codes(volunteer_user):
    factories.create_box(code="B00041")  # a pre-printed box already in use
    made = services.create_blank_boxes(actor=volunteer_user, count="5", idempotency_key=key())

    boxes = db.session.scalars(select(Box).where(Box.id.in_(made.box_ids))
                               .order_by(Box.code)).all()
    assert [box.code for box in boxes] == ["B00042", "B00043", "B00044", "B00045", "B00046"]
    assert all((b.item_id, b.location_id, b.quantity) == (None, None, 0) for b in boxes)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == services.BLANK_CODES_ACTION))
    assert event.details["first"] == "B00042" and event.details["count"] == 5


@pytest.mark.parametrize("count", [0, -1, 501, 100_000, "", "ten", "2.5"])
def test_a_batch_of_blank_codes_must_be_from_1_to_500(volunteer_user, count):
    before = counts()
    with pytest.raises(errors.BlankCodeCountOutOfRange):
        services.create_blank_boxes(actor=volunteer_user, count=count, idempotency_key=key())
    assert counts() == before


def test_the_same_blank_codes_form_sent_twice_makes_one_batch(volunteer_user):
    form_key = key()
    first = services.create_blank_boxes(actor=volunteer_user, count=3,
                                        idempotency_key=form_key)
    again = services.create_blank_boxes(actor=volunteer_user, count=3,
                                        idempotency_key=form_key)
    other = services.create_blank_boxes(actor=volunteer_user, count=3, idempotency_key=key())

    assert again.replayed and again.box_ids == first.box_ids
    assert counts()["Box"] == 6 and not set(other.box_ids) & set(first.box_ids)


# --- the donation list --------------------------------------------------------------------

def test_the_donation_list_filters_by_date_item_category_donor_priority_and_site(
        volunteer_user, site, intake, other_site_intake, sleeping_bag, jacket, clothing):
    now = utcnow()
    bags = receive(volunteer_user, site, intake, [DonationLine(sleeping_bag.id, 5)],
                   received_at=now - timedelta(days=10), donor_type="company").donation
    jackets = receive(volunteer_user, site, intake,
                      [DonationLine(jacket.id, 3), DonationLine(sleeping_bag.id, 1)],
                      priority="urgent").donation
    dunkirk = receive(volunteer_user, other_site_intake.site, other_site_intake,
                      [DonationLine(jacket.id, 2)], donor_type="ngo").donation

    def ids(**filters):
        return [row.id for row in queries.donations(queries.DonationFilters(**filters)).rows]

    assert ids() == [dunkirk.id, jackets.id, bags.id]  # newest first
    assert ids(date_to=(now - timedelta(days=5)).date()) == [bags.id]
    assert ids(date_from=(now - timedelta(days=1)).date()) == [dunkirk.id, jackets.id]
    assert ids(item_id=sleeping_bag.id) == [jackets.id, bags.id]
    assert ids(category_id=clothing.id) == [dunkirk.id, jackets.id]
    assert ids(donor_type=DonorType.COMPANY) == [bags.id]
    assert ids(priority=Priority.URGENT) == [jackets.id]
    assert ids(site_id=site.id) == [jackets.id, bags.id]
    page = queries.donations(page=2, per_page=2)
    assert ([row.id for row in page.rows], page.total, page.pages) == ([bags.id], 3, 2)


def test_loose_stock_waiting_at_intake_leaves_out_what_is_boxed(
        volunteer_user, site, intake, loose_bags, jacket):
    receive(volunteer_user, site, intake, [DonationLine(jacket.id, 6, boxes=1)])
    rows = queries.loose_stock_at_intake()
    assert [(row.item, row.quantity, row.location) for row in rows] == [
        ("Sleeping bag", 47, "Intake bay")]


def test_a_retired_item_stays_in_the_filter_of_past_donations(sleeping_bag):
    db.session.execute(update(Item).where(Item.id == sleeping_bag.id).values(active=False))
    db.session.commit()
    assert not queries.item_groups()
    assert queries.item_groups(include_inactive=True)[0][1][0].label == "Sleeping bag"
