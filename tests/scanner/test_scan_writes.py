"""Scanner writes over the JSON API: each posts one ledger document and says so in a line."""
from datetime import timedelta

from sqlalchemy import func, select

from tests import factories
from tests.scanner.conftest import box_with
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.models import Box, Document, DocumentKind, Movement, Role


def _box(code):
    db.session.expire_all()
    return db.session.scalar(select(Box).where(Box.code == code))


def _documents():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Document))


# --- moves -------------------------------------------------------------------------------------

def test_three_boxes_move_to_one_location_in_one_document(api, floor):
    boxes = [box_with(floor.blankets, floor.shelf, 10, actor=floor.manager) for _ in range(3)]
    before = _documents()

    response = api(floor.volunteer).post("/moves", {
        "box_codes": [b.code for b in boxes], "location_code": floor.other_shelf.code})

    assert response.status_code == 201, response.json
    assert response.json["message"] == "3 boxes moved to B-02-1"
    assert _documents() == before + 1
    document = db.session.get(Document, response.json["document_id"])
    assert document.kind == DocumentKind.MOVE and len(document.lines) == 3
    assert all(_box(b.code).location_id == floor.other_shelf.id for b in boxes)
    assert factories.stock_levels() == {(floor.other_shelf.id, floor.blankets.id): 30}


def test_a_move_says_so_in_french(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code], "location_code": floor.other_shelf.code}, language="fr")
    assert response.status_code == 201
    assert "B-02-1" in response.json["message"]


def test_the_scan_page_gets_answers_in_the_language_of_its_page_not_the_browsers(
        api, floor):
    floor.volunteer.locale = "fr"
    db.session.commit()
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code], "location_code": floor.other_shelf.code},
        language="en-US,en;q=0.9")
    assert response.status_code == 201
    assert response.json["message"].startswith("1 carton déplacé")


def test_a_box_scanned_twice_in_one_move_is_refused_and_nothing_moves(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    before = factories.ledger_snapshot()

    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code, box.code.lower()], "location_code": floor.other_shelf.code})

    assert response.status_code == 422
    assert response.json["type"] == "/problems/box-scanned-twice"
    assert box.code in response.json["detail"]
    assert factories.ledger_snapshot() == before


def test_a_location_scanned_where_a_box_is_expected_gets_a_clear_message(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code, floor.other_shelf.code], "location_code": floor.shelf.code})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/location-scanned-for-box"
    assert "is a location, not a box" in response.json["detail"]


def test_a_box_scanned_where_the_location_is_expected_gets_a_clear_message(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    other = box_with(floor.blankets, floor.shelf, 5, actor=floor.manager)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code], "location_code": other.code})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/box-scanned-for-location"


def test_a_move_with_an_unknown_box_names_the_code(api, floor):
    response = api(floor.volunteer).post("/moves", {
        "box_codes": ["B99999"], "location_code": floor.shelf.code})
    assert response.status_code == 404
    assert "B99999" in response.json["detail"]


def test_a_move_without_boxes_is_invalid_input(api, floor):
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [], "location_code": floor.shelf.code})
    assert response.status_code == 422
    assert "box_codes" in response.json["errors"]


def test_a_move_to_where_the_box_is_already_is_refused(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code], "location_code": floor.shelf.code})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/box-already-there"


def test_a_replayed_move_is_recorded_once(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    body = {"box_codes": [box.code], "location_code": floor.other_shelf.code}
    first = client.post("/moves", body, key="move-1")
    before = _documents()
    again = client.post("/moves", body, key="move-1")
    assert again.status_code == 201 and again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _documents() == before


def test_a_scan_made_offline_is_recorded_when_it_was_made(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    scanned_at = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code], "location_code": floor.other_shelf.code,
        "scanned_at": scanned_at.isoformat()})
    assert response.status_code == 201
    document = db.session.get(Document, response.json["document_id"])
    assert document.occurred_at == scanned_at


def test_a_scan_dated_in_the_future_is_refused(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [box.code], "location_code": floor.other_shelf.code,
        "scanned_at": (utcnow() + timedelta(days=1)).isoformat()})
    assert response.status_code == 422
    assert "scanned_at" in response.json["errors"]


def test_a_coordinator_cannot_move_boxes(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    coordinator = factories.create_user(role=Role.COORDINATOR)
    response = api(coordinator).post("/moves", {
        "box_codes": [box.code], "location_code": floor.other_shelf.code})
    assert response.status_code == 403
    assert _box(box.code).location_id == floor.shelf.id


# --- take, top up, fill --------------------------------------------------------------------------

def test_taking_from_a_box_leaves_the_rest_in_it_and_the_taken_loose(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 3})
    assert response.status_code == 201, response.json
    assert response.json["message"] == f"Taken out of box {box.code}: 3 pieces."
    assert response.json["quantity"] == 7
    assert _box(box.code).quantity == 7
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 10}


