"""Request pages: the catalogue, writing and following a request, the managers' queue and
review with its fair split, and partners' notifications."""
import uuid

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import login
from tests.request_helpers import build_request_world, in_days, make_request
from warehouse.audit.models import AuditEvent
from warehouse.extensions import db
from warehouse.requests import services
from warehouse.requests.models import Notification, PickLine, RequestStatus, StockRequest
from warehouse.stock.models import Reservation


@pytest.fixture
def world(manager):
    return build_request_world(manager)


def count(model, *where) -> int:
    value = db.session.scalar(select(func.count()).select_from(model).where(*where))
    db.session.commit()
    return value


def form(world, *lines, action="submit", key=None, days=3, **extra):
    data = {"needed_by": in_days(days).isoformat(), "site": str(world.site.id),
            "distribution_site": str(world.place.id), "note": "",
            "client_key": key or uuid.uuid4().hex, "action": action,
            "line_count": str(max(len(lines), 1))}
    for n, (item, quantity) in enumerate(lines):
        data[f"item-{n}"] = str(item.id)
        data[f"quantity-{n}"] = str(quantity)
    return data | extra


def status_of(request_id):
    value = db.session.scalar(select(StockRequest.status).where(StockRequest.id == request_id))
    db.session.commit()
    return value


# --- the catalogue -------------------------------------------------------------------------

def test_the_catalogue_shows_what_is_available_now_at_each_site(
        client, world, coordinator_a, manager, partner_b):
    make_request(world, manager, [(world.blanket, 30)], organisation=partner_b)
    stock_request = db.session.scalars(select(StockRequest)).one()
    services.approve_request(stock_request.id, actor=manager, allocations={
        stock_request.lines[0].id: services.Allocation(30)})
    page = login(client, coordinator_a).get("/requests/catalogue").get_data(as_text=True)
    assert "Blanket" in page and "Tent (2 people)" in page
    assert "Old raincoat" not in page  # inactive items are hidden
    assert ">70<" in page  # 100 on the shelf, 30 reserved


def test_the_catalogue_is_searchable_and_filterable(client, world, coordinator_a):
    login(client, coordinator_a)
    page = client.get("/requests/catalogue?q=tent").get_data(as_text=True)
    assert "Tent (2 people)" in page and "Blanket" not in page
    page = client.get("/requests/catalogue?size=2+people").get_data(as_text=True)
    assert "Tent (2 people)" in page and "Blanket" not in page
    page = client.get(f"/requests/catalogue?category={world.blanket.category_id}"
                      ).get_data(as_text=True)
    assert "Blanket" in page and "Tent (2 people)" not in page
    page = client.get("/requests/catalogue?audience=women").get_data(as_text=True)
    assert "No item matches" in page


def test_volunteers_have_no_catalogue_of_requests(client, world, volunteer):
    assert login(client, volunteer).get("/requests/catalogue").status_code == 403


# --- writing a request ---------------------------------------------------------------------

def test_a_coordinator_submits_a_request_and_sees_its_page(client, world, coordinator_a):
    login(client, coordinator_a)
    response = client.post("/requests/new", data=form(world, (world.blanket, 20),
                                                      (world.tent, "3")))
    assert response.status_code == 302
    stock_request = db.session.scalars(select(StockRequest)).one()
    assert stock_request.status == RequestStatus.SUBMITTED
    page = client.get(response.location).get_data(as_text=True)
    assert "is sent to the warehouse" in page
    assert "Blanket" in page and "Requested" in page and "Picked" in page


def test_a_double_submitted_new_request_form_makes_one_request(client, world, coordinator_a):
    login(client, coordinator_a)
    data = form(world, (world.blanket, 20), key="one-time-key")
    first = client.post("/requests/new", data=data)
    second = client.post("/requests/new", data=data)
    assert first.location == second.location
    assert count(StockRequest) == 1


def test_a_draft_is_saved_and_submitted_later(client, world, coordinator_a):
    login(client, coordinator_a)
    response = client.post("/requests/new", data=form(world, (world.blanket, 5),
                                                      action="draft"))
    request_id = int(response.location.rsplit("/", 1)[1])
    assert status_of(request_id) == RequestStatus.DRAFT
    client.post(f"/requests/{request_id}/submit")
    client.post(f"/requests/{request_id}/submit")  # a double click
    assert status_of(request_id) == RequestStatus.SUBMITTED
    assert count(AuditEvent, AuditEvent.action == "request.submit") == 1


