"""The frame around every page: the menu each role sees, the language, and error pages
that answer in the user's language — or as problem+json to a program."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests.conftest import another_app, login
from warehouse.accounts.access import access_of, public, roles
from warehouse.extensions import db
from warehouse.models import Organisation, OrganisationKind, Role, User
from warehouse.navigation import MENU

ROLES = ("anonymous", "volunteer", "coordinator_a", "manager", "admin")
ENGLISH = {403: "You do not have access to this page.",
           404: "This page does not exist, or it is not yours to see.",
           500: "Something went wrong on our side. Nothing was saved; please try again."}
FRENCH = {403: "Vous n’avez pas accès à cette page.",
          404: "Cette page n’existe pas, ou vous n’avez pas à la voir.",
          500: "Un problème est survenu de notre côté. Rien n’a été enregistré ; "
               "veuillez réessayer."}
SECRET_IN_THE_EXCEPTION = "database password is hunter2"


def _menu_paths(page: str) -> list[str]:
    menu = re.search(r'<nav class="menu".*?</nav>', page, re.S)
    return re.findall(r'href="([^"]+)"', menu.group(0)) if menu else []


def _language(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def _text(response) -> str:
    return response.get_data(as_text=True)


# The menu.

@pytest.mark.parametrize("role", ROLES)
def test_the_menu_shows_exactly_the_pages_the_role_may_open(app, request, role):
    user = request.getfixturevalue(role)
    client = app.test_client()
    if user is not None:
        login(client, user)

    page = client.get("/", follow_redirects=True)
    paths = _menu_paths(_text(page))

    if user is None:
        assert paths == []
        return
    adapter = app.url_map.bind("localhost")
    shown = set()
    for path in paths:
        endpoint, _ = adapter.match(urlsplit(path).path)
        access = access_of(endpoint)
        assert access is not None and (access.public or user.role in access.roles), (
            f"the menu of a {user.role} links to {path} ({endpoint}), which they may not open")
        assert client.get(path).status_code == 200, f"{user.role} following the menu to {path}"
        shown.add(endpoint)
    expected = {endpoint for endpoint, _label in MENU
                if endpoint in app.view_functions
                and (access_of(endpoint).public or user.role in access_of(endpoint).roles)}
    assert shown == expected, f"the menu of a {user.role}"


def test_the_menu_marks_the_page_being_shown(client, manager):
    login(client, manager)

    page = _text(client.get("/stock"))

    assert re.search(r'<a href="/stock" aria-current="page">', page)


# The language.

def test_the_interface_is_in_english_by_default(client):
    page = _text(client.get("/login"))

    assert _language(page) == "en"
    assert "Sign in" in page


def test_switching_to_french_shows_the_next_pages_in_french(client):
    switched = client.post("/language/fr", data={"next": "/login"})
    page = _text(client.get("/login"))

    assert switched.status_code == 302 and switched.headers["Location"] == "/login"
    assert _language(page) == "fr"
    assert "Se connecter" in page


def test_a_browser_asking_for_french_gets_french_until_a_choice_is_made(client):
    french = _text(client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}))
    client.post("/language/en", data={"next": "/login"})
    chosen = _text(client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}))

    assert _language(french) == "fr" and "Se connecter" in french
    assert _language(chosen) == "en"


def test_a_signed_in_users_language_choice_is_kept_for_their_next_visit(app, manager):
    client = login(app.test_client(), manager)

    client.post("/language/fr", data={"next": "/stock"})

    assert db.session.get(User, manager.id).locale == "fr"
    next_visit = login(app.test_client(), db.session.get(User, manager.id))
    page = _text(next_visit.get("/stock"))
    assert _language(page) == "fr"
    assert "Aller au contenu" in page


def test_an_unknown_language_changes_nothing(client):
    response = client.post("/language/xx", data={"next": "/login"})
    page = _text(client.get("/login"))

    assert response.status_code == 302
    assert _language(page) == "en"


# Error pages: in the user's language, or problem+json for a program.

@pytest.fixture(scope="module")
def shell_app(app):
    """The app with two test-only pages: one for admins only, one that crashes."""
    fresh = another_app(app, PROPAGATE_EXCEPTIONS=False)

    @roles(Role.ADMIN)
    def admins_only():
        return "secret"

    @public
    def crash():
        db.session.add(Organisation(name="Half-saved", short_name="HALF",
                                    kind=OrganisationKind.PARTNER))
        db.session.flush()
        raise RuntimeError(SECRET_IN_THE_EXCEPTION)

    fresh.add_url_rule("/_test/admins-only", "admins_only", admins_only)
    fresh.add_url_rule("/_test/crash", "crash", crash)
    fresh.add_url_rule("/api/_test/crash", "api_crash", crash)
    return fresh


def _error_page(shell_app, status, *, language=None, json=False, user=None):
    client = shell_app.test_client()
    if user is not None:
        login(client, user)
    if language:
        client.post("/language/" + language, data={"next": "/"})
    path = {403: "/_test/admins-only", 404: "/no-such-page", 500: "/_test/crash"}[status]
    headers = {"Accept": "application/json" if json else "text/html"}
    return client.get(path, headers=headers)


@pytest.mark.parametrize("status", [403, 404, 500])
def test_error_pages_say_what_happened_in_english(shell_app, volunteer, status):
    response = _error_page(shell_app, status, user=volunteer)

    page = _text(response)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert _language(page) == "en"
    assert ENGLISH[status] in page
    assert "Back to the start page" in page


@pytest.mark.parametrize("status", [403, 404, 500])
def test_error_pages_say_what_happened_in_french(shell_app, volunteer, status):
    response = _error_page(shell_app, status, user=volunteer, language="fr")

    page = _text(response)
    assert response.status_code == status
    assert _language(page) == "fr"
    assert FRENCH[status] in page
    assert "Retour à la page d’accueil" in page


@pytest.mark.parametrize("status", [403, 404, 500])
def test_a_program_gets_errors_as_problem_json(shell_app, volunteer, status):
    response = _error_page(shell_app, status, user=volunteer, json=True)

    problem = response.get_json()
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert problem["status"] == status
    assert problem["type"].startswith("/problems/")
    assert problem["detail"] == ENGLISH[status]


def test_a_program_gets_errors_in_french_when_it_asks_for_french(shell_app):
    response = shell_app.test_client().get(
        "/no-such-page", headers={"Accept": "application/json", "Accept-Language": "fr"})

    assert response.get_json()["detail"] == FRENCH[404]


def test_api_paths_answer_json_even_to_a_browser(shell_app):
    missing = shell_app.test_client().get("/api/no-such-thing", headers={"Accept": "text/html"})
    crashed = shell_app.test_client().get("/api/_test/crash", headers={"Accept": "text/html"})

    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert crashed.status_code == 500 and crashed.mimetype == "application/problem+json"


def test_a_browser_preferring_html_gets_the_page(shell_app):
    response = shell_app.test_client().get(
        "/no-such-page", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})

    assert response.mimetype == "text/html"


def test_a_crash_saves_nothing_and_shows_no_internals(shell_app):
    page = shell_app.test_client().get("/_test/crash")
    answer = shell_app.test_client().get("/_test/crash",
                                         headers={"Accept": "application/json"})

    for response in (page, answer):
        body = _text(response)
        assert SECRET_IN_THE_EXCEPTION not in body
        assert "Traceback" not in body and "RuntimeError" not in body
    assert db.session.scalar(select(func.count()).select_from(Organisation)
                             .where(Organisation.short_name == "HALF")) == 0


def test_a_wrong_method_is_a_clear_405(client, manager):
    login(client, manager)

    page = client.get("/logout")
    answer = client.get("/logout", headers={"Accept": "application/json"})

    assert page.status_code == 405 and "This action is not allowed here." in _text(page)
    assert answer.status_code == 405 and answer.mimetype == "application/problem+json"
