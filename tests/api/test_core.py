"""What every API endpoint shares: problem documents, idempotent writes, CSRF, scanned_at.

The writes are tested on a small endpoint made for these tests, which posts a receipt
through the real ledger with ``ledger_key()``, so the rules are proved for any endpoint
that uses ``@idempotent`` the documented way.
"""
import threading
from datetime import timedelta

import pytest
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from tests import factories
from tests.api.conftest import assert_problem, bearer, new_key
from tests.conftest import another_app, login
from warehouse.accounts.access import WAREHOUSE, roles
from warehouse.api.core import (
    STALE_RUNNING_AFTER,
    ScannedAt,
    idempotent,
    ledger_key,
    parse_scanned_at,
)
from warehouse.api.models import ApiIdempotency
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.models import Document, LocationKind
from warehouse.stock import services as ledger

RELEASE = threading.Event()
STARTED = threading.Event()


class ReceiveSchema(Schema):
    item_id = fields.Integer(required=True)
    location_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    scanned_at = ScannedAt()
    wait = fields.Boolean(load_default=False)


class ReceivedSchema(Schema):
    document_id = fields.Integer(required=True)
    message = fields.String(required=True)


def _test_blueprint():
    blp = Blueprint("api_test", __name__, url_prefix="/api/v1/_test")

    @blp.route("/receive", methods=["POST"])
    @roles(*WAREHOUSE)
    @idempotent
    @blp.arguments(ReceiveSchema)
    @blp.response(201, ReceivedSchema)
    def receive(data):
        if data["wait"]:
            STARTED.set()
            RELEASE.wait(10)
        donor = ledger.system_location(LocationKind.DONOR)
        posted = ledger.post_document(
            kind="receipt", actor=current_user.id, occurred_at=data["scanned_at"],
            idempotency_key=ledger_key(),
            lines=[ledger.Line(data["item_id"], data["quantity"], donor.id,
                               data["location_id"])])
        return {"document_id": posted.document_id, "message": f"{data['quantity']} received"}

    return blp


@pytest.fixture
def api_app(app):
    fresh = another_app(app)
    fresh.extensions["warehouse_api"].register_blueprint(_test_blueprint())
    return fresh


@pytest.fixture
def world(manager):
    shelf = factories.create_location()
    item = factories.create_item()
    return {"item": item, "shelf": shelf, "body": {"item_id": item.id,
                                                   "location_id": shelf.id, "quantity": 3}}


def documents() -> int:
    db.session.rollback()  # a fresh snapshot: the app wrote on its own connections
    return db.session.scalar(select(func.count(Document.id)))


def post(client, headers, body, key=None, **extra):
    headers = dict(headers)
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/_test/receive", json=body, headers=headers | extra)


# --- idempotency -------------------------------------------------------------------------------

