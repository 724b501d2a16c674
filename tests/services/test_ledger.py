"""The stock ledger, one document at a time: what each kind of post does, and what it
refuses.

Every refusal is checked twice: the error is the one named after the broken rule, and
nothing at all was written (documents, movements, levels and boxes are as before).
"""
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from tests import factories
from tests.factories import ledger_snapshot, receive, stock_levels
from warehouse.extensions import db
from warehouse.models import Box, Document, DocumentKind, LocationKind, Movement, StockLevel
from warehouse.stock import errors
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_by_site, stock_differences
from warehouse.stock.services import Line


# --- the world of these tests -----------------------------------------------------------

@pytest.fixture
def actor(dummy_manager):
    return dummy_manager


@pytest.fixture
def sleeping_bag(create_item):
    return create_item(name="Sleeping bag")


@pytest.fixture
def tent(create_item):
    return create_item(name="Tent", size="2 person")


@pytest.fixture
def shelf_a(dummy_shelf):
    return dummy_shelf  # "Shelf A1"


@pytest.fixture
def shelf_b(create_location, dummy_site):
    return create_location(site=dummy_site, name="Shelf B2")


@pytest.fixture
def far_shelf(create_location):
    """A shelf of another site (its own)."""
    return create_location(name="Dunkirk shelf")


@pytest.fixture
def donor():
    return ledger.system_location(LocationKind.DONOR)


@pytest.fixture
def distributed():
    return ledger.system_location(LocationKind.DISTRIBUTED)


@pytest.fixture
def written_off():
    return ledger.system_location(LocationKind.WRITE_OFF)


@pytest.fixture
def custody(dummy_partner):
    return ledger.custody_location(dummy_partner)


@pytest.fixture
def box(create_box):
    return create_box()


# --- helpers ----------------------------------------------------------------------------

def post(*lines, actor, kind="move", **options) -> ledger.Posted:
    return ledger.post_document(kind=kind, lines=list(lines), actor=actor, **options)


def level(location, item) -> int:
    return stock_levels().get((location.id, item.id), 0)


def box_state(box) -> tuple:
    """(item id, location id, quantity) as stored now."""
    row = db.session.execute(select(Box.item_id, Box.location_id, Box.quantity)
                             .where(Box.id == box.id)).one()
    db.session.commit()
    return tuple(row)


def refused(error, **post_kwargs) -> errors.DomainError:
    """Post, expect ``error``, and check that nothing was written; return the error."""
    before = ledger_snapshot()
    with pytest.raises(error) as caught:
        ledger.post_document(**({"kind": "move"} | post_kwargs))
    assert ledger_snapshot() == before
    return caught.value


def assert_ledger_agrees():
    assert stock_differences() == []
    assert box_differences() == []


# --- receipts ---------------------------------------------------------------------------

def test_a_received_donation_is_on_the_shelf_and_in_the_ledger(actor, sleeping_bag, shelf_a,
                                                               donor, dummy_site):
    posted = post(Line(sleeping_bag.id, 12, donor.id, shelf_a.id), kind="receipt",
                  actor=actor, reason="collection drive")
    assert level(shelf_a, sleeping_bag) == 12
    document = db.session.get(Document, posted.document_id)
    assert (document.kind, document.site_id, document.actor_id, document.reason) == (
        DocumentKind.RECEIPT, dummy_site.id, actor.id, "collection drive")
    assert abs(document.occurred_at - datetime.now(UTC)) < timedelta(minutes=1)
    [line] = document.lines
    assert (line.item_id, line.quantity, line.from_location_id, line.to_location_id) == (
        sleeping_bag.id, 12, donor.id, shelf_a.id)
    assert not posted.replayed
    assert_ledger_agrees()


def test_a_donation_received_into_a_box_fills_the_box_on_the_shelf(actor, sleeping_bag,
                                                                   shelf_a, box):
    receive(sleeping_bag, shelf_a, 20, actor=actor, box=box)
    assert box_state(box) == (sleeping_bag.id, shelf_a.id, 20)
    assert level(shelf_a, sleeping_bag) == 20
    assert_ledger_agrees()


