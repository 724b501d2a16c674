"""Item barcodes: managers add the EAN/UPC printed on packages, checked digit by digit."""
import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import login
from warehouse.audit.models import AuditEvent
from warehouse.catalogue import barcodes
from warehouse.catalogue.models import ItemBarcode
from warehouse.extensions import db


@pytest.mark.parametrize("code", ["3760012345014", "76001239", "036000291452",
                                  "4006381333931", "96385074"])
def test_valid_ean_13_ean_8_and_upc_a_barcodes_are_accepted(code):
    assert barcodes.clean_barcode(code) == code


def test_spaces_and_a_scanner_on_the_wrong_layout_are_forgiven():
    assert barcodes.clean_barcode(" 3 760012 345014 ") == "3760012345014"
    assert barcodes.clean_barcode('"è-àà&é"\'(à&\'') == "3760012345014"


def test_a_wrong_check_digit_says_which_digit_it_should_be():
    with pytest.raises(barcodes.CheckDigitWrong) as refused:
        barcodes.clean_barcode("3760012345015")
    assert "should be 4" in refused.value.message and "EAN-13" in refused.value.message


@pytest.mark.parametrize("code", ["", "123", "37600123450141", "B00123", "376001234501x"])
def test_something_else_than_8_12_or_13_digits_is_not_a_barcode(code):
    with pytest.raises(barcodes.NotABarcode):
        barcodes.clean_barcode(code)


def test_a_barcode_names_one_item_even_written_as_upc_or_ean(manager):
    soap, nappies = factories.create_item(name="Soap"), factories.create_item(name="Nappies")
    barcodes.add_barcode(item_id=soap.id, code="036000291452", quantity=1, actor=manager)
    with pytest.raises(barcodes.BarcodeTaken) as refused:
        barcodes.add_barcode(item_id=nappies.id, code="0036000291452", quantity=1,
                             actor=manager)
    assert "Soap" in refused.value.message


@pytest.mark.parametrize("quantity", [0, -1, "two", 10_001])
def test_a_pack_quantity_is_a_whole_number_from_one(manager, quantity):
    soap = factories.create_item()
    with pytest.raises(barcodes.PackQuantityNotValid):
        barcodes.add_barcode(item_id=soap.id, code="3760012345014", quantity=quantity,
                             actor=manager)


# --- the page ----------------------------------------------------------------------------------

def test_a_manager_adds_a_barcode_for_a_pack_of_24(client, manager):
    nappies = factories.create_item(name="Nappies", size="Size 4")
    login(client, manager)
    response = client.post("/barcodes", data={"item": nappies.id, "code": "3760012345014",
                                              "pack_quantity": "24"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Barcode 3760012345014 added to Nappies (Size 4)." in page
    saved = db.session.scalar(select(ItemBarcode))
    assert (saved.item_id, saved.code, saved.pack_quantity) == (nappies.id, "3760012345014", 24)
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.target_type == "itembarcode")) == "item_barcode.add"


def test_a_mistyped_barcode_is_refused_next_to_its_field_and_nothing_is_saved(client, manager):
    item = factories.create_item()
    login(client, manager)
    page = client.post("/barcodes", data={"item": item.id, "code": "3760012345015",
                                          "pack_quantity": "1"})
    assert page.status_code == 422
    assert "its last digit should be 4" in page.get_data(as_text=True)
    assert db.session.scalar(select(ItemBarcode)) is None


def test_a_barcode_without_an_item_is_refused(client, manager):
    login(client, manager)
    page = client.post("/barcodes", data={"item": "0", "code": "3760012345014",
                                          "pack_quantity": "1"})
    assert page.status_code == 422
    assert "Choose the item" in page.get_data(as_text=True)


def test_a_manager_removes_a_barcode(client, manager):
    item = factories.create_item(name="Soap")
    barcode = barcodes.add_barcode(item_id=item.id, code="76001239", quantity=1, actor=manager)
    login(client, manager)
    response = client.post(f"/barcodes/{barcode.id}/remove")
    assert response.status_code == 303
    assert db.session.scalar(select(ItemBarcode)) is None
    assert "removed" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_page_lists_barcodes_and_one_items_alone(client, manager):
    soap, bags = factories.create_item(name="Soap"), factories.create_item(name="Bag")
    barcodes.add_barcode(item_id=soap.id, code="76001239", quantity=6, actor=manager)
    barcodes.add_barcode(item_id=bags.id, code="96385074", quantity=1, actor=manager)
    login(client, manager)
    everything = client.get("/barcodes").get_data(as_text=True)
    assert "76001239" in everything and "96385074" in everything
    one = client.get(f"/barcodes?item={soap.id}").get_data(as_text=True)
    assert "76001239" in one and "96385074" not in one


@pytest.mark.parametrize("role", ["volunteer", "coordinator"])
def test_only_managers_and_admins_edit_barcodes(client, role):
    login(client, factories.create_user(role=role))
    assert client.get("/barcodes").status_code == 403