def test_the_same_key_and_body_sent_again_answers_the_first_response_and_posts_once(
        api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    first = post(client, auth, world["body"], key)
    again = post(client, auth, world["body"], key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert documents() == 1


def test_the_same_body_in_another_key_order_is_the_same_request(api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    post(client, auth, world["body"], key)
    reordered = dict(reversed(list(world["body"].items())))
    assert post(client, auth, reordered, key).headers["Idempotent-Replayed"] == "true"
    assert documents() == 1


def test_the_same_key_with_a_different_body_is_refused_and_posts_nothing(
        api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    post(client, auth, world["body"], key)
    other = post(client, auth, world["body"] | {"quantity": 4}, key)
    body = assert_problem(other, 422, "idempotency-key-reused")
    assert "new key" in body["detail"]
    assert documents() == 1


def test_each_user_has_their_own_keys(api_app, manager, world):
    colleague = factories.create_user(role="volunteer")
    client, key = api_app.test_client(), new_key()
    first = post(client, bearer(manager), world["body"], key)
    second = post(client, bearer(colleague), world["body"] | {"quantity": 5}, key)
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert first.get_json()["document_id"] != second.get_json()["document_id"]
    assert documents() == 2


def test_a_request_without_a_key_posts_each_time(api_app, manager, world):
    client, auth = api_app.test_client(), bearer(manager)
    post(client, auth, world["body"])
    post(client, auth, world["body"])
    assert documents() == 2


def test_a_copy_sent_while_the_first_is_still_running_gets_409_and_may_retry(
        api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    STARTED.clear()
    RELEASE.clear()
    answers = {}

    def first():
        with api_app.app_context():
            answers["first"] = post(api_app.test_client(), auth, world["body"] | {"wait": True},
                                    key)

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert STARTED.wait(10)
        busy = post(client, auth, world["body"] | {"wait": True}, key)
        body = assert_problem(busy, 409, "request-in-progress")
        assert "same Idempotency-Key" in body["detail"]
    finally:
        RELEASE.set()
        thread.join(10)
    assert answers["first"].status_code == 201
    retry = post(client, auth, world["body"] | {"wait": True}, key)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_json() == answers["first"].get_json()
    assert documents() == 1


def test_a_request_left_running_by_a_dead_worker_is_taken_over_and_posts_exactly_once(
        api_app, manager, world):
    """The worker posted, then died before storing its answer: the copy gets the same
    document from the ledger (its key is derived from the user and the header)."""
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    first = post(client, auth, world["body"], key)
    row = db.session.scalar(select(ApiIdempotency).where(ApiIdempotency.key == key))
    long_ago = utcnow() - STALE_RUNNING_AFTER - timedelta(seconds=5)
    row.state, row.response_status, row.response_body = "running", None, None
    row.started_at = long_ago
    db.session.commit()
    again = post(client, auth, world["body"], key)
    assert again.status_code == 201
    assert again.get_json()["document_id"] == first.get_json()["document_id"]
    assert documents() == 1
    db.session.expire_all()
    assert db.session.get(ApiIdempotency, row.id).state == "done"


def test_a_recent_running_row_is_not_taken_over(api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    post(client, auth, world["body"], key)
    row = db.session.scalar(select(ApiIdempotency).where(ApiIdempotency.key == key))
    row.state, row.started_at = "running", utcnow() - timedelta(seconds=30)
    db.session.commit()
    assert_problem(post(client, auth, world["body"], key), 409, "request-in-progress")


def test_a_failed_request_frees_its_key_so_the_corrected_retry_is_not_a_reuse(
        api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    refused = post(client, auth, world["body"] | {"item_id": 999999}, key)
    assert refused.status_code == 404
    assert db.session.scalar(select(func.count(ApiIdempotency.id))) == 0
    assert post(client, auth, world["body"], key).status_code == 201


def test_a_malformed_idempotency_key_is_refused_with_what_to_send(api_app, manager, world):
    response = post(api_app.test_client(), bearer(manager), world["body"], "not a key!")
    body = assert_problem(response, 422, "invalid-input")
    assert "Idempotency-Key" in body["errors"]
    assert documents() == 0


def test_a_key_answer_is_kept_as_the_json_the_client_first_got(api_app, manager, world):
    client, auth, key = api_app.test_client(), bearer(manager), new_key()
    post(client, auth, world["body"], key)
    row = db.session.scalar(select(ApiIdempotency).where(ApiIdempotency.key == key))
    assert row.state == "done" and row.response_status == 201
    assert row.user_id == manager.id


# --- validation and problems ------------------------------------------------------------------

def test_a_body_with_wrong_fields_names_each_one(api_app, manager, world):
    response = post(api_app.test_client(), bearer(manager),
                    {"item_id": "three", "quantity": 0, "colour": "red"})
    body = assert_problem(response, 422, "invalid-input")
    assert body["errors"] == {"item_id": ["Not a whole number."],
                              "location_id": ["This field is required."],
                              "quantity": ["Must be between 1 and 1000."],
                              "colour": ["Unknown field: remove it."]}
    assert "item_id" in body["detail"] and "quantity" in body["detail"]
    assert documents() == 0


def test_validation_problems_are_in_french_when_the_request_asks(api_app, manager, world):
    response = post(api_app.test_client(), bearer(manager), {"item_id": "trois"},
                    **{"Accept-Language": "fr"})
    body = assert_problem(response, 422, "invalid-input")
    assert body["title"] == "Invalide"
    assert body["errors"]["item_id"] == ["Pas un nombre entier."]
    assert body["errors"]["quantity"] == ["Ce champ est obligatoire."]
    assert "Corrigez" in body["detail"]


def test_a_domain_error_is_a_problem_named_after_the_rule_in_french_too(api_app, manager, world):
    client, auth = api_app.test_client(), bearer(manager)
    english = post(client, auth, world["body"] | {"item_id": 999999})
    body = assert_problem(english, 404, "unknown-item")
    assert body["item_id"] == 999999
    french = post(client, auth, world["body"] | {"item_id": 999999},
                  **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert assert_problem(french, 404, "unknown-item")["detail"] != body["detail"]


def test_a_body_that_is_not_json_is_a_problem_saying_so(api_app, manager):
    response = api_app.test_client().post(
        "/api/v1/_test/receive", data="{quantity: 2", headers=bearer(manager) | {
            "Content-Type": "application/json"})
    assert "valid JSON" in assert_problem(response, 400, "malformed-json")["detail"]


def test_a_form_body_is_refused_as_not_json(api_app, manager):
    response = api_app.test_client().post("/api/v1/_test/receive", data={"quantity": "2"},
                                          headers=bearer(manager))
    assert "Content-Type: application/json" in assert_problem(response, 415, "not-json")["detail"]


def test_a_huge_body_is_refused_before_it_is_read(api_app, manager):
    response = api_app.test_client().post(
        "/api/v1/_test/receive", data=b'{"x": "' + b"a" * 70_000 + b'"}',
        headers=bearer(manager) | {"Content-Type": "application/json"})
    assert "64 KB" in assert_problem(response, 413, "too-large")["detail"]


def test_an_unknown_address_and_a_wrong_method_are_problems(client, manager):
    assert_problem(client.get("/api/v1/nothing-here", headers=bearer(manager)), 404, "not-found")
    wrong = client.delete("/api/v1/items", headers=bearer(manager))
    assert_problem(wrong, 405, "method-not-allowed")
    assert "GET" in wrong.headers["Allow"]


def test_an_unknown_address_is_a_problem_in_french(client):
    body = assert_problem(client.get("/api/v1/rien", headers={"Accept-Language": "fr"}), 404,
                          "not-found")
    assert body["title"] == "Introuvable"


def test_not_signed_in_is_a_401_problem_in_both_languages(client):
    english = assert_problem(client.get("/api/v1/items"), 401, "not-signed-in")
    french = assert_problem(client.get("/api/v1/items", headers={"Accept-Language": "fr"}),
                            401, "not-signed-in")
    assert english["detail"] != french["detail"]


def test_a_role_that_may_not_is_a_403_problem(client):
    coordinator = factories.create_user(role="coordinator")
    assert_problem(client.get("/api/v1/locations", headers=bearer(coordinator)), 403,
                   "forbidden")


def test_a_server_error_is_a_problem_that_says_nothing_was_saved(app, manager):
    from warehouse.accounts.access import signed_in
    fresh = another_app(app)

    @signed_in
    def broken():
        raise RuntimeError("boom")

    fresh.add_url_rule("/api/v1/_test/broken", "broken", broken)
    fresh.config["PROPAGATE_EXCEPTIONS"] = False
    body = assert_problem(fresh.test_client().get("/api/v1/_test/broken",
                                                  headers=bearer(manager)), 500, "server-error")
    assert "Nothing was saved" in body["detail"]


# --- signed in with the browser's session ------------------------------------------------

def test_a_session_write_needs_the_csrf_header_and_works_with_it(app, manager, world):
    fresh = another_app(app, WTF_CSRF_ENABLED=True)
    fresh.extensions["warehouse_api"].register_blueprint(_test_blueprint())
    client = login(fresh.test_client(), manager)
    refused = client.post("/api/v1/_test/receive", json=world["body"])
    assert "X-CSRFToken" in assert_problem(refused, 400, "csrf-token-missing")["detail"]
    page = client.get("/account")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    accepted = client.post("/api/v1/_test/receive", json=world["body"],
                           headers={"X-CSRFToken": token, "Idempotency-Key": new_key()})
    assert accepted.status_code == 201, accepted.get_json()
    assert documents() == 1, accepted.get_json()


def test_a_token_write_needs_no_csrf_header(app, manager, world):
    fresh = another_app(app, WTF_CSRF_ENABLED=True)
    fresh.extensions["warehouse_api"].register_blueprint(_test_blueprint())
    response = fresh.test_client().post("/api/v1/_test/receive", json=world["body"],
                                        headers=bearer(manager))
    assert response.status_code == 201


# --- when a scan was made ----------------------------------------------------------------------

def test_a_scan_time_is_recorded_as_when_the_document_happened(api_app, manager, world):
    scanned = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    response = post(api_app.test_client(), bearer(manager),
                    world["body"] | {"scanned_at": scanned.isoformat()})
    document = db.session.get(Document, response.get_json()["document_id"])
    assert document.occurred_at == scanned


@pytest.mark.parametrize("scanned_at, message", [
    ("2026-11-27T10:00:00", "time zone"),
    ("yesterday", "ISO 8601"),
])
def test_a_scan_time_without_zone_or_unreadable_is_refused(api_app, manager, world, scanned_at,
                                                           message):
    response = post(api_app.test_client(), bearer(manager),
                    world["body"] | {"scanned_at": scanned_at})
    body = assert_problem(response, 422, "invalid-input")
    assert message in body["errors"]["scanned_at"][0]
    assert documents() == 0


def test_a_scan_time_in_the_future_or_older_than_a_week_is_refused(api_app, manager, world):
    client, auth = api_app.test_client(), bearer(manager)
    future = post(client, auth, world["body"] | {
        "scanned_at": (utcnow() + timedelta(hours=1)).isoformat()})
    assert "future" in assert_problem(future, 422, "invalid-input")["errors"]["scanned_at"][0]
    old = post(client, auth, world["body"] | {
        "scanned_at": (utcnow() - timedelta(days=8)).isoformat()})
    assert "7 days" in assert_problem(old, 422, "invalid-input")["errors"]["scanned_at"][0]
    assert documents() == 0


def test_parse_scanned_at_reads_iso_8601_with_an_offset_or_z():
    now = utcnow()
    assert parse_scanned_at(None) is None
    assert parse_scanned_at((now - timedelta(minutes=1)).isoformat().replace("+00:00", "Z"))
    with pytest.raises(Exception):
        parse_scanned_at("2026-13-01T00:00:00+01:00")


def test_forgetting_old_answers_keeps_recent_ones_and_a_late_replay_still_posts_once(
        api_app, manager, world):
    from warehouse.api.core import forget_idempotency_keys
    client, auth = api_app.test_client(), bearer(manager)
    old_key, new = new_key(), new_key()
    first = post(client, auth, world["body"], old_key)
    post(client, auth, world["body"] | {"quantity": 2}, new)
    row = db.session.scalar(select(ApiIdempotency).where(ApiIdempotency.key == old_key))
    row.created_at = utcnow() - timedelta(days=31)
    db.session.commit()

    assert forget_idempotency_keys(days=30) == 1
    assert db.session.scalar(select(func.count()).select_from(ApiIdempotency)) == 1
    again = post(client, auth, world["body"], old_key)
    assert again.status_code == 201
    assert again.get_json()["document_id"] == first.get_json()["document_id"]
    assert documents() == 2


def test_the_forget_keys_command_says_how_many_it_forgot(api_app):
    result = api_app.test_cli_runner().invoke(args=["api", "forget-keys", "--days", "30"])
    assert result.exit_code == 0 and "Forgot 0 stored API answers" in result.output
    refused = api_app.test_cli_runner().invoke(args=["api", "forget-keys", "--days", "2"])
    assert refused.exit_code != 0  # answers a replayed scan may still need are kept
