"""Logging a donation on a tablet, in a real browser: finding items by typing, adding a
line, seeing a boxed line's total, and a double tap on "Record" recording once."""
import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests import factories
from warehouse.extensions import db
from warehouse.intake.models import Donation
from warehouse.models import Box, Role


def sign_in(page, user):
    page.goto("/login?next=/intake/donations/new")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/intake/donations/new$"))


def test_a_volunteer_logs_a_donation_by_typing_item_names(page, screenshot):
    volunteer = factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer",
                                      password=factories.PASSWORD)
    site = factories.create_site(name="Calais Warehouse")
    factories.create_location(site=site, name="Intake bay", is_intake=True)
    shelter = factories.create_category(name="Shelter")
    factories.create_item(name="Sleeping bag", category=shelter)
    factories.create_item(name="Tent", size="2-person", category=shelter)
    jacket = factories.create_item(name="Men's jacket", size="L")

    sign_in(page, volunteer)
    expect(page.get_by_label("Put it in")).to_have_value(re.compile(r"\d+"))

    # Typing part of a name leaves only the matching items; one match is chosen.
    page.locator("#lines-0-item-filter").fill("sleep")
    expect(page.locator("#lines-0-item")).to_have_value(re.compile(r"\d+"))
    expect(page.locator("#lines-0-item option:checked")).to_have_text("Sleeping bag")
    page.locator("#lines-0-quantity").fill("20")
    # An item code (typed or scanned) works too; Enter moves on instead of sending.
    page.locator("#lines-1-item-filter").fill(jacket.code)
    page.locator("#lines-1-item-filter").press("Enter")
    expect(page.locator("#lines-1-item option:checked")).to_have_text("Men's jacket (L)")
    page.locator("#lines-1-quantity").fill("15")
    page.locator("#lines-1-boxes").fill("3")
    expect(page.locator("#lines-1-quantity").locator("xpath=ancestor::div[@data-line]")
           .locator("[data-line-total]")).to_have_text("3 boxes × 15 = 45 in all")
    # Nothing matches: the volunteer is told so.
    page.locator("#lines-2-item-filter").fill("zzz")
    expect(page.get_by_text("No item matches")).to_be_visible()
    page.locator("#lines-2-item-filter").fill("")
    # A fourth line, added on the page.
    page.get_by_role("button", name="Add a line").click()
    expect(page.locator("[data-line]")).to_have_count(4)
    page.locator("[data-line]").nth(3).locator(".item-filter").fill("tent")
    page.locator("[data-line]").nth(3).locator("input[name$='-quantity']").fill("2")
    expect(page.get_by_role("button", name="More lines")).to_be_hidden()
    screenshot("intake-donation-form")

    record = page.get_by_role("button", name="Record the donation")
    record.dblclick()  # a double tap

    expect(page).to_have_url(re.compile(r"/intake/donations/\d+$"))
    expect(page.get_by_text("Donation recorded.")).to_be_visible()
    expect(page.get_by_role("cell", name="in 3 new boxes")).to_be_visible()
    screenshot("intake-donation")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Donation)) == 1
    assert db.session.scalar(select(func.count()).select_from(Box)) == 3


def test_the_reason_field_shows_only_for_a_donation_not_needed(page):
    volunteer = factories.create_user(role=Role.VOLUNTEER, password=factories.PASSWORD)
    factories.create_location(site=factories.create_site(), is_intake=True)

    sign_in(page, volunteer)
    reason = page.get_by_label("Why is it not needed, and where does it go?")
    expect(reason).to_be_hidden()
    page.get_by_text("Not needed", exact=True).click()
    expect(reason).to_be_visible()