def test_a_receipt_of_several_items_posts_every_line_in_order(actor, sleeping_bag, tent,
                                                              shelf_a, donor):
    posted = post(Line(sleeping_bag.id, 5, donor.id, shelf_a.id),
                  Line(tent.id, 3, donor.id, shelf_a.id), kind="receipt", actor=actor)
    lines = db.session.get(Document, posted.document_id).lines
    assert [(m.line_no, m.item_id, m.quantity) for m in lines] == [
        (1, sleeping_bag.id, 5), (2, tent.id, 3)]
    assert stock_levels() == {(shelf_a.id, sleeping_bag.id): 5, (shelf_a.id, tent.id): 3}


def test_a_quantity_typed_as_text_is_counted_as_the_number(actor, sleeping_bag, shelf_a,
                                                           donor):
    post(Line(sleeping_bag.id, "12", donor.id, shelf_a.id), kind="receipt", actor=actor)
    post(Line(sleeping_bag.id, "3,0", donor.id, shelf_a.id), kind="receipt", actor=actor)
    assert level(shelf_a, sleeping_bag) == 15
    assert db.session.scalars(select(Movement.quantity).order_by(Movement.id)).all() == [12, 3]


# --- moves ------------------------------------------------------------------------------

def test_moving_loose_stock_takes_it_off_one_shelf_and_puts_it_on_another(
        actor, sleeping_bag, shelf_a, shelf_b):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    post(Line(sleeping_bag.id, 4, shelf_a.id, shelf_b.id), actor=actor)
    assert stock_levels() == {(shelf_a.id, sleeping_bag.id): 6, (shelf_b.id, sleeping_bag.id): 4}
    assert_ledger_agrees()


def test_all_of_a_shelf_can_be_moved_and_leaves_it_at_zero(actor, sleeping_bag, shelf_a,
                                                           shelf_b):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    post(Line(sleeping_bag.id, 10, shelf_a.id, shelf_b.id), actor=actor)
    assert level(shelf_a, sleeping_bag) == 0
    assert level(shelf_b, sleeping_bag) == 10
    assert_ledger_agrees()


def test_moving_a_whole_box_moves_the_box_and_its_stock_together(actor, sleeping_bag, shelf_a,
                                                                 shelf_b, box):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    receive(sleeping_bag, shelf_a, 2, actor=actor)
    post(Line(sleeping_bag.id, 8, shelf_a.id, shelf_b.id, box.id, box.id), actor=actor)
    assert box_state(box) == (sleeping_bag.id, shelf_b.id, 8)
    assert stock_levels() == {(shelf_a.id, sleeping_bag.id): 2, (shelf_b.id, sleeping_bag.id): 8}
    assert_ledger_agrees()


def test_taking_some_out_of_a_box_leaves_the_rest_in_it(actor, sleeping_bag, shelf_a,
                                                        distributed, custody, box):
    receive(sleeping_bag, shelf_a, 20, actor=actor, box=box)
    post(Line(sleeping_bag.id, 5, shelf_a.id, custody.id, box.id), kind="dispatch",
         actor=actor)
    assert box_state(box) == (sleeping_bag.id, shelf_a.id, 15)
    assert level(shelf_a, sleeping_bag) == 15
    assert level(custody, sleeping_bag) == 5
    assert_ledger_agrees()


def test_taking_stock_out_of_a_box_onto_its_shelf_makes_it_loose(actor, sleeping_bag, shelf_a,
                                                                 shelf_b, box):
    receive(sleeping_bag, shelf_a, 20, actor=actor, box=box)
    post(Line(sleeping_bag.id, 5, shelf_a.id, shelf_a.id, box.id), actor=actor)
    assert box_state(box) == (sleeping_bag.id, shelf_a.id, 15)
    assert level(shelf_a, sleeping_bag) == 20
    # The five are loose now, so they can leave the shelf without touching the box.
    post(Line(sleeping_bag.id, 5, shelf_a.id, shelf_b.id), actor=actor)
    assert level(shelf_a, sleeping_bag) == 15
    assert_ledger_agrees()


def test_a_box_is_topped_up_from_loose_stock_on_its_shelf(actor, sleeping_bag, shelf_a, box):
    receive(sleeping_bag, shelf_a, 10, actor=actor, box=box)
    receive(sleeping_bag, shelf_a, 6, actor=actor)
    post(Line(sleeping_bag.id, 6, shelf_a.id, shelf_a.id, None, box.id), actor=actor)
    assert box_state(box) == (sleeping_bag.id, shelf_a.id, 16)
    assert level(shelf_a, sleeping_bag) == 16
    assert_ledger_agrees()


