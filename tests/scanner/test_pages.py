"""The managers' pages: counts waiting for approval, reconciling one, scans needing attention."""
from tests import factories
from tests.conftest import login
from tests.scanner.conftest import box_with
from warehouse.counts import services
from warehouse.extensions import db
from warehouse.models import Box, CountSession, Role
from warehouse.scan.queries import unresolved_conflicts_count
from warehouse.scan.services import record_conflict


def _finished_count(floor, counted=7):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    stray = box_with(floor.boots, floor.other_shelf, 3, actor=floor.manager)
    missing = box_with(floor.blankets, floor.shelf, 2, actor=floor.manager)
    count, _ = services.start_count(location=floor.shelf, actor=floor.volunteer)
    services.count_box(count, box=box, quantity=counted, actor=floor.volunteer)
    services.count_box(count, box=stray, actor=floor.volunteer)
    differences = services.finish_count(count.id, actor=floor.volunteer)
    return count.id, differences, (box, stray, missing)


def test_a_manager_sees_the_counts_waiting_for_approval(client, floor):
    count_id, differences, _ = _finished_count(floor)
    page = login(client, floor.manager).get("/scan/counts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A-01-2" in html and "3 differences" in html
    assert f"/scan/counts/{count_id}" in html


def test_the_reconciliation_screen_offers_only_the_reasons_that_fit(client, floor):
    count_id, differences, (box, stray, missing) = _finished_count(floor)
    html = login(client, floor.manager).get(f"/scan/counts/{count_id}").get_data(as_text=True)
    kinds = {d.kind.value: d for d in differences}
    assert set(kinds) == {"quantity", "found_box", "missing_box"}
    found = kinds["found_box"].id
    assert f'name="reason-{found}" value="found"' in html
    assert f'name="reason-{found}" value="lost"' not in html
    assert "Box missing" in html and "Box found here" in html


def test_a_manager_approves_a_count_on_the_page(client, floor):
    count_id, differences, (box, stray, missing) = _finished_count(floor)
    form = {f"reason-{d.id}": ("found" if d.kind.value == "found_box" else "damaged")
            for d in differences}
    response = login(client, floor.manager).post(f"/scan/counts/{count_id}/approve", data=form)
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(CountSession, count_id).status.value == "approved"
    assert db.session.get(Box, box.id).quantity == 7
    assert db.session.get(Box, stray.id).location_id == floor.shelf.id
    assert db.session.get(Box, missing.id).quantity == 0


def test_approving_without_every_reason_says_so_and_posts_nothing(client, floor):
    count_id, differences, _ = _finished_count(floor)
    before = factories.ledger_snapshot()
    response = login(client, floor.manager).post(f"/scan/counts/{count_id}/approve",
                                                 data={f"reason-{differences[0].id}": "lost"})
    assert response.status_code == 422
    assert "Choose a reason for every difference" in response.get_data(as_text=True)
    assert factories.ledger_snapshot() == before


def test_a_manager_discards_a_count(client, floor):
    count_id, _, _ = _finished_count(floor)
    before = factories.ledger_snapshot()
    response = login(client, floor.manager).post(f"/scan/counts/{count_id}/cancel")
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(CountSession, count_id).status.value == "cancelled"
    assert factories.ledger_snapshot() == before


def test_a_volunteer_cannot_open_or_approve_counts(client, floor):
    count_id, differences, _ = _finished_count(floor)
    login(client, floor.volunteer)
    assert client.get("/scan/counts").status_code == 403
    before = factories.ledger_snapshot()
    response = client.post(f"/scan/counts/{count_id}/approve",
                           data={f"reason-{d.id}": "miscounted" for d in differences})
    assert response.status_code == 403
    assert factories.ledger_snapshot() == before


def _conflict(floor, box):
    conflict_id = record_conflict(
        user_id=floor.volunteer.id, idempotency_key="offline-9", method="POST",
        path=f"/api/v1/boxes/{box.code}/take", body={"quantity": 12},
        problem={"type": "/problems/insufficient-stock-in-box", "status": 409,
                 "detail": f"Box {box.code} holds 10 of Blanket, 12 needed."}, scanned_at=None)
    db.session.rollback()  # kept on a connection of its own: the session reads afresh
    return conflict_id


def test_the_conflicts_page_says_what_was_scanned_and_what_went_wrong(client, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    _conflict(floor, box)
    html = login(client, floor.manager).get("/scan/conflicts").get_data(as_text=True)
    assert f"Take 12 out of box {box.code}" in html
    assert "holds 10 of Blanket, 12 needed" in html
    assert "Vera Volunteer" in html
    assert "Send again" in html and "Dismiss" in html


def test_sending_a_conflict_again_from_the_page_records_the_scan(client, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    conflict_id = _conflict(floor, box)
    factories.receive(floor.blankets, floor.shelf, 5, actor=floor.manager)
    from warehouse.boxes.services import top_up_box
    top_up_box(db.session.get(Box, box.id), quantity=5, actor=floor.manager)
    response = login(client, floor.manager).post(f"/scan/conflicts/{conflict_id}/resolve",
                                                 data={"action": "retry"})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Box, box.id).quantity == 3
    assert unresolved_conflicts_count() == 0
    page = client.get("/scan/conflicts").get_data(as_text=True)
    assert "Sent again" in page and "No scan needs attention" in page


def test_a_conflict_that_still_fails_stays_on_the_page(client, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    conflict_id = _conflict(floor, box)
    login(client, floor.manager).post(f"/scan/conflicts/{conflict_id}/resolve",
                                      data={"action": "retry"})
    page = client.get("/scan/conflicts").get_data(as_text=True)
    assert "holds 10 of Blanket, 12 needed" in page
    assert unresolved_conflicts_count() == 1


def test_a_coordinator_cannot_see_the_conflicts(client, floor):
    coordinator = factories.create_user(role=Role.COORDINATOR)
    assert login(client, coordinator).get("/scan/conflicts").status_code == 403
