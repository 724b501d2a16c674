"""Every role's main pages meet WCAG 2.1 A/AA, as axe-core checks them, in English and
French, on a tablet (800x1280) and on a phone (390x844).

The ``page`` fixture already checks each page a browser test opens (tests/browser/axe.py);
these tests open every role's main pages on purpose, over a small warehouse with something
on every page: stock below its minimum and out of stock, requests waiting and approved, a
donation in boxes and loose, a distribution, a tablet with a volunteer's PIN. Run them, with
the keyboard tests, alone: ``scripts/test tests/browser -m accessibility``.
"""
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser import axe
from tests.browser.conftest import TABLET, new_context
from tests.dashboard.world import build_world
from warehouse.core.clock import local_today
from warehouse.core.types import utcnow
from warehouse.distributions import services as distributions
from warehouse.distributions.models import DistributionSite
from warehouse.extensions import db
from warehouse.intake import services as intake
from warehouse.models import Box, Role
from warehouse.tablet import services as tablet_services
from warehouse.tablet.views import COOKIE_NAME

pytestmark = pytest.mark.accessibility

PHONE = {"width": 390, "height": 844}
SCREENS = {"tablet": TABLET, "phone": PHONE}
LANGUAGES = ("en", "fr")
PIN = "7391"
COMBINATIONS = [pytest.param(language, screen, id=f"{language}-{screen}")
                for language in LANGUAGES for screen in SCREENS]


@pytest.fixture
def warehouse():
    """The dashboard tests' warehouse, with a user of every role and a bit of everything."""
    world = build_world(now=utcnow())
    world.admin = factories.create_user(role=Role.ADMIN, name="Ada Admin",
                                        password=factories.PASSWORD)
    world.volunteer = factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer",
                                            password=factories.PASSWORD)
    world.coordinator = factories.create_user(role=Role.COORDINATOR, name="Cora Coordinator",
                                              organisation=world.partner,
                                              password=factories.PASSWORD)
    tablet_services.set_pin(actor=world.manager, user=world.volunteer, pin=PIN)
    bay = factories.create_location(site=world.calais, name="Intake bay", is_intake=True)
    donation = intake.receive_donation(
        actor=world.volunteer, site_id=world.calais.id, received_at=utcnow(),
        donor_type="group", donor_name="St Mary's school", origin="Dover",
        priority="urgent", condition="new", intake_location_id=bay.id,
        lines=[intake.DonationLine(world.sleeping_bag.id, 10, 2),
               intake.DonationLine(world.scarf.id, 6, 0)],
        note=None, idempotency_key=str(uuid.uuid4())).donation
    world.donation_id = donation.id
    world.box_code = db.session.scalars(
        select(Box.code).where(Box.donation_id == donation.id).order_by(Box.code)).first()
    place = factories._save(DistributionSite(name="Rue des Huttes", town="Calais",
                                             region="Hauts-de-France"))
    world.distribution_id = distributions.record_distribution(
        actor=world.coordinator, organisation_id=world.partner.id,
        distribution_site_id=place.id, distributed_on=local_today(),
        reason="eviction_replacement",
        lines=[distributions.StockLine(world.tent.id, 2)], people_total=2, women=1,
        idempotency_key=str(uuid.uuid4())).distribution.id
    world.tablet = factories.create_tablet(name="Intake 1", site=world.calais,
                                           created_by=world.manager)
    return world


def pages_of(role: str, world) -> list[str]:
    """The main pages of each role: its menu, and a page of each kind of thing it opens."""
    waiting, approved = world.waiting[0], world.approved_id
    custody = f"/distributions/custody/{world.partner.id}"
    warehouse_floor = ["/stock", "/stock/movements", "/scan", "/scan/scanner-test",
                       "/intake/donations", "/intake/donations/new",
                       f"/intake/donations/{world.donation_id}", "/intake/sort",
                       "/intake/boxes", "/intake/blank-codes", "/boxes",
                       f"/boxes/{world.box_code}", "/dispatch/",
                       f"/dispatch/requests/{approved}/pick", "/labels", "/account"]
    return {
        "admin": ["/dashboard", "/admin/users", f"/admin/users/{world.volunteer.id}",
                  "/admin/users/invite", "/admin/organisations",
                  f"/admin/organisations/{world.partner.id}", "/admin/organisations/new",
                  "/admin/audit", "/admin/settings", "/tablet/devices", "/account"],
        "manager": ["/dashboard", *warehouse_floor, "/stock/write-offs", "/scan/counts",
                    "/scan/conflicts", "/requests/queue", f"/requests/{waiting}/review",
                    f"/requests/{approved}", "/requests/", "/distributions/custody", custody,
                    "/distributions/", f"/distributions/{world.distribution_id}",
                    "/labels/printers", "/labels/printers/new", "/barcodes", "/reports",
                    "/tablet/devices", "/tablet/pins", "/tablet/enable", "/admin/users",
                    "/account/pin"],
        "volunteer": [*warehouse_floor, "/account/pin"],
        "coordinator": ["/stock", "/requests/catalogue", "/requests/", "/requests/new",
                        f"/requests/{waiting}", "/notifications", "/distributions/custody",
                        custody, f"{custody}/distribute", f"{custody}/return",
                        "/distributions/", f"/distributions/{world.distribution_id}",
                        "/reports", "/account"],
        "public": ["/login", "/password/forgot", "/needs", "/needs/poster", "/tablet",
                   "/scan/offline/unavailable", "/api/v1/docs"],
    }[role]


def sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .who")).to_have_count(1)


def choose_language(page, language: str) -> None:
    """The header's language switch, as a person uses it."""
    page.locator(f".languages button[lang={language}]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def check_hovered(page, locator) -> None:
    """Check the page with the pointer over ``locator``: hover colours must read too."""
    locator.hover()
    axe.check(page)


def check_pages(page, paths) -> None:
    """Open each page (the fixture checks it at load) and check it again once its scripts
    have done their work where they have some to do."""
    for path in paths:
        page.goto(path)
        if path == "/scan":
            expect(page.locator("#scan-page[data-ready]")).to_have_count(1)
        elif path == "/api/v1/docs":
            page.locator(".opblock").first.wait_for()
        else:
            continue
        axe.check(page)


@pytest.mark.parametrize("language, screen", COMBINATIONS)
@pytest.mark.parametrize("role", ["admin", "manager", "volunteer", "coordinator"])
def test_every_main_page_of_each_role_passes_axe(page, warehouse, role, language, screen):
    page.set_viewport_size(SCREENS[screen])
    sign_in(page, getattr(warehouse, role))
    choose_language(page, language)
    check_hovered(page, page.locator(".menu a").first)
    check_pages(page, pages_of(role, warehouse))


@pytest.mark.parametrize("language, screen", COMBINATIONS)
def test_the_public_pages_pass_axe(page, warehouse, language, screen):
    page.set_viewport_size(SCREENS[screen])
    page.goto("/login")
    choose_language(page, language)
    check_hovered(page, page.locator(".languages button:not(.current)"))
    check_pages(page, pages_of("public", warehouse))


@pytest.mark.parametrize("language, screen", COMBINATIONS)
def test_signing_in_on_a_shared_tablet_with_a_pin_passes_axe(page, warehouse, live_server,
                                                            language, screen):
    page.set_viewport_size(SCREENS[screen])
    page.context.add_cookies([{"name": COOKIE_NAME, "value": warehouse.tablet.token,
                               "url": live_server}])
    page.goto("/tablet")
    choose_language(page, language)
    name = page.get_by_role("link", name=re.compile("Vera Volunteer"))
    check_hovered(page, name)
    name.click()
    keypad = page.locator(".keypad")
    for digit in "1357":  # a wrong PIN: the error shows
        keypad.get_by_role("button", name=digit, exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page)
    for digit in PIN:
        keypad.get_by_role("button", name=digit, exact=True).click()
    expect(page.locator("#scan-page[data-ready]")).to_have_count(1)
    axe.check(page)
    check_hovered(page, page.locator(".top .switch-user"))


# --- the check itself -------------------------------------------------------------------

PAGE_WITH_A_VIOLATION = """<!doctype html>
<html lang="en"><head><title>Probe</title></head>
<body><main><h1>Probe</h1><img id="no-words" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
%s</main></body></html>"""
LEAVE_AT_ONCE = '<script>addEventListener("load", () => { location.href = "/login"; });</script>'


def test_a_violation_names_its_rule_element_and_help_even_on_a_page_left_at_once(
        browser, live_server):
    context = new_context(browser, viewport=PHONE, base_url=live_server, locale="en-GB")
    accessibility = axe.watch(context)
    page = context.new_page()
    page.route("**/probe/*", lambda route: route.fulfill(
        content_type="text/html",
        body=PAGE_WITH_A_VIOLATION % (LEAVE_AT_ONCE if "leaving" in route.request.url else "")))

    page.goto("/probe/leaving")  # its own script leaves it as soon as it has loaded
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/probe/staying")
    with pytest.raises(pytest.fail.Exception) as failure:
        axe.check(page)
    context.close()

    report = accessibility.report()
    assert sorted(accessibility.findings) == [("image-alt", "/probe/leaving", "#no-words"),
                                              ("image-alt", "/probe/staying", "#no-words")]
    for words in ("[image-alt]", "Images must have alternative text", "element: #no-words",
                  '<img id="no-words"', "/probe/leaving (at load; language en, 390px wide)",
                  "dequeuniversity.com/rules/axe/"):
        assert words in report
    assert "[image-alt]" in str(failure.value) and "checked by the test" in str(failure.value)
