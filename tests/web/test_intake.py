"""The intake pages: logging a donation, sorting, blank codes, the list, a donation, CSV.

Every refusal is checked for its message on the page and for having written nothing
(rows counted before and after); every flow that writes leaves the stock levels and boxes
in agreement with the ledger.
"""
import csv
import io
import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import login
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.intake import services
from warehouse.intake.models import Donation
from warehouse.intake.services import DonationLine
from warehouse.models import Box, Document, Movement
from warehouse.stock.queries import box_differences, stock_differences

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def site():
    return factories.create_site(name="Calais Warehouse")


@pytest.fixture
def intake(site):
    return factories.create_location(site=site, name="Intake bay", is_intake=True)


@pytest.fixture
def shelf(site):
    return factories.create_location(site=site, name="Shelf A1")


@pytest.fixture
def sleeping_bag():
    return factories.create_item(name="Sleeping bag")


@pytest.fixture
def jacket():
    return factories.create_item(name="Men's jacket", size="L")


@pytest.fixture
def signed_in(client, volunteer):
    return login(client, volunteer)


def text(response) -> str:
    return response.get_data(as_text=True)


def unescaped(response) -> str:
    import html
    return html.unescape(text(response))


def counts() -> dict:
    db.session.commit()
    result = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
              for model in (Donation, Document, Movement, Box)}
    db.session.commit()
    return result


def hidden_key(response) -> str:
    return re.search(r'name="key"[^>]*value="([^"]+)"', text(response)).group(1)


def local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def donation_form(site, intake, lines, **fields) -> dict:
    """What the donation form sends: ``lines`` are (item, how many, boxes) tuples."""
    data = {"key": str(uuid.uuid4()), "received_at": local(utcnow() - timedelta(hours=1)),
            "site": site.id, "intake_location": intake.id, "donor_type": "individual",
            "donor_name": "", "origin": "", "priority": "normal", "reason": "",
            "condition": "used", "note": ""}
    for index, (item, quantity, boxes) in enumerate(lines):
        data |= {f"lines-{index}-item": item, f"lines-{index}-quantity": quantity,
                 f"lines-{index}-boxes": boxes}
    return data | fields


def assert_ledger_agrees():
    assert stock_differences() == []
    assert box_differences() == []


# --- who may use intake ---------------------------------------------------------------------

PAGES = ["/intake/donations", "/intake/donations.csv", "/intake/donations/new", "/intake/sort",
         "/intake/blank-codes", "/intake/boxes"]


@pytest.mark.parametrize("url", PAGES)
def test_a_partner_coordinator_cannot_open_intake_pages(client, coordinator_a, url):
    login(client, coordinator_a)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/intake/donations/new", "/intake/sort",
                                 "/intake/blank-codes"])
def test_a_partner_coordinator_cannot_send_intake_forms(client, coordinator_a, site, intake,
                                                        sleeping_bag, url):
    login(client, coordinator_a)
    before = counts()
    response = client.post(url, data=donation_form(site, intake, [(sleeping_bag.id, 5, "")])
                           | {"count": "5"})
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("role", ["volunteer", "manager", "admin"])
def test_warehouse_staff_find_intake_in_the_menu(client, request, role):
    login(client, request.getfixturevalue(role))
    page = text(client.get("/intake/donations"))
    assert 'href="/intake/donations"' in page and "Log a donation" in page


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/intake/donations/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- logging a donation ---------------------------------------------------------------------

def test_the_donation_form_starts_at_the_sites_intake_now_with_a_fresh_key(
        signed_in, site, shelf, intake, sleeping_bag):
    first = signed_in.get("/intake/donations/new")
    second = signed_in.get("/intake/donations/new")

    page = text(first)
    assert first.status_code == 200
    assert hidden_key(first) != hidden_key(second)
    uuid.UUID(hidden_key(first))
    assert re.search(rf'<option value="{intake.id}"[^>]*selected', page)
    assert re.search(r'<optgroup label="Category \d+">', page)
    assert 'data-item-select' in page and "js/lines.js" in page
    shown = re.search(r'name="received_at"[^>]*value="([^"]+)"', page).group(1)
    assert abs(datetime.strptime(shown, "%Y-%m-%dT%H:%M").replace(tzinfo=PARIS)
               - utcnow()) < timedelta(minutes=2)