def test_a_box_is_topped_up_from_a_new_donation(actor, sleeping_bag, shelf_a, box):
    receive(sleeping_bag, shelf_a, 10, actor=actor, box=box)
    receive(sleeping_bag, shelf_a, 5, actor=actor, box=box)
    assert box_state(box) == (sleeping_bag.id, shelf_a.id, 15)
    assert_ledger_agrees()


def test_stock_moves_from_one_box_into_another_on_another_shelf(actor, sleeping_bag, shelf_a,
                                                                shelf_b, create_box):
    full, empty = create_box(), create_box()
    receive(sleeping_bag, shelf_a, 10, actor=actor, box=full)
    post(Line(sleeping_bag.id, 4, shelf_a.id, shelf_b.id, full.id, empty.id), actor=actor)
    assert box_state(full) == (sleeping_bag.id, shelf_a.id, 6)
    assert box_state(empty) == (sleeping_bag.id, shelf_b.id, 4)
    assert_ledger_agrees()


def test_an_emptied_box_can_be_filled_again_on_another_shelf(actor, sleeping_bag, shelf_a,
                                                             shelf_b, distributed, box):
    receive(sleeping_bag, shelf_a, 3, actor=actor, box=box)
    post(Line(sleeping_bag.id, 3, shelf_a.id, distributed.id, box.id), actor=actor)
    receive(sleeping_bag, shelf_b, 7, actor=actor, box=box)
    assert box_state(box) == (sleeping_bag.id, shelf_b.id, 7)
    assert_ledger_agrees()


def test_stock_dispatched_to_a_partner_is_in_its_custody_until_distributed(
        actor, sleeping_bag, shelf_a, custody, distributed):
    receive(sleeping_bag, shelf_a, 30, actor=actor)
    post(Line(sleeping_bag.id, 25, shelf_a.id, custody.id), kind="dispatch", actor=actor)
    post(Line(sleeping_bag.id, 20, custody.id, distributed.id), kind="distribution",
         actor=actor, reason="eviction replacement")
    post(Line(sleeping_bag.id, 5, custody.id, shelf_a.id), kind="return", actor=actor)
    assert stock_levels() == {(shelf_a.id, sleeping_bag.id): 10}
    assert_ledger_agrees()


def test_stock_goes_between_sites_through_transit(actor, sleeping_bag, shelf_a, far_shelf,
                                                  dummy_site):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    transit = ledger.transit_location(dummy_site)
    post(Line(sleeping_bag.id, 10, shelf_a.id, transit.id), kind="transfer", actor=actor)
    assert level(transit, sleeping_bag) == 10
    post(Line(sleeping_bag.id, 10, transit.id, far_shelf.id), kind="transfer", actor=actor)
    assert stock_levels() == {(far_shelf.id, sleeping_bag.id): 10}
    assert_ledger_agrees()


def test_written_off_stock_leaves_the_warehouse(actor, sleeping_bag, shelf_a, written_off):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    post(Line(sleeping_bag.id, 3, shelf_a.id, written_off.id), kind="write_off",
         actor=actor, reason="damaged")
    assert level(shelf_a, sleeping_bag) == 7
    assert (written_off.id, sleeping_bag.id) not in stock_levels()  # virtual: no balance
    assert_ledger_agrees()


def test_the_stock_page_adds_up_the_shelves_of_each_site_and_nothing_else(
        actor, sleeping_bag, shelf_a, shelf_b, far_shelf, custody, dummy_site):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    receive(sleeping_bag, shelf_b, 5, actor=actor)
    receive(sleeping_bag, far_shelf, 7, actor=actor)
    post(Line(sleeping_bag.id, 4, shelf_a.id, custody.id), kind="dispatch", actor=actor)
    by_site = {row.site_id: row.on_hand for row in stock_by_site()}
    assert by_site == {dummy_site.id: 11, far_shelf.site_id: 7}
    [row] = stock_by_site(site_id=dummy_site.id)
    assert (row.item_id, row.on_hand) == (sleeping_bag.id, 11)


# --- reversal ---------------------------------------------------------------------------