@pytest.mark.parametrize("change, message", [
    ({"needed_by": "2020-01-01"}, "is in the past"),
    ({"needed_by": "31/02/2027"}, "Enter the date needed by as a date"),
    ({"quantity-0": "0"}, "must be more than zero"),
    ({"quantity-0": "-4"}, "must be more than zero"),
    ({"quantity-0": "2,5"}, "is not a whole number"),
    ({"quantity-0": "99999999"}, "is more than one line can hold"),
    ({"item-0": "", "quantity-0": ""}, "Add at least one item"),
    ({"quantity-0": ""}, "Enter how many"),
    ({"item-0": ""}, "Choose an item from the catalogue"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
        client, world, coordinator_a, change, message):
    login(client, coordinator_a)
    response = client.post("/requests/new", data=form(world, (world.blanket, 5)) | change)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(StockRequest) == 0


def test_every_problem_of_a_request_is_shown_at_once(client, world, coordinator_a):
    login(client, coordinator_a)
    data = form(world, (world.blanket, "2,5"), (world.tent, "0"), needed_by="2020-01-01",
                distribution_site="")
    page = client.post("/requests/new", data=data).get_data(as_text=True)
    for message in ("is in the past", "Choose where you will distribute",
                    "is not a whole number", "must be more than zero"):
        assert message in page
    assert count(StockRequest) == 0


def test_an_inactive_item_or_distribution_site_is_refused(client, world, coordinator_a):
    login(client, coordinator_a)
    response = client.post("/requests/new", data=form(world, (world.retired, 5)))
    assert "no longer available to request" in response.get_data(as_text=True)
    response = client.post("/requests/new", data=form(
        world, (world.blanket, 5), distribution_site=str(world.closed_place.id)))
    assert "no longer in use" in response.get_data(as_text=True)
    assert count(StockRequest) == 0


def test_a_submitted_request_can_be_changed_and_cancelled(client, world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5)])
    login(client, coordinator_a)
    assert client.get(f"/requests/{stock_request.id}/edit").status_code == 200
    response = client.post(f"/requests/{stock_request.id}/edit",
                           data=form(world, (world.tent, 2), action="save"))
    assert response.status_code == 302
    client.post(f"/requests/{stock_request.id}/cancel")
    client.post(f"/requests/{stock_request.id}/cancel")
    assert status_of(stock_request.id) == RequestStatus.CANCELLED


def test_an_approved_request_cannot_be_edited(client, world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5)])
    services.approve_request(stock_request.id, actor=manager, allocations={
        stock_request.lines[0].id: services.Allocation(5)})
    login(client, coordinator_a)
    response = client.post(f"/requests/{stock_request.id}/edit",
                           data=form(world, (world.tent, 2), action="save"),
                           follow_redirects=True)
    assert "can no longer be changed" in response.get_data(as_text=True)
    response = client.post(f"/requests/{stock_request.id}/cancel", follow_redirects=True)
    assert "only a draft or a submitted request" in response.get_data(as_text=True)
    assert status_of(stock_request.id) == RequestStatus.APPROVED


def test_another_partners_coordinator_can_neither_see_nor_change_a_request(
        client, world, coordinator_a, coordinator_b):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5)])
    login(client, coordinator_b)
    for url in (f"/requests/{stock_request.id}", f"/requests/{stock_request.id}/edit"):
        assert client.get(url).status_code == 404
    for url in (f"/requests/{stock_request.id}/cancel", f"/requests/{stock_request.id}/edit"):
        assert client.post(url, data=form(world, (world.tent, 1))).status_code == 404
    assert status_of(stock_request.id) == RequestStatus.SUBMITTED
    assert "Request " + str(stock_request.id) not in client.get("/requests/").get_data(
        as_text=True)


def test_the_list_and_its_csv_show_only_the_organisations_requests(
        client, world, coordinator_a, coordinator_b):
    mine = make_request(world, coordinator_a, [(world.blanket, 5)])
    theirs = make_request(world, coordinator_b, [(world.tent, 1)])
    login(client, coordinator_a)
    assert f"Request {mine.id}" in client.get("/requests/").get_data(as_text=True)
    csv_text = client.get("/requests/export.csv").get_data(as_text=True)
    rows = csv_text.strip().splitlines()
    assert rows[0] == "\ufeffRequest,Organisation,Status,Needed by,Site,Distribution site," \
        "Item code,Item,Requested,Allocated,Dispatched,Note on the allocation"
    assert len(rows) == 2 and rows[1].startswith(f"{mine.id},Partner A,submitted")
    assert f"{theirs.id},Partner B" not in csv_text


def test_the_request_page_shows_picked_quantities_waiting_for_dispatch(
        client, world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5)])
    line_id = stock_request.lines[0].id
    services.approve_request(stock_request.id, actor=manager,
                             allocations={line_id: services.Allocation(5)})
    factories._save(PickLine(request_line_id=line_id, from_location_id=world.shelf.id,
                             quantity=4, picked_by_id=manager.id))
    page = login(client, coordinator_a).get(f"/requests/{stock_request.id}").get_data(
        as_text=True)
    assert "<dt>Picked</dt><dd>4</dd>" in page
    assert "<dt>Allocated</dt><dd>5</dd>" in page


# --- managers ------------------------------------------------------------------------------

def test_the_queue_shows_the_most_urgent_first(client, world, coordinator_a, coordinator_b,
                                               manager):
    later = make_request(world, coordinator_a, [(world.blanket, 5)], days=9)
    sooner = make_request(world, coordinator_b, [(world.blanket, 5)], days=1)
    make_request(world, coordinator_b, [(world.blanket, 5)], submit=False)  # a draft
    page = login(client, manager).get("/requests/queue").get_data(as_text=True)
    assert page.index(f"Request {sooner.id}") < page.index(f"Request {later.id}")
    assert page.count("Review</a>") == 2


