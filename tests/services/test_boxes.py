"""Box operations: each posts one ledger document, refuses what breaks a rule having
written nothing, and records once however often the same form is sent.

After every successful flow the stock levels and the boxes agree with the ledger.
"""
import threading

import pytest
from sqlalchemy import func, select

from tests.factories import days_from_today, receive
from warehouse.boxes import errors, services
from warehouse.boxes.queries import box_by_code, history, normalise_code
from warehouse.extensions import db
from warehouse.models import (Box, BoxCondition, Document, DocumentKind, LocationKind,
                              Movement, StockLevel)
from warehouse.stock import errors as stock_errors
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_differences


# --- the world of these tests -----------------------------------------------------------

@pytest.fixture
def actor(dummy_manager):
    return dummy_manager


@pytest.fixture
def socks(create_item):
    return create_item(name="Socks", unit="pair")


@pytest.fixture
def tent(create_item):
    return create_item(name="Tent", size="2-person")


@pytest.fixture
def shelf_a(dummy_shelf):
    return dummy_shelf


@pytest.fixture
def shelf_b(create_location, dummy_site):
    return create_location(site=dummy_site, name="Shelf B1")


@pytest.fixture
def intake_bay(create_location, dummy_site):
    return create_location(site=dummy_site, name="Intake bay", is_intake=True)


@pytest.fixture
def far_shelf(create_location):
    """A shelf of another site."""
    return create_location(name="Dunkirk shelf")


@pytest.fixture
def box(create_box, socks, shelf_a, actor):
    """Box of 20 pairs of socks on shelf A."""
    box = create_box()
    receive(socks, shelf_a, 20, actor=actor, box=box)
    return box


@pytest.fixture
def blank(create_box):
    return create_box()


# --- helpers ----------------------------------------------------------------------------

def state(box) -> tuple:
    """(item id, location id, quantity) of a box as stored now."""
    row = db.session.execute(select(Box.item_id, Box.location_id, Box.quantity)
                             .where(Box.id == box.id)).one()
    db.session.commit()
    return tuple(row)


def level(location, item) -> int:
    quantity = db.session.scalar(select(StockLevel.quantity).where(
        StockLevel.location_id == location.id, StockLevel.item_id == item.id))
    db.session.commit()
    return quantity or 0


def counts() -> dict:
    """How many rows an operation could have written, and every box and level as stored."""
    snapshot = {
        "documents": db.session.scalar(select(func.count()).select_from(Document)),
        "movements": db.session.scalar(select(func.count()).select_from(Movement)),
        "boxes": sorted(db.session.execute(
            select(Box.id, Box.item_id, Box.location_id, Box.quantity, Box.condition,
                   Box.expires_on)).all()),
        "levels": sorted(db.session.execute(
            select(StockLevel.location_id, StockLevel.item_id, StockLevel.quantity)).all()),
    }
    db.session.commit()
    return snapshot


def refused(error, call):
    """Run ``call``, expect ``error``, and check nothing at all was written."""
    before = counts()
    with pytest.raises(error) as caught:
        call()
    db.session.rollback()
    assert counts() == before
    return caught.value


def assert_ledger_agrees():
    assert stock_differences() == []
    assert box_differences() == []
    db.session.commit()


def document(posted) -> Document:
    return db.session.get(Document, posted.document_id)


# --- move -------------------------------------------------------------------------------

def test_a_moved_box_is_on_the_new_shelf_with_everything_in_it(actor, box, socks, shelf_a,
                                                               shelf_b):
    posted = services.move_box(box, to_location=shelf_b, actor=actor)
    assert state(box) == (socks.id, shelf_b.id, 20)
    assert (level(shelf_a, socks), level(shelf_b, socks)) == (0, 20)
    assert document(posted).kind == DocumentKind.MOVE
    [line] = document(posted).lines
    assert (line.from_box_id, line.to_box_id, line.quantity) == (box.id, box.id, 20)
    assert_ledger_agrees()


def test_moving_a_box_to_where_it_is_is_refused(actor, box, shelf_a):
    error = refused(stock_errors.BoxAlreadyThere,
                    lambda: services.move_box(box, to_location=shelf_a, actor=actor))
    assert "already at" in error.message


def test_a_box_cannot_be_moved_to_another_site(actor, box, far_shelf):
    refused(stock_errors.LocationOfAnotherSite,
            lambda: services.move_box(box, to_location=far_shelf, actor=actor))