def test_reversing_a_document_cancels_its_effect_on_stock(actor, sleeping_bag, tent, shelf_a,
                                                          shelf_b, box):
    receive(sleeping_bag, shelf_a, 10, actor=actor, box=box)
    receive(tent, shelf_a, 4, actor=actor)
    before = stock_levels()
    move = post(Line(sleeping_bag.id, 10, shelf_a.id, shelf_b.id, box.id, box.id),
                Line(tent.id, 3, shelf_a.id, shelf_b.id), actor=actor)
    reversal = ledger.reverse_document(move.document_id, actor=actor, reason="wrong shelf")
    assert stock_levels() == before
    assert box_state(box) == (sleeping_bag.id, shelf_a.id, 10)
    document = db.session.get(Document, reversal.document_id)
    assert (document.kind, document.reverses_id, document.reason) == (
        DocumentKind.REVERSAL, move.document_id, "wrong shelf")
    # History is kept: the mistake and its correction are both in the ledger.
    assert len(document.lines) == 2
    assert db.session.get(Document, move.document_id).lines[0].quantity == 10
    assert_ledger_agrees()


def test_a_document_cannot_be_reversed_twice(actor, sleeping_bag, shelf_a):
    posted = receive(sleeping_bag, shelf_a, 10, actor=actor)
    reversal = ledger.reverse_document(posted.document_id, actor=actor)
    before = ledger_snapshot()
    with pytest.raises(errors.AlreadyReversed) as caught:
        ledger.reverse_document(posted.document_id, actor=actor)
    assert str(caught.value) == (f"Document {posted.document_id} was already reversed by "
                                 f"document {reversal.document_id}.")
    with pytest.raises(errors.AlreadyReversed):
        ledger.reverse_document(posted.document_id, actor=actor, idempotency_key="other")
    assert ledger_snapshot() == before


def test_a_reversal_is_refused_when_the_stock_has_moved_on(actor, sleeping_bag, shelf_a,
                                                          shelf_b):
    posted = receive(sleeping_bag, shelf_a, 10, actor=actor)
    post(Line(sleeping_bag.id, 8, shelf_a.id, shelf_b.id), actor=actor)
    before = ledger_snapshot()
    with pytest.raises(errors.InsufficientStock) as caught:
        ledger.reverse_document(posted.document_id, actor=actor)
    assert str(caught.value) == ("Not enough Sleeping bag at Shelf A1: 2 available, "
                                 "10 needed.")
    assert ledger_snapshot() == before


def test_a_reversal_cannot_itself_be_reversed(actor, sleeping_bag, shelf_a):
    posted = receive(sleeping_bag, shelf_a, 10, actor=actor)
    reversal = ledger.reverse_document(posted.document_id, actor=actor)
    before = ledger_snapshot()
    with pytest.raises(errors.CannotReverseReversal):
        ledger.reverse_document(reversal.document_id, actor=actor)
    assert ledger_snapshot() == before


def test_reversing_a_document_that_does_not_exist_is_refused(actor):
    with pytest.raises(errors.UnknownDocument):
        ledger.reverse_document(987654, actor=actor)


def test_a_replayed_reversal_is_recorded_once(actor, sleeping_bag, shelf_a):
    posted = receive(sleeping_bag, shelf_a, 10, actor=actor)
    first = ledger.reverse_document(posted.document_id, actor=actor, idempotency_key="undo-1")
    before = ledger_snapshot()
    again = ledger.reverse_document(posted.document_id, actor=actor, idempotency_key="undo-1")
    assert (again.document_id, again.replayed) == (first.document_id, True)
    assert ledger_snapshot() == before


# --- idempotency ------------------------------------------------------------------------

def test_a_replayed_document_is_recorded_once(actor, sleeping_bag, shelf_a, donor):
    line = Line(sleeping_bag.id, 12, donor.id, shelf_a.id)
    first = post(line, kind="receipt", actor=actor, idempotency_key="tablet-3:scan-41")
    before = ledger_snapshot()
    for _ in range(3):
        again = post(line, kind="receipt", actor=actor, idempotency_key="tablet-3:scan-41")
        assert (again.document_id, again.replayed) == (first.document_id, True)
    assert ledger_snapshot() == before
    assert level(shelf_a, sleeping_bag) == 12


