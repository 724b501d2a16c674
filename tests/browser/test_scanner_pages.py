"""The managers' count and conflict pages in a real browser, on an 800x1280 tablet:
48px touch targets, nothing wider than the screen, one tap per decision."""
import pytest
from playwright.sync_api import expect

from tests import factories
from tests.scanner.conftest import box_with, floor  # noqa: F401  (floor: a fixture)
from tests.scanner.test_pages import _conflict, _finished_count
from warehouse.extensions import db
from warehouse.models import Box, Role

pytestmark = pytest.mark.slow
TOUCH = 48


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _manager():
    return factories.create_user(role=Role.MANAGER, name="Mona Manager",
                                 password=factories.PASSWORD)


def _fits(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def _big_enough(locator) -> None:
    for n in range(locator.count()):
        box = locator.nth(n).bounding_box()
        assert box["height"] >= TOUCH and box["width"] >= TOUCH, box


def test_a_manager_reconciles_a_count_with_one_tap_per_difference(page, screenshot, floor):
    count_id, differences, (box, stray, missing) = _finished_count(floor)
    _sign_in(page, _manager())
    page.goto("/scan/counts")
    expect(page.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    _fits(page)
    screenshot("scanner-counts")
    page.get_by_role("link", name="A-01-2").click()
    _fits(page)
    _big_enough(page.locator("label.reason"))
    _big_enough(page.locator(".reconcile button, .reconcile-cancel button"))
    screenshot("scanner-count-reconcile")
    for difference in differences:
        reason = "found" if difference.kind.value == "found_box" else "damaged"
        page.locator(f'input[name="reason-{difference.id}"][value="{reason}"]').check()
    page.get_by_role("button", name="Approve and correct the stock").click()
    expect(page.get_by_text("Count approved: 3 adjustments posted.")).to_be_visible()
    db.session.rollback()
    assert db.session.get(Box, box.id).quantity == 7


def test_a_manager_resolves_scans_needing_attention(page, screenshot, floor):
    box = box_with(floor.blankets, floor.shelf, 10, actor=floor.manager)
    _conflict(floor, box)
    _sign_in(page, _manager())
    page.goto("/scan/conflicts")
    expect(page.get_by_text(f"Take 12 out of box {box.code}")).to_be_visible()
    _fits(page)
    _big_enough(page.locator(".conflict-actions button"))
    screenshot("scanner-conflicts")
    page.get_by_role("button", name="Dismiss").click()
    expect(page.get_by_text("No scan needs attention")).to_be_visible()