def test_a_box_goes_to_a_partner_by_dispatch_not_by_a_move(actor, box, dummy_partner):
    custody = ledger.custody_location(dummy_partner)
    refused(errors.LocationNotInWarehouse,
            lambda: services.move_box(box, to_location=custody, actor=actor))


def test_a_blank_or_empty_box_has_nothing_to_move(actor, blank, box, shelf_a, shelf_b):
    refused(errors.BoxIsBlank, lambda: services.move_box(blank, to_location=shelf_b,
                                                         actor=actor))
    services.empty_box(box, actor=actor)
    refused(errors.BoxIsEmpty, lambda: services.move_box(box, to_location=shelf_b,
                                                         actor=actor))


# --- take out, top up, empty ------------------------------------------------------------

def test_stock_taken_out_of_a_box_is_loose_where_the_box_is(actor, box, socks, shelf_a):
    services.take_from_box(box, quantity=5, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 15)
    assert level(shelf_a, socks) == 20
    assert_ledger_agrees()


def test_stock_taken_out_of_a_box_can_go_to_another_shelf(actor, box, socks, shelf_a,
                                                          shelf_b):
    services.take_from_box(box, quantity="7", to_location=shelf_b, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 13)
    assert (level(shelf_a, socks), level(shelf_b, socks)) == (13, 7)
    assert_ledger_agrees()


def test_taking_more_than_the_box_holds_is_refused(actor, box):
    error = refused(stock_errors.InsufficientStockInBox,
                    lambda: services.take_from_box(box, quantity=21, actor=actor))
    assert "holds 20" in error.message


@pytest.mark.parametrize("quantity, error", [
    (0, stock_errors.QuantityMustBePositive),
    (-3, stock_errors.QuantityMustBePositive),
    ("-1", stock_errors.QuantityMustBePositive),
    ("2.5", stock_errors.QuantityMustBeWhole),
    ("2,5", stock_errors.QuantityMustBeWhole),
    ("1,000", stock_errors.QuantityMustBeWhole),
    ("abc", stock_errors.QuantityMustBeWhole),
    ("", stock_errors.QuantityMustBeWhole),
    ("NaN", stock_errors.QuantityMustBeWhole),
    (100_001, stock_errors.QuantityTooLarge),
    ("1e999999999", stock_errors.QuantityTooLarge),
])
def test_a_quantity_that_is_not_a_plausible_whole_number_is_refused(actor, box, shelf_b,
                                                                    quantity, error):
    for call in (lambda: services.take_from_box(box, quantity=quantity, actor=actor),
                 lambda: services.top_up_box(box, quantity=quantity, actor=actor),
                 lambda: services.split_box(box, quantity=quantity, actor=actor),
                 lambda: services.write_off_box(box, quantity=quantity, reason="damaged",
                                                actor=actor)):
        refused(error, call)


def test_a_box_is_topped_up_from_loose_stock_where_it_is(actor, box, socks, shelf_a):
    receive(socks, shelf_a, 8, actor=actor)
    services.top_up_box(box, quantity=6, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 26)
    assert level(shelf_a, socks) == 28
    assert_ledger_agrees()


def test_a_box_is_topped_up_from_the_intake_bay(actor, box, socks, shelf_a, intake_bay):
    receive(socks, intake_bay, 10, actor=actor)
    services.top_up_box(box, quantity=10, from_location=intake_bay, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 30)
    assert (level(intake_bay, socks), level(shelf_a, socks)) == (0, 30)
    assert_ledger_agrees()


def test_topping_up_with_more_loose_stock_than_there_is_is_refused(actor, box, socks,
                                                                   shelf_a):
    receive(socks, shelf_a, 3, actor=actor)
    error = refused(stock_errors.InsufficientStock,
                    lambda: services.top_up_box(box, quantity=4, actor=actor))
    assert "3 available" in error.message


def test_a_blank_box_is_filled_not_topped_up(actor, blank):
    refused(errors.BoxIsBlank, lambda: services.top_up_box(blank, quantity=1, actor=actor))


def test_an_emptied_box_leaves_its_stock_loose_and_can_be_topped_up_again(actor, box, socks,
                                                                          shelf_a):
    services.empty_box(box, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 0)
    assert level(shelf_a, socks) == 20
    services.top_up_box(box, quantity=12, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 12)
    assert_ledger_agrees()


def test_a_box_can_be_emptied_onto_another_shelf(actor, box, socks, shelf_b):
    services.empty_box(box, to_location=shelf_b, actor=actor)
    assert level(shelf_b, socks) == 20
    refused(errors.BoxIsEmpty, lambda: services.empty_box(box, actor=actor))
    assert_ledger_agrees()