def test_a_key_reused_for_different_contents_is_refused_and_writes_nothing(
        actor, sleeping_bag, tent, shelf_a, donor):
    post(Line(sleeping_bag.id, 12, donor.id, shelf_a.id), kind="receipt", actor=actor,
         idempotency_key="k1")
    other_contents = [
        {"kind": "receipt", "lines": [Line(sleeping_bag.id, 13, donor.id, shelf_a.id)]},
        {"kind": "receipt", "lines": [Line(tent.id, 12, donor.id, shelf_a.id)]},
        {"kind": "adjustment", "lines": [Line(sleeping_bag.id, 12, donor.id, shelf_a.id)]},
        {"kind": "receipt", "lines": [Line(sleeping_bag.id, 12, donor.id, shelf_a.id)],
         "reason": "other reason"},
        {"kind": "receipt", "lines": [Line(sleeping_bag.id, 12, donor.id, shelf_a.id)],
         "actor": factories.create_user()},
    ]
    for contents in other_contents:
        error = refused(errors.IdempotencyKeyReused,
                        **({"actor": actor, "idempotency_key": "k1"} | contents))
        assert "already recorded with different contents" in str(error)
    assert level(shelf_a, sleeping_bag) == 12


def test_the_key_of_a_refused_document_can_post_it_once_the_stock_is_there(
        actor, sleeping_bag, shelf_a, shelf_b):
    move = Line(sleeping_bag.id, 5, shelf_a.id, shelf_b.id)
    refused(errors.InsufficientStock, lines=[move], actor=actor, idempotency_key="offline-7")
    receive(sleeping_bag, shelf_a, 5, actor=actor)
    posted = post(move, actor=actor, idempotency_key="offline-7")
    assert not posted.replayed
    assert level(shelf_b, sleeping_bag) == 5


def test_documents_without_a_key_are_each_recorded(actor, sleeping_bag, shelf_a, donor):
    line = Line(sleeping_bag.id, 1, donor.id, shelf_a.id)
    first, second = post(line, actor=actor), post(line, actor=actor)
    assert first.document_id != second.document_id
    assert level(shelf_a, sleeping_bag) == 2


# --- bad input: each refused with its named error, nothing written -----------------------

@pytest.mark.parametrize("quantity, error", [
    (0, errors.QuantityMustBePositive),
    ("0", errors.QuantityMustBePositive),
    (-3, errors.QuantityMustBePositive),
    ("-3", errors.QuantityMustBePositive),
    ("2.5", errors.QuantityMustBeWhole),
    ("2,5", errors.QuantityMustBeWhole),
    (Decimal("2.5"), errors.QuantityMustBeWhole),
    (2.5, errors.QuantityMustBeWhole),
    ("1,000", errors.QuantityMustBeWhole),
    ("nan", errors.QuantityMustBeWhole),
    (True, errors.QuantityMustBeWhole),
    (None, errors.QuantityMustBeWhole),
    ("twelve", errors.QuantityMustBeWhole),
    (ledger.MAX_LINE_QUANTITY + 1, errors.QuantityTooLarge),
    (10 ** 12, errors.QuantityTooLarge),
    ("1e999999999", errors.QuantityTooLarge),
], ids=lambda value: repr(value) if not isinstance(value, type) else value.__name__)
def test_a_quantity_that_is_not_a_whole_positive_plausible_number_is_refused(
        actor, sleeping_bag, shelf_a, donor, quantity, error):
    refused(error, kind="receipt", actor=actor,
            lines=[Line(sleeping_bag.id, quantity, donor.id, shelf_a.id)])


def test_a_refused_quantity_names_the_item_and_what_was_typed(actor, sleeping_bag, shelf_a,
                                                              donor):
    error = refused(errors.QuantityMustBeWhole, kind="receipt", actor=actor,
                    lines=[Line(sleeping_bag.id, "2,5", donor.id, shelf_a.id)])
    assert str(error) == ("Sleeping bag is counted in whole numbers (unit: piece); 2,5 is "
                          "not a whole number.")


def test_cannot_take_more_than_the_shelf_holds(actor, sleeping_bag, shelf_a, shelf_b):
    receive(sleeping_bag, shelf_a, 4, actor=actor)
    error = refused(errors.InsufficientStock, actor=actor,
                    lines=[Line(sleeping_bag.id, 5, shelf_a.id, shelf_b.id)])
    assert str(error) == "Not enough Sleeping bag at Shelf A1: 4 available, 5 needed."
    assert error.params["available"] == 4


def test_cannot_take_an_item_the_shelf_never_had(actor, tent, shelf_a, shelf_b):
    error = refused(errors.InsufficientStock, actor=actor,
                    lines=[Line(tent.id, 1, shelf_a.id, shelf_b.id)])
    assert str(error) == "Not enough Tent (2 person) at Shelf A1: 0 available, 1 needed."


