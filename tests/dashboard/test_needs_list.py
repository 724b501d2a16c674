"""The public needs list: what donors can bring, in two languages, and nothing private."""
import csv
import io
import json

import pytest

from tests.conftest import login
from tests.dashboard.world import PARTNER_NAME, SHELF_NAMES, build_world
from warehouse.admin import settings
from warehouse.needs import queries


@pytest.fixture
def world():
    return build_world()


PRIVATE = (PARTNER_NAME, "SPO", *SHELF_NAMES, "Calais Warehouse", "Dunkirk Store",
           "Mona Manager")

JSON_ITEM_KEYS = {"code", "item", "unit", "needed", "urgency", "days_of_cover"}


def test_only_items_below_their_target_are_listed_with_how_many_are_needed(world):
    needs = queries.needs_list(now=world.now)

    listed = {need.item: need for need in needs.needs}
    assert set(listed) == {"Tent", "Blanket", "Sleeping bag", "Walking boots"}  # no scarf
    assert listed["Tent"].needed == 40 - (25 - 5)  # target less available (reserved out)
    assert listed["Blanket"].needed == 30 - 10
    assert listed["Sleeping bag"].needed == 20
    assert listed["Walking boots"].needed == 20 - 7


def test_needs_are_grouped_by_category_most_urgent_first(world):
    needs = queries.needs_list(now=world.now)

    assert [c.name for c in needs.categories] == ["Shelter", "Footwear"]
    shelter = needs.categories[0]
    # Blankets: 10 on hand, 40 out in the 14-day cover window: 3.5 days, urgent, and
    # before sleeping bags (none available: urgent, at no known rate).
    assert [n.item for n in shelter.needs] == ["Blanket", "Sleeping bag", "Tent"]
    assert [n.urgency for n in shelter.needs] == [queries.URGENT, queries.URGENT,
                                                  queries.WANTED]
    assert shelter.needs[0].days_of_cover == 3.5


def test_an_item_nobody_needs_leaves_the_list_when_its_stock_reaches_the_target(world):
    from tests import factories
    from warehouse.models import Location, LocationKind
    from warehouse.extensions import db
    from sqlalchemy import select

    shelf = db.session.scalar(select(Location).where(Location.site_id == world.dunkirk.id,
                                                     Location.kind == LocationKind.INTERNAL))
    factories.receive(world.boots, shelf, 13, actor=world.manager)
    assert "Walking boots" not in [n.item for n in queries.needs_list(now=world.now).needs]


def test_the_page_is_public_and_in_english(client, world):
    response = client.get("/needs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "What we need now" in html
    assert "Sleeping bag" in html and "13 pairs" in html
    assert "Scarf" not in html


def test_the_page_is_in_french_by_lang_or_by_the_browser(client, world):
    for response in (client.get("/needs?lang=fr"),
                     client.get("/needs", headers={"Accept-Language": "fr-FR,fr;q=0.9"})):
        html = response.get_data(as_text=True)
        assert '<html lang="fr">' in html
        assert "Sac de couchage" in html and "Abri" in html
        assert "Sleeping bag" not in html


def test_nothing_about_locations_partners_or_people_is_published(client, world):
    for path in ("/needs", "/needs/poster", "/needs.csv", "/needs.json", "/needs?lang=fr",
                 "/needs.json?lang=fr"):
        body = client.get(path).get_data(as_text=True)
        for private in PRIVATE:
            assert private not in body, (path, private)


def test_the_json_has_a_stable_shape(client, world):
    response = client.get("/needs.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True))
    assert set(body) == {"generated_at", "language", "categories"}
    assert body["language"] == "en"
    assert [c["category"] for c in body["categories"]] == ["Shelter", "Footwear"]
    for category in body["categories"]:
        assert set(category) == {"category", "items"}
        for item in category["items"]:
            assert set(item) == JSON_ITEM_KEYS
    boots = body["categories"][1]["items"][0]
    assert boots == {"code": world.boots.code, "item": "Walking boots", "unit": "pair",
                     "needed": 13, "urgency": "wanted", "days_of_cover": None}
    french = json.loads(client.get("/needs.json?lang=fr").get_data(as_text=True))
    assert french["language"] == "fr"
    assert french["categories"][1]["items"][0]["item"] == "Chaussures de marche"
    assert set(french["categories"][1]["items"][0]) == JSON_ITEM_KEYS


def test_the_csv_has_one_row_per_needed_item(client, world):
    response = client.get("/needs.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Category", "Item", "Unit", "Needed", "Urgency", "Days of cover"]
    assert rows[1] == ["Shelter", "Sleeping bag", "piece", "20", "urgent", ""]
    assert len(rows) == 1 + 4


def test_the_csv_neutralises_a_name_a_spreadsheet_would_run(client, world):
    world.tent.name = "=HYPERLINK(\"http://evil\")"
    from warehouse.extensions import db
    db.session.commit()
    body = client.get("/needs.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_the_poster_is_in_large_type_for_a4(client, world):
    response = client.get("/needs/poster?lang=fr")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="poster"' in html and "Sac de couchage" in html
    assert "dashboard.css" in html


def test_an_empty_list_thanks_donors(client):
    html = client.get("/needs").get_data(as_text=True)
    assert "Our shelves are full at the moment" in html
    assert json.loads(client.get("/needs.json").get_data(as_text=True))["categories"] == []


# --- the admin's switch ------------------------------------------------------------------

def test_switched_off_by_an_admin_the_list_is_not_served(client, world, admin):
    login(client, admin)
    response = client.post("/admin/settings", data={})  # the box unticked
    assert response.status_code == 303
    assert settings.setting(settings.PUBLIC_NEEDS_LIST) is False

    client = client.application.test_client()  # a donor, signed out
    page = client.get("/needs")
    assert page.status_code == 404
    assert "not published" in page.get_data(as_text=True)
    assert "Sleeping bag" not in page.get_data(as_text=True)
    for path in ("/needs/poster", "/needs.csv", "/needs.json"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Sleeping bag" not in response.get_data(as_text=True)
    assert client.get("/needs.json").mimetype == "application/problem+json"


def test_switched_back_on_it_is_served_again(client, world, admin):
    settings.change_setting(settings.PUBLIC_NEEDS_LIST, False, actor=admin)
    login(client, admin)
    assert client.post("/admin/settings",
                       data={"public_needs_list": "y"}).status_code == 303
    assert client.get("/needs").status_code == 200


def test_the_switch_is_recorded_once_in_the_audit_log(world, admin):
    from sqlalchemy import func, select
    from warehouse.audit.models import AuditEvent
    from warehouse.extensions import db

    settings.change_setting(settings.PUBLIC_NEEDS_LIST, False, actor=admin)
    settings.change_setting(settings.PUBLIC_NEEDS_LIST, False, actor=admin)  # sent twice
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "setting_changed")) == 1


def test_the_settings_page_shows_the_switch_to_admins_only(client, admin, manager):
    login(client, admin)
    html = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="public_needs_list"' in html and "checked" in html
    login(client, manager)
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data={}).status_code == 403
    assert settings.setting(settings.PUBLIC_NEEDS_LIST) is True