def test_a_volunteer_logs_a_donation_and_sees_it_with_its_boxes(
        signed_in, site, intake, sleeping_bag, jacket):
    response = signed_in.post("/intake/donations/new", data=donation_form(
        site, intake, [(sleeping_bag.id, "20", ""), (jacket.id, "10", "3"), ("", "", "")],
        donor_type="group", donor_name="St Mary's", origin="Bristol"))

    assert response.status_code == 303
    donation = db.session.scalar(select(Donation))
    assert response.headers["Location"].endswith(f"/intake/donations/{donation.id}")
    page = unescaped(signed_in.get(response.headers["Location"]))
    assert "Donation recorded." in page
    assert "Sleeping bag" in page and "loose, to sort" in page
    assert "in 3 new boxes" in page and page.count("Men's jacket (L)") >= 4
    assert f"/labels/boxes?donation={donation.id}" in page
    assert (donation.donor_name, donation.origin, donation.created_by.name) == (
        "St Mary's", "Bristol", "Vera Volunteer")
    assert_ledger_agrees()


def test_a_donation_not_needed_is_written_off_with_its_reason(
        signed_in, site, intake, sleeping_bag):
    response = signed_in.post("/intake/donations/new", data=donation_form(
        site, intake, [(sleeping_bag.id, "8", "")], priority="not_needed",
        reason="Passed on to Secours populaire"))

    page = unescaped(signed_in.get(response.headers["Location"]))
    assert "Donation recorded and written off." in page
    assert "Written off because" in page and "Passed on to Secours populaire" in page
    assert factories.stock_levels() == {}
    assert_ledger_agrees()


def test_a_reason_typed_then_left_with_normal_priority_is_ignored(
        signed_in, site, intake, sleeping_bag):
    response = signed_in.post("/intake/donations/new", data=donation_form(
        site, intake, [(sleeping_bag.id, "8", "")], reason="changed my mind"))
    assert response.status_code == 303


def test_a_double_submit_records_once_and_shows_the_same_donation(
        signed_in, site, intake, sleeping_bag):
    form = donation_form(site, intake, [(sleeping_bag.id, "10", "2")])
    first = signed_in.post("/intake/donations/new", data=form)
    before = counts()

    second = signed_in.post("/intake/donations/new", data=form)

    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert counts() == before
    assert "already been sent" in unescaped(signed_in.get(second.headers["Location"]))


def test_more_lines_adds_blank_lines_without_recording_anything(
        signed_in, site, intake, sleeping_bag):
    form = donation_form(site, intake, [(sleeping_bag.id, "10", ""), ("", "", ""), ("", "", "")])
    response = signed_in.post("/intake/donations/new", data=form | {"add_lines": "1"})

    page = text(response)
    assert response.status_code == 200
    assert 'name="lines-5-item"' in page and 'name="lines-6-item"' not in page
    assert hidden_key(response) == form["key"]
    assert counts()["Donation"] == 0


