"""Picking and dispatch of approved requests: stock levels and reservations at each step."""
import uuid

import pytest
from sqlalchemy import select

from tests import factories
from tests.requests_factories import create_approved_request
from warehouse.extensions import db
from warehouse.models import LocationKind, StockLevel
from warehouse.requests import errors, picking
from warehouse.requests.models import (
    Notification,
    PickLine,
    RequestStatus,
    StockRequest,
    StockRequestLine,
)
from warehouse.stock import errors as stock_errors
from warehouse.stock import services as ledger
from warehouse.stock.models import Box, Document
from warehouse.stock.queries import box_differences, reserved_by_item, stock_differences


@pytest.fixture
def world(partner_a, manager, volunteer):
    site = factories.create_site(name="Calais warehouse")
    shelf = factories.create_location(site=site, name="Shelf A1")
    shelf2 = factories.create_location(site=site, name="Shelf B2")
    bags = factories.create_item(name="Sleeping bag")
    tents = factories.create_item(name="Tent")
    box_old = factories.create_box()
    box_new = factories.create_box()
    factories.receive(bags, shelf, 10, actor=manager, box=box_old)
    factories.receive(bags, shelf, 6, actor=manager, box=box_new)
    factories.receive(bags, shelf2, 8, actor=manager)  # loose
    factories.receive(tents, shelf2, 5, actor=manager)
    request = create_approved_request(organisation=partner_a, site=site, actor=manager,
                                      lines=[(bags, 20, 15), (tents, 3)])
    return type("W", (), dict(site=site, shelf=shelf, shelf2=shelf2, bags=bags, tents=tents,
                              box_old=box_old, box_new=box_new, request=request,
                              manager=manager, volunteer=volunteer, partner=partner_a))


def _level(location_id, item_id):
    db.session.expire_all()
    return db.session.scalar(select(StockLevel.quantity).where(
        StockLevel.location_id == location_id, StockLevel.item_id == item_id)) or 0


def _consistent():
    assert stock_differences() == []
    assert box_differences() == []


def _line(request, item):
    db.session.expire_all()
    return db.session.scalar(select(StockRequestLine).where(
        StockRequestLine.request_id == request.id, StockRequestLine.item_id == item.id))


def test_picking_then_dispatching_moves_the_picked_stock_to_the_partners_custody(world):
    w = world
    assert reserved_by_item(w.site.id) == {w.bags.id: 15, w.tents.id: 3}
    picked = picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    assert picked.whole_box and picked.quantity == 10
    picking.pick_box(w.request, box=w.box_new, quantity=2, actor=w.volunteer)
    picking.pick_loose(_line(w.request, w.bags), location=w.shelf2, quantity=3,
                       actor=w.volunteer)
    picking.pick_loose(_line(w.request, w.tents), location=w.shelf2, quantity=3,
                       actor=w.volunteer)
    # Picking moves nothing.
    assert _level(w.shelf.id, w.bags.id) == 16
    assert reserved_by_item(w.site.id) == {w.bags.id: 15, w.tents.id: 3}
    assert db.session.scalar(select(Notification.message).where(
        Notification.organisation_id == w.partner.id)) == picking.READY_MESSAGE

    custody = ledger.custody_location(w.partner)
    done = picking.dispatch_request(db.session.get(StockRequest, w.request.id),
                                    actor=w.manager, idempotency_key=uuid.uuid4().hex)
    assert done.closed
    assert db.session.scalar(select(Notification.message).order_by(
        Notification.id.desc())) == picking.DISPATCHED_MESSAGE
    assert _level(custody.id, w.bags.id) == 15 and _level(custody.id, w.tents.id) == 3
    assert _level(w.shelf.id, w.bags.id) == 4 and _level(w.shelf2.id, w.bags.id) == 5
    assert reserved_by_item(w.site.id) == {}
    box_old, box_new = db.session.get(Box, w.box_old.id), db.session.get(Box, w.box_new.id)
    assert box_old.location_id == custody.id and box_old.quantity == 10
    assert box_new.location_id == w.shelf.id and box_new.quantity == 4
    request = db.session.get(StockRequest, w.request.id)
    assert request.status == RequestStatus.DISPATCHED and request.dispatched_at
    assert [line.dispatched for line in request.lines] == [15, 3]
    assert db.session.get(Document, done.document_id).kind == "dispatch"
    assert all(p.dispatch_document_id == done.document_id
               for p in db.session.scalars(select(PickLine)))
    _consistent()


