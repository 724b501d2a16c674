"""Volunteers picking and managers dispatching the same stock at once (PostgreSQL).

Each client is a thread with its own app context (hence session and connection),
released together by a barrier so their transactions overlap.
"""
import uuid

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.requests_factories import create_approved_request
from tests.services.test_ledger_concurrency import run_together
from warehouse.core.errors import DomainError
from warehouse.extensions import db
from warehouse.models import Role, StockLevel
from warehouse.requests import errors, picking
from warehouse.requests.models import PickLine, StockRequest, StockRequestLine
from warehouse.stock import services as ledger
from warehouse.stock.models import Document
from warehouse.stock.queries import box_differences, stock_differences

CLIENTS = 8


@pytest.fixture
def world(partner_a, partner_b, manager):
    site = factories.create_site()
    shelf = factories.create_location(site=site)
    bags = factories.create_item(name="Sleeping bag")
    box = factories.create_box()
    factories.receive(bags, shelf, 12, actor=manager, box=box)
    factories.receive(bags, shelf, 10, actor=manager)  # loose
    volunteers = [factories.create_user(role=Role.VOLUNTEER) for _ in range(CLIENTS)]
    first = create_approved_request(organisation=partner_a, site=site, actor=manager,
                                    lines=[(bags, 11)])
    second = create_approved_request(organisation=partner_b, site=site, actor=manager,
                                     lines=[(bags, 11)])
    # Plain ids: each client thread has a session of its own.
    return type("W", (), dict(shelf=shelf.id, box=box.id, manager=manager.id,
                              volunteers=[v.id for v in volunteers],
                              requests=[first.id, second.id],
                              lines=[first.lines[0].id, second.lines[0].id]))


def _outcomes(results):
    unexpected = [r for r in results if isinstance(r, BaseException)
                  and not isinstance(r, DomainError)]
    assert not unexpected, unexpected
    return [r for r in results if not isinstance(r, BaseException)]


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_volunteers_picking_one_box_at_once_pick_it_once(app, world):
    w = world

    def work(n):
        request = db.session.get(StockRequest, w.requests[n % 2])
        return picking.pick_box(request, box=w.box, quantity=3, actor=w.volunteers[n])

    done = _outcomes(run_together(app, CLIENTS, work))
    assert len(done) == 1
    assert db.session.scalar(select(func.count(PickLine.id))) == 1


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_volunteers_picking_loose_stock_at_once_never_pick_more_than_is_there(app, world):
    w = world

    def work(n):
        line = db.session.get(StockRequestLine, w.lines[n % 2])
        return picking.pick_loose(line, location=w.shelf, quantity=3, actor=w.volunteers[n])

    done = _outcomes(run_together(app, CLIENTS, work))
    assert len(done) == 3  # 10 loose, 3 at a time
    total = db.session.scalar(select(func.sum(PickLine.quantity)))
    assert total == 9
    db.session.commit()

    # Both requests dispatch at once: every pick lands, nothing goes negative.
    def dispatch(n):
        request = db.session.get(StockRequest, w.requests[n])
        return picking.dispatch_request(request, actor=w.manager, close=True,
                                        idempotency_key=uuid.uuid4().hex)

    results = run_together(app, 2, dispatch)
    assert all(isinstance(r, picking.Dispatched) or isinstance(r, errors.NothingPicked)
               for r in results), results
    db.session.expire_all()
    assert db.session.scalar(select(StockLevel.quantity).where(
        StockLevel.location_id == w.shelf)) == 22 - 9
    assert stock_differences() == [] and box_differences() == []


@pytest.mark.postgres_only
@pytest.mark.timeout(120)
def test_two_managers_dispatching_one_request_at_once_dispatch_it_once(app, world):
    w = world
    request = db.session.get(StockRequest, w.requests[0])
    picking.pick_box(request, box=w.box, quantity=5, actor=w.volunteers[0])
    picking.pick_loose(request.lines[0], location=w.shelf, quantity=6,
                       actor=w.volunteers[1])
    custody = ledger.custody_location(request.organisation_id)

    def work(n):
        return picking.dispatch_request(db.session.get(StockRequest, w.requests[0]),
                                        actor=w.manager, idempotency_key=uuid.uuid4().hex)

    done = _outcomes(run_together(app, 4, work))
    assert len(done) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Document.id))
                             .where(Document.kind == "dispatch")) == 1
    assert db.session.get(StockRequestLine, w.lines[0]).dispatched == 11
    assert db.session.scalar(select(StockLevel.quantity).where(
        StockLevel.location_id == custody.id)) == 11
    assert stock_differences() == [] and box_differences() == []
