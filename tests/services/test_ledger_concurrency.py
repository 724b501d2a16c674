"""Many volunteers scanning at once: stock never goes negative, a replayed key posts once,
a box goes to one place, and documents that lock rows in opposite orders still post.

Each client is a thread with its own app context, hence its own session and connection.
A barrier releases them together so their transactions overlap. PostgreSQL runs them
truly at once (row locks, conditional updates, deadlock retries); SQLite queues writers
with BEGIN IMMEDIATE and busy_timeout, and gets a lighter run of the shelf race.
"""
import random
import threading
import time

import psycopg
import pytest
from sqlalchemy import func, select

from tests.factories import ledger_snapshot, receive, stock_levels
from warehouse.extensions import db
from warehouse.models import Box, Document, LocationKind
from warehouse.stock import errors
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_differences
from warehouse.stock.services import Line

CLIENTS = 16
SHELF_HOLDS = 40


def run_together(app, count, work) -> list:
    """Run ``work(n)`` for n in range(count), each in its own thread and app context,
    released at once; return what each returned or raised."""
    db.session.commit()  # the test's own session must hold no transaction meanwhile
    barrier = threading.Barrier(count)
    results = [None] * count

    def client(n):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[n] = work(n)
            except BaseException as error:  # noqa: B036 (reported to the test)
                results[n] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a client never finished"
    return results


def documents() -> int:
    count = db.session.scalar(select(func.count()).select_from(Document))
    db.session.commit()
    return count


@pytest.fixture
def world(dummy_manager, dummy_site, create_item, create_location):
    """A site with two shelves, a sleeping bag and a tent, and somewhere for stock to go."""
    class World:
        actor = dummy_manager.id
        site = dummy_site
        sleeping_bag = create_item(name="Sleeping bag")
        tent = create_item(name="Tent")
        shelf_a = create_location(site=dummy_site, name="Shelf A")
        shelf_b = create_location(site=dummy_site, name="Shelf B")
        distributed = ledger.system_location(LocationKind.DISTRIBUTED)
    return World


def shelf_race(app, world, clients, holds, seed):
    """``clients`` volunteers each take 1–5 sleeping bags off a shelf holding ``holds``."""
    receive(world.sleeping_bag, world.shelf_a, holds, actor=world.actor)
    item, shelf, gone = world.sleeping_bag.id, world.shelf_a.id, world.distributed.id
    wanted = [random.Random(seed + n).randint(1, 5) for n in range(clients)]
    assert sum(wanted) > holds, "the race needs more demand than stock"

    results = run_together(app, clients, lambda n: ledger.post_document(
        kind="distribution", actor=world.actor, lines=[Line(item, wanted[n], shelf, gone)]))

    taken = [wanted[n] for n, result in enumerate(results)
             if isinstance(result, ledger.Posted)]
    failures = [result for result in results if not isinstance(result, ledger.Posted)]
    assert all(isinstance(f, errors.InsufficientStock) for f in failures), failures
    assert failures, "more was wanted than the shelf held, so someone must be refused"
    assert sum(taken) <= holds
    assert stock_levels().get((shelf, item), 0) == holds - sum(taken)
    assert documents() == 1 + len(taken)
    assert stock_differences() == []


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_sixteen_volunteers_at_one_shelf_never_take_more_than_it_holds(app, world):
    shelf_race(app, world, CLIENTS, SHELF_HOLDS, seed=1)