def test_a_partial_dispatch_keeps_the_rest_reserved_when_the_request_stays_open(world):
    w = world
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    done = picking.dispatch_request(w.request, actor=w.manager, close=False)
    assert not done.closed
    assert reserved_by_item(w.site.id) == {w.bags.id: 5, w.tents.id: 3}
    assert db.session.scalar(select(Notification.message).order_by(
        Notification.id.desc())) == picking.PART_DISPATCHED_MESSAGE
    assert db.session.get(StockRequest, w.request.id).status == RequestStatus.APPROVED
    assert _line(w.request, w.bags).dispatched == 10
    # The rest can be picked and dispatched later.
    picking.pick_box(w.request, box=w.box_new, quantity=5, actor=w.volunteer)
    with pytest.raises(errors.OverPick):
        picking.pick_loose(_line(w.request, w.bags), location=w.shelf2, quantity=1,
                           actor=w.volunteer)
    picking.dispatch_request(db.session.get(StockRequest, w.request.id), actor=w.manager)
    assert reserved_by_item(w.site.id) == {w.tents.id: 3}
    _consistent()


def test_a_partial_dispatch_that_closes_the_request_releases_the_rest(world):
    w = world
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    done = picking.dispatch_request(w.request, actor=w.manager, close=True)
    assert done.closed
    assert reserved_by_item(w.site.id) == {}
    assert db.session.get(StockRequest, w.request.id).status == RequestStatus.DISPATCHED
    _consistent()


def test_a_double_clicked_dispatch_records_once(world):
    w = world
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    key = uuid.uuid4().hex
    first = picking.dispatch_request(w.request, actor=w.manager, idempotency_key=key)
    again = picking.dispatch_request(db.session.get(StockRequest, w.request.id),
                                     actor=w.manager, idempotency_key=key)
    assert again.replayed and again.document_id == first.document_id
    assert db.session.scalar(select(Document.id).where(Document.kind == "dispatch")
                             .order_by(Document.id.desc())) == first.document_id
    assert _line(w.request, w.bags).dispatched == 10
    _consistent()


def test_dispatching_with_nothing_picked_is_refused(world):
    with pytest.raises(errors.NothingPicked):
        picking.dispatch_request(world.request, actor=world.manager)


def test_a_box_emptied_since_picking_refuses_the_dispatch_and_writes_nothing(world):
    w = world
    picking.pick_box(w.request, box=w.box_new, quantity=4, actor=w.volunteer)
    ledger.post_document(kind="write_off", actor=w.manager, lines=[ledger.Line(
        w.bags.id, 5, w.shelf.id, ledger.system_location(LocationKind.WRITE_OFF).id,
        w.box_new.id)])
    before = factories.ledger_snapshot()
    with pytest.raises(stock_errors.InsufficientStockInBox) as refused:
        picking.dispatch_request(db.session.get(StockRequest, w.request.id), actor=w.manager)
    assert w.box_new.code in refused.value.message
    assert factories.ledger_snapshot() == before
    assert db.session.scalar(select(PickLine.dispatch_document_id)) is None
    assert reserved_by_item(w.site.id)[w.bags.id] == 15


def test_a_box_moved_since_picking_refuses_the_dispatch(world):
    w = world
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    ledger.post_document(kind="move", actor=w.manager, lines=[ledger.Line(
        w.bags.id, 10, w.shelf.id, w.shelf2.id, w.box_old.id, w.box_old.id)])
    with pytest.raises(stock_errors.BoxNotAtLocation) as refused:
        picking.dispatch_request(db.session.get(StockRequest, w.request.id), actor=w.manager)
    assert "Shelf B2" in refused.value.message
    assert _line(w.request, w.bags).dispatched == 0


def test_a_box_of_the_wrong_item_is_refused_naming_what_the_request_needs(world):
    w = world
    blankets = factories.create_item(name="Blanket")
    box = factories.create_box()
    factories.receive(blankets, w.shelf, 4, actor=w.manager, box=box)
    with pytest.raises(errors.WrongItemForRequest) as refused:
        picking.pick_box(w.request, box=box, actor=w.volunteer)
    assert "Blanket" in refused.value.message
    assert "Sleeping bag (15)" in refused.value.message and "Tent (3)" in refused.value.message
    with pytest.raises(errors.WrongItemForRequest):
        picking.pick_box(_line(w.request, w.tents), box=w.box_old, actor=w.volunteer)
    assert db.session.scalar(select(PickLine.id)) is None


def test_picking_more_than_allocated_is_refused(world):
    w = world
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    with pytest.raises(errors.PartialBoxNeedsQuantity):
        picking.pick_box(w.request, box=w.box_new, actor=w.volunteer)
    with pytest.raises(errors.OverPick) as refused:
        picking.pick_box(w.request, box=w.box_new, quantity=6, actor=w.volunteer)
    assert "Only 5 more" in refused.value.message
    with pytest.raises(errors.PickMoreThanBoxHolds):
        picking.pick_box(w.request, box=w.box_new, quantity=7, actor=w.volunteer)
    with pytest.raises(errors.PickQuantityMustBePositive):
        picking.pick_box(w.request, box=w.box_new, quantity="0", actor=w.volunteer)
    with pytest.raises(errors.PickQuantityMustBePositive):
        picking.pick_loose(_line(w.request, w.bags), location=w.shelf2, quantity="2.5",
                           actor=w.volunteer)


