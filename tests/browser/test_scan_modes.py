"""The tablet scan page, mode by mode, in a real browser at tablet size: what a volunteer
scans, what they see and hear about, and what the ledger holds afterwards.

Scans are typed into the scan field followed by Enter, as a keyboard-wedge scanner does.
"""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser import axe
from tests.browser.conftest import TABLET, _is_favicon, new_context
from tests.requests_factories import create_approved_request
from warehouse.catalogue.models import ItemBarcode
from warehouse.extensions import db
from warehouse.models import Box, Role


# --- the page, signed in, with refusals from the API allowed in the console ------------------

@pytest.fixture
def page(browser, live_server):
    """As tests/browser/conftest.py's page, except that the browser's own log line for an
    API answer of 4xx (a refused scan the page shows in red) is not a problem."""
    context = new_context(browser, viewport=TABLET, base_url=live_server, locale="en-GB")
    accessibility = axe.watch(context)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(
        f"console: {message.text} ({message.location.get('url')})")
        if message.type == "error" and not _is_favicon(message)
        and not _is_api_refusal(message) else None)
    yield page
    accessibility.finish(context)
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
    accessibility.assert_clean()


def _is_api_refusal(message) -> bool:
    """A refused scan (4xx) or one made while the network is down: the page says so."""
    return "/api/v1/" in (message.location.get("url") or "") and re.search(
        r"status of 4\d\d|ERR_INTERNET_DISCONNECTED", message.text) is not None


def sign_in(page, user, path="/scan"):
    page.goto(f"/login?next={path}")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Se connecter")).click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    if path == "/scan":
        expect(page.locator("#scan-page[data-ready]")).to_have_count(1)


def scan(page, code):
    """A scanner: the code typed fast, then Enter."""
    field = page.locator("#scan-field")
    field.focus()
    page.keyboard.type(code, delay=5)
    page.keyboard.press("Enter")


def choose_mode(page, name):
    page.locator(".scan-mode", has_text=name).click()
    expect(page.locator(".scan-mode", has_text=name)).to_have_attribute("aria-pressed", "true")


def banner(page):
    return page.locator("#scan-banner")


def expect_ok(page, text):
    expect(banner(page)).to_have_attribute("data-kind", "ok")
    expect(page.locator("#scan-banner-title")).to_contain_text(text)


def expect_error(page, text):
    expect(banner(page)).to_have_attribute("data-kind", "error")
    expect(banner(page)).to_contain_text(text)


def level(location, item) -> int:
    db.session.commit()  # a fresh read: the app wrote from its own thread
    return factories.stock_levels().get((location.id, item.id), 0)


def box(code) -> Box:
    db.session.commit()
    found = db.session.scalar(select(Box).where(Box.code == code))
    db.session.refresh(found)
    return found


# --- the warehouse of these tests -----------------------------------------------------------

class World:
    pass


@pytest.fixture
def world():
    w = World()
    w.volunteer = factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer",
                                        password=factories.PASSWORD)
    w.manager = factories.create_user(role=Role.MANAGER, name="Max Manager",
                                      password=factories.PASSWORD)
    w.site = factories.create_site(name="Calais Warehouse")
    w.intake = factories.create_location(site=w.site, name="Intake bay", code="L00900",
                                         is_intake=True)
    w.shelf_a = factories.create_location(site=w.site, name="Shelf A1", code="L00901")
    w.shelf_b = factories.create_location(site=w.site, name="Shelf A2", code="L00902")
    w.blanket = factories.create_item(name="Blanket", name_fr="Couverture", code="P00501")
    w.tshirt_m = factories.create_item(name="T-shirt", size="M", code="P00502")
    w.tshirt_l = factories.create_item(name="T-shirt", size="L", code="P00503")
    w.nappies = factories.create_item(name="Nappies", name_fr="Couches", code="P00504")
    db.session.add(ItemBarcode(item_id=w.nappies.id, code="5012345678900", pack_quantity=24))
    db.session.commit()
    w.box_1 = factories.create_box(code="B00101")
    w.box_2 = factories.create_box(code="B00102")
    w.box_3 = factories.create_box(code="B00103")
    w.blank = factories.create_box(code="B00199")
    factories.receive(w.blanket, w.shelf_a, 20, actor=w.manager, box=w.box_1)
    factories.receive(w.blanket, w.shelf_a, 10, actor=w.manager, box=w.box_2)
    factories.receive(w.tshirt_m, w.shelf_a, 8, actor=w.manager, box=w.box_3)
    return w


# --- look up ------------------------------------------------------------------------------

