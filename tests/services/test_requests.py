"""Partner request services: writing, submitting and cancelling a request, approving it
with an allocation that reserves stock, declining it, and notifying the partner.

Every refusal is checked for its error and for having written nothing.
"""
import pytest
from sqlalchemy import func, select

from tests import factories
from tests.request_helpers import build_request_world, in_days, make_request
from tests.services.test_ledger_concurrency import run_together
from warehouse.core.transactions import write_transaction
from warehouse.extensions import db
from warehouse.models import Role
from warehouse.requests import errors, queries, services
from warehouse.requests.models import Notification, RequestStatus, StockRequest
from warehouse.requests.services import Allocation, RequestLine
from warehouse.stock import errors as stock_errors
from warehouse.stock import services as ledger
from warehouse.stock.models import Reservation


@pytest.fixture
def world(manager):
    return build_request_world(manager)


def count(model) -> int:
    value = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()
    return value


def available(world, item) -> int:
    with write_transaction() as conn:
        return ledger.available(conn, site_id=world.site.id, item_id=item.id)


def allocations(stock_request, *quantities):
    return {line.id: Allocation(quantity)
            for line, quantity in zip(stock_request.lines, quantities, strict=True)}


# --- writing a request ---------------------------------------------------------------------

def test_a_coordinator_makes_a_draft_for_their_own_organisation(world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 20)], submit=False)
    assert stock_request.status == RequestStatus.DRAFT
    assert stock_request.organisation_id == coordinator_a.organisation_id
    assert [(line.item_id, line.requested) for line in stock_request.lines] == [
        (world.blanket.id, 20)]


def test_the_same_item_twice_is_one_line_asking_for_both(world, coordinator_a):
    stock_request = make_request(world, coordinator_a,
                                 [(world.blanket, 20), (world.blanket, 5)])
    assert [line.requested for line in stock_request.lines] == [25]


def test_a_double_submitted_new_request_is_made_once(world, coordinator_a):
    first = make_request(world, coordinator_a, [(world.blanket, 20)], key="same-key")
    second = make_request(world, coordinator_a, [(world.blanket, 20)], key="same-key")
    assert first.id == second.id
    assert count(StockRequest) == 1


def test_a_manager_may_request_on_behalf_of_a_partner(world, manager, partner_a):
    stock_request = make_request(world, manager, [(world.tent, 2)], organisation=partner_a)
    assert stock_request.organisation_id == partner_a.id


def test_a_manager_must_say_which_partner_a_request_is_for(world, manager):
    with pytest.raises(errors.UnknownOrganisation):
        make_request(world, manager, [(world.tent, 2)])
    assert count(StockRequest) == 0


def test_a_coordinator_cannot_request_for_another_organisation(
        world, coordinator_a, partner_b):
    with pytest.raises(errors.NotYourOrganisation):
        make_request(world, coordinator_a, [(world.tent, 2)], organisation=partner_b)
    assert count(StockRequest) == 0


def test_a_volunteer_cannot_make_a_request(world, volunteer, partner_a):
    with pytest.raises(errors.NotYourOrganisation):
        make_request(world, volunteer, [(world.tent, 2)], organisation=partner_a)


@pytest.mark.parametrize("quantity, error", [
    (0, stock_errors.QuantityMustBePositive),
    (-3, stock_errors.QuantityMustBePositive),
    ("2,5", stock_errors.QuantityMustBeWhole),
    ("abc", stock_errors.QuantityMustBeWhole),
    ("1e9", stock_errors.QuantityTooLarge),
])
def test_a_quantity_must_be_whole_positive_and_plausible(world, coordinator_a, quantity,
                                                         error):
    with pytest.raises(error) as raised:
        make_request(world, coordinator_a, [(world.blanket, quantity)])
    assert raised.value.line == 0
    assert count(StockRequest) == 0


def test_needed_by_cannot_be_in_the_past(world, coordinator_a):
    with pytest.raises(errors.NeededByInThePast):
        make_request(world, coordinator_a, [(world.blanket, 1)], days=-1)
    assert count(StockRequest) == 0