def test_a_box_already_picked_for_a_waiting_request_is_refused(world, partner_b):
    w = world
    other = create_approved_request(organisation=partner_b, site=w.site, actor=w.manager,
                                    lines=[(w.bags, 1)])
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    with pytest.raises(errors.BoxAlreadyPicked) as refused:
        picking.pick_box(other, box=w.box_old, quantity=1, actor=w.volunteer)
    assert f"request {w.request.id}" in refused.value.message


def test_a_box_or_shelf_of_another_site_is_refused(world):
    w = world
    elsewhere = factories.create_location(name="Dunkirk shelf")
    box = factories.create_box()
    factories.receive(w.bags, elsewhere, 5, actor=w.manager, box=box)
    with pytest.raises(errors.BoxOfAnotherSite):
        picking.pick_box(w.request, box=box, actor=w.volunteer)
    factories.receive(w.bags, elsewhere, 5, actor=w.manager)
    with pytest.raises(errors.LocationOfAnotherSite):
        picking.pick_loose(_line(w.request, w.bags), location=elsewhere, quantity=1,
                           actor=w.volunteer)


def test_loose_stock_already_picked_or_in_boxes_cannot_be_picked_again(world, partner_b):
    w = world
    other = create_approved_request(organisation=partner_b, site=w.site, actor=w.manager,
                                    lines=[(w.bags, 6)])
    picking.pick_loose(other.lines[0], location=w.shelf2, quantity=6, actor=w.volunteer)
    with pytest.raises(errors.NotEnoughLooseStock) as refused:
        picking.pick_loose(_line(w.request, w.bags), location=w.shelf2, quantity=3,
                           actor=w.volunteer)
    assert "2" in refused.value.message
    with pytest.raises(errors.NotEnoughLooseStock):  # shelf A1 holds only boxes
        picking.pick_loose(_line(w.request, w.bags), location=w.shelf, quantity=1,
                           actor=w.volunteer)


def test_a_request_that_is_not_approved_cannot_be_picked_or_dispatched(world):
    w = world
    submitted = create_approved_request(organisation=w.partner, site=w.site, actor=w.manager,
                                        lines=[(w.bags, 1)], status=RequestStatus.SUBMITTED)
    with pytest.raises(errors.RequestNotApproved) as refused:
        picking.pick_box(submitted, box=w.box_old, quantity=1, actor=w.volunteer)
    assert "waiting for approval" in refused.value.message
    with pytest.raises(errors.RequestNotApproved):
        picking.dispatch_request(submitted, actor=w.manager)


def test_a_pick_sent_twice_with_the_same_key_is_recorded_once(world):
    w = world
    line = _line(w.request, w.tents)
    picking.pick_loose(line, location=w.shelf2, quantity=1, actor=w.volunteer, key="k" * 32)
    with pytest.raises(errors.PickRepeated):
        picking.pick_loose(line, location=w.shelf2, quantity=1, actor=w.volunteer,
                           key="k" * 32)
    assert len(db.session.scalars(select(PickLine)).all()) == 1


def test_an_undone_pick_frees_the_box_and_cannot_be_undone_twice(world, partner_b):
    w = world
    picked = picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    picking.unpick(picked.pick_line_id, actor=w.volunteer)
    with pytest.raises(errors.PickAlreadyDispatched):
        picking.unpick(picked.pick_line_id, actor=w.volunteer)
    picking.pick_box(w.request, box=w.box_old, actor=w.volunteer)
    done = picking.dispatch_request(w.request, actor=w.manager)
    pick = db.session.scalar(select(PickLine).where(PickLine.dispatch_document_id.is_not(None)))
    with pytest.raises(errors.PickAlreadyDispatched):
        picking.unpick(pick.id, actor=w.volunteer)
    assert done.document_id


def test_suggestions_put_soonest_expiring_then_oldest_boxes_first_then_loose_stock(world):
    w = world
    box = db.session.get(Box, w.box_new.id)
    box.expires_on = factories.days_from_today(30)
    db.session.commit()
    found = picking.suggestions(site_id=w.site.id, item_id=w.bags.id, needed=20)
    assert [(s.box_code, s.quantity) for s in found] == [
        (w.box_new.code, 6), (w.box_old.code, 10), (None, 8)]
    assert picking.suggestions(site_id=w.site.id, item_id=w.bags.id, needed=5)[0].box_code \
        == w.box_new.code