def test_two_lines_together_cannot_take_more_than_the_shelf_holds(actor, sleeping_bag,
                                                                  shelf_a, shelf_b, custody):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    error = refused(errors.InsufficientStock, actor=actor, lines=[
        Line(sleeping_bag.id, 6, shelf_a.id, shelf_b.id),
        Line(sleeping_bag.id, 6, shelf_a.id, custody.id)])
    assert "10 available, 12 needed" in str(error)


def test_a_partner_cannot_distribute_more_than_it_holds(actor, sleeping_bag, shelf_a, custody,
                                                        distributed, dummy_partner):
    receive(sleeping_bag, shelf_a, 10, actor=actor)
    post(Line(sleeping_bag.id, 3, shelf_a.id, custody.id), kind="dispatch", actor=actor)
    error = refused(errors.InsufficientStock, kind="distribution", actor=actor,
                    lines=[Line(sleeping_bag.id, 4, custody.id, distributed.id)])
    assert "3 available, 4 needed" in str(error)


def test_loose_stock_is_protected_from_taking_what_is_in_boxes(actor, sleeping_bag, shelf_a,
                                                               shelf_b, box):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    receive(sleeping_bag, shelf_a, 2, actor=actor)
    assert level(shelf_a, sleeping_bag) == 10
    error = refused(errors.InsufficientStock, actor=actor,
                    lines=[Line(sleeping_bag.id, 3, shelf_a.id, shelf_b.id)])
    assert str(error) == "Not enough Sleeping bag at Shelf A1: 2 available, 3 needed."
    # Nor can loose stock be put into a box that it does not have.
    refused(errors.InsufficientStock, actor=actor,
            lines=[Line(sleeping_bag.id, 3, shelf_a.id, shelf_a.id, None, box.id)])
    post(Line(sleeping_bag.id, 2, shelf_a.id, shelf_b.id), actor=actor)  # the loose two


def test_a_failure_half_way_writes_nothing_of_the_first_line(actor, sleeping_bag, tent,
                                                             shelf_a, shelf_b, donor, box):
    receive(tent, shelf_a, 1, actor=actor)
    refused(errors.InsufficientStock, kind="receipt", actor=actor, lines=[
        Line(sleeping_bag.id, 5, donor.id, shelf_a.id, None, box.id),
        Line(tent.id, 2, shelf_a.id, shelf_b.id)])
    refused(errors.UnknownItem, kind="receipt", actor=actor, lines=[
        Line(sleeping_bag.id, 5, donor.id, shelf_a.id, None, box.id),
        Line(987654, 2, donor.id, shelf_a.id)])
    refused(errors.InsufficientStockInBox, kind="receipt", actor=actor, lines=[
        Line(sleeping_bag.id, 5, donor.id, shelf_a.id, None, box.id),
        Line(sleeping_bag.id, 6, shelf_a.id, shelf_b.id, box.id)])
    assert box_state(box) == (None, None, 0)


def test_an_unknown_item_is_refused(actor, shelf_a, donor):
    error = refused(errors.UnknownItem, kind="receipt", actor=actor,
                    lines=[Line(987654, 1, donor.id, shelf_a.id)])
    assert "987654" in str(error)


def test_an_unknown_location_is_refused(actor, sleeping_bag, shelf_a, donor):
    refused(errors.UnknownLocation, kind="receipt", actor=actor,
            lines=[Line(sleeping_bag.id, 1, donor.id, 987654)])
    refused(errors.UnknownLocation, actor=actor,
            lines=[Line(sleeping_bag.id, 1, 987654, shelf_a.id)])


def test_an_unknown_box_is_refused(actor, sleeping_bag, shelf_a, shelf_b, donor):
    receive(sleeping_bag, shelf_a, 5, actor=actor)
    refused(errors.UnknownBox, kind="receipt", actor=actor,
            lines=[Line(sleeping_bag.id, 1, donor.id, shelf_a.id, None, 987654)])
    refused(errors.UnknownBox, actor=actor,
            lines=[Line(sleeping_bag.id, 1, shelf_a.id, shelf_b.id, 987654)])


def test_an_unknown_actor_is_refused(sleeping_bag, shelf_a, donor):
    refused(errors.UnknownUser, kind="receipt", actor=987654,
            lines=[Line(sleeping_bag.id, 1, donor.id, shelf_a.id)])


def test_an_unknown_site_is_refused(actor, sleeping_bag, shelf_a, donor):
    refused(errors.UnknownSite, kind="receipt", actor=actor, site_id=987654,
            lines=[Line(sleeping_bag.id, 1, donor.id, shelf_a.id)])


