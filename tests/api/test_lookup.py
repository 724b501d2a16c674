"""Looking up whatever was scanned, and the code cache a scanner keeps for going offline."""
from urllib.parse import quote

import pytest

from tests import factories
from tests.api.conftest import assert_problem, bearer
from tests.requests_factories import create_approved_request
from warehouse.catalogue.models import ItemBarcode
from warehouse.models import LocationKind, RequestStatus
from warehouse.stock import services as ledger

AZERTY_DIGITS = str.maketrans("1234567890", "&é\"'(-è_çà")


@pytest.fixture
def shop(manager):
    site = factories.create_site(name="Calais")
    shelf = factories.create_location(site=site, name="Shelf A1")
    nappies = factories.create_item(name="Nappies", size="Size 4")
    soap = factories.create_item(name="Soap bar")
    box = factories.create_box()
    empty = factories.create_box()
    factories.receive(nappies, shelf, 10, actor=manager, box=box)
    factories.receive(soap, shelf, 2, actor=manager, box=empty)
    # Empty the soap box through the ledger.
    ledger.post_document(kind="adjustment", actor=manager, lines=[ledger.Line(
        soap.id, 2, shelf.id, ledger.system_location(LocationKind.ADJUSTMENT).id, empty.id)])
    factories._save(ItemBarcode(item_id=soap.id, code="3760012345014", pack_quantity=4))
    factories._save(ItemBarcode(item_id=nappies.id, code="036000291452", pack_quantity=1))
    return {"site": site, "shelf": shelf, "nappies": nappies, "soap": soap, "box": box,
            "empty": empty, "blank": factories.create_box()}


def look_up(client, user, text, **headers):
    return client.get(f"/api/v1/codes/{quote(text, safe='')}", headers=bearer(user) | headers)


def test_a_box_is_found_with_what_it_holds_and_what_can_be_done(client, volunteer, shop):
    body = look_up(client, volunteer, shop["box"].code).get_json()
    assert body["kind"] == "box" and body["code"] == shop["box"].code
    assert body["label"] == f"{shop['box'].code} · 10 × Nappies (Size 4)"
    assert body["box"]["quantity"] == 10 and body["box"]["location_code"] == shop["shelf"].code
    assert body["actions"] == ["move", "take", "top_up", "pick", "count"]
    assert body["location"] is None and body["item"] is None and body["pack_quantity"] is None


def test_an_empty_box_can_be_topped_up_but_not_taken_from(client, volunteer, shop):
    body = look_up(client, volunteer, shop["empty"].code).get_json()
    assert body["kind"] == "box" and body["box"]["state"] == "empty"
    assert "take" not in body["actions"] and "top_up" in body["actions"]


def test_a_blank_box_is_to_be_filled(client, volunteer, shop):
    body = look_up(client, volunteer, shop["blank"].code).get_json()
    assert body["kind"] == "blank_box" and body["actions"] == ["fill"]
    assert body["box"]["state"] == "blank"


def test_a_location_is_found(client, volunteer, shop):
    body = look_up(client, volunteer, shop["shelf"].code).get_json()
    assert body["kind"] == "location" and body["location"]["name"] == "Shelf A1"
    assert body["location"]["boxes"] == 1
    assert body["actions"] == ["move", "count"]


def test_an_item_is_found_by_its_own_code(client, volunteer, shop):
    body = look_up(client, volunteer, shop["soap"].code).get_json()
    assert body["kind"] == "item" and body["item"]["id"] == shop["soap"].id
    assert body["pack_quantity"] is None


def test_an_item_is_found_by_the_ean_on_its_package_with_how_many_it_holds(client, volunteer,
                                                                          shop):
    body = look_up(client, volunteer, "3760012345014").get_json()
    assert body["kind"] == "item" and body["item"]["name"] == "Soap bar"
    assert body["pack_quantity"] == 4 and body["label"] == "4 × Soap bar"
    assert body["item"]["barcodes"] == [{"code": "3760012345014", "pack_quantity": 4}]


def test_a_upc_is_found_when_the_scanner_reads_it_as_an_ean_13(client, volunteer, shop):
    for text in ("036000291452", "0036000291452"):
        body = look_up(client, volunteer, text).get_json()
        assert body["item"]["id"] == shop["nappies"].id and body["pack_quantity"] == 1


@pytest.mark.parametrize("what", ["box", "shelf", "soap"])
def test_a_code_typed_by_a_us_scanner_on_an_azerty_keyboard_is_found(client, volunteer, shop,
                                                                    what):
    code = shop[what].code
    body = look_up(client, volunteer, code.translate(AZERTY_DIGITS)).get_json()
    assert body["code"] == code