# --- split and merge --------------------------------------------------------------------

def test_a_split_puts_part_of_a_box_into_a_new_labelled_box_beside_it(actor, box, socks,
                                                                      shelf_a):
    use_by = days_from_today(60)
    db.session.execute(Box.__table__.update().where(Box.id == box.id).values(
        condition=BoxCondition.NEW, expires_on=use_by))
    db.session.commit()
    new_box = services.split_box(box, quantity=8, actor=actor)
    assert new_box.id != box.id and new_box.code.startswith("B")
    assert state(box) == (socks.id, shelf_a.id, 12)
    assert state(new_box) == (socks.id, shelf_a.id, 8)
    assert (new_box.condition, new_box.expires_on) == (BoxCondition.NEW, use_by)
    assert level(shelf_a, socks) == 20
    assert_ledger_agrees()


def test_splitting_more_than_the_box_holds_makes_no_new_box(actor, box):
    refused(stock_errors.InsufficientStockInBox,
            lambda: services.split_box(box, quantity=25, actor=actor))


def test_splitting_off_everything_is_a_move_not_a_split(actor, box):
    error = refused(errors.SplitNeedsPartOfBox,
                    lambda: services.split_box(box, quantity=20, actor=actor))
    assert "fewer than 20" in error.message


def test_a_split_that_the_ledger_refuses_leaves_no_new_box_behind(actor, box, socks,
                                                                  monkeypatch):
    def refuse(**kwargs):
        raise stock_errors.InsufficientStockInBox(box=box.code, item="Socks", available=1,
                                                  requested=5)
    monkeypatch.setattr(services, "post_document", refuse)
    refused(stock_errors.InsufficientStockInBox,
            lambda: services.split_box(box, quantity=5, actor=actor))


def test_merging_puts_everything_into_the_other_box(actor, box, socks, shelf_a, create_box):
    other = create_box()
    receive(socks, shelf_a, 5, actor=actor, box=other)
    use_by = days_from_today(90)
    db.session.execute(Box.__table__.update().where(Box.id == box.id).values(
        expires_on=use_by))
    db.session.commit()
    services.merge_boxes(source=box, target=other, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 0)
    assert state(other) == (socks.id, shelf_a.id, 25)
    assert db.session.get(Box, other.id).expires_on == use_by
    assert_ledger_agrees()


def test_boxes_of_different_items_cannot_be_merged(actor, box, tent, shelf_a, create_box):
    other = create_box()
    receive(tent, shelf_a, 2, actor=actor, box=other)
    error = refused(errors.MergeNeedsSameItem,
                    lambda: services.merge_boxes(source=box, target=other, actor=actor))
    assert "Tent (2-person)" in error.message


def test_boxes_in_different_places_cannot_be_merged(actor, box, socks, shelf_b, create_box):
    other = create_box()
    receive(socks, shelf_b, 2, actor=actor, box=other)
    refused(errors.MergeNeedsSameLocation,
            lambda: services.merge_boxes(source=box, target=other, actor=actor))


def test_new_and_used_stock_are_not_merged(actor, box, socks, shelf_a, create_box):
    other = create_box(condition=BoxCondition.NEW)
    receive(socks, shelf_a, 2, actor=actor, box=other)
    refused(errors.MergeNeedsSameCondition,
            lambda: services.merge_boxes(source=box, target=other, actor=actor))


def test_a_box_cannot_be_merged_into_itself_or_into_a_blank(actor, box, blank):
    refused(errors.MergeNeedsTwoBoxes,
            lambda: services.merge_boxes(source=box, target=box, actor=actor))
    refused(errors.BoxIsBlank,
            lambda: services.merge_boxes(source=box, target=blank, actor=actor))


def test_an_empty_box_of_the_item_from_another_shelf_can_take_a_merge(actor, box, socks,
                                                                      shelf_a, shelf_b,
                                                                      create_box):
    other = create_box()
    receive(socks, shelf_b, 2, actor=actor, box=other)
    services.empty_box(other, actor=actor)
    services.merge_boxes(source=box, target=other, actor=actor)
    assert state(other) == (socks.id, shelf_a.id, 20)
    assert_ledger_agrees()


# --- write-off --------------------------------------------------------------------------