def test_today_is_a_valid_needed_by_day(world, coordinator_a):
    assert make_request(world, coordinator_a, [(world.blanket, 1)], days=0).id


def test_a_request_needs_at_least_one_line(world, coordinator_a):
    with pytest.raises(errors.RequestHasNoLines):
        make_request(world, coordinator_a, [])


def test_an_inactive_item_cannot_be_requested(world, coordinator_a):
    with pytest.raises(errors.RequestItemInactive) as raised:
        make_request(world, coordinator_a, [(world.blanket, 1), (world.retired, 1)])
    assert raised.value.line == 1
    assert count(StockRequest) == 0


def test_an_inactive_distribution_site_is_refused(world, coordinator_a):
    with pytest.raises(errors.DistributionSiteInactive):
        services.create_request(
            actor=coordinator_a, organisation_id=None, site_id=world.site.id,
            distribution_site_id=world.closed_place.id, needed_by=in_days(2),
            lines=[RequestLine(world.blanket.id, 1)])
    assert count(StockRequest) == 0


def test_a_draft_or_submitted_request_can_be_changed(world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 20)])
    services.update_request(stock_request.id, actor=coordinator_a, site_id=world.site.id,
                            distribution_site_id=world.place.id, needed_by=in_days(5),
                            lines=[RequestLine(world.tent.id, "4")], note="Eviction")
    db.session.refresh(stock_request)
    assert [(line.item_id, line.requested) for line in stock_request.lines] == [
        (world.tent.id, 4)]
    assert stock_request.note == "Eviction"


def test_an_approved_request_cannot_be_changed_or_cancelled(world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 20)])
    services.approve_request(stock_request.id, actor=manager,
                             allocations=allocations(stock_request, 20))
    with pytest.raises(errors.RequestNotEditable):
        services.update_request(stock_request.id, actor=coordinator_a,
                                site_id=world.site.id, distribution_site_id=world.place.id,
                                needed_by=in_days(5), lines=[RequestLine(world.tent.id, 1)])
    with pytest.raises(errors.RequestNotEditable):
        services.cancel_request(stock_request.id, actor=coordinator_a)
    db.session.rollback()
    assert db.session.get(StockRequest, stock_request.id).lines[0].requested == 20


def test_another_partners_coordinator_cannot_change_or_cancel_a_request(
        world, coordinator_a, coordinator_b):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 20)])
    with pytest.raises(errors.NotYourOrganisation):
        services.cancel_request(stock_request.id, actor=coordinator_b)
    with pytest.raises(errors.NotYourOrganisation):
        services.update_request(stock_request.id, actor=coordinator_b,
                                site_id=world.site.id, distribution_site_id=world.place.id,
                                needed_by=in_days(5), lines=[RequestLine(world.tent.id, 1)])
    db.session.rollback()
    assert db.session.get(StockRequest, stock_request.id).status == RequestStatus.SUBMITTED


def test_submitting_or_cancelling_twice_is_harmless(world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 20)], submit=False)
    services.submit_request(stock_request.id, actor=coordinator_a)
    submitted_at = db.session.get(StockRequest, stock_request.id).submitted_at
    services.submit_request(stock_request.id, actor=coordinator_a)
    assert db.session.get(StockRequest, stock_request.id).submitted_at == submitted_at
    services.cancel_request(stock_request.id, actor=coordinator_a)
    services.cancel_request(stock_request.id, actor=coordinator_a)
    assert db.session.get(StockRequest, stock_request.id).status == RequestStatus.CANCELLED


# --- approving and declining ---------------------------------------------------------------

def test_approving_reserves_the_allocation_so_less_is_available(world, coordinator_a,
                                                                manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 30), (world.tent, 5)])
    services.approve_request(stock_request.id, actor=manager,
                             allocations=allocations(stock_request, 30, 2))
    db.session.expire_all()
    approved = db.session.get(StockRequest, stock_request.id)
    assert approved.status == RequestStatus.APPROVED
    assert [line.allocated for line in approved.lines] == [30, 2]
    assert available(world, world.blanket) == 70
    assert available(world, world.tent) == 8
    rows, _ = queries.catalogue()
    by_item = {row.item.id: row.total_available for row in rows}
    assert by_item[world.blanket.id] == 70


