"""Signing in with a real browser: each role's menu, a wrong password, French."""
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from warehouse.accounts.access import access_of
from warehouse.models import Role
from warehouse.navigation import MENU


def _menu_labels_for(app, role: Role) -> list[str]:
    """The menu a role should see, read from the routes' declared access."""
    labels = []
    for endpoint, label in MENU:
        access = access_of(endpoint) if endpoint in app.view_functions else None
        if access is not None and (access.public or role in access.roles):
            labels.append(str(label))
    return labels


def _sign_in(page, email: str, password: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.VOLUNTEER, Role.COORDINATOR])
def test_each_role_signs_in_and_sees_only_its_own_menu(app, page, screenshot, role):
    user = factories.create_user(role=role, name=f"Sam {role.capitalize()}",
                                 email=f"{role}@example.org", password=factories.PASSWORD)

    page.goto("/stock")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    _sign_in(page, user.email, factories.PASSWORD)

    expect(page).to_have_url(re.compile(r"/stock$"))
    expect(page.locator("header .who")).to_have_text(user.name)
    expect(page.locator("nav.menu a")).to_have_text(_menu_labels_for(app, role))
    screenshot(f"signed-in-{role}")


def test_a_wrong_password_shows_what_is_wrong_and_signs_nobody_in(page, screenshot):
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)

    page.goto("/login")
    _sign_in(page, "kim@example.org", "not the password")

    expect(page.get_by_role("alert")).to_have_text(
        "The e-mail address or the password is not right.")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("nav.menu")).to_have_count(0)
    expect(page.get_by_label("E-mail address")).to_have_value("kim@example.org")
    screenshot("sign-in-wrong-password")


def test_switching_to_french_shows_the_sign_in_page_and_the_app_in_french(page, screenshot):
    factories.create_user(role=Role.MANAGER, email="kim@example.org", name="Kim",
                          password=factories.PASSWORD)

    page.goto("/login")
    page.get_by_role("button", name="FR").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    screenshot("sign-in-fr")
    page.get_by_label("Adresse e-mail").fill("kim@example.org")
    page.get_by_label("Mot de passe", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    screenshot("signed-in-manager-fr")
