"""Custody, distribution and return pages, as coordinators and managers use them."""
import csv
import io
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import login
from warehouse.core.clock import local_today
from warehouse.distributions import services
from warehouse.distributions.models import Distribution, DistributionSite
from warehouse.extensions import db
from warehouse.stock import services as ledger
from warehouse.stock.queries import stock_differences


@pytest.fixture
def world(dummy_site, partner_a, partner_b, coordinator_a, coordinator_b, manager):
    shelf = factories.create_location(site=dummy_site, name="Shelf A1")
    intake = factories.create_location(site=dummy_site, name="Intake bay", is_intake=True)
    tents = factories.create_item(name="Tent")
    factories.receive(tents, shelf, 50, actor=manager)
    custody = ledger.custody_location(partner_a)
    ledger.post_document(kind="dispatch", actor=manager,
                         lines=[ledger.Line(tents.id, 20, shelf.id, custody.id)])
    place = factories._save(DistributionSite(name="Rue des Huttes", town="Calais",
                                             region="Hauts-de-France"))
    closed = factories._save(DistributionSite(name="Old Jungle", town="Calais",
                                              region="Hauts-de-France", active=False))
    return {"shelf": shelf, "intake": intake, "tents": tents, "place": place,
            "closed": closed, "site": dummy_site}


def form_data(world, **overrides):
    data = {
        "key": str(uuid.uuid4()), "distributed_on": local_today().isoformat(),
        "distribution_site": str(world["place"].id), "reason": "eviction_replacement",
        "lines-0-item": str(world["tents"].id), "lines-0-quantity": "6",
        "people_total": "6", "women": "2", "men": "", "children": "", "note": "",
    }
    return data | overrides


def held(partner, item):
    return services.held_by(partner.id).get(item.id, 0)


def count_distributions():
    return db.session.scalar(select(func.count()).select_from(Distribution))


def test_a_coordinator_sees_what_their_organisation_holds_and_its_history(
        client, world, coordinator_a):
    login(client, coordinator_a)
    for url in ("/distributions/custody",
                f"/distributions/custody/{coordinator_a.organisation_id}"):
        page = client.get(url)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "What Partner A holds" in text and "Dispatched to the partner" in text
        assert re.search(r"Tent.*?<strong>20</strong>", text, re.S)


def test_a_manager_chooses_a_partner_to_see_its_custody(client, world, manager, partner_a):
    login(client, manager)
    page = client.get("/distributions/custody").get_data(as_text=True)
    assert f"/distributions/custody/{partner_a.id}" in page and "Partner B" in page


def test_a_coordinator_logs_a_distribution_from_custody(client, world, coordinator_a,
                                                        partner_a):
    login(client, coordinator_a)
    form = client.get(f"/distributions/custody/{partner_a.id}/distribute")
    page = form.get_data(as_text=True)
    assert "never enter a name" in page and "Rue des Huttes" in page
    assert "Old Jungle" not in page
    response = client.post(f"/distributions/custody/{partner_a.id}/distribute",
                           data=form_data(world))
    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Distribution recorded." in shown and "Eviction replacement" in shown
    assert held(partner_a, world["tents"]) == 14
    assert stock_differences() == []


