"""Read endpoints: what a scanner and a script see, and what each role may see."""
import pytest

from tests import factories
from tests.api.conftest import assert_problem, bearer
from tests.requests_factories import create_approved_request
from warehouse.catalogue.models import ItemBarcode
from warehouse.models import RequestStatus
from warehouse.requests.picking import pick_box


@pytest.fixture
def shop(manager):
    """A site with two shelves, a box of 10 sleeping bags and loose soap."""
    site = factories.create_site(name="Calais")
    shelf = factories.create_location(site=site, name="Shelf A1", position=1)
    other_shelf = factories.create_location(site=site, name="Shelf B2", position=2)
    bags = factories.create_item(name="Sleeping bag", name_fr="Sac de couchage")
    soap = factories.create_item(name="Soap bar")
    box = factories.create_box()
    factories.receive(bags, shelf, 10, actor=manager, box=box)
    factories.receive(soap, other_shelf, 40, actor=manager)
    factories._save(ItemBarcode(item_id=soap.id, code="3760012345014", pack_quantity=4))
    return {"site": site, "shelf": shelf, "other_shelf": other_shelf, "bags": bags,
            "soap": soap, "box": box}


def get(client, user, path, **headers):
    return client.get(path, headers=bearer(user) | headers)


# --- items --------------------------------------------------------------------------------------

def test_items_are_listed_by_name_with_their_barcodes(client, manager, shop):
    items = get(client, manager, "/api/v1/items").get_json()
    assert [item["name"] for item in items] == ["Sleeping bag", "Soap bar"]
    soap = items[1]
    assert soap["barcodes"] == [{"code": "3760012345014", "pack_quantity": 4}]
    assert soap["code"] == shop["soap"].code and soap["unit"] == "piece"


def test_an_items_name_is_in_the_requests_language(client, manager, shop):
    item = get(client, manager, f"/api/v1/items/{shop['bags'].id}",
               **{"Accept-Language": "fr"}).get_json()
    assert item["name"] == "Sac de couchage"


def test_an_inactive_item_is_not_listed_but_can_be_read(client, manager, shop):
    shop["soap"].active = False
    factories.db.session.commit()
    assert [i["name"] for i in get(client, manager, "/api/v1/items").get_json()] == [
        "Sleeping bag"]
    assert get(client, manager, f"/api/v1/items/{shop['soap'].id}").get_json()["active"] is False


def test_an_unknown_item_is_a_404_problem(client, manager):
    assert_problem(get(client, manager, "/api/v1/items/999999"), 404, "not-found")


# --- locations and boxes -----------------------------------------------------------------

def test_locations_of_a_site_come_in_walking_order_with_their_boxes(client, volunteer, shop):
    other_site = factories.create_site()
    factories.create_location(site=other_site)
    found = get(client, volunteer, f"/api/v1/locations?site_id={shop['site'].id}").get_json()
    assert [(loc["name"], loc["boxes"]) for loc in found] == [("Shelf A1", 1), ("Shelf B2", 0)]
    assert found[0]["site"] == "Calais"
    assert len(get(client, volunteer, "/api/v1/locations").get_json()) == 3


@pytest.mark.parametrize("site_id", ["abc", "0", "-1", "99999999999"])
def test_a_bad_site_id_is_refused_naming_the_field(client, volunteer, site_id):
    body = assert_problem(get(client, volunteer, f"/api/v1/locations?site_id={site_id}"), 422,
                          "invalid-input")
    assert list(body["errors"]) == ["site_id"]


def test_boxes_at_a_location_are_found_by_its_scanned_code(client, volunteer, shop):
    found = get(client, volunteer, f"/api/v1/boxes?location={shop['shelf'].code}").get_json()
    assert [(box["code"], box["quantity"], box["item"]) for box in found] == [
        (shop["box"].code, 10, "Sleeping bag")]
    assert found[0]["state"] == "stock" and found[0]["location_code"] == shop["shelf"].code


def test_boxes_at_a_location_scanned_on_an_azerty_keyboard(client, volunteer, shop):
    mangled = shop["shelf"].code.translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    found = client.get("/api/v1/boxes", query_string={"location": mangled},
                       headers=bearer(volunteer))
    assert [box["code"] for box in found.get_json()] == [shop["box"].code]


def test_boxes_at_an_unknown_location_or_none_given_are_refused(client, volunteer):
    body = assert_problem(get(client, volunteer, "/api/v1/boxes?location=L99999"), 404,
                          "unknown-location-code")
    assert "L99999" in body["detail"]
    body = assert_problem(get(client, volunteer, "/api/v1/boxes"), 422, "invalid-input")
    assert body["errors"] == {"location": ["This field is required."]}