def test_allocating_none_of_a_line_reserves_nothing_for_it(world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.tent, 5)])
    stock_request.lines[0]  # loaded before the approval
    services.approve_request(stock_request.id, actor=manager, allocations={
        stock_request.lines[0].id: Allocation("0", "None left in size 2")})
    db.session.expire_all()
    line = db.session.get(StockRequest, stock_request.id).lines[0]
    assert (line.allocated, line.allocation_note) == (0, "None left in size 2")
    assert count(Reservation) == 0


def test_allocating_more_than_requested_is_refused_and_writes_nothing(
        world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 10)])
    with pytest.raises(errors.AllocationExceedsRequest) as raised:
        services.approve_request(stock_request.id, actor=manager,
                                 allocations=allocations(stock_request, 11))
    assert raised.value.line == stock_request.lines[0].id
    db.session.rollback()
    assert db.session.get(StockRequest, stock_request.id).status == RequestStatus.SUBMITTED
    assert count(Reservation) == 0


def test_allocating_more_than_is_available_is_refused_and_writes_nothing(
        world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5), (world.tent, 11)])
    line_ids = [line.id for line in stock_request.lines]
    with pytest.raises(stock_errors.NotEnoughAvailable) as raised:
        services.approve_request(stock_request.id, actor=manager,
                                 allocations=allocations(stock_request, 5, 11))
    assert raised.value.line == line_ids[1]
    db.session.rollback()
    stock_request = db.session.get(StockRequest, stock_request.id)
    assert stock_request.status == RequestStatus.SUBMITTED
    assert [line.allocated for line in stock_request.lines] == [0, 0]
    assert count(Reservation) == 0
    assert count(Notification) == 0


def test_a_fractional_allocation_is_refused(world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5)])
    with pytest.raises(errors.AllocationNotWhole):
        services.approve_request(stock_request.id, actor=manager,
                                 allocations=allocations(stock_request, "2,5"))


def test_approving_twice_reserves_once(world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 30)])
    for _ in range(2):
        services.approve_request(stock_request.id, actor=manager,
                                 allocations=allocations(stock_request, 30))
    assert available(world, world.blanket) == 70
    assert count(Reservation) == 1
    assert count(Notification) == 1


def test_a_coordinator_cannot_approve(world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 30)])
    with pytest.raises(errors.NotYourOrganisation):
        services.approve_request(stock_request.id, actor=coordinator_a,
                                 allocations=allocations(stock_request, 30))


def test_a_draft_cannot_be_approved(world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 30)], submit=False)
    with pytest.raises(errors.RequestNotSubmitted):
        services.approve_request(stock_request.id, actor=manager,
                                 allocations=allocations(stock_request, 30))


def test_declining_needs_a_reason_and_tells_the_partner(world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 30)])
    with pytest.raises(errors.DeclineNeedsReason):
        services.decline_request(stock_request.id, actor=manager, reason="  ")
    db.session.rollback()
    services.decline_request(stock_request.id, actor=manager, reason="Duplicate of 12")
    services.decline_request(stock_request.id, actor=manager, reason="Duplicate of 12")
    db.session.expire_all()
    stock_request = db.session.get(StockRequest, stock_request.id)
    assert stock_request.status == RequestStatus.DECLINED
    assert stock_request.decision_note == "Duplicate of 12"
    notifications = db.session.scalars(select(Notification)).all()
    assert len(notifications) == 1
    assert "Duplicate of 12" in services.notification_text(notifications[0])


# --- notifications -------------------------------------------------------------------------

def test_approval_mails_each_active_coordinator_in_their_language(
        app, world, coordinator_a, manager, partner_a):
    factories.create_user(role=Role.COORDINATOR, organisation=partner_a, locale="fr",
                          name="Fanny")
    factories.create_user(role=Role.COORDINATOR, organisation=partner_a, active=False)
    app.extensions["mail_outbox"] = []
    stock_request = make_request(world, coordinator_a, [(world.blanket, 30)])
    services.approve_request(stock_request.id, actor=manager,
                             allocations=allocations(stock_request, 20))
    mails = app.extensions["mail_outbox"]
    assert len(mails) == 2
    english = next(mail for mail in mails if mail["to"] == coordinator_a.email)
    assert f"Request {stock_request.id} is approved: 20 of 30" in english["body"]
    assert {mail["locale"] for mail in mails} == {"en", "fr"}