def test_taking_more_than_the_box_holds_is_refused(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    before = factories.ledger_snapshot()
    response = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 11})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/insufficient-stock-in-box"
    assert factories.ledger_snapshot() == before


def test_a_quantity_in_letters_is_invalid_input(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": "three"})
    assert response.status_code == 422
    assert "quantity" in response.json["errors"]


def test_a_zero_quantity_is_refused(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 0})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/quantity-must-be-positive"


def test_topping_up_a_box_takes_loose_stock_where_it_is(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    factories.receive(floor.blankets, floor.shelf, 5, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/top-up", {"quantity": 4})
    assert response.status_code == 201, response.json
    assert _box(box.code).quantity == 14
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 15}


def test_topping_up_with_more_loose_stock_than_there_is_is_refused(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/top-up", {"quantity": 4})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/insufficient-stock"
    assert _box(box.code).quantity == 10


def test_filling_a_blank_box_receives_it_at_the_sites_intake_area(api, floor):
    blank = factories.create_box()
    response = api(floor.volunteer).post(f"/boxes/{blank.code}/fill", {
        "item_id": floor.boots.id, "quantity": 12, "condition": "worn", "size": "42"})
    assert response.status_code == 201, response.json
    box = _box(blank.code)
    assert (box.item_id, box.quantity, box.location_id) == (floor.boots.id, 12, floor.intake.id)
    assert box.condition.value == "used"
    assert db.session.get(Document, response.json["document_id"]).kind == DocumentKind.RECEIPT
    assert "now holds 12" in response.json["message"]


def test_filling_a_blank_box_at_a_scanned_location(api, floor):
    blank = factories.create_box()
    response = api(floor.volunteer).post(f"/boxes/{blank.code}/fill", {
        "item_id": floor.blankets.id, "quantity": 20, "condition": "new",
        "location_code": floor.shelf.code})
    assert response.status_code == 201
    assert _box(blank.code).location_id == floor.shelf.id
    assert _box(blank.code).condition.value == "new"


def test_filling_with_the_wrong_size_is_refused(api, floor):
    blank = factories.create_box()
    response = api(floor.volunteer).post(f"/boxes/{blank.code}/fill", {
        "item_id": floor.boots.id, "quantity": 2, "condition": "good", "size": "38"})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/size-does-not-match"
    assert _box(blank.code).item_id is None


def test_filling_a_box_already_used_is_refused(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/fill", {
        "item_id": floor.blankets.id, "quantity": 2, "condition": "new"})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/blank-box-already-used"


def test_filling_with_an_unknown_condition_is_invalid_input(api, floor):
    blank = factories.create_box()
    response = api(floor.volunteer).post(f"/boxes/{blank.code}/fill", {
        "item_id": floor.blankets.id, "quantity": 2, "condition": "shiny"})
    assert response.status_code == 422
    assert "condition" in response.json["errors"]


# --- undo ----------------------------------------------------------------------------------------

def test_a_volunteer_undoes_their_own_scan(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    moved = client.post("/moves", {"box_codes": [box.code],
                                   "location_code": floor.other_shelf.code})
    response = client.post(f"/documents/{moved.json['document_id']}/undo")
    assert response.status_code == 201, response.json
    assert _box(box.code).location_id == floor.shelf.id
    reversal = db.session.get(Document, response.json["document_id"])
    assert reversal.reverses_id == moved.json["document_id"]
    assert "Undone" in response.json["message"]


def test_a_volunteer_cannot_undo_someone_elses_scan(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    colleague = factories.create_user(role=Role.VOLUNTEER)
    moved = api(colleague).post("/moves", {"box_codes": [box.code],
                                           "location_code": floor.other_shelf.code})
    response = api(floor.volunteer).post(f"/documents/{moved.json['document_id']}/undo")
    assert response.status_code == 403
    assert response.json["type"] == "/problems/not-your-scan"
    assert _box(box.code).location_id == floor.other_shelf.id


def test_a_volunteer_cannot_undo_a_scan_older_than_an_hour(api, floor):
    from sqlalchemy import update
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    client = api(floor.volunteer)
    moved = client.post("/moves", {"box_codes": [box.code],
                                   "location_code": floor.other_shelf.code})
    db.session.execute(update(Document).where(Document.id == moved.json["document_id"])
                       .values(recorded_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    response = client.post(f"/documents/{moved.json['document_id']}/undo")
    assert response.status_code == 409
    assert response.json["type"] == "/problems/undo-too-late"


def test_a_manager_undoes_anyones_document_once(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    moved = api(floor.volunteer).post("/moves", {"box_codes": [box.code],
                                                 "location_code": floor.other_shelf.code})
    manager = api(floor.manager)
    assert manager.post(f"/documents/{moved.json['document_id']}/undo").status_code == 201
    again = manager.post(f"/documents/{moved.json['document_id']}/undo")
    assert again.status_code == 409
    assert again.json["type"] == "/problems/already-reversed"
    assert _box(box.code).location_id == floor.shelf.id


def test_undoing_an_unknown_document_is_not_found(api, floor):
    response = api(floor.manager).post("/documents/999999/undo")
    assert response.status_code == 404


# --- picks ---------------------------------------------------------------------------------------

def _approved(floor, *lines):
    from tests.requests_factories import create_approved_request
    partner = factories.create_organisation()
    return create_approved_request(organisation=partner, site=floor.site,
                                   actor=floor.manager, lines=list(lines))


def test_picking_a_box_for_an_approved_request_says_what_is_left(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    box_with(floor.blankets, floor.other_shelf, 10, actor=floor.manager)
    request = _approved(floor, (floor.blankets, 15))
    response = api(floor.volunteer).post(f"/requests/{request.id}/picks",
                                         {"box_code": box.code})
    assert response.status_code == 201, response.json
    assert response.json["pick_id"] and response.json["document_id"] is None
    assert response.json["lines"] == [{"item_id": floor.blankets.id, "item": "Blanket",
                                       "requested": 15, "allocated": 15, "picked": 10,
                                       "left": 5}]
    assert not response.json["ready"]
    assert factories.stock_levels()[(floor.shelf.id, floor.blankets.id)] == 10


def test_picking_part_of_a_box(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    request = _approved(floor, (floor.blankets, 4))
    client = api(floor.volunteer)
    asks = client.post(f"/requests/{request.id}/picks", {"box_code": box.code})
    assert asks.status_code == 422
    assert asks.json["type"] == "/problems/partial-box-needs-quantity"
    response = client.post(f"/requests/{request.id}/picks",
                           {"box_code": box.code, "quantity": 4})
    assert response.status_code == 201
    assert response.json["ready"] and response.json["lines"][0]["left"] == 0
    assert "ready to dispatch" in response.json["message"]


def test_picking_the_wrong_item_names_the_rule(api, floor):
    box = box_with(floor.boots, floor.shelf, 10, actor=floor.manager)
    box_with(floor.blankets, floor.other_shelf, 10, actor=floor.manager)
    request = _approved(floor, (floor.blankets, 4))
    response = api(floor.volunteer).post(f"/requests/{request.id}/picks",
                                         {"box_code": box.code})
    assert response.status_code == 422
    assert response.json["type"] == "/problems/wrong-item-for-request"


def test_over_picking_names_the_rule(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    request = _approved(floor, (floor.blankets, 4))
    response = api(floor.volunteer).post(f"/requests/{request.id}/picks",
                                         {"box_code": box.code, "quantity": 6})
    assert response.status_code == 409
    assert response.json["type"] == "/problems/over-pick"


def test_a_box_already_picked_names_the_rule(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    box_with(floor.blankets, floor.other_shelf, 10, actor=floor.manager)
    request = _approved(floor, (floor.blankets, 20))
    client = api(floor.volunteer)
    assert client.post(f"/requests/{request.id}/picks",
                       {"box_code": box.code}).status_code == 201
    again = client.post(f"/requests/{request.id}/picks", {"box_code": box.code})
    assert again.status_code == 409
    assert again.json["type"] == "/problems/box-already-picked"


def test_picking_for_an_unknown_request_is_not_found(api, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    response = api(floor.volunteer).post("/requests/999999/picks", {"box_code": box.code})
    assert response.status_code == 404


def test_the_movement_lines_of_a_move_name_each_box(api, floor):
    boxes = [box_with(floor.blankets, floor.shelf, 3, actor=floor.manager) for _ in range(2)]
    response = api(floor.volunteer).post("/moves", {
        "box_codes": [b.code for b in boxes], "location_code": floor.other_shelf.code})
    moved = db.session.scalars(select(Movement.from_box_id).where(
        Movement.document_id == response.json["document_id"])).all()
    assert sorted(moved) == sorted(b.id for b in boxes)
