"""Sixteen tablets posting scans at once, over HTTP: stock never goes negative, nothing is
posted twice, and one Idempotency-Key sent sixteen times at once posts once.

Each tablet is a thread with its own app context and test client (its own session and
connection); a barrier releases them together. PostgreSQL only: there they truly overlap.
"""
import random
import threading

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.scanner.conftest import ApiClient, box_with
from warehouse.extensions import db
from warehouse.models import Box, Document
from warehouse.stock.queries import box_differences, stock_differences

TABLETS = 16


def together(app, users, work) -> list:
    """``work(client, n)`` for each user at once, each in its own thread; the results."""
    db.session.commit()
    clients = [ApiClient(app, user) for user in users]
    barrier = threading.Barrier(len(users))
    results = [None] * len(users)

    def tablet(n):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[n] = work(clients[n], n)
            except BaseException as error:  # noqa: B036 (reported to the test)
                results[n] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tablet, args=(n,)) for n in range(len(users))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a tablet never finished"
    return results


def _documents() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Document))


def _volunteers(count):
    return [factories.create_user(role="volunteer") for _ in range(count)]


@pytest.mark.postgres_only
@pytest.mark.timeout(180)
def test_sixteen_tablets_taking_from_the_same_boxes_never_take_more_than_they_hold(
        app, floor):
    boxes = [box_with(floor.blankets, floor.shelf, 20, actor=floor.manager)
             for _ in range(2)]
    codes = [b.code for b in boxes]
    wanted = [random.Random(n).randint(2, 6) for n in range(TABLETS)]
    assert sum(wanted) > 40
    before = _documents()

    results = together(app, _volunteers(TABLETS), lambda client, n: client.post(
        f"/boxes/{codes[n % 2]}/take", {"quantity": wanted[n]}))

    statuses = [r.status_code for r in results]
    refused = [r for r in results if r.status_code != 201]
    # Not enough left in the box; or nothing at all (emptied before this tablet looked).
    assert refused and all(r.json["type"] in ("/problems/insufficient-stock-in-box",
                                              "/problems/box-is-empty") for r in refused)
    taken = {code: sum(wanted[n] for n, r in enumerate(results)
                       if r.status_code == 201 and n % 2 == i) for i, code in enumerate(codes)}
    db.session.rollback()
    for box in boxes:
        left = db.session.get(Box, box.id).quantity
        assert left >= 0 and left == 20 - taken[box.code]
    assert _documents() == before + statuses.count(201)
    assert factories.stock_levels() == {(floor.shelf.id, floor.blankets.id): 40}
    assert stock_differences() == [] and box_differences() == []


@pytest.mark.postgres_only
@pytest.mark.timeout(180)
def test_sixteen_tablets_moving_the_same_boxes_move_each_once(app, floor):
    boxes = [box_with(floor.blankets, floor.shelf, 5, actor=floor.manager) for _ in range(4)]
    places = [floor.other_shelf, floor.intake]
    before = _documents()

    results = together(app, _volunteers(TABLETS), lambda client, n: client.post("/moves", {
        "box_codes": [boxes[n % 4].code, boxes[(n + 1) % 4].code],
        "location_code": places[n % 2].code}))

    moved = [r for r in results if r.status_code == 201]
    assert {r.status_code for r in results} <= {201, 409, 422}, [r.json for r in results]
    assert moved, "someone must have moved the boxes"
    assert _documents() == before + len(moved)
    assert stock_differences() == [] and box_differences() == []
    assert sum(factories.stock_levels().values()) == 20


@pytest.mark.postgres_only
@pytest.mark.timeout(180)
def test_one_scan_replayed_sixteen_times_at_once_posts_once(app, floor):
    box = box_with(floor.blankets, floor.shelf, 50, actor=floor.manager)
    before = _documents()
    body = {"quantity": 3}

    results = together(app, [floor.volunteer] * TABLETS, lambda client, n: client.post(
        f"/boxes/{box.code}/take", body, key="replayed-scan-1"))

    statuses = [r.status_code for r in results]
    assert set(statuses) <= {201, 409}, statuses
    assert all(r.json["type"] == "/problems/request-in-progress"
               for r in results if r.status_code == 409)
    documents = {r.json["document_id"] for r in results if r.status_code == 201}
    assert len(documents) == 1
    assert _documents() == before + 1
    db.session.rollback()
    assert db.session.get(Box, box.id).quantity == 47
    again = ApiClient(app, floor.volunteer).post(f"/boxes/{box.code}/take", body,
                                                 key="replayed-scan-1")
    assert again.status_code == 201 and again.json["document_id"] in documents
    assert _documents() == before + 1