def test_notify_writes_a_notification_for_the_organisation(world, partner_a, coordinator_a):
    notification = services.notify(partner_a.id, services.DECLINED_MESSAGE,
                                   {"number": 7, "reason": "no stock"}, "/requests/7")
    assert notification.organisation_id == partner_a.id
    assert queries.unread_count(coordinator_a) == 1
    assert services.mark_read(actor=coordinator_a) == 1
    assert queries.unread_count(coordinator_a) == 0


def test_a_coordinator_marks_only_their_organisations_notifications_read(
        world, partner_a, partner_b, coordinator_a, coordinator_b):
    other = services.notify(partner_b.id, services.DECLINED_MESSAGE,
                            {"number": 8, "reason": "x"})
    assert services.mark_read(actor=coordinator_a, notification_ids=[other.id]) == 0
    assert queries.unread_count(coordinator_b) == 1


# --- the fair split offered to a manager ---------------------------------------------------

def test_the_review_proposes_a_fair_split_when_open_requests_exceed_availability(
        world, coordinator_a, coordinator_b):
    first = make_request(world, coordinator_a, [(world.tent, 10)])
    second = make_request(world, coordinator_b, [(world.tent, 5)])
    # 10 tents, 15 asked: 10 × 10/15 = 6.67 and 10 × 5/15 = 3.33 → 7 and 3.
    [proposal] = queries.proposals(first)
    assert proposal.short and (proposal.available, proposal.demand) == (10, 15)
    assert proposal.proposed == 7
    assert queries.proposals(second)[0].proposed == 3
    assert {c.request_id: c.share for c in proposal.competitors} == {first.id: 7,
                                                                     second.id: 3}


def test_the_review_proposes_what_was_asked_when_there_is_enough(world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 10)])
    [proposal] = queries.proposals(stock_request)
    assert not proposal.short and proposal.proposed == 10


def test_the_fair_split_minimum_is_configurable(app, world, coordinator_a, coordinator_b,
                                                 partner_a):
    big = make_request(world, coordinator_a, [(world.tent, 30)])
    small = make_request(world, coordinator_b, [(world.tent, 3)])
    app.config["FAIR_SPLIT_MINIMUM"] = 2
    try:
        assert queries.proposals(small)[0].proposed == 2
        assert queries.proposals(big)[0].proposed == 8
    finally:
        app.config.pop("FAIR_SPLIT_MINIMUM")


# --- concurrency ---------------------------------------------------------------------------

@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_two_managers_allocating_the_same_short_stock_never_over_reserve(
        app, world, coordinator_a, coordinator_b, manager, admin):
    first = make_request(world, coordinator_a, [(world.tent, 8)])
    second = make_request(world, coordinator_b, [(world.tent, 8)])
    plans = [(first.id, first.lines[0].id, manager.id), (second.id, second.lines[0].id,
                                                         admin.id)]

    def approve(n):
        request_id, line_id, actor_id = plans[n % 2]
        from warehouse.accounts.models import User
        actor = db.session.get(User, actor_id)
        return services.approve_request(request_id, actor=actor,
                                        allocations={line_id: Allocation(8)})

    results = run_together(app, 8, approve)
    refused = [r for r in results if isinstance(r, stock_errors.NotEnoughAvailable)]
    assert all(isinstance(r, (StockRequest, stock_errors.NotEnoughAvailable))
               for r in results), results
    assert refused, "16 tents were asked for and 10 held, so one approval must fail"
    reserved = db.session.scalar(select(func.sum(Reservation.quantity)).where(
        Reservation.released_at.is_(None)))
    db.session.commit()
    assert reserved == 8
    assert available(world, world.tent) == 2
    statuses = sorted(r.status for r in db.session.scalars(select(StockRequest)))
    assert statuses == [RequestStatus.APPROVED, RequestStatus.SUBMITTED]