def test_one_box_by_its_code_in_any_case(client, volunteer, shop):
    box = get(client, volunteer, f"/api/v1/boxes/{shop['box'].code.lower()}").get_json()
    assert box["code"] == shop["box"].code and box["quantity"] == 10
    assert box["site_id"] == shop["site"].id


def test_a_blank_box_has_no_item_yet(client, volunteer):
    blank = factories.create_box()
    box = get(client, volunteer, f"/api/v1/boxes/{blank.code}").get_json()
    assert box["state"] == "blank" and box["item"] is None and box["location_code"] is None


def test_an_unknown_box_is_a_404_problem_naming_the_code(client, volunteer):
    body = assert_problem(get(client, volunteer, "/api/v1/boxes/B99999"), 404, "unknown-box")
    assert "B99999" in body["detail"]


def test_coordinators_may_not_read_boxes_or_locations(client, shop):
    coordinator = factories.create_user(role="coordinator")
    for path in ("/api/v1/locations", f"/api/v1/boxes/{shop['box'].code}",
                 f"/api/v1/boxes?location={shop['shelf'].code}"):
        assert_problem(get(client, coordinator, path), 403, "forbidden")


# --- stock --------------------------------------------------------------------------------------

def test_stock_per_site_and_item(client, manager, shop):
    rows = get(client, manager, f"/api/v1/stock?site_id={shop['site'].id}").get_json()
    assert {(row["item"], row["on_hand"]) for row in rows} == {("Sleeping bag", 10),
                                                              ("Soap bar", 40)}
    assert get(client, manager, "/api/v1/stock?site_id=999").get_json() == []


# --- requests -----------------------------------------------------------------------------------

@pytest.fixture
def requests_world(manager, shop):
    partner_a = factories.create_organisation(name="Partner A")
    partner_b = factories.create_organisation(name="Partner B")
    approved = create_approved_request(organisation=partner_a, site=shop["site"],
                                       actor=manager, lines=[(shop["bags"], 6, 4)])
    submitted = create_approved_request(organisation=partner_b, site=shop["site"],
                                        actor=manager, lines=[(shop["soap"], 5, 0)],
                                        status=RequestStatus.SUBMITTED)
    coordinator_a = factories.create_user(role="coordinator", organisation=partner_a)
    return {"approved": approved, "submitted": submitted, "coordinator_a": coordinator_a}


def test_a_request_shows_what_is_left_to_pick_on_each_line(client, manager, shop,
                                                           requests_world):
    request = requests_world["approved"]
    pick_box(request, box=shop["box"], quantity=3, actor=manager)
    body = get(client, manager, f"/api/v1/requests/{request.id}").get_json()
    assert body["code"] == f"R{request.id:05d}" and body["organisation"] == "Partner A"
    assert [(line["item"], line["requested"], line["allocated"], line["picked"], line["left"])
            for line in body["lines"]] == [("Sleeping bag", 6, 4, 3, 1)]
    assert body["left"] == 1 and body["picked"] == 3


def test_approved_requests_of_a_site_are_the_ones_to_pick(client, manager, shop, requests_world):
    found = get(client, manager,
                f"/api/v1/requests?status=approved&site_id={shop['site'].id}").get_json()
    assert [r["id"] for r in found] == [requests_world["approved"].id]
    assert len(get(client, manager, "/api/v1/requests").get_json()) == 2


def test_a_coordinator_sees_only_their_organisations_requests(client, requests_world):
    coordinator = requests_world["coordinator_a"]
    assert [r["id"] for r in get(client, coordinator, "/api/v1/requests").get_json()] == [
        requests_world["approved"].id]
    assert get(client, coordinator,
               f"/api/v1/requests/{requests_world['approved'].id}").status_code == 200
    assert_problem(get(client, coordinator,
                       f"/api/v1/requests/{requests_world['submitted'].id}"), 404, "not-found")


def test_a_volunteer_sees_only_the_approved_requests_they_pick(client, volunteer,
                                                               requests_world):
    assert [r["id"] for r in get(client, volunteer, "/api/v1/requests").get_json()] == [
        requests_world["approved"].id]
    assert_problem(get(client, volunteer,
                       f"/api/v1/requests/{requests_world['submitted'].id}"), 404, "not-found")


def test_an_unknown_request_status_is_refused_with_the_choices(client, manager):
    body = assert_problem(get(client, manager, "/api/v1/requests?status=lost"), 422,
                          "invalid-input")
    assert "approved" in body["errors"]["status"][0]