def test_coordinators_have_no_queue_and_no_review(client, world, coordinator_a):
    stock_request = make_request(world, coordinator_a, [(world.blanket, 5)])
    login(client, coordinator_a)
    assert client.get("/requests/queue").status_code == 403
    assert client.post(f"/requests/{stock_request.id}/review",
                       data={"action": "approve"}).status_code == 403


def test_the_review_proposes_and_explains_a_fair_split_when_stock_is_short(
        client, world, coordinator_a, coordinator_b, manager):
    first = make_request(world, coordinator_a, [(world.tent, 10)])
    make_request(world, coordinator_b, [(world.tent, 5)])
    page = login(client, manager).get(f"/requests/{first.id}/review").get_data(as_text=True)
    assert "the open requests ask for 15 together and 10 are available" in page
    assert "in proportion to what each partner asked for" in page
    assert f'name="allocation-{first.lines[0].id}" value="7"' in page


def test_approving_with_a_changed_proposal_reserves_it_once(
        client, world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.tent, 10), (world.blanket, 4)])
    tent_line, blanket_line = (line.id for line in stock_request.lines)
    data = {"action": "approve", f"allocation-{tent_line}": "6",
            f"note-{tent_line}": "Six left in good state", f"allocation-{blanket_line}": "4"}
    login(client, manager)
    assert client.post(f"/requests/{stock_request.id}/review", data=data).status_code == 302
    assert client.post(f"/requests/{stock_request.id}/review", data=data).status_code == 302
    assert count(Reservation) == 2
    assert db.session.scalar(select(func.sum(Reservation.quantity))) == 10
    assert count(Notification) == 1
    db.session.commit()
    page = client.get(f"/requests/{stock_request.id}").get_data(as_text=True)
    assert "Six left in good state" in page


@pytest.mark.parametrize("typed, message", [
    ("11", "is more than was requested"),
    ("2,5", "must be a whole number"),
])
def test_a_refused_allocation_shows_next_to_its_line_and_writes_nothing(
        client, world, coordinator_a, manager, typed, message):
    stock_request = make_request(world, coordinator_a, [(world.tent, 10)])
    line_id = stock_request.lines[0].id
    response = login(client, manager).post(
        f"/requests/{stock_request.id}/review",
        data={"action": "approve", f"allocation-{line_id}": typed})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert status_of(stock_request.id) == RequestStatus.SUBMITTED
    assert count(Reservation) == 0


def test_allocating_more_than_is_available_is_a_form_error(
        client, world, coordinator_a, coordinator_b, manager):
    first = make_request(world, coordinator_a, [(world.tent, 8)])
    second = make_request(world, coordinator_b, [(world.tent, 8)])
    login(client, manager)
    client.post(f"/requests/{first.id}/review",
                data={"action": "approve", f"allocation-{first.lines[0].id}": "8"})
    response = client.post(f"/requests/{second.id}/review",
                           data={"action": "approve", f"allocation-{second.lines[0].id}": "8"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was approved" in page and "2" in page
    assert status_of(second.id) == RequestStatus.SUBMITTED
    assert count(Reservation) == 1


def test_declining_needs_a_reason_which_the_partner_then_reads(
        client, world, coordinator_a, manager):
    stock_request = make_request(world, coordinator_a, [(world.tent, 8)])
    login(client, manager)
    response = client.post(f"/requests/{stock_request.id}/decline", data={"reason": ""})
    assert response.status_code == 422 and "Say why" in response.get_data(as_text=True)
    client.post(f"/requests/{stock_request.id}/decline", data={"reason": "Tents went to "
                                                                         "the eviction"})
    assert status_of(stock_request.id) == RequestStatus.DECLINED
    login(client, coordinator_a)
    page = client.get("/notifications").get_data(as_text=True)
    assert f"Request {stock_request.id} was declined: Tents went to the eviction" in page


# --- notifications -------------------------------------------------------------------------

def test_the_menu_counts_unread_notifications_until_they_are_read(
        client, world, coordinator_a, partner_a, partner_b):
    services.notify(partner_a.id, services.DECLINED_MESSAGE, {"number": 1, "reason": "x"},
                    "/requests/1")
    services.notify(partner_b.id, services.DECLINED_MESSAGE, {"number": 2, "reason": "y"})
    login(client, coordinator_a)
    page = client.get("/notifications").get_data(as_text=True)
    assert 'class="menu-count"' in page and "Request 1 was declined" in page
    assert "Request 2 was declined" not in page  # another partner's
    client.post("/notifications/read")
    page = client.get("/notifications").get_data(as_text=True)
    assert 'class="menu-count"' not in page
    assert count(Notification, Notification.read_at.is_(None)) == 1  # partner B's


def test_managers_have_no_notifications_page(client, manager):
    assert login(client, manager).get("/notifications").status_code == 403
