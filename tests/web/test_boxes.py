"""Box pages: the list and its CSV, a page per box with its history, and every operation
sent as the box page sends it — with the message a volunteer gets when it is refused, and
proof that nothing was written."""
import csv
import html
import io
import re
import uuid

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import login
from tests.factories import receive
from warehouse.extensions import db
from warehouse.models import Box, BoxCondition, Document, Movement, StockLevel
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_differences


# --- the world of these tests -----------------------------------------------------------

@pytest.fixture
def socks(create_item):
    return create_item(name="Socks", name_fr="Chaussettes", unit="pair")


@pytest.fixture
def blanket(create_item):
    return create_item(name="Blanket")


@pytest.fixture
def shelf_a(dummy_site, create_location):
    return create_location(site=dummy_site, name="Shelf A1", code="L00901")


@pytest.fixture
def shelf_b(dummy_site, create_location):
    return create_location(site=dummy_site, name="Shelf B2", code="L00902")


@pytest.fixture
def far_shelf(create_location):
    return create_location(name="Dunkirk S1", code="L00903")


@pytest.fixture
def box(create_box, socks, shelf_a, manager):
    """B00500: 20 pairs of socks on shelf A1."""
    box = create_box(code="B00500")
    receive(socks, shelf_a, 20, actor=manager, box=box)
    return box


@pytest.fixture
def blank(create_box):
    return create_box(code="B00777")


@pytest.fixture
def as_volunteer(client, volunteer):
    return login(client, volunteer)


@pytest.fixture
def as_manager(client, manager):
    return login(client, manager)


# --- helpers ----------------------------------------------------------------------------