def test_looking_up_a_box_shows_what_where_and_how_many_with_its_actions(page, world, screenshot):
    sign_in(page, world.volunteer)
    choose_mode(page, "Look up")

    scan(page, "B00101")

    expect_ok(page, "20 × Blanket")
    card = page.locator(".scan-card")
    expect(card).to_contain_text("Shelf A1")
    expect(card.get_by_role("button", name="Take out")).to_be_visible()
    screenshot("scan-en-lookup-box")

    scan(page, "L00901")
    expect_ok(page, "L00901 · Shelf A1")
    expect(page.locator(".card-boxes li")).to_have_count(3)

    scan(page, "NOPE-1")
    expect_error(page, "NOPE-1")
    screenshot("scan-en-lookup-error")


# --- put away / move ---------------------------------------------------------------------------

def test_boxes_scanned_then_a_location_all_move_in_one_document_and_undo_puts_them_back(
        page, world, screenshot):
    sign_in(page, world.volunteer)
    choose_mode(page, "Put away / move")

    scan(page, "B00101")
    expect_ok(page, "20 × Blanket")
    scan(page, "B00102")
    expect(page.locator(".scan-chips li")).to_have_count(2)
    expect(page.locator("#scan-prompt")).to_contain_text("2 boxes ready")
    scan(page, "B00101")  # twice: said, not doubled
    expect_error(page, "already in the list")
    expect(page.locator(".scan-chips li")).to_have_count(2)
    screenshot("scan-en-move-boxes")
    scan(page, "L00902")

    expect_ok(page, "2 boxes moved to Shelf A2")
    expect(page.locator(".scan-chips li")).to_have_count(0)
    assert level(world.shelf_b, world.blanket) == 30
    assert level(world.shelf_a, world.blanket) == 0
    assert box("B00101").location_id == world.shelf_b.id
    screenshot("scan-en-move-done")

    page.locator("#scan-recent li").first.get_by_role("button", name="Undo").click()
    expect_ok(page, "Undone")
    expect(page.locator("#scan-recent li").first).to_contain_text("Undone")
    assert level(world.shelf_a, world.blanket) == 30
    assert box("B00102").location_id == world.shelf_a.id


def test_a_location_before_any_box_is_refused_in_red(page, world):
    sign_in(page, world.volunteer)
    choose_mode(page, "Put away / move")

    scan(page, "L00902")

    expect_error(page, "Scan a box first")
    assert level(world.shelf_b, world.blanket) == 0


# --- receive into a pre-printed label -----------------------------------------------------------

def test_receiving_into_a_blank_label_puts_the_box_on_the_intake_location(page, world, screenshot):
    sign_in(page, world.volunteer)
    choose_mode(page, "Receive into a label")

    scan(page, "B00101")  # in use already
    expect_error(page, "already in use")
    scan(page, "B00199")
    expect_ok(page, "B00199")
    page.locator("#item-search").fill("t-sh")
    page.locator("#item-results").get_by_role("button", name="T-shirt").click()
    page.locator(".choice.size", has_text="L").click()
    page.locator("#receive-quantity").fill("12")
    page.locator(".scan-toggle").get_by_role("button", name="Used").click()
    screenshot("scan-en-receive-form")
    page.locator("#receive-save").click()

    expect_ok(page, "Box B00199 now holds 12")
    filled = box("B00199")
    assert (filled.item_id, filled.quantity, filled.location_id, filled.condition.value) == \
        (world.tshirt_l.id, 12, world.intake.id, "used")
    assert level(world.intake, world.tshirt_l) == 12

    # The next blank label: the last choice is offered first.
    blank_2 = factories.create_box(code="B00198")
    scan(page, blank_2.code)
    recent = page.locator(".choice-grid").first.locator(".choice").first
    expect(recent).to_contain_text("T-shirt (L)")


def test_a_makers_barcode_adds_its_pack_while_receiving(page, world):
    sign_in(page, world.volunteer)
    choose_mode(page, "Receive into a label")
    scan(page, "B00199")

    scan(page, "5012345678900")
    expect(page.locator("#receive-quantity")).to_have_value("24")
    scan(page, "5012345678900")
    expect(page.locator("#receive-quantity")).to_have_value("48")
    page.locator("#receive-save").click()

    expect_ok(page, "48")
    assert level(world.intake, world.nappies) == 48


# --- take out / top up -------------------------------------------------------------------------

def test_taking_out_and_topping_up_a_box(page, world, screenshot):
    sign_in(page, world.volunteer)
    choose_mode(page, "Take out / top up")

    scan(page, "L00901")
    expect_error(page, "This is not a box")
    scan(page, "B00101")
    expect(page.locator("#take-quantity")).to_be_focused()
    page.keyboard.type("5")
    screenshot("scan-en-take-form")
    page.locator("#take-out").click()
    expect_ok(page, "Taken out of box B00101")
    assert box("B00101").quantity == 15
    # Out of the box, onto the shelf as loose stock: the shelf still holds 30.
    assert level(world.shelf_a, world.blanket) == 30

    scan(page, "B00101")
    page.locator("#take-quantity").fill("30")
    page.locator("#take-out").click()
    expect_error(page, "")
    assert box("B00101").quantity == 15
    screenshot("scan-en-take-refused")

    expect(page.locator("#take-quantity")).to_have_value("30")  # kept, to be corrected
    page.locator("#take-quantity").fill("3")
    page.locator("#top-up").click()
    expect_ok(page, "Put into box B00101")
    assert box("B00101").quantity == 18
    assert level(world.shelf_a, world.blanket) == 30