def test_writing_off_a_whole_box_sends_it_to_the_write_off_location(actor, box, socks,
                                                                    shelf_a):
    posted = services.write_off_box(box, reason="mouldy", note="Rain through the roof",
                                    actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 0)
    assert level(shelf_a, socks) == 0
    written = document(posted)
    assert (written.kind, written.reason, written.note) == (
        DocumentKind.WRITE_OFF, "mouldy", "Rain through the roof")
    assert written.lines[0].to_location.kind == LocationKind.WRITE_OFF
    assert_ledger_agrees()


def test_part_of_a_box_can_be_written_off(actor, box, socks, shelf_a):
    services.write_off_box(box, quantity="3", reason="damaged", actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 17)
    assert_ledger_agrees()


@pytest.mark.parametrize("reason, note, error", [
    ("", None, errors.WriteOffNeedsReason),
    (None, None, errors.WriteOffNeedsReason),
    ("stolen by seagulls", None, errors.UnknownWriteOffReason),
    ("other", "  ", errors.WriteOffNeedsNote),
    ("damaged", "x" * 501, errors.NoteTooLong),
])
def test_a_write_off_needs_a_known_reason(actor, box, reason, note, error):
    refused(error, lambda: services.write_off_box(box, reason=reason, note=note, actor=actor))


def test_writing_off_more_than_the_box_holds_is_refused(actor, box):
    refused(stock_errors.InsufficientStockInBox,
            lambda: services.write_off_box(box, quantity=30, reason="lost", actor=actor))


# --- blank boxes ------------------------------------------------------------------------

def test_a_blank_box_filled_from_a_donation_is_a_receipt_onto_the_shelf(actor, blank, socks,
                                                                        shelf_a):
    use_by = days_from_today(400)
    posted = services.fill_blank_box(blank, item=socks, quantity=30, condition="new",
                                     location=shelf_a, expires_on=use_by, actor=actor)
    assert state(blank) == (socks.id, shelf_a.id, 30)
    assert document(posted).kind == DocumentKind.RECEIPT
    filled = db.session.get(Box, blank.id)
    assert (filled.condition, filled.expires_on) == (BoxCondition.NEW, use_by)
    assert level(shelf_a, socks) == 30
    assert_ledger_agrees()


def test_a_blank_box_filled_from_loose_intake_stock_moves_it(actor, blank, socks, shelf_a,
                                                             intake_bay):
    receive(socks, intake_bay, 12, actor=actor)
    posted = services.fill_blank_box(blank, item=socks.id, quantity=12, condition="used",
                                     location=shelf_a, from_location=intake_bay, actor=actor)
    assert document(posted).kind == DocumentKind.MOVE
    assert (level(intake_bay, socks), level(shelf_a, socks)) == (0, 12)
    assert_ledger_agrees()


def test_a_blank_box_cannot_be_filled_twice(actor, box, socks, shelf_a):
    error = refused(errors.BlankBoxAlreadyUsed, lambda: services.fill_blank_box(
        box, item=socks, quantity=1, condition="used", location=shelf_a, actor=actor))
    assert "Socks" in error.message


def test_a_blank_box_goes_on_a_warehouse_shelf(actor, blank, socks, dummy_partner):
    custody = ledger.custody_location(dummy_partner)
    refused(errors.LocationNotInWarehouse, lambda: services.fill_blank_box(
        blank, item=socks, quantity=1, condition="used", location=custody, actor=actor))


def test_filling_from_loose_stock_that_is_not_there_is_refused(actor, blank, socks, shelf_a,
                                                               intake_bay):
    refused(stock_errors.InsufficientStock, lambda: services.fill_blank_box(
        blank, item=socks, quantity=5, condition="used", location=shelf_a,
        from_location=intake_bay, actor=actor))


def test_an_inactive_item_cannot_go_in_a_box(actor, blank, create_item, shelf_a):
    retired = create_item(active=False)
    refused(stock_errors.ItemInactive, lambda: services.fill_blank_box(
        blank, item=retired, quantity=1, condition="used", location=shelf_a, actor=actor))


# --- undo -------------------------------------------------------------------------------

def test_undoing_the_last_movement_puts_the_box_back(actor, box, socks, shelf_a, shelf_b):
    moved = services.move_box(box, to_location=shelf_b, actor=actor)
    undone = services.undo_last_movement(box, document_id=moved.document_id, actor=actor)
    assert state(box) == (socks.id, shelf_a.id, 20)
    assert document(undone).reverses_id == moved.document_id
    entries = history(box.id)
    assert [e.kind for e in entries] == [DocumentKind.REVERSAL, DocumentKind.MOVE,
                                         DocumentKind.RECEIPT]
    assert entries[1].reversed_by_id == undone.document_id
    assert_ledger_agrees()


