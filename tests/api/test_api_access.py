"""Every /api/v1 route, called with each kind of user's API token, answers as declared.

The route walker (tests/web/test_route_access.py) opens every route with a browser
session; this walks the API's routes again as scripts do, with ``Authorization: Bearer``,
reusing its world and URL parameters, so a route added tomorrow is walked here too:

- no token, or a token that is not valid: 401 problem (``invalid-token`` for a bad one);
- a role the route does not allow: 403 problem, nothing written;
- partner B's coordinator naming partner A's object on a scoped route: 404, nothing written;
- allowed: neither 401 nor the access check's 403 nor a server error; an error is a
  problem document; a GET finds what its URL names.
"""
import pytest

from tests.api.conftest import assert_problem
from tests.web.test_route_access import (
    FORM_DATA_BY_ENDPOINT,
    ROLES,
    ROUTES,
    _allowed,
    build_world,
    url_of,
)
from tests.web.test_route_access import snapshot as every_row
from warehouse.accounts.access import access_of
from warehouse.accounts.api_tokens import create_token

API_ROUTES = [route for route in ROUTES if route.rule.startswith("/api/v1")]


def snapshot() -> dict:
    """Every row but the token's own "last used" time, which any use of it updates."""
    return {table: rows for table, rows in every_row().items() if table != "api_token"}


def test_the_api_has_routes_to_walk():
    assert len(API_ROUTES) >= 10


def _send(client, method, url, token, body):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, headers=headers, json=body)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", API_ROUTES, ids=str)
def test_every_api_route_answers_each_kind_of_token_as_declared(app, route, role):
    access = access_of(route.endpoint)
    assert access is not None, f"{route} declares no access policy"
    world = build_world()
    url, names_partner_a_object = url_of(app, route, world)
    form = FORM_DATA_BY_ENDPOINT.get(route.endpoint, lambda w: {})(world)
    user = world.users[role]
    token = create_token(user, "Walker")[1] if user is not None else None
    client = app.test_client()
    where = f"{route.method} {url} ({route.endpoint}) as {role} with a token"

    if access.public:
        response = _send(client, route.method, url, token, form)
        assert response.status_code not in (401, 403) and response.status_code < 500, where
        return

    if role == "anonymous":
        before = snapshot()
        assert_problem(_send(client, route.method, url, None, form), 401, "not-signed-in")
        assert_problem(_send(client, route.method, url, "wh_not-a-token", form), 401,
                       "invalid-token")
        assert snapshot() == before, f"{where} was refused but changed the database"
        return

    if not _allowed(access, role):
        before = snapshot()
        assert_problem(_send(client, route.method, url, token, form), 403, "forbidden")
        assert snapshot() == before, f"{where} was refused but changed the database"
        return

    if access.scoped and names_partner_a_object and role == "coordinator_b":
        before = snapshot()
        response = _send(client, route.method, url, token, form)
        assert response.status_code == 404, f"{where}: {response.status}"
        assert snapshot() == before, f"{where} was refused but changed the database"
        return

    response = _send(client, route.method, url, token, form)
    assert response.status_code != 401, f"{where} is allowed: {response.status}"
    if response.status_code == 403:  # a rule of the domain (not yours to undo), not access
        assert response.get_json()["type"] != "/problems/forbidden", f"{where} is allowed"
    assert response.status_code < 500, f"{where}: {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", where
    if route.method == "GET":
        assert response.status_code != 404, f"{where} answered 404"