# --- pick -------------------------------------------------------------------------------------

def test_picking_a_request_counts_each_box_against_its_lines(page, world, screenshot):
    partner = factories.create_organisation(name="Refugee Aid")
    request = create_approved_request(organisation=partner, site=world.site,
                                      lines=[(world.blanket, 25)], actor=world.manager)
    sign_in(page, world.volunteer)
    choose_mode(page, "Pick")

    page.locator(".choice.request", has_text="Refugee Aid").click()
    expect(page.locator("table.pick-lines")).to_contain_text("Blanket")
    scan(page, "B00103")  # T-shirts: not on the request
    expect_error(page, "")
    scan(page, "B00101")
    expect_ok(page, "Picked 20")
    expect(page.locator("table.pick-lines td.left")).to_have_text("5")
    scan(page, "B00101")  # already picked
    expect_error(page, "")
    scan(page, "B00102")  # holds 10, 5 left: how many?
    expect(page.locator("#pick-quantity")).to_have_value("5")
    screenshot("scan-en-pick-partial")
    page.locator("#pick-save").click()

    expect_ok(page, "Picked 5")
    expect(page.locator("table.pick-lines td.left")).to_have_text("✓")
    screenshot("scan-en-pick-done")
    from warehouse.requests.picking import picking_sheet
    db.session.commit()
    sheet = picking_sheet(db.session.get(type(request), request.id), suggest=False)
    assert [(line.picked, line.left) for line in sheet.lines] == [(25, 0)]
    # Picked stock waits on its shelf until dispatch.
    assert level(world.shelf_a, world.blanket) == 30


def test_a_pick_list_code_opens_its_request(page, world):
    partner = factories.create_organisation(name="Refugee Aid")
    request = create_approved_request(organisation=partner, site=world.site,
                                      lines=[(world.blanket, 5)], actor=world.manager)
    sign_in(page, world.volunteer)
    choose_mode(page, "Pick")

    scan(page, f"R{request.id:05d}")

    expect(page.locator(".scan-panel h2")).to_contain_text("Refugee Aid")


# --- count --------------------------------------------------------------------------------------

def test_counting_a_location_shows_the_differences(page, world, screenshot):
    sign_in(page, world.volunteer)
    choose_mode(page, "Count")
    expect(page.locator(".choice.location")).to_have_count(3)  # or choose it from the list
    expect(page.locator(".choice.location", has_text="Shelf A1")).to_contain_text("3 boxes")

    scan(page, "B00101")
    expect_error(page, "This is not a place")
    scan(page, "L00901")
    expect_ok(page, "L00901 · Shelf A1")
    expect(page.locator("#scan-prompt")).to_contain_text("Counting")
    scan(page, "B00101")
    expect_ok(page, "B00101")
    scan(page, "B00103")
    page.locator(".scan-chips li", has_text="B00103").get_by_role(
        "button", name="Different quantity").click()
    page.locator("#box-quantity").fill("6")
    page.locator("#box-quantity-save").click()
    expect_ok(page, "B00103")
    expect(page.locator("#box-quantity")).to_have_count(0)
    page.locator("details.loose summary").click()
    page.locator("#item-search").fill("blanket")
    page.locator("#item-results").get_by_role("button", name="Blanket").click()
    page.locator("#loose-quantity").fill("4")
    screenshot("scan-en-count")
    page.locator("#loose-save").click()
    expect_ok(page, "Blanket")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#count-finish").click()

    expect(page.locator("table.pick-lines tbody tr")).to_have_count(3)
    expect(page.locator("table.pick-lines")).to_contain_text("Box not found")
    screenshot("scan-en-count-differences")
    # Differences wait for a manager: the ledger is not touched yet.
    assert level(world.shelf_a, world.blanket) == 30
    assert level(world.shelf_a, world.tshirt_m) == 8


def test_an_item_looked_up_is_chosen_for_the_next_blank_label(page, world):
    sign_in(page, world.volunteer)
    choose_mode(page, "Look up")
    scan(page, "5012345678900")
    expect_ok(page, "24 × Nappies")
    expect(page.locator(".scan-card")).to_contain_text("Pack of 24")

    page.locator(".scan-card").get_by_role("button", name="Receive into it").click()
    expect(page.locator(".scan-mode", has_text="Receive")).to_have_attribute("aria-pressed",
                                                                           "true")
    scan(page, "B00199")

    expect(page.locator(".chooser-chosen")).to_have_text("Nappies")
