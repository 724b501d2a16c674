"""Counting a location with the scanner, and a manager approving what it found."""
from sqlalchemy import select

from tests import factories
from tests.scanner.conftest import box_with
from warehouse.extensions import db
from warehouse.models import Box, CountSession, Document, DocumentKind, Role
from warehouse.stock import services as ledger
from warehouse.stock.models import LocationKind


def _box(box_id):
    db.session.expire_all()
    return db.session.get(Box, box_id)


def _start(client, location):
    response = client.post("/counts", {"location_code": location.code})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _finish(client, count_id):
    response = client.post(f"/counts/{count_id}/finish")
    assert response.status_code == 200, response.json
    return response.json["differences"]


def _kinds(differences):
    return sorted((d["kind"], d["box"], d["expected"], d["counted"]) for d in differences)


def test_a_count_where_everything_matches_is_approved_at_once(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    assert client.post(f"/counts/{count_id}/lines", {"box_code": box.code}).status_code == 201
    assert _finish(client, count_id) == []
    assert db.session.get(CountSession, count_id).status.value == "approved"


def test_a_box_not_scanned_is_missing_and_approval_takes_it_out_of_stock(api, floor):
    seen = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    lost = box_with(floor.blankets, floor.shelf, 6, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"box_code": seen.code})
    differences = _finish(client, count_id)
    assert _kinds(differences) == [("missing_box", lost.code, 6, 0)]
    assert differences[0]["reasons"] == ["lost", "damaged", "miscounted"]

    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "lost"}]})

    assert response.status_code == 201, response.json
    [document_id] = response.json["document_ids"]
    document = db.session.get(Document, document_id)
    assert (document.kind, document.reason) == (DocumentKind.ADJUSTMENT, "lost")
    assert _box(lost.id).quantity == 0
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 10}
    assert db.session.get(CountSession, count_id).status.value == "approved"


def test_a_box_found_that_the_ledger_puts_elsewhere_is_moved_here(api, floor):
    stray = box_with(floor.boots, floor.other_shelf, 4, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    scanned = client.post(f"/counts/{count_id}/lines", {"box_code": stray.code})
    assert scanned.json["elsewhere"] == "B-02-1"
    differences = _finish(client, count_id)
    assert _kinds(differences) == [("found_box", stray.code, 4, 4)]
    assert differences[0]["location"] == "B-02-1"

    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "found"}]})

    assert response.status_code == 201, response.json
    assert db.session.get(Document, response.json["document_ids"][0]).kind == DocumentKind.MOVE
    assert _box(stray.id).location_id == floor.shelf.id
    assert factories.stock_levels() == {(floor.shelf.id, floor.boots.id): 4}


def test_a_box_holding_less_than_its_label_is_adjusted_down(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"box_code": box.code, "quantity": 7})
    differences = _finish(client, count_id)
    assert _kinds(differences) == [("quantity", box.code, 10, 7)]
    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "damaged"}]})
    assert response.status_code == 201, response.json
    assert _box(box.id).quantity == 7
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 7}


def test_a_found_box_holding_more_is_moved_then_adjusted_up(api, floor):
    stray = box_with(floor.boots, floor.other_shelf, 4, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"box_code": stray.code, "quantity": "6"})
    differences = _finish(client, count_id)
    assert _kinds(differences) == [("found_box", stray.code, 4, 4),
                                   ("quantity", stray.code, 4, 6)]
    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": d["id"], "reason": "found"} for d in differences]})
    assert response.status_code == 201, response.json
    assert (_box(stray.id).location_id, _box(stray.id).quantity) == (floor.shelf.id, 6)
    assert factories.stock_levels() == {(floor.shelf.id, floor.boots.id): 6}


def test_loose_stock_counted_differently_is_adjusted_to_the_count(api, floor):
    factories.receive(floor.blankets, floor.shelf, 12, actor=floor.manager)
    box_with(floor.blankets, floor.shelf, 10, actor=floor.manager, code="B00900")
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"box_code": "B00900"})
    line = client.post(f"/counts/{count_id}/lines",
                       {"item_id": floor.blankets.id, "quantity": 15})
    assert line.status_code == 201 and line.json["message"] == "Loose Blanket counted: 15."
    differences = _finish(client, count_id)
    assert _kinds(differences) == [("quantity", None, 12, 15)]
    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "found"}]})
    assert response.status_code == 201
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 25}


def test_counted_at_zero_takes_the_loose_stock_out(api, floor):
    factories.receive(floor.blankets, floor.shelf, 5, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    assert client.post(f"/counts/{count_id}/lines",
                       {"item_id": floor.blankets.id, "quantity": 0}).status_code == 201
    differences = _finish(client, count_id)
    assert _kinds(differences) == [("quantity", None, 5, 0)]
    api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "lost"}]})
    assert factories.stock_levels() == {}


def test_a_partial_count_leaves_items_nobody_counted_alone(api, floor):
    factories.receive(floor.blankets, floor.shelf, 5, actor=floor.manager)
    factories.receive(floor.boots, floor.shelf, 8, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"item_id": floor.blankets.id, "quantity": 5})
    assert _finish(client, count_id) == []
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 5,
                                        (floor.shelf.id, floor.boots.id): 8}


def test_counting_again_replaces_the_first_count(api, floor):
    factories.receive(floor.blankets, floor.shelf, 5, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"item_id": floor.blankets.id, "quantity": 9})
    client.post(f"/counts/{count_id}/lines", {"item_id": floor.blankets.id, "quantity": 5})
    shown = client.get(f"/counts/{count_id}").json
    assert [line["quantity"] for line in shown["lines"]] == [5]
    assert _finish(client, count_id) == []


