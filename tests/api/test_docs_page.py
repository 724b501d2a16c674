"""The API reference page works under the app's Content-Security-Policy, from its own files."""
import pytest

from tests.browser.conftest import SCREENSHOTS, browser, live_server, page  # noqa: F401
from tests import factories
from tests.conftest import login  # noqa: F401

pytestmark = pytest.mark.slow


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