@pytest.mark.timeout(120)
def test_volunteers_at_one_shelf_never_take_more_than_it_holds_on_any_database(app, world):
    """The lighter run, for SQLite too: writers queue behind BEGIN IMMEDIATE."""
    shelf_race(app, world, 6, 12, seed=7)


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_taking_loose_stock_and_boxing_it_at_once_never_takes_what_is_in_a_box(
        app, world, create_box):
    """Loose takes, top-ups from loose into a box, and takes out of the box, all at once:
    the loose stock (shelf level minus boxes) never goes below zero."""
    box = create_box()
    receive(world.sleeping_bag, world.shelf_a, 20, actor=world.actor, box=box)
    receive(world.sleeping_bag, world.shelf_a, 10, actor=world.actor)
    item, shelf, gone, box_id = (world.sleeping_bag.id, world.shelf_a.id,
                                 world.distributed.id, box.id)
    lines = [
        Line(item, 3, shelf, gone),  # loose, off the shelf
        Line(item, 3, shelf, shelf, None, box_id),  # loose into the box
        Line(item, 2, shelf, gone, box_id),  # out of the box
        Line(item, 2, shelf, shelf, box_id),  # out of the box, left loose
    ]
    results = run_together(app, CLIENTS, lambda n: ledger.post_document(
        kind="move", actor=world.actor, lines=[lines[n % len(lines)]]))

    for result in results:
        assert isinstance(result, (ledger.Posted, errors.InsufficientStock,
                                   errors.InsufficientStockInBox)), result
    level = stock_levels().get((shelf, item), 0)
    in_box = db.session.scalar(select(Box.quantity).where(Box.id == box_id))
    db.session.commit()
    assert 0 <= in_box <= level
    assert stock_differences() == [] and box_differences() == []


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_sixteen_replays_of_one_key_record_one_document(app, world):
    line = Line(world.sleeping_bag.id, 12, ledger.system_location(LocationKind.DONOR).id,
                world.shelf_a.id)
    results = run_together(app, CLIENTS, lambda n: ledger.post_document(
        kind="receipt", actor=world.actor, lines=[line], idempotency_key="tablet-2:scan-9"))

    assert all(isinstance(result, ledger.Posted) for result in results), results
    assert len({result.document_id for result in results}) == 1
    assert sum(not result.replayed for result in results) == 1
    assert documents() == 1
    assert stock_levels() == {(world.shelf_a.id, world.sleeping_bag.id): 12}


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_a_box_moved_by_sixteen_volunteers_at_once_goes_to_one_shelf(app, world, create_box,
                                                                     create_location):
    box = create_box()
    receive(world.sleeping_bag, world.shelf_a, 10, actor=world.actor, box=box)
    shelves = [create_location(site=world.site).id for _ in range(CLIENTS)]
    item, box_id, source = world.sleeping_bag.id, box.id, world.shelf_a.id

    results = run_together(app, CLIENTS, lambda n: ledger.post_document(
        kind="move", actor=world.actor,
        lines=[Line(item, 10, source, shelves[n], box_id, box_id)]))

    winners = [n for n, result in enumerate(results) if isinstance(result, ledger.Posted)]
    assert len(winners) == 1, results
    losers = [result for result in results if not isinstance(result, ledger.Posted)]
    assert all(isinstance(result, errors.BoxNotAtLocation) for result in losers), [
        repr(r) for r in losers if not isinstance(r, errors.BoxNotAtLocation)]
    [winner] = winners
    assert db.session.scalar(select(Box.location_id).where(Box.id == box_id)) == \
        shelves[winner]
    assert stock_levels() == {(shelves[winner], item): 10}
    assert documents() == 2
    assert stock_differences() == [] and box_differences() == []


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_documents_touching_two_items_in_opposite_orders_all_post(app, world, create_box,
                                                                  monkeypatch):
    """Half the clients take sleeping bags then tents out of their boxes, the other half
    tents then sleeping bags. Boxes and levels are each locked in id order whatever the
    order of the lines, so the clients queue and none deadlocks (when boxes were locked
    in line order, some failed after four deadlocks in a row)."""
    bags, tents = create_box(), create_box()
    receive(world.sleeping_bag, world.shelf_a, 100, actor=world.actor, box=bags)
    receive(world.tent, world.shelf_a, 100, actor=world.actor, box=tents)
    a, b, bag, tent = world.shelf_a.id, world.shelf_b.id, world.sleeping_bag.id, world.tent.id
    bags_first = [Line(bag, 1, a, b, bags.id), Line(tent, 1, a, b, tents.id)]
    tents_first = bags_first[::-1]
    attempts = []
    post_once = ledger._post_once
    monkeypatch.setattr(ledger, "_post_once",
                        lambda *args: attempts.append(1) or post_once(*args))

    results = run_together(app, CLIENTS, lambda n: ledger.post_document(
        kind="move", actor=world.actor, lines=bags_first if n % 2 else tents_first))

    assert all(isinstance(result, ledger.Posted) for result in results), results
    assert stock_levels() == {(a, bag): 100 - CLIENTS, (a, tent): 100 - CLIENTS,
                              (b, bag): CLIENTS, (b, tent): CLIENTS}
    assert stock_differences() == [] and box_differences() == []
    assert len(attempts) == CLIENTS, "no document should have needed posting again"


@pytest.mark.postgres_only
@pytest.mark.timeout(60)
def test_a_document_chosen_as_a_deadlock_victim_is_posted_again(app, world, database_url,
                                                                create_box, monkeypatch):
    """Force the deadlock: another connection holds box Y while the document, having
    locked box X, waits for it; then that connection asks for box X."""
    x, y = create_box(), create_box()
    receive(world.sleeping_bag, world.shelf_a, 5, actor=world.actor, box=x)
    receive(world.sleeping_bag, world.shelf_a, 5, actor=world.actor, box=y)
    item, shelf, gone, x_id, y_id = (world.sleeping_bag.id, world.shelf_a.id,
                                     world.distributed.id, x.id, y.id)
    attempts = []
    post_once = ledger._post_once
    monkeypatch.setattr(ledger, "_post_once",
                        lambda *args: attempts.append(1) or post_once(*args))
    url = database_url.replace("+psycopg", "")
    other, watcher = psycopg.connect(url), psycopg.connect(url, autocommit=True)
    try:
        # The other side waits longer before checking for deadlocks, so the ledger's
        # transaction is the one PostgreSQL aborts.
        other.execute("SET deadlock_timeout = '10s'")
        other.execute("SELECT 1 FROM box WHERE id = %s FOR UPDATE", (y_id,))
        db.session.commit()
        result = []
        poster = threading.Thread(target=lambda: result.append(_post_in_thread(
            app, world.actor, [Line(item, 1, shelf, gone, x_id),
                               Line(item, 1, shelf, gone, y_id)])))
        poster.start()
        _wait_until_a_client_waits_for_a_lock(watcher)
        other.execute("SELECT 1 FROM box WHERE id = %s FOR UPDATE", (x_id,))
        other.rollback()
        poster.join(timeout=30)
    finally:
        other.close()
        watcher.close()
    [posted] = result
    assert isinstance(posted, ledger.Posted), posted
    assert len(attempts) == 2
    assert [q for _, _, q in ledger_snapshot()["boxes"].values()] == [4, 4]
    assert stock_differences() == [] and box_differences() == []


def _post_in_thread(app, actor, lines):
    with app.app_context():
        try:
            return ledger.post_document(kind="move", actor=actor, lines=lines)
        except BaseException as error:  # noqa: B036 (reported to the test)
            return error
        finally:
            db.session.remove()


def _wait_until_a_client_waits_for_a_lock(connection, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the document never waited for the box")
