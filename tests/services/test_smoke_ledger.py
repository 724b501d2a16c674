from warehouse.models import StockLevel
from tests.factories import receive


def test_a_received_donation_shows_on_the_shelf(dummy_manager, dummy_item, dummy_shelf):
    receive(dummy_item, dummy_shelf, 12, actor=dummy_manager)
    level = StockLevel.query.filter_by(item_id=dummy_item.id).one()
    assert level.quantity == 12
