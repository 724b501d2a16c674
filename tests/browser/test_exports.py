"""The download buttons in a real browser, at tablet size: they fit, and a click saves
the file with the filters of the page."""
from playwright.sync_api import expect

from tests import factories
from tests.exports.conftest import world  # noqa: F401  (a fixture)
from warehouse.models import Role

def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_manager_downloads_the_filtered_movements_as_excel(page, world, screenshot):
    manager = factories.create_user(role=Role.MANAGER, name="Mona Manager",
                                    password=factories.PASSWORD)
    sign_in(page, manager)
    page.goto("/stock")
    screenshot("exports-stock")
    page.goto("/stock/movements?kind=dispatch")
    assert page.get_by_role("link", name="Excel (XLSX)").is_visible()
    screenshot("exports-movements")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename.startswith("movements-")
    assert download.value.suggested_filename.endswith(".xlsx")
    assert "kind=dispatch" in download.value.url


def test_a_coordinator_finds_their_archive_on_the_custody_page(page, world, partner_a,
                                                               screenshot):
    coordinator = factories.create_user(role=Role.COORDINATOR, organisation=partner_a,
                                        name="Cleo Coordinator",
                                        password=factories.PASSWORD)
    sign_in(page, coordinator)
    page.goto(f"/distributions/custody/{partner_a.id}")
    screenshot("exports-custody")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything (ZIP)").click()
    assert download.value.suggested_filename.startswith("data-PA-")