def test_an_item_no_longer_in_use_is_refused(actor, create_item, shelf_a, donor):
    old = create_item(name="Summer tent", active=False)
    error = refused(errors.ItemInactive, kind="receipt", actor=actor,
                    lines=[Line(old.id, 1, donor.id, shelf_a.id)])
    assert "Summer tent" in str(error)


def test_a_closed_location_is_refused(actor, sleeping_bag, create_location, dummy_site,
                                      shelf_a, donor):
    closed = create_location(site=dummy_site, name="Old bay", active=False)
    error = refused(errors.LocationInactive, kind="receipt", actor=actor,
                    lines=[Line(sleeping_bag.id, 1, donor.id, closed.id)])
    assert "Old bay" in str(error)


def test_stock_cannot_go_from_a_shelf_to_the_same_shelf(actor, sleeping_bag, shelf_a):
    receive(sleeping_bag, shelf_a, 5, actor=actor)
    error = refused(errors.SameLocation, actor=actor,
                    lines=[Line(sleeping_bag.id, 1, shelf_a.id, shelf_a.id)])
    assert "Sleeping bag" in str(error) and "Shelf A1" in str(error)


def test_a_box_cannot_be_moved_to_where_it_already_is(actor, sleeping_bag, shelf_a, box):
    receive(sleeping_bag, shelf_a, 5, actor=actor, box=box)
    error = refused(errors.BoxAlreadyThere, actor=actor,
                    lines=[Line(sleeping_bag.id, 5, shelf_a.id, shelf_a.id, box.id, box.id)])
    assert str(error) == f"Box {box.code} is already at Shelf A1."


def test_part_of_a_box_cannot_be_moved_as_a_whole_box(actor, sleeping_bag, shelf_a, shelf_b,
                                                      box):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    error = refused(errors.BoxMustMoveWhole, actor=actor,
                    lines=[Line(sleeping_bag.id, 3, shelf_a.id, shelf_b.id, box.id, box.id)])
    assert "holds 8" in str(error) and "To move 3" in str(error)


def test_a_box_cannot_be_taken_from_a_shelf_it_is_not_on(actor, sleeping_bag, shelf_a,
                                                         shelf_b, box, custody):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    receive(sleeping_bag, shelf_b, 8, actor=actor)
    error = refused(errors.BoxNotAtLocation, actor=actor,
                    lines=[Line(sleeping_bag.id, 8, shelf_b.id, custody.id, box.id, box.id)])
    assert str(error) == (f"Box {box.code} is not at Shelf B2 (it is at Shelf A1). "
                          "Scan it again where it is.")
    refused(errors.BoxNotAtLocation, actor=actor,
            lines=[Line(sleeping_bag.id, 1, shelf_b.id, custody.id, box.id)])


def test_cannot_take_more_out_of_a_box_than_it_holds(actor, sleeping_bag, shelf_a, shelf_b,
                                                     box):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    receive(sleeping_bag, shelf_a, 20, actor=actor)
    error = refused(errors.InsufficientStockInBox, actor=actor,
                    lines=[Line(sleeping_bag.id, 9, shelf_a.id, shelf_b.id, box.id)])
    assert str(error) == f"Box {box.code} holds 8 of Sleeping bag, 9 needed."


def test_a_box_of_another_item_is_refused(actor, sleeping_bag, tent, shelf_a, shelf_b, donor,
                                          box):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    receive(tent, shelf_a, 8, actor=actor)
    error = refused(errors.BoxItemMismatch, actor=actor,
                    lines=[Line(tent.id, 2, shelf_a.id, shelf_b.id, box.id)])
    assert str(error) == f"Box {box.code} holds Sleeping bag, not Tent (2 person)."
    refused(errors.BoxItemMismatch, kind="receipt", actor=actor,
            lines=[Line(tent.id, 2, donor.id, shelf_a.id, None, box.id)])
    refused(errors.BoxItemMismatch, actor=actor,
            lines=[Line(tent.id, 2, shelf_a.id, shelf_a.id, None, box.id)])


def test_a_box_cannot_be_put_in_a_virtual_location(actor, sleeping_bag, shelf_a, distributed,
                                                   box):
    receive(sleeping_bag, shelf_a, 8, actor=actor, box=box)
    refused(errors.BoxNotInStock, actor=actor,
            lines=[Line(sleeping_bag.id, 8, shelf_a.id, distributed.id, box.id, box.id)])


