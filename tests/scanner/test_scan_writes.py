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
