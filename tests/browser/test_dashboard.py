"""The dashboard and the public needs list in a real browser, on a tablet and a laptop."""
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.dashboard.world import WEDNESDAY_NOON, build_world

LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def world(fixed_clock):
    """The dashboard's world on its Wednesday noon, the app's clock there too: its figures
    for today and this week then hold at any hour of any day."""
    fixed_clock.move_to(WEDNESDAY_NOON)
    return build_world(now=WEDNESDAY_NOON)


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _fits_the_width(page) -> None:
    """Nothing sticks out sideways: no horizontal scrolling on this screen."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def _wait_until_drawn(page, selector: str) -> None:
    # Not wait_for_function: it evaluates a string, which the page's CSP forbids.
    for _ in range(100):
        if page.locator(selector).evaluate("img => img.complete && img.naturalWidth"):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{selector} was never drawn")


@pytest.mark.parametrize("size", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_a_manager_signs_in_to_the_dashboard_and_follows_a_figure(page, screenshot, world,
                                                                  size):
    page.set_viewport_size(size)
    _sign_in(page, world.manager)

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("#figure-waiting .dash-number")).to_have_text("3")
    expect(page.locator("#figure-received .dash-number")).to_have_text("37")
    chart = page.get_by_role("img", name=re.compile("received and distributed per week"))
    expect(chart).to_be_visible()
    _wait_until_drawn(page, ".dash-chart img")  # the SVG loaded: the CSP let it through
    _fits_the_width(page)
    screenshot(f"dashboard-{size['width']}x{size['height']}")

    page.locator(".dash-sites").get_by_role("link", name="Calais Warehouse").click()
    expect(page).to_have_url(re.compile(rf"/dashboard\?site={world.calais.id}$"))
    expect(page.locator("#figure-received .dash-number")).to_have_text("30")
    screenshot(f"dashboard-calais-{size['width']}x{size['height']}")

    page.locator("#figure-waiting").click()
    expect(page).to_have_url(re.compile(r"/requests/queue$"))


@pytest.mark.parametrize("size", [TABLET, LAPTOP], ids=["tablet", "laptop"])
def test_a_donor_reads_the_needs_list_and_its_poster_in_french(page, screenshot, world, size):
    page.set_viewport_size(size)
    page.goto("/needs")
    expect(page.get_by_role("heading", name="What we need now")).to_be_visible()
    expect(page.get_by_role("heading", name="Shelter")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Secret Partner Org")
    _fits_the_width(page)
    screenshot(f"needs-{size['width']}x{size['height']}")

    page.get_by_role("link", name="Version française").click()
    expect(page).to_have_url(re.compile(r"/needs\?lang=fr$"))
    expect(page.get_by_role("cell", name="Sac de couchage")).to_be_visible()
    screenshot(f"needs-fr-{size['width']}x{size['height']}")

    page.goto("/needs/poster?lang=fr")
    expect(page.locator(".poster h1")).to_be_visible()
    _fits_the_width(page)
    screenshot(f"needs-poster-fr-{size['width']}x{size['height']}")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    screenshot(f"needs-poster-print-{size['width']}x{size['height']}")
