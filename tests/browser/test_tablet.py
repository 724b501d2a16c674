"""Tablet mode on a shared tablet: a manager turns it on, a volunteer taps their name and
types their PIN on the keypad, then hands over with Switch user."""
import re

from playwright.sync_api import expect

from tests import factories
from warehouse.models import Role
from warehouse.tablet import services as tablet_services

VOLUNTEER_PIN = "7391"


def test_a_volunteer_signs_in_on_a_tablet_with_their_name_and_pin(page, screenshot):
    manager = factories.create_user(role=Role.MANAGER, name="Max Manager",
                                    email="max@example.org", password=factories.PASSWORD)
    volunteer = factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer")
    tablet_services.set_pin(actor=manager, user=volunteer, pin=VOLUNTEER_PIN)
    factories.create_site(name="Calais warehouse")

    # The manager makes this device a tablet, and is signed out to the names.
    page.goto("/login?next=/tablet/enable")
    page.get_by_label("E-mail address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/tablet/enable$"))
    page.get_by_label("Name of this tablet").fill("Intake 1")
    page.get_by_label("Site").select_option(label="Calais warehouse")
    screenshot("tablet-enable")
    page.get_by_role("button", name="Enable tablet mode and sign out").click()

    expect(page).to_have_url(re.compile(r"/tablet$"))
    expect(page.get_by_role("heading", name="Tap your name")).to_be_visible()
    expect(page.locator("header .who")).to_have_count(0)  # nobody is signed in
    screenshot("tablet-picker")

    # A wrong PIN is refused on the keypad.
    page.get_by_role("link", name="Vera Volunteer").click()
    expect(page.get_by_role("heading", name="Hello, Vera Volunteer")).to_be_visible()
    for digit in "1357":
        page.locator(".keypad").get_by_role("button", name=digit, exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("header .who")).to_have_count(0)
    screenshot("tablet-keypad-wrong-pin")

    # The right PIN, tapped on the keypad, signs her in (the form goes at the 4th digit).
    for digit in VOLUNTEER_PIN:
        page.locator(".keypad").get_by_role("button", name=digit, exact=True).click()
    expect(page.locator("header .who")).to_have_text("Vera Volunteer")
    expect(page.get_by_role("button", name="Switch user")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot("tablet-signed-in-volunteer")

    # Switch user hands the tablet to the next person.
    page.get_by_role("button", name="Switch user").click()
    expect(page).to_have_url(re.compile(r"/tablet$"))
    expect(page.locator("header .who")).to_have_count(0)
    expect(page.get_by_role("link", name="Vera Volunteer")).to_be_visible()