def test_only_the_last_movement_of_a_box_can_be_undone(actor, box, shelf_b):
    moved = services.move_box(box, to_location=shelf_b, actor=actor)
    services.take_from_box(box, quantity=1, actor=actor)
    refused(errors.NotTheLastMovement, lambda: services.undo_last_movement(
        box, document_id=moved.document_id, actor=actor))


def test_an_undo_cannot_itself_be_undone_from_the_box(actor, box, shelf_b):
    moved = services.move_box(box, to_location=shelf_b, actor=actor)
    undone = services.undo_last_movement(box, document_id=moved.document_id, actor=actor)
    refused(stock_errors.CannotReverseReversal, lambda: services.undo_last_movement(
        box, document_id=undone.document_id, actor=actor))


def test_a_box_with_no_history_has_nothing_to_undo(actor, blank):
    refused(errors.NothingToUndo,
            lambda: services.undo_last_movement(blank, document_id=1, actor=actor))


# --- one form sent twice ----------------------------------------------------------------

OPERATIONS = {
    "move": lambda box, w: services.move_box(box, to_location=w.shelf_b, **w.who),
    "take": lambda box, w: services.take_from_box(box, quantity=4, **w.who),
    "top up": lambda box, w: services.top_up_box(box, quantity=2, **w.who),
    "split": lambda box, w: services.split_box(box, quantity=5, **w.who),
    "merge": lambda box, w: services.merge_boxes(source=box, target=w.other, **w.who),
    "empty": lambda box, w: services.empty_box(box, **w.who),
    "write off": lambda box, w: services.write_off_box(box, reason="expired", **w.who),
    "fill": lambda box, w: services.fill_blank_box(w.blank, item=w.socks, quantity=3,
                                                   condition="used", location=w.shelf_b,
                                                   **w.who),
    "undo": lambda box, w: services.undo_last_movement(box, document_id=w.last, **w.who),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_the_same_form_sent_twice_records_once(actor, box, blank, socks, shelf_a, shelf_b,
                                               create_box, operation):
    other = create_box()
    receive(socks, shelf_a, 5, actor=actor, box=other)
    receive(socks, shelf_a, 2, actor=actor)  # loose, to top up from

    class World:
        pass
    w = World()
    w.shelf_b, w.other, w.blank, w.socks = shelf_b, other, blank, socks
    w.last = services.take_from_box(box, quantity=1, actor=actor).document_id
    w.who = {"actor": actor, "idempotency_key": f"form-{operation}"}

    first = OPERATIONS[operation](db.session.get(Box, box.id), w)
    after_first = counts()
    db.session.expire_all()
    second = OPERATIONS[operation](db.session.get(Box, box.id), w)
    assert counts() == after_first
    if operation == "split":
        assert second.id == first.id
    else:
        assert second.document_id == first.document_id and second.replayed
    assert_ledger_agrees()


def test_a_key_already_used_for_another_box_is_refused(actor, box, socks, shelf_a,
                                                       create_box):
    other = create_box()
    receive(socks, shelf_a, 5, actor=actor, box=other)
    services.take_from_box(box, quantity=1, actor=actor, idempotency_key="k-1")
    refused(stock_errors.IdempotencyKeyReused, lambda: services.take_from_box(
        other, quantity=1, actor=actor, idempotency_key="k-1"))


@pytest.mark.postgres_only
@pytest.mark.timeout(60)
def test_a_split_sent_twice_at_the_same_moment_makes_one_new_box(app, actor, box, socks):
    db.session.commit()
    box_id, actor_id, clients = box.id, actor.id, 6
    barrier = threading.Barrier(clients)
    results = [None] * clients

    def client(n):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[n] = services.split_box(db.session.get(Box, box_id), quantity=5,
                                                actor=actor_id, idempotency_key="split-once")
                results[n] = results[n].id
            except BaseException as error:  # noqa: B036 (reported below)
                results[n] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert db.session.scalar(select(func.count()).select_from(Box)) == 2
    assert state(box)[2] == 15
    assert_ledger_agrees()


# --- reading codes ----------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["B00123", "b00123", "  B00123 ", "Bàà&é\"", "bàà&é\""])
def test_a_box_code_typed_in_any_case_or_by_a_scanner_on_a_french_layout_is_understood(
        typed):
    assert normalise_code(typed) == "B00123"


def test_a_box_is_found_by_its_code_in_lower_case(box):
    assert box_by_code(box.code.lower()).id == box.id
    assert box_by_code("B99999") is None
    assert box_by_code("x" * 500) is None
