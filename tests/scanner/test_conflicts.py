"""Offline scans the server refuses when they are replayed: kept, shown, resolved."""
from sqlalchemy import func, select

from tests import factories
from tests.scanner.conftest import box_with
from warehouse.extensions import db
from warehouse.models import Box, Role, SyncConflict
from warehouse.scan.queries import unresolved_conflicts_count


def _conflicts():
    db.session.rollback()  # kept on a connection of their own: read afresh
    return db.session.scalars(select(SyncConflict).order_by(SyncConflict.id)).all()


def test_a_refused_offline_replay_is_kept_and_named_in_the_problem(fixed_clock, api, floor):
    box = box_with(floor.blankets, floor.shelf, 2, actor=floor.manager)
    response = api(floor.volunteer).post(
        f"/boxes/{box.code}/take", {"quantity": 5, "scanned_at": "2026-11-27T10:00:00+01:00"},
        key="offline-1", offline=True)
    assert response.status_code == 409
    [conflict] = _conflicts()
    assert response.json["conflict_id"] == conflict.id
    assert (conflict.user_id, conflict.idempotency_key, conflict.method) == (
        floor.volunteer.id, "offline-1", "POST")
    assert conflict.path == f"/api/v1/boxes/{box.code}/take"
    assert conflict.body["quantity"] == 5
    assert conflict.problem["type"] == "/problems/insufficient-stock-in-box"
    assert conflict.scanned_at.isoformat() == "2026-11-27T09:00:00+00:00"
    assert unresolved_conflicts_count() == 1


def test_an_online_failure_is_not_kept(api, floor):
    box = box_with(floor.blankets, floor.shelf, 2, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 5})
    assert response.status_code == 409 and "conflict_id" not in response.json
    assert _conflicts() == []


def test_an_offline_replay_that_works_is_not_kept(api, floor):
    box = box_with(floor.blankets, floor.shelf, 2, actor=floor.manager)
    response = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 1},
                                         offline=True)
    assert response.status_code == 201
    assert _conflicts() == []


def test_invalid_input_replayed_offline_is_kept(api, floor):
    response = api(floor.volunteer).post("/moves", {"box_codes": []}, offline=True)
    assert response.status_code == 422 and response.json["conflict_id"]
    assert _conflicts()[0].problem["type"] == "/problems/invalid-input"


def test_the_same_offline_scan_replayed_twice_is_kept_once(api, floor):
    client = api(floor.volunteer)
    for _ in range(2):
        client.post("/moves", {"box_codes": ["B99999"], "location_code": floor.shelf.code},
                    key="offline-2", offline=True)
    assert len(_conflicts()) == 1


def test_a_volunteer_sees_their_own_conflicts_and_a_manager_sees_everyones(api, floor):
    colleague = factories.create_user(role=Role.VOLUNTEER)
    api(floor.volunteer).post("/moves", {"box_codes": ["B99999"],
                                         "location_code": floor.shelf.code}, offline=True)
    api(colleague).post("/moves", {"box_codes": ["B99998"],
                                   "location_code": floor.shelf.code}, offline=True)
    db.session.rollback()  # the test shares the requests' session: start afresh
    mine = api(floor.volunteer).get("/conflicts").json
    assert [c["body"]["box_codes"] for c in mine] == [["B99999"]]
    everyone = api(floor.manager).get("/conflicts").json
    assert len(everyone) == 2


def test_a_retry_that_now_works_resolves_the_conflict(api, floor):
    box = box_with(floor.blankets, floor.shelf, 2, actor=floor.manager)
    refused = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 5},
                                        offline=True)
    conflict_id = refused.json["conflict_id"]
    factories.receive(floor.blankets, floor.shelf, 5, actor=floor.manager)
    api(floor.manager).post(f"/boxes/{box.code}/top-up", {"quantity": 5})

    response = api(floor.manager).post(f"/conflicts/{conflict_id}/resolve",
                                       {"action": "retry"})

    assert response.status_code == 200, response.json
    assert response.json["resolution"] == "retried"
    assert response.json["result"]["quantity"] == 2
    db.session.expire_all()
    assert db.session.get(Box, box.id).quantity == 2
    [conflict] = _conflicts()
    assert conflict.resolved_at is not None and conflict.resolution == "retried"
    assert unresolved_conflicts_count() == 0


def test_a_retry_that_still_fails_keeps_the_conflict_open(api, floor):
    box = box_with(floor.blankets, floor.shelf, 2, actor=floor.manager)
    refused = api(floor.volunteer).post(f"/boxes/{box.code}/take", {"quantity": 5},
                                        offline=True)
    before = factories.ledger_snapshot()
    response = api(floor.volunteer).post(f"/conflicts/{refused.json['conflict_id']}/resolve",
                                         {"action": "retry"})
    assert response.status_code == 409
    assert factories.ledger_snapshot() == before
    assert _conflicts()[0].resolved_at is None


def test_dismissing_a_conflict_resolves_it_without_posting(api, floor):
    refused = api(floor.volunteer).post("/moves", {"box_codes": ["B99999"],
                                                   "location_code": floor.shelf.code},
                                        offline=True)
    before = factories.ledger_snapshot()
    response = api(floor.volunteer).post(f"/conflicts/{refused.json['conflict_id']}/resolve",
                                         {"action": "dismiss"})
    assert response.status_code == 200
    assert _conflicts()[0].resolution == "dismissed"
    assert factories.ledger_snapshot() == before
    again = api(floor.volunteer).post(f"/conflicts/{refused.json['conflict_id']}/resolve",
                                      {"action": "dismiss"})
    assert again.status_code == 409


def test_a_volunteer_cannot_resolve_someone_elses_conflict(api, floor):
    colleague = factories.create_user(role=Role.VOLUNTEER)
    refused = api(colleague).post("/moves", {"box_codes": ["B99999"],
                                             "location_code": floor.shelf.code}, offline=True)
    response = api(floor.volunteer).post(f"/conflicts/{refused.json['conflict_id']}/resolve",
                                         {"action": "dismiss"})
    assert response.status_code == 404
    assert _conflicts()[0].resolved_at is None


def test_an_unknown_action_is_invalid_input(api, floor):
    refused = api(floor.volunteer).post("/moves", {"box_codes": ["B99999"],
                                                   "location_code": floor.shelf.code},
                                        offline=True)
    response = api(floor.volunteer).post(f"/conflicts/{refused.json['conflict_id']}/resolve",
                                         {"action": "forget"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(SyncConflict)) == 1


def test_a_role_that_may_not_scan_is_refused_without_a_conflict(api, floor):
    coordinator = factories.create_user(role=Role.COORDINATOR)
    response = api(coordinator).post("/moves", {"box_codes": ["B99999"],
                                                "location_code": floor.shelf.code},
                                     offline=True)
    assert response.status_code == 403 and "conflict_id" not in response.json
    assert _conflicts() == []


def test_a_count_line_refused_offline_is_kept_and_can_be_sent_again(api, floor):
    client = api(floor.volunteer)
    count_id = client.post("/counts", {"location_code": floor.shelf.code}).json["id"]
    refused = client.post(f"/counts/{count_id}/lines", {"box_code": "B77777"}, offline=True)
    assert refused.status_code == 404 and refused.json["conflict_id"]
    db.session.rollback()  # the test shares the requests' session: start afresh
    box_with(floor.blankets, floor.shelf, 3, actor=floor.manager, code="B77777")
    response = api(floor.manager).post(f"/conflicts/{refused.json['conflict_id']}/resolve",
                                       {"action": "retry"})
    assert response.status_code == 200, response.json
    assert response.json["result"]["box"] == "B77777"