def test_a_count_in_letters_gets_a_clear_message_and_records_nothing(api, floor):
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    response = client.post(f"/counts/{count_id}/lines",
                           {"item_id": floor.blankets.id, "quantity": "douze"})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/count-quantity-not-a-number"
    assert "douze" in response.json["detail"]
    assert client.get(f"/counts/{count_id}").json["lines"] == []


def test_a_loose_count_without_a_quantity_asks_for_one(api, floor):
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    response = client.post(f"/counts/{count_id}/lines", {"item_id": floor.blankets.id})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/count-quantity-needed"


def test_an_empty_count_line_says_what_to_send(api, floor):
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    response = client.post(f"/counts/{count_id}/lines", {})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/count-line-needs-something"


def test_a_blank_box_cannot_be_counted(api, floor):
    blank = factories.create_box()
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    response = client.post(f"/counts/{count_id}/lines", {"box_code": blank.code})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/count-box-is-blank"


def test_nothing_can_be_counted_after_the_count_finished(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    _finish(client, count_id)
    response = client.post(f"/counts/{count_id}/lines", {"box_code": box.code})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/count-not-open"


def test_two_volunteers_counting_one_shelf_count_into_one_count(api, floor):
    first = _start(api(floor.volunteer), floor.shelf)
    colleague = factories.create_user(role=Role.VOLUNTEER)
    response = api(colleague).post("/counts", {"location_code": floor.shelf.code})
    assert response.json["id"] == first and response.json["resumed"]


def test_a_partner_location_cannot_be_counted(api, floor):
    partner = factories.create_organisation()
    custody = ledger.custody_location(partner)
    response = api(floor.volunteer).post("/counts", {"location_code": custody.code})
    assert response.status_code == 404  # only warehouse locations are scanned


def test_a_volunteer_cannot_approve_a_count(api, floor):
    box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    differences = _finish(client, count_id)
    before = factories.ledger_snapshot()
    response = client.post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "lost"}]})
    assert response.status_code == 403
    assert factories.ledger_snapshot() == before


def test_approval_needs_a_reason_for_every_difference(api, floor):
    box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    box_with(floor.blankets, floor.shelf, 4, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    differences = _finish(client, count_id)
    before = factories.ledger_snapshot()
    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "lost"}]})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/decisions-missing"
    assert factories.ledger_snapshot() == before


def test_a_reason_that_does_not_fit_is_refused(api, floor):
    box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    differences = _finish(client, count_id)
    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "found"}]})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/reason-does-not-fit"


def test_approving_twice_posts_once(api, floor):
    box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    differences = _finish(client, count_id)
    manager = api(floor.manager)
    body = {"decisions": [{"difference_id": differences[0]["id"], "reason": "lost"}]}
    first = manager.post(f"/counts/{count_id}/approve", body)
    before = factories.ledger_snapshot()
    second = manager.post(f"/counts/{count_id}/approve", body)  # a new key: not a replay
    assert second.status_code == 201
    assert second.json["document_ids"] == first.json["document_ids"]
    assert factories.ledger_snapshot() == before


def test_stock_that_changed_after_the_count_is_not_overwritten(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"box_code": box.code, "quantity": 8})
    differences = _finish(client, count_id)
    # Someone takes 1 out after the count finished: the box now holds 9, not 10.
    client.post(f"/boxes/{box.code}/take", {"quantity": 1})
    before = factories.ledger_snapshot()

    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "lost"}]})

    assert response.status_code == 409
    assert response.json["type"] == "/problems/count-outdated"
    assert "count the location again" in response.json["detail"]
    assert factories.ledger_snapshot() == before
    assert _box(box.id).quantity == 9


def test_approval_is_checked_against_the_ledger_inside_the_post(floor):
    """The check in the posting transaction refuses even when the early check passed."""
    import pytest

    from warehouse.counts import errors, services
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    count, _ = services.start_count(location=floor.shelf, actor=floor.volunteer)
    services.count_box(count, box=box, quantity=8, actor=floor.volunteer)
    [difference] = services.finish_count(count.id, actor=floor.volunteer)
    original = services._Plan.check_before

    def then_someone_takes_one(plan):
        original(plan)
        from warehouse.boxes.services import take_from_box
        take_from_box(db.session.get(Box, box.id), quantity=1, actor=floor.manager)

    services._Plan.check_before = then_someone_takes_one
    try:
        with pytest.raises(errors.CountOutdated):
            services.approve_count(count.id, decisions={difference.id: "lost"},
                                   actor=floor.manager)
    finally:
        services._Plan.check_before = original
    assert _box(box.id).quantity == 9
    adjustments = db.session.scalars(select(Document).where(
        Document.kind == DocumentKind.ADJUSTMENT)).all()
    assert adjustments == []


def test_adjustments_come_from_and_go_to_the_stocktake_location(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    count_id = _start(client, floor.shelf)
    client.post(f"/counts/{count_id}/lines", {"box_code": box.code, "quantity": 12})
    differences = _finish(client, count_id)
    response = api(floor.manager).post(f"/counts/{count_id}/approve", {"decisions": [
        {"difference_id": differences[0]["id"], "reason": "miscounted"}]})
    [line] = db.session.get(Document, response.json["document_ids"][0]).lines
    assert line.from_location.kind == LocationKind.ADJUSTMENT
    assert (line.to_location_id, line.to_box_id, line.quantity) == (floor.shelf.id, box.id, 2)