def test_a_document_cannot_mix_shelves_of_two_sites(actor, sleeping_bag, shelf_a, far_shelf,
                                                    donor):
    receive(sleeping_bag, shelf_a, 5, actor=actor)
    error = refused(errors.LocationOfAnotherSite, kind="transfer", actor=actor,
                    lines=[Line(sleeping_bag.id, 5, shelf_a.id, far_shelf.id)])
    assert "Dunkirk shelf" in str(error) and "through a transfer" in str(error)
    refused(errors.LocationOfAnotherSite, kind="receipt", actor=actor, lines=[
        Line(sleeping_bag.id, 1, donor.id, shelf_a.id),
        Line(sleeping_bag.id, 1, donor.id, far_shelf.id)])


def test_a_document_for_one_site_cannot_touch_another_sites_shelf(actor, sleeping_bag,
                                                                  far_shelf, donor,
                                                                  dummy_site):
    refused(errors.LocationOfAnotherSite, kind="receipt", actor=actor, site_id=dummy_site.id,
            lines=[Line(sleeping_bag.id, 1, donor.id, far_shelf.id)])


def test_an_empty_document_is_refused(actor):
    error = refused(errors.EmptyDocument, actor=actor, lines=[])
    assert "at least one line" in str(error)


def test_a_document_with_too_many_lines_is_refused(actor, sleeping_bag, shelf_a, donor):
    line = Line(sleeping_bag.id, 1, donor.id, shelf_a.id)
    refused(errors.TooManyLines, kind="receipt", actor=actor,
            lines=[line] * (ledger.MAX_LINES + 1))


def test_an_unknown_kind_of_document_is_refused(actor, sleeping_bag, shelf_a, donor):
    error = refused(errors.UnknownDocumentKind, kind="gift", actor=actor,
                    lines=[Line(sleeping_bag.id, 1, donor.id, shelf_a.id)])
    assert "gift" in str(error)


# --- flask stock verify -----------------------------------------------------------------

@pytest.fixture
def some_history(actor, sleeping_bag, tent, shelf_a, shelf_b, custody, box):
    receive(sleeping_bag, shelf_a, 12, actor=actor)
    receive(tent, shelf_a, 6, actor=actor, box=box)
    post(Line(sleeping_bag.id, 5, shelf_a.id, shelf_b.id),
         Line(tent.id, 6, shelf_a.id, custody.id, box.id, box.id), actor=actor)


def corrupt(statement) -> None:
    """Change stored stock behind the ledger's back, as a bug or a hand edit would."""
    db.session.execute(statement)
    db.session.commit()


def test_verify_says_so_when_stock_agrees_with_the_ledger(runner, some_history):
    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 0, result.output
    assert "agree with the ledger" in result.output


def test_verify_names_a_level_that_differs_from_the_ledger(runner, some_history, shelf_a,
                                                           sleeping_bag):
    corrupt(update(StockLevel).where(StockLevel.location_id == shelf_a.id,
                                     StockLevel.item_id == sleeping_bag.id)
            .values(quantity=StockLevel.quantity + 5))
    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 1
    assert "Shelf A1 / Sleeping bag: stored 12, ledger 7 (-5)" in result.output
    assert "1 stock level(s) and 0 box(es) differ" in result.output


def test_verify_repair_rewrites_levels_from_the_ledger(runner, some_history, shelf_a, shelf_b,
                                                       sleeping_bag):
    corrupt(update(StockLevel).where(StockLevel.location_id == shelf_a.id,
                                     StockLevel.item_id == sleeping_bag.id)
            .values(quantity=99))
    corrupt(delete(StockLevel).where(StockLevel.location_id == shelf_b.id))
    result = runner.invoke(args=["stock", "verify", "--repair"])
    assert result.exit_code == 1  # it found differences, even though it fixed them
    assert "Rewrote 2 stock level(s)" in result.output
    assert stock_levels()[(shelf_a.id, sleeping_bag.id)] == 7
    assert stock_levels()[(shelf_b.id, sleeping_bag.id)] == 5
    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 0, result.output


def test_verify_names_a_box_whose_quantity_differs_from_the_ledger(runner, some_history, box):
    corrupt(update(Box).where(Box.id == box.id).values(quantity=4))
    result = runner.invoke(args=["stock", "verify"])
    assert result.exit_code == 1
    assert f"{box.code}: stored 4, ledger 6 (+2)" in result.output