def test_an_ean_typed_by_a_us_scanner_on_an_azerty_keyboard_is_found(client, volunteer, shop):
    body = look_up(client, volunteer, "3760012345014".translate(AZERTY_DIGITS)).get_json()
    assert body["pack_quantity"] == 4


def test_a_code_typed_by_an_azerty_scanner_on_a_us_keyboard_is_found(client, volunteer, shop):
    mangled = shop["box"].code.translate(str.maketrans("1234567890", "!@#$%^&*()"))
    assert look_up(client, volunteer, mangled).get_json()["code"] == shop["box"].code


def test_a_scan_with_its_enter_key_and_in_small_letters_is_found(client, volunteer, shop):
    assert look_up(client, volunteer, shop["box"].code.lower() + "\r\n").get_json()["code"] == \
        shop["box"].code


def test_an_approved_request_is_found_by_its_code_or_number_to_pick(client, volunteer, manager,
                                                                    shop):
    partner = factories.create_organisation(name="Partner A")
    request = create_approved_request(organisation=partner, site=shop["site"], actor=manager,
                                      lines=[(shop["nappies"], 4)])
    for text in (f"R{request.id:05d}", f"#{request.id}", f"R{request.id}"):
        body = look_up(client, volunteer, text).get_json()
        assert body["kind"] == "request" and body["request"]["id"] == request.id
        assert body["actions"] == ["pick"]
        assert body["request"]["lines"][0]["left"] == 4


def test_a_request_a_volunteer_does_not_pick_is_not_found(client, volunteer, manager, shop):
    partner = factories.create_organisation()
    request = create_approved_request(organisation=partner, site=shop["site"], actor=manager,
                                      lines=[(shop["nappies"], 4)],
                                      status=RequestStatus.SUBMITTED)
    assert_problem(look_up(client, volunteer, f"R{request.id:05d}"), 404, "unknown-code")
    assert look_up(client, manager, f"R{request.id:05d}").get_json()["actions"] == []


@pytest.mark.parametrize("text", ["B99999", "nothing", "x" * 300, "3760012345021"])
def test_an_unknown_code_is_a_404_problem_saying_what_to_do(client, volunteer, shop, text):
    body = assert_problem(look_up(client, volunteer, text), 404, "unknown-code")
    assert "Check the label" in body["detail"]


def test_a_mangled_unknown_code_is_named_as_it_was_meant(client, volunteer, shop):
    body = assert_problem(look_up(client, volunteer, "Bçççç_"), 404, "unknown-code")
    assert "B99998" in body["detail"] and body["code"] == "B99998"


def test_coordinators_do_not_scan(client, shop):
    coordinator = factories.create_user(role="coordinator")
    assert_problem(look_up(client, coordinator, shop["box"].code), 403, "forbidden")
    assert_problem(client.get("/api/v1/codes", headers=bearer(coordinator)), 403, "forbidden")


# --- the code cache ----------------------------------------------------------------------------

def test_the_code_cache_of_a_site_has_its_boxes_locations_items_and_barcodes(client, volunteer,
                                                                            manager, shop):
    elsewhere = factories.create_location(site=factories.create_site())
    factories.receive(shop["soap"], elsewhere, 5, actor=manager, box=factories.create_box())
    body = client.get(f"/api/v1/codes?site_id={shop['site'].id}",
                      headers=bearer(volunteer)).get_json()
    assert body["generated_at"]
    by_code = {entry["code"]: entry for entry in body["codes"]}
    assert by_code[shop["box"].code] == {
        "code": shop["box"].code, "kind": "box", "item_id": shop["nappies"].id,
        "quantity": 10, "location_code": shop["shelf"].code,
        "label": f"{shop['box'].code} · 10 × Nappies (Size 4)"}
    assert by_code[shop["blank"].code]["kind"] == "blank_box"
    assert by_code[shop["shelf"].code]["kind"] == "location"
    assert by_code[shop["soap"].code]["kind"] == "item"
    assert by_code["3760012345014"]["quantity"] == 4
    assert elsewhere.code not in by_code
    assert len([e for e in body["codes"] if e["kind"] == "box"]) == 2  # not the other site's


def test_the_code_cache_of_every_site_without_a_site_id(client, volunteer, shop):
    body = client.get("/api/v1/codes", headers=bearer(volunteer)).get_json()
    assert shop["shelf"].code in {entry["code"] for entry in body["codes"]}


def test_the_code_cache_refuses_a_bad_site_id(client, volunteer):
    assert_problem(client.get("/api/v1/codes?site_id=x", headers=bearer(volunteer)), 422,
                   "invalid-input")