def test_the_distribution_form_sent_twice_records_once(client, world, coordinator_a,
                                                       partner_a):
    login(client, coordinator_a)
    data = form_data(world)
    url = f"/distributions/custody/{partner_a.id}/distribute"
    first = client.post(url, data=data)
    second = client.post(url, data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert "Nothing was recorded twice" in client.get(second.headers["Location"]).get_data(
        as_text=True)
    assert count_distributions() == 1 and held(partner_a, world["tents"]) == 14


@pytest.mark.parametrize("overrides, message", [
    ({"lines-0-quantity": "21"}, "You hold only 20 of Tent"),
    ({"lines-0-quantity": "0"}, "must be more than zero"),
    ({"lines-0-quantity": "-3"}, "must be more than zero"),
    ({"lines-0-quantity": "2,5"}, "is not a whole number"),
    ({"lines-0-item": "", "lines-0-quantity": ""}, "Add at least one line"),
    ({"distributed_on": "tomorrow"}, "is in the future"),
    ({"distributed_on": "long ago"}, "more than 60 days ago"),
    ({"distributed_on": "31/02/2026"}, "Enter a date"),
    ({"distribution_site": "closed"}, "no longer an open distribution site"),
    ({"people_total": ""}, "how many people were reached"),
    ({"people_total": "1", "women": "2"}, "more than the 1 people reached"),
])
def test_a_wrong_distribution_is_shown_with_what_to_fix_and_nothing_is_written(
        client, world, coordinator_a, partner_a, overrides, message):
    today = local_today()
    special = {"tomorrow": (today + timedelta(days=1)).isoformat(),
               "long ago": (today - timedelta(days=61)).isoformat(),
               "closed": str(world["closed"].id)}
    overrides = {key: special.get(value, value) for key, value in overrides.items()}
    login(client, coordinator_a)
    before = factories.ledger_snapshot()
    response = client.post(f"/distributions/custody/{partner_a.id}/distribute",
                           data=form_data(world, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert factories.ledger_snapshot() == before and count_distributions() == 0


def test_more_than_held_is_shown_next_to_its_line(client, world, coordinator_a, partner_a):
    login(client, coordinator_a)
    page = client.post(f"/distributions/custody/{partner_a.id}/distribute",
                       data=form_data(world, **{"lines-0-quantity": "25"})
                       ).get_data(as_text=True)
    line = page[page.index('id="lines-0-quantity"'):]
    assert line.index("You hold only 20 of Tent") < line.index('id="lines-1-item"')


def test_a_coordinator_of_another_partner_gets_not_found_everywhere(
        client, world, coordinator_a, coordinator_b, partner_a):
    login(client, coordinator_a)
    response = client.post(f"/distributions/custody/{partner_a.id}/distribute",
                           data=form_data(world))
    distribution_url = response.headers["Location"]
    login(client, coordinator_b)
    for url in (f"/distributions/custody/{partner_a.id}",
                f"/distributions/custody/{partner_a.id}.csv",
                f"/distributions/custody/{partner_a.id}/distribute",
                f"/distributions/custody/{partner_a.id}/return",
                distribution_url):
        assert client.get(url).status_code == 404, url
    before = factories.ledger_snapshot()
    assert client.post(f"/distributions/custody/{partner_a.id}/distribute",
                       data=form_data(world)).status_code == 404
    assert client.post(distribution_url + "/correct",
                       data={"key": str(uuid.uuid4())}).status_code == 404
    assert factories.ledger_snapshot() == before
    listing = client.get("/distributions/").get_data(as_text=True)
    assert "0 distributions" in listing and "Tent" not in listing
    exported = client.get("/distributions/export.csv").get_data(as_text=True)
    assert "Tent" not in exported


def test_a_volunteer_cannot_open_custody_or_distributions(client, world, volunteer):
    login(client, volunteer)
    assert client.get("/distributions/").status_code == 403
    assert client.get("/distributions/custody").status_code == 403


def test_a_corrected_distribution_is_struck_out_and_its_items_back_in_custody(
        client, world, coordinator_a, partner_a):
    login(client, coordinator_a)
    url = client.post(f"/distributions/custody/{partner_a.id}/distribute",
                      data=form_data(world)).headers["Location"]
    key = str(uuid.uuid4())
    client.post(url + "/correct", data={"key": key})
    client.post(url + "/correct", data={"key": key})  # a double tap
    assert held(partner_a, world["tents"]) == 20
    page = client.get(url).get_data(as_text=True)
    assert "<s>" in page and "corrected" in page and "Correct this distribution" not in page
    listing = client.get("/distributions/").get_data(as_text=True)
    assert 'class="corrected"' in listing
    history = client.get(f"/distributions/custody/{partner_a.id}").get_data(as_text=True)
    assert "Correction" in history
    assert stock_differences() == []


def test_a_manager_logs_a_return_for_a_partner(client, world, manager, partner_a):
    login(client, manager)
    assert client.get(f"/distributions/custody/{partner_a.id}/return").status_code == 200
    response = client.post(f"/distributions/custody/{partner_a.id}/return", data={
        "key": str(uuid.uuid4()), "site": str(world["site"].id),
        "lines-0-item": str(world["tents"].id), "lines-0-quantity": "5"})
    assert response.status_code == 303
    assert held(partner_a, world["tents"]) == 15
    assert factories.stock_levels()[(world["intake"].id, world["tents"].id)] == 5
    refused = client.post(f"/distributions/custody/{partner_a.id}/return", data={
        "key": str(uuid.uuid4()), "site": str(world["site"].id),
        "lines-0-item": str(world["tents"].id), "lines-0-quantity": "16"})
    assert refused.status_code == 422
    assert "You hold only 15 of Tent" in refused.get_data(as_text=True)


def test_the_distribution_list_filters_and_exports_without_running_formulas(
        client, world, manager, coordinator_a, partner_a):
    login(client, coordinator_a)
    client.post(f"/distributions/custody/{partner_a.id}/distribute",
                data=form_data(world, note="=HYPERLINK(\"http://evil\")"))
    login(client, manager)
    listing = client.get("/distributions/?reason=eviction_replacement").get_data(as_text=True)
    assert "Rue des Huttes" in listing and "Partner A" in listing
    assert "1 distribution" in listing
    assert "0 distributions" in client.get("/distributions/?reason=routine").get_data(
        as_text=True)
    response = client.get(f"/distributions/export.csv?partner={partner_a.id}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Distribution", "Day", "Partner"]
    assert rows[1][8] == "Tent" and rows[1][10] == "6"
    assert rows[1][16] == "'=HYPERLINK(\"http://evil\")"
    custody = client.get(f"/distributions/custody/{partner_a.id}.csv")
    lines = list(csv.reader(io.StringIO(custody.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[6] for row in lines[1:]] == ["-6", "20"]