@pytest.mark.parametrize("lines, fields, message", [
    ([], {}, "Add at least one line: choose an item and enter how many arrived."),
    ([("ITEM", "0", "")], {}, "must be more than zero"),
    ([("ITEM", "-4", "")], {}, "must be more than zero"),
    ([("ITEM", "2,5", "")], {}, "is not a whole number"),
    ([("ITEM", "99999999", "")], {}, "is more than one line can hold"),
    ([("ITEM", "", "")], {}, "Enter how many Sleeping bag arrived"),
    ([("", "4", "")], {}, "Choose the item, or empty this line."),
    ([("999999", "4", "")], {}, "There is no item with id 999999."),
    ([("RETIRED", "4", "")], {}, "is no longer in use"),
    ([("ITEM", "4", "0.5")], {}, "enter a whole number of boxes from 1 to"),
    ([("ITEM", "4", "")], {"received_at": local(utcnow() + timedelta(days=2))},
     "is in the future"),
    ([("ITEM", "4", "")], {"received_at": ""}, "Enter when the donation arrived"),
    ([("ITEM", "4", "")], {"priority": "not_needed"}, "Say why it is not needed"),
    ([("ITEM", "4", "2")], {"priority": "not_needed", "reason": "mould"},
     "Stock that is not needed is written off, not put in boxes"),
    ([("ITEM", "4", "")], {"intake_location": "OTHER"}, "choose an intake location of"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
        signed_in, site, intake, sleeping_bag, lines, fields, message):
    retired = factories.create_item(name="Old blanket", active=False)
    other = factories.create_location(site=factories.create_site(name="Dunkirk Store"),
                                      is_intake=True)
    swap = {"ITEM": sleeping_bag.id, "RETIRED": retired.id, "OTHER": other.id}
    lines = [tuple(swap.get(value, value) for value in line) for line in lines]
    fields = {name: swap.get(value, value) for name, value in fields.items()}
    before = counts()

    response = signed_in.post("/intake/donations/new",
                              data=donation_form(site, intake, lines, **fields))

    assert response.status_code == 422
    page = unescaped(response)
    assert message in page
    assert "Nothing was recorded yet" in page or "Add at least one line" in page
    assert counts() == before


def test_every_mistake_of_a_form_shows_at_once_next_to_its_line(
        signed_in, site, intake, sleeping_bag, jacket):
    response = signed_in.post("/intake/donations/new", data=donation_form(
        site, intake, [(sleeping_bag.id, "2,5", ""), ("", "3", ""), (jacket.id, "4", "")],
        received_at=local(utcnow() + timedelta(days=1))))

    page = unescaped(response)
    assert response.status_code == 422
    assert "is in the future" in page
    assert "2,5 is not a whole number" in page
    assert "Choose the item, or empty this line." in page
    assert 'id="lines-0-quantity-error"' in page
    # What was typed is kept, to be corrected rather than typed again.
    assert 'value="2,5"' in page and re.search(
        rf'<option value="{jacket.id}"[^>]*selected', page)


# --- sorting --------------------------------------------------------------------------------

@pytest.fixture
def loose_bags(volunteer, site, intake, sleeping_bag):
    services.receive_donation(
        actor=volunteer, site_id=site.id, received_at=utcnow(), donor_type="individual",
        donor_name=None, origin=None, priority="normal", condition="used",
        intake_location_id=intake.id, lines=[DonationLine(sleeping_bag.id, 45)], note=None,
        idempotency_key=str(uuid.uuid4()))
    return sleeping_bag


def sort_form(intake, item, **fields) -> dict:
    return {"key": str(uuid.uuid4()), "source": intake.id, "item": item.id, "per_box": "10",
            "boxes": "2", "target": "", "condition": "used", "expires_on": ""} | fields


def test_the_sort_page_lists_what_waits_at_intake_and_prefills_from_it(
        signed_in, intake, loose_bags):
    page = unescaped(signed_in.get("/intake/sort"))
    assert "Waiting to be sorted" in page and "Intake bay · Calais Warehouse" in page
    link = f"/intake/sort?source={intake.id}&item={loose_bags.id}#sort-form"
    assert link.replace("&", "&amp;") in text(signed_in.get("/intake/sort"))

    prefilled = text(signed_in.get(f"/intake/sort?source={intake.id}&item={loose_bags.id}"))
    assert re.search(rf'<option value="{loose_bags.id}"[^>]*selected', prefilled)


def test_sorting_makes_boxes_on_a_shelf_and_offers_their_labels(
        signed_in, intake, shelf, loose_bags):
    use_by = factories.days_from_today(400).isoformat()
    response = signed_in.post("/intake/sort", data=sort_form(
        intake, loose_bags, target=shelf.id, condition="new", expires_on=use_by))

    assert response.status_code == 303
    boxes = db.session.scalars(select(Box).order_by(Box.code)).all()
    assert [(b.quantity, b.location_id, b.condition.value, str(b.expires_on))
            for b in boxes] == [(10, shelf.id, "new", use_by)] * 2
    page = unescaped(signed_in.get(response.headers["Location"]))
    assert "2 boxes made" in page and boxes[0].code in page and boxes[1].code in page
    assert f"/labels/boxes?box={boxes[0].id}&box={boxes[1].id}" in page
    assert f"/intake/sort?source={intake.id}&item={loose_bags.id}" in page  # sort the rest
    assert_ledger_agrees()


def test_sorting_more_than_is_loose_is_refused_with_what_there_is(
        signed_in, intake, shelf, loose_bags):
    before = counts()
    response = signed_in.post("/intake/sort", data=sort_form(
        intake, loose_bags, per_box="10", boxes="5", target=shelf.id))

    assert response.status_code == 422
    assert "Not enough Sleeping bag at Intake bay: 45 available, 50 needed." in \
        unescaped(response)
    assert counts() == before


def test_sorting_into_another_site_or_with_a_past_expiry_is_refused(
        signed_in, intake, loose_bags):
    elsewhere = factories.create_location(site=factories.create_site(name="Dunkirk Store"))
    before = counts()
    response = signed_in.post("/intake/sort", data=sort_form(
        intake, loose_bags, target=elsewhere.id, expires_on="2020-01-01", boxes="0"))

    page = unescaped(response)
    assert response.status_code == 422
    assert "belongs to Dunkirk Store" in page
    assert "has passed" in page
    assert "enter a whole number of boxes" in page
    assert counts() == before


def test_a_double_submitted_sort_makes_its_boxes_once(signed_in, intake, loose_bags):
    form = sort_form(intake, loose_bags)
    first = signed_in.post("/intake/sort", data=form)
    before = counts()
    second = signed_in.post("/intake/sort", data=form)

    assert second.headers["Location"] == first.headers["Location"]
    assert counts() == before
    assert "already been sent" in unescaped(signed_in.get(second.headers["Location"]))


# --- blank codes ------------------------------------------------------------------------------

def test_a_volunteer_makes_blank_codes_for_a_sorting_day(signed_in):
    page = signed_in.get("/intake/blank-codes")
    response = signed_in.post("/intake/blank-codes",
                              data={"key": hidden_key(page), "count": "12"})

    assert response.status_code == 303
    boxes = db.session.scalars(select(Box).order_by(Box.code)).all()
    assert len(boxes) == 12 and all(box.item_id is None for box in boxes)
    shown = unescaped(signed_in.get(response.headers["Location"]))
    assert "12 blank codes made." in shown
    assert f"{boxes[0].code} – {boxes[-1].code}" in shown
    assert "/labels/boxes?box=" in shown


@pytest.mark.parametrize("count", ["0", "100000", "", "lots"])
def test_a_blank_code_batch_out_of_range_is_refused(signed_in, count):
    response = signed_in.post("/intake/blank-codes",
                              data={"key": str(uuid.uuid4()), "count": count})
    assert response.status_code == 422
    assert "enter a whole number from 1 to 500" in unescaped(response)
    assert counts()["Box"] == 0


def test_a_double_submitted_blank_code_batch_is_made_once(signed_in):
    form = {"key": str(uuid.uuid4()), "count": "4"}
    first = signed_in.post("/intake/blank-codes", data=form)
    second = signed_in.post("/intake/blank-codes", data=form)
    assert second.headers["Location"] == first.headers["Location"]
    assert counts()["Box"] == 4


def test_the_print_link_waits_for_the_label_page(app, signed_in, monkeypatch):
    from warehouse.intake.views import PRINT_ENDPOINT, print_links
    made = services.create_blank_boxes(actor=factories.create_user(), count=3,
                                       idempotency_key=str(uuid.uuid4()))
    monkeypatch.delitem(app.view_functions, PRINT_ENDPOINT)
    with app.test_request_context():
        assert print_links(made.box_ids) == []
    codes = db.session.scalars(select(Box.code).order_by(Box.code)).all()
    page = unescaped(signed_in.get(f"/intake/boxes?first={codes[0]}&last={codes[-1]}"))
    assert "Label printing is not available yet" in page


def test_a_long_batch_is_printed_through_several_short_links(app):
    from warehouse.intake.views import BOXES_PER_PRINT_LINK, print_links
    with app.test_request_context():
        links = print_links(list(range(1, 501)))
    assert len(links) == -(-500 // BOXES_PER_PRINT_LINK)
    assert all(len(url) < 4000 for _, url in links)


# --- the list, a donation, the CSV --------------------------------------------------------

@pytest.fixture
def three_donations(volunteer, site, intake, sleeping_bag, jacket):
    def give(lines, **overrides):
        arguments = dict(
            actor=volunteer, site_id=site.id, received_at=utcnow() - timedelta(hours=2),
            donor_type="individual", donor_name=None, origin=None, priority="normal",
            condition="used", intake_location_id=intake.id, lines=lines, note=None,
            idempotency_key=str(uuid.uuid4()))
        return services.receive_donation(**(arguments | overrides)).donation

    return [
        give([DonationLine(sleeping_bag.id, 5)], donor_type="company",
             donor_name='=HYPERLINK("http://evil.example","click")',
             received_at=utcnow() - timedelta(days=20)),
        give([DonationLine(jacket.id, 6, boxes=2)], priority="urgent", donor_name="+33 6 12",
             origin="@home"),
        give([DonationLine(sleeping_bag.id, 1), DonationLine(jacket.id, 2)],
             donor_name="-Anna-", note="Two bags, left at the gate"),
    ]


def test_the_donation_list_shows_donations_newest_first_and_filters_them(
        signed_in, three_donations, jacket):
    page = unescaped(signed_in.get("/intake/donations"))
    assert "3 donations" in page
    links = re.findall(r'href="/intake/donations/(\d+)"', page)
    assert links == [str(d.id) for d in reversed(three_donations)]

    filtered = unescaped(signed_in.get(f"/intake/donations?item={jacket.id}&priority=urgent"))
    assert "1 donation" in filtered
    assert re.findall(r'href="/intake/donations/(\d+)"', filtered) == [
        str(three_donations[1].id)]
    assert "<details class=\"intake-filters\" open>" in filtered


def test_bad_filters_are_ignored_with_a_message(signed_in, three_donations):
    page = unescaped(signed_in.get("/intake/donations?date_from=31/31/2026"))
    assert "Some filters are not valid" in page and "3 donations" in page


def test_the_csv_export_lists_each_item_of_the_filtered_donations_as_text(
        signed_in, three_donations, sleeping_bag):
    response = signed_in.get(f"/intake/donations.csv?item={sleeping_bag.id}")

    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Donation", "Received", "Site"]
    column = {name: header.index(name) for name in header}
    assert [(row[column["Donation"]], row[column["Item"]], row[column["Quantity"]])
            for row in body] == [
        (str(three_donations[2].id), "Sleeping bag", "1"),
        (str(three_donations[2].id), "Men's jacket (L)", "2"),
        (str(three_donations[0].id), "Sleeping bag", "5")]
    donors = [row[column["Donor"]] for row in body]
    assert donors == ["'-Anna-", "'-Anna-", '\'=HYPERLINK("http://evil.example","click")']
    assert body[0][column["Note"]] == "Two bags, left at the gate"


def test_every_formula_character_is_neutralised_in_the_csv(signed_in, three_donations):
    rows = list(csv.reader(io.StringIO(
        signed_in.get("/intake/donations.csv").get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'+33 6 12" in cells and "'@home" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_the_donation_page_shows_its_lines_boxes_and_a_print_all_link(
        signed_in, three_donations):
    donation = three_donations[1]
    page = unescaped(signed_in.get(f"/intake/donations/{donation.id}"))
    codes = db.session.scalars(select(Box.code).where(Box.donation_id == donation.id)
                               .order_by(Box.code)).all()
    assert len(codes) == 2 and all(code in page for code in codes)
    assert "Print the 2 labels" in page
    assert f"/labels/boxes?donation={donation.id}" in page
    assert "Urgent" in page and "in 2 new boxes" in page


def test_an_unknown_donation_is_not_found(signed_in):
    assert signed_in.get("/intake/donations/999999").status_code == 404


def test_the_intake_pages_speak_french(signed_in, three_donations):
    signed_in.post("/language/fr", data={"next": "/intake/donations"})
    page = unescaped(signed_in.get("/intake/donations/new"))
    assert '<html lang="fr">' in page
