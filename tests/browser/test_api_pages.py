"""In the browser: the API reference page (under the app's CSP, from its own files), making
an API token on the account page, adding an item's barcode."""
from tests import factories
from tests.browser.conftest import SCREENSHOTS


def test_the_api_reference_page_shows_every_endpoint_without_any_csp_violation(page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/codes/{code}").first.wait_for()
    page.get_by_text("/api/v1/items/{item_id}").first.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "api-reference.png"), full_page=False)
    base = page.url.split("/api/")[0]
    assert all(url.startswith(base) or url.startswith("data:") for url in requests), requests


def test_a_signed_in_manager_tries_an_endpoint_from_the_reference_page(page, live_server):
    manager = factories.create_user(role="manager", password=factories.PASSWORD)
    factories.create_item(name="Sleeping bag")
    page.goto("/login")
    page.get_by_label("E-mail address").fill(manager.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/api/v1/docs")
    operation = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text="/api/v1/items")).filter(
        has_not=page.locator(".opblock-summary-path", has_text="{item_id}")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table tbody .response-col_status").first
    answer.wait_for()
    assert answer.inner_text().strip() == "200"
    assert "Sleeping bag" in operation.locator(".live-responses-table").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "api-reference-try-it.png"), full_page=False)


def _sign_in(page, user):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_user_makes_a_token_in_the_browser_and_sees_it_once(page):
    volunteer = factories.create_user(role="volunteer", password=factories.PASSWORD)
    _sign_in(page, volunteer)
    page.goto("/account")
    page.get_by_label("Name of the new token").fill("Inventory script")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator(".token-secret").inner_text()
    assert secret.startswith("wh_")
    page.locator(".new-token").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "api-token-created.png"), full_page=False)
    page.goto("/account")
    assert page.locator(".token-secret").count() == 0
    assert page.get_by_role("cell", name="Inventory script").is_visible()


def test_a_manager_adds_a_barcode_in_the_browser(page):
    manager = factories.create_user(role="manager", password=factories.PASSWORD)
    factories.create_item(name="Nappies", size="Size 4")
    _sign_in(page, manager)
    page.get_by_role("link", name="Barcodes").first.click()
    page.get_by_label("Item").select_option(label=page.locator(
        "select option", has_text="Nappies").first.inner_text())
    page.get_by_label("Barcode (EAN or UPC)").fill("3760012345014")
    page.get_by_label("How many in one package").fill("24")
    page.get_by_role("button", name="Add barcode").click()
    page.get_by_text("Barcode 3760012345014 added to Nappies (Size 4).").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "item-barcodes.png"), full_page=True)