def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_errors(response) -> list[str]:
    return [html.unescape(e) for e in
            re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', response.get_data(as_text=True))]


def flashes(response) -> list[str]:
    return [html.unescape(m.strip()) for m in re.findall(
        r'<(?:div|p) class="flash flash-\w+"[^>]*>(.*?)</(?:div|p)>',
        response.get_data(as_text=True), re.S)]


def form(action: str, key: str | None = None, **fields) -> dict:
    """A box operation's form as the page sends it: prefixed fields and a one-time key."""
    data = {f"{action}-{name}": value for name, value in fields.items()}
    data[f"{action}-idempotency_key"] = key or uuid.uuid4().hex
    return data


def counts() -> dict:
    snapshot = {
        "documents": db.session.scalar(select(func.count()).select_from(Document)),
        "movements": db.session.scalar(select(func.count()).select_from(Movement)),
        "boxes": sorted(db.session.execute(select(Box.id, Box.item_id, Box.location_id,
                                                  Box.quantity)).all()),
        "levels": sorted(db.session.execute(select(StockLevel.location_id, StockLevel.item_id,
                                                   StockLevel.quantity)).all()),
    }
    db.session.commit()
    return snapshot


def state(box) -> tuple:
    row = db.session.execute(select(Box.item_id, Box.location_id, Box.quantity)
                             .where(Box.id == box.id)).one()
    db.session.commit()
    return tuple(row)


def assert_ledger_agrees():
    assert stock_differences() == [] and box_differences() == []
    db.session.commit()


def refused_with(client, url: str, data: dict, message: str) -> str:
    """Send a form that must be refused: 422, ``message`` shown, nothing written."""
    before = counts()
    response = client.post(url, data=data)
    assert response.status_code == 422, response.status
    shown = field_errors(response) + flashes(response)
    assert any(message in m for m in shown), shown
    assert counts() == before
    return text(response)


# --- the list ---------------------------------------------------------------------------

def test_the_list_shows_boxes_holding_stock_shelf_by_shelf(as_volunteer, box, blank, socks,
                                                           blanket, shelf_b, manager):
    other = factories.create_box(code="B00501")
    receive(blanket, shelf_b, 3, actor=manager, box=other)
    page = text(as_volunteer.get("/boxes"))
    assert "2 boxes" in page
    assert page.index("B00500") < page.index("B00501")  # shelf A1 before B2
    assert "B00777" not in page  # blank: not holding stock
    assert "20" in page and "pairs" in page


@pytest.mark.parametrize("query, shown, hidden", [
    ("state=blank", ["B00777"], ["B00500"]),
    ("state=empty", ["B00502"], ["B00500", "B00777"]),
    ("state=any", ["B00500", "B00502", "B00777"], []),
    ("q=b00500", ["B00500"], ["B00502"]),
    ("q=sock", ["B00500", "B00502"], []),
    ("condition=new", [], ["B00500"]),
])
def test_the_list_filters_by_state_code_and_condition(as_volunteer, box, blank, socks,
                                                      shelf_a, manager, query, shown, hidden):
    emptied = factories.create_box(code="B00502")
    receive(socks, shelf_a, 2, actor=manager, box=emptied)
    ledger.post_document(kind="move", actor=manager, lines=[ledger.Line(
        socks.id, 2, shelf_a.id, shelf_a.id, emptied.id)])
    page = text(as_volunteer.get(f"/boxes?{query}&state=any" if "state" not in query
                                 else f"/boxes?{query}"))
    for code in shown:
        assert code in page
    for code in hidden:
        assert code not in page


def test_the_list_filters_by_item_category_location_and_site(as_volunteer, box, blanket,
                                                             far_shelf, manager):
    far = factories.create_box(code="B00600")
    receive(blanket, far_shelf, 4, actor=manager, box=far)
    for query in (f"item={blanket.id}", f"category={blanket.category_id}",
                  f"location={far_shelf.id}", f"site={far_shelf.site_id}"):
        page = text(as_volunteer.get(f"/boxes?{query}"))
        assert "B00600" in page and "B00500" not in page, query


def test_the_list_is_paginated(as_volunteer, socks, shelf_a, manager):
    lines = []
    for n in range(55):
        new = factories.create_box(code=f"B{n + 1000:05d}")
        lines.append(ledger.Line(socks.id, 1, ledger.system_location("donor").id,
                                 shelf_a.id, None, new.id))
    ledger.post_document(kind="receipt", actor=manager, lines=lines)
    first, second = as_volunteer.get("/boxes"), as_volunteer.get("/boxes?page=2")
    assert "Page 1 of 2" in text(first) and "B01049" in text(first)
    assert "B01050" in text(second) and "B01049" not in text(second)
    assert as_volunteer.get("/boxes?page=99").status_code == 200


def test_nonsense_filters_are_ignored_not_an_error(as_volunteer, box):
    response = as_volunteer.get("/boxes?item=abc&state=everything&condition=shiny&page=xyz"
                                "&q=" + "x" * 500)
    assert response.status_code == 200
    assert as_volunteer.get("/boxes?item=abc&state=everything&condition=shiny&page=xyz"
                            ).status_code == 200
    assert "B00500" in text(as_volunteer.get("/boxes?item=abc&state=everything"))
    assert as_volunteer.get("/boxes?site=-1&location=99999").status_code == 200


def test_the_csv_export_has_the_filtered_boxes_with_formulas_defused(as_volunteer, box,
                                                                     create_item, shelf_b,
                                                                     manager):
    sneaky = create_item(name="=HYPERLINK(\"http://evil.example\")")
    other = factories.create_box(code="B00501")
    receive(sneaky, shelf_b, 1, actor=manager, box=other)
    response = as_volunteer.get("/boxes/export.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Code", "Item code", "Item", "Category", "Quantity"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["B00500"][2] == "Socks" and by_code["B00500"][4] == "20"
    assert by_code["B00501"][2].startswith("'=HYPERLINK")
    only = as_volunteer.get(f"/boxes/export.csv?location={shelf_b.id}")
    assert "B00500" not in only.get_data(as_text=True)


def test_coordinators_do_not_see_boxes(client, coordinator_a, box):
    login(client, coordinator_a)
    for url in ("/boxes", "/boxes/B00500", "/boxes/export.csv", "/labels/boxes"):
        assert client.get(url).status_code == 403, url
    before = counts()
    assert client.post("/boxes/B00500/take", data=form("take", quantity="1")).status_code == 403
    assert counts() == before


def test_the_menu_offers_boxes_and_labels_to_the_warehouse_team(as_volunteer):
    page = text(as_volunteer.get("/boxes"))
    assert 'href="/boxes"' in page and 'href="/labels"' in page


# --- one box ----------------------------------------------------------------------------

def test_a_box_page_says_what_where_and_its_history(as_volunteer, box, shelf_a, shelf_b,
                                                    manager):
    ledger.post_document(kind="move", actor=manager, reason="box_move", lines=[
        ledger.Line(box.item_id, 20, shelf_a.id, shelf_b.id, box.id, box.id)])
    page = text(as_volunteer.get("/boxes/b00500"))  # typed in lower case
    assert "Socks" in page and "20 pairs" in page and "Shelf B2" in page
    assert "Used" in page
    assert "Whole box moved" in page and "Shelf A1 → Shelf B2" in page
    assert "Received into the box" in page and "+20" in page
    assert "Max Manager" in page
    assert 'href="/labels/boxes?box=' in page


def test_a_box_page_shows_its_expiry_and_the_donation_it_came_from(as_volunteer, box,
                                                                   manager, dummy_site,
                                                                   shelf_a):
    from warehouse.core.types import utcnow
    from warehouse.intake.models import Donation
    donation = factories._save(Donation(
        received_at=utcnow(), donor_type="individual", donor_name="St Mary's church",
        site_id=dummy_site.id, intake_location_id=shelf_a.id, created_by_id=manager.id))
    use_by = factories.days_from_today(150)
    db.session.execute(Box.__table__.update().where(Box.id == box.id).values(
        donation_id=donation.id, expires_on=use_by))
    db.session.commit()
    response = as_volunteer.get("/boxes/B00500")
    page = text(response)
    assert f"Donation {donation.id}" in page and "St Mary's church" in page
    assert f"{use_by:%B} {use_by.day}, {use_by.year}" in page
    app = as_volunteer.application
    if "intake.donation" in app.view_functions:
        with app.test_request_context():
            from flask import url_for
            assert f'href="{url_for("intake.donation", donation_id=donation.id)}"' in page


def test_a_code_that_is_not_ours_says_so_clearly(as_volunteer):
    response = as_volunteer.get("/boxes/X99999")
    assert response.status_code == 404
    assert "No box has the code X99999 — check the label." in text(response)
    found = as_volunteer.get("/boxes/find?code=zz1")
    assert found.status_code == 404
    assert "No box has the code zz1 — check the label." in text(found)


def test_a_typed_or_scanned_code_opens_its_box(as_volunteer, box):
    response = as_volunteer.get("/boxes/find?code=%20b00500%20")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/boxes/B00500")
    french_layout = as_volunteer.get("/boxes/find?code=Bàà(àà")
    assert french_layout.headers["Location"].endswith("/boxes/B00500")


def test_a_blank_code_opens_the_what_goes_in_it_form(as_volunteer, blank, socks):
    page = text(as_volunteer.get("/boxes/B00777"))
    assert "What goes in it?" in page
    assert 'name="fill-item"' in page and f'value="{socks.code}"' in page
    assert 'name="move-location"' not in page


# --- operations -------------------------------------------------------------------------

def test_a_volunteer_moves_a_box_by_scanning_the_shelf(as_volunteer, box, socks, shelf_b):
    response = as_volunteer.post("/boxes/B00500/move", data=form("move", location="l00902"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/boxes/B00500")
    assert state(box) == (socks.id, shelf_b.id, 20)
    page = text(as_volunteer.get("/boxes/B00500"))
    assert "Box B00500 is now at Shelf B2." in page
    assert "Whole box moved" in page
    assert_ledger_agrees()


def test_a_shelf_can_be_typed_by_name(as_volunteer, box, socks, shelf_b):
    as_volunteer.post("/boxes/B00500/move", data=form("move", location="shelf b2"))
    assert state(box) == (socks.id, shelf_b.id, 20)


def test_moving_a_box_to_where_it_is_is_refused(as_volunteer, box):
    refused_with(as_volunteer, "/boxes/B00500/move", form("move", location="L00901"),
                 "Box B00500 is already at Shelf A1.")


def test_moving_a_box_to_a_shelf_nobody_knows_is_refused(as_volunteer, box):
    page = refused_with(as_volunteer, "/boxes/B00500/move", form("move", location="L12345"),
                        "No warehouse location has the code or name “L12345”")
    assert 'id="action-move" open' in page


def test_moving_a_box_to_another_site_is_refused(as_volunteer, box, far_shelf):
    refused_with(as_volunteer, "/boxes/B00500/move", form("move", location="L00903"),
                 "Stock moves between sites through a transfer")


def test_taking_some_out_leaves_them_loose_on_the_shelf(as_volunteer, box, socks, shelf_a):
    response = as_volunteer.post("/boxes/B00500/take", data=form("take", quantity="5"))
    assert response.status_code == 303
    assert state(box) == (socks.id, shelf_a.id, 15)
    assert "Taken out of box B00500: 5 pairs." in text(as_volunteer.get("/boxes/B00500"))
    assert_ledger_agrees()


@pytest.mark.parametrize("quantity, message", [
    ("21", "Box B00500 holds 20 of Socks, 21 needed."),
    ("0", "must be more than zero"),
    ("-2", "must be more than zero"),
    ("2.5", "is not a whole number"),
    ("1,000", "is not a whole number"),
    ("100000000", "is more than one line can hold"),
    ("", "Enter how many."),
    ("lots", "is not a whole number"),
])
def test_taking_out_a_quantity_that_cannot_be_is_refused(as_volunteer, box, quantity,
                                                         message):
    refused_with(as_volunteer, "/boxes/B00500/take", form("take", quantity=quantity), message)


def test_topping_up_from_the_loose_stock_on_the_shelf(as_volunteer, box, socks, shelf_a,
                                                      manager):
    receive(socks, shelf_a, 6, actor=manager)
    as_volunteer.post("/boxes/B00500/top-up", data=form("top_up", quantity="6"))
    assert state(box) == (socks.id, shelf_a.id, 26)
    refused_with(as_volunteer, "/boxes/B00500/top-up", form("top_up", quantity="1"),
                 "Not enough Socks at Shelf A1: 0 available, 1 needed.")
    assert_ledger_agrees()


def test_a_split_makes_a_new_box_and_goes_to_print_both_labels(as_volunteer, box, socks,
                                                               shelf_a):
    response = as_volunteer.post("/boxes/B00500/split", data=form("split", quantity="8"))
    assert response.status_code == 303
    new_box = db.session.scalar(select(Box).where(Box.id != box.id))
    assert state(new_box) == (socks.id, shelf_a.id, 8) and state(box)[2] == 12
    assert response.headers["Location"].endswith(
        f"/labels/boxes?box={new_box.id}&box={box.id}")
    page = text(as_volunteer.get(response.headers["Location"]))
    assert f"New box {new_box.code} holds 8 pairs taken from box B00500." in page
    assert_ledger_agrees()


def test_splitting_more_than_the_box_holds_is_refused(as_volunteer, box):
    refused_with(as_volunteer, "/boxes/B00500/split", form("split", quantity="30"),
                 "Box B00500 holds 20 of Socks, 30 needed.")
    refused_with(as_volunteer, "/boxes/B00500/split", form("split", quantity="20"),
                 "a split leaves some in it")


def test_merging_two_boxes_of_socks_on_one_shelf(as_volunteer, box, socks, shelf_a, manager):
    other = factories.create_box(code="B00501")
    receive(socks, shelf_a, 4, actor=manager, box=other)
    response = as_volunteer.post("/boxes/B00500/merge", data=form("merge", target="b00501"))
    assert response.headers["Location"].endswith(f"/labels/boxes?box={other.id}")
    assert state(box)[2] == 0 and state(other)[2] == 24
    assert_ledger_agrees()


def test_merging_boxes_of_different_items_or_places_is_refused(as_volunteer, box, blanket,
                                                               socks, shelf_a, shelf_b,
                                                               manager):
    blankets = factories.create_box(code="B00501")
    receive(blanket, shelf_a, 4, actor=manager, box=blankets)
    elsewhere = factories.create_box(code="B00502")
    receive(socks, shelf_b, 4, actor=manager, box=elsewhere)
    refused_with(as_volunteer, "/boxes/B00500/merge", form("merge", target="B00501"),
                 "only boxes of the same item can be merged")
    refused_with(as_volunteer, "/boxes/B00500/merge", form("merge", target="B00502"),
                 "bring them to the same place")
    refused_with(as_volunteer, "/boxes/B00500/merge", form("merge", target="B12345"),
                 "No box has the code B12345 — check the label.")


def test_emptying_a_box_onto_the_shelf(as_volunteer, box, socks, shelf_a):
    as_volunteer.post("/boxes/B00500/empty", data=form("empty"))
    assert state(box) == (socks.id, shelf_a.id, 0)
    page = text(as_volunteer.get("/boxes/B00500"))
    assert "Empty" in page and "Box emptied" in page
    assert 'name="top_up-quantity"' in page and 'name="move-location"' not in page
    assert_ledger_agrees()


def test_a_manager_writes_off_mouldy_stock_with_a_reason(as_manager, box, socks, shelf_a):
    response = as_manager.post("/boxes/B00500/write-off",
                               data=form("write_off", quantity="4", reason="mouldy",
                                         note="Wet from the roof"))
    assert response.status_code == 303
    assert state(box)[2] == 16
    written = db.session.scalar(select(Document).where(Document.kind == "write_off"))
    assert (written.reason, written.note) == ("mouldy", "Wet from the roof")
    page = text(as_manager.get("/boxes/B00500"))
    assert "Written off" in page and "(Mouldy or wet)" in page and "Wet from the roof" in page
    assert_ledger_agrees()


def test_writing_off_without_a_reason_is_refused(as_manager, box):
    refused_with(as_manager, "/boxes/B00500/write-off", form("write_off"),
                 "Choose why this stock is written off")
    refused_with(as_manager, "/boxes/B00500/write-off", form("write_off", reason="other"),
                 "Say in the note what happened")


def test_volunteers_cannot_write_off_or_undo(as_volunteer, box):
    before = counts()
    assert as_volunteer.post("/boxes/B00500/write-off",
                             data=form("write_off", reason="lost")).status_code == 403
    assert as_volunteer.post("/boxes/B00500/undo", data=form("undo", document_id="1")
                             ).status_code == 403
    assert counts() == before
    page = text(as_volunteer.get("/boxes/B00500"))
    assert "write_off-reason" not in page and "Undo the last movement" not in page


def test_filling_a_blank_box_from_a_donation(as_volunteer, blank, socks, shelf_a):
    use_by = factories.days_from_today(60)
    response = as_volunteer.post("/boxes/B00777/fill", data=form(
        "fill", item=socks.code, quantity="30", condition="new", location="L00901",
        source="donor", expires_on=use_by.isoformat()))
    assert response.status_code == 303
    filled = db.session.get(Box, blank.id)
    assert (filled.item_id, filled.location_id, filled.quantity, filled.condition,
            filled.expires_on) == (socks.id, shelf_a.id, 30, BoxCondition.NEW,
                                   use_by)
    db.session.commit()
    page = text(as_volunteer.get("/boxes/B00777"))
    assert "Box B00777 now holds 30 pairs at Shelf A1." in page
    assert "Blank box filled" in page
    assert_ledger_agrees()


def test_filling_a_blank_box_needs_an_item_we_know_and_a_shelf(as_volunteer, blank, socks,
                                                             shelf_a):
    refused_with(as_volunteer, "/boxes/B00777/fill", form(
        "fill", item="Unicorn", quantity="3", condition="used", location="L00901",
        source="donor"), "No item is called “Unicorn”")
    refused_with(as_volunteer, "/boxes/B00777/fill", form(
        "fill", item="Socks", quantity="3", condition="used", location="",
        source="donor"), "Scan the shelf label, or type its code or name.")
    refused_with(as_volunteer, "/boxes/B00777/fill", form(
        "fill", item="Socks", quantity="3", condition="used", location="L00901",
        source="loose"), "Say where the loose stock is")


def test_filling_a_box_that_is_already_used_is_refused(as_volunteer, box, socks):
    refused_with(as_volunteer, "/boxes/B00500/fill", form(
        "fill", item=socks.code, quantity="3", condition="used", location="L00901",
        source="donor"), "Box B00500 is not blank any more")


def test_a_manager_undoes_the_last_movement(as_manager, box, socks, shelf_a, shelf_b):
    as_manager.post("/boxes/B00500/move", data=form("move", location="L00902"))
    moved = db.session.scalar(select(Document.id).where(Document.kind == "move"))
    page = text(as_manager.get("/boxes/B00500"))
    assert f"Undo document {moved}" in page
    response = as_manager.post("/boxes/B00500/undo", data=form("undo", document_id=moved))
    assert response.status_code == 303
    assert state(box) == (socks.id, shelf_a.id, 20)
    page = text(as_manager.get("/boxes/B00500"))
    assert "undone by document" in page and "Undone: cancels document" in page
    assert_ledger_agrees()


def test_undoing_an_older_movement_than_the_last_is_refused(as_manager, box, manager):
    first = db.session.scalar(select(Document.id))
    as_manager.post("/boxes/B00500/take", data=form("take", quantity="1"))
    refused_with(as_manager, "/boxes/B00500/undo", form("undo", document_id=str(first)),
                 "only its last movement can be undone")


def test_a_form_without_its_one_time_key_is_refused(as_volunteer, box):
    data = form("take", quantity="1")
    del data["take-idempotency_key"]
    refused_with(as_volunteer, "/boxes/B00500/take", data, "missing its one-time key")


@pytest.mark.parametrize("action, path, fields", [
    ("move", "move", {"location": "L00902"}),
    ("take", "take", {"quantity": "3"}),
    ("top_up", "top-up", {"quantity": "1"}),
    ("split", "split", {"quantity": "4"}),
    ("empty", "empty", {}),
    ("write_off", "write-off", {"reason": "damaged", "quantity": "1"}),
])
def test_a_form_sent_twice_records_once(as_manager, box, socks, shelf_a, shelf_b, manager,
                                        action, path, fields):
    receive(socks, shelf_a, 1, actor=manager)  # loose, for the top-up
    data = form(action, key=f"double-{action}", **fields)
    first = as_manager.post(f"/boxes/B00500/{path}", data=data)
    after_first = counts()
    second = as_manager.post(f"/boxes/B00500/{path}", data=data)
    assert first.status_code == second.status_code == 303
    assert counts() == after_first
    if action != "split":  # a split replayed goes to print the same two labels
        assert "already recorded (the form was sent twice)" in text(
            as_manager.get("/boxes/B00500"))
    assert_ledger_agrees()


def test_an_operation_on_a_box_that_is_not_ours_is_a_clear_404(as_volunteer):
    response = as_volunteer.post("/boxes/Q1/take", data=form("take", quantity="1"))
    assert response.status_code == 404
    assert "No box has the code Q1 — check the label." in text(response)


def test_a_box_with_a_partner_offers_no_warehouse_operations(as_volunteer, box, socks,
                                                             shelf_a, manager, dummy_partner):
    custody = ledger.custody_location(dummy_partner)
    ledger.post_document(kind="dispatch", actor=manager, lines=[
        ledger.Line(socks.id, 20, shelf_a.id, custody.id, box.id, box.id)])
    page = text(as_volunteer.get("/boxes/B00500"))
    assert "outside the warehouse" in page and 'name="take-quantity"' not in page


def test_a_box_page_reads_in_french(client, volunteer, box):
    login(client, volunteer)
    client.post("/language/fr", data={"next": "/boxes/B00500"})
    page = text(client.get("/boxes/B00500"))
    assert "Chaussettes" in page
    assert '<html lang="fr">' in page
