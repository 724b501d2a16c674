"""Defences every page shares: forms that cannot be forged, headers, cookies, passwords,
sign-in limits, redirects that stay on this site, and sizes that are refused clearly."""
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from tests import factories
from tests.conftest import another_app, login
from tests.web.test_route_access import ROLE_OF, ROUTES, build_world, snapshot, url_of
from warehouse import create_app
from warehouse.accounts import services
from warehouse.accounts.access import access_of
from warehouse.extensions import db
from warehouse.models import Role, User

FORM_EXPIRED = "This form has expired or was sent from elsewhere. Nothing was saved"
TOO_MANY = "Too many attempts. Wait a minute, then try again."
TOO_LARGE = "What you sent is too large."
POST_ROUTES = [route for route in ROUTES if "POST" in route.methods]
EVIL_NEXT = ["//evil.example", "https://evil.example", "http://evil.example/stock",
             "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example",
             "javascript:alert(1)", "evil.example"]


def _sign_in(client, email, password, *, next=None, remember=False, **kwargs):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    query = {"next": next} if next is not None else None
    return client.post("/login", data=data, query_string=query, **kwargs)


def _field_errors(response) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', response.get_data(as_text=True))


def _without_csrf_tokens(page: str) -> str:
    """The page with its CSRF tokens blanked: each session gets its own."""
    page = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)
    return re.sub(r'(name="csrf-token"[^>]*content=")[^"]*"', r'\1"', page)


def _is_on_this_site(location: str) -> bool:
    """Whether a browser following ``location`` stays on this host."""
    # Browsers drop tabs and newlines anywhere in a URL and read "\" as "/".
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    parts = urlsplit(cleaned)
    return parts.scheme == "" and parts.netloc in ("", "localhost") \
        and not cleaned.startswith("//")


# Forms cannot be sent from another site.

@pytest.fixture(scope="module")
def csrf_app(app):
    return another_app(app, WTF_CSRF_ENABLED=True)


def _allowed_user(world, access):
    if access.public:
        return None
    for role in ("admin", "manager", "volunteer", "coordinator_a"):
        if ROLE_OF[role] in access.roles:
            return world.users[role]
    raise AssertionError(f"no role may use a route declared {access}")


@pytest.mark.parametrize("route", POST_ROUTES, ids=str)
def test_a_form_sent_without_its_csrf_token_is_refused_and_saves_nothing(csrf_app, route):
    world = build_world()
    access = access_of(route.endpoint)
    assert access is not None, f"{route} declares no access policy"
    url, _ = url_of(csrf_app, route, world)
    client = csrf_app.test_client()
    user = _allowed_user(world, access)
    if user is not None:
        login(client, user)
    before = snapshot()

    missing = client.post(url, data={})
    forged = client.post(url, data={"csrf_token": "made-up"})
    as_json = client.post(url, data={}, headers={"Accept": "application/json"})

    if url.startswith("/api/"):
        # The JSON API takes JSON and reads the token from the X-CSRFToken header.
        for response in (client.post(url, json={}),
                         client.post(url, json={}, headers={"X-CSRFToken": "made-up"})):
            assert response.status_code == 400, f"POST {url}: {response.status}"
            assert response.get_json()["type"] == "/problems/csrf-token-missing"
        assert snapshot() == before, f"POST {url} without a CSRF token changed the database"
        return
    for response in (missing, forged):
        assert response.status_code == 400, f"POST {url}: {response.status}"
        assert FORM_EXPIRED in response.get_data(as_text=True)
    assert as_json.status_code == 400
    assert as_json.get_json()["type"] == "/problems/form-expired"
    assert snapshot() == before, f"POST {url} without a CSRF token changed the database"


def test_a_sign_in_form_with_its_csrf_token_is_accepted(csrf_app):
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) \
        or re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the sign-in page carries no CSRF token"

    response = client.post("/login", data={"csrf_token": token.group(1),
                                           "email": "kim@example.org",
                                           "password": factories.PASSWORD})

    assert response.status_code == 302


# Headers: no inline or third-party script, no framing, no MIME sniffing, no leaky referrer.

def _assert_security_headers(response, what):
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:]
                  for part in csp.split(";") if part.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, f"{what}: no script-src in the Content-Security-Policy {csp!r}"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, what
    assert directives.get("frame-ancestors") == ["'none'"], what
    assert directives.get("object-src") == ["'none'"], what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("Referrer-Policy") in (
        "same-origin", "no-referrer", "strict-origin", "strict-origin-when-cross-origin"), what


def test_pages_error_pages_and_files_carry_the_security_headers(client, manager):
    pages = {
        "the sign-in page": client.get("/login"),
        "a redirect to sign in": client.get("/stock"),
        "a 401 answer": client.get("/stock", headers={"Accept": "application/json"}),
        "a 404 page": client.get("/no-such-page"),
        "a 404 answer": client.get("/no-such-page", headers={"Accept": "application/json"}),
        "a 405 page": client.get("/logout"),
        "a 413 page": client.post("/login", data={"email": "x" * 3_000_000}),
        "the style sheet": client.get("/static/css/app.css"),
    }
    login(client, manager)
    pages["the stock page"] = client.get("/stock")
    for what, response in pages.items():
        _assert_security_headers(response, what)


def test_a_forbidden_page_carries_the_security_headers(app, volunteer):
    from warehouse.accounts.access import roles
    fresh = another_app(app)
    fresh.add_url_rule("/_test/admins-only", "admins_only",
                       roles(Role.ADMIN)(lambda: "secret"))
    client = login(fresh.test_client(), volunteer)

    response = client.get("/_test/admins-only")

    assert response.status_code == 403
    _assert_security_headers(response, "a 403 page")


# Production settings.

@pytest.fixture
def production_environment(monkeypatch, app):
    monkeypatch.setenv("WAREHOUSE_CONFIG", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])


def test_production_cookies_are_secure_http_only_and_same_site(app, production_environment):
    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "WTF_CSRF_ENABLED": False})
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = production.test_client()

    response = _sign_in(client, "kim@example.org", factories.PASSWORD, remember=True,
                        base_url="https://localhost")

    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header
               for header in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for name in ("session", "remember_token"):
        flags = [flag.strip().lower() for flag in cookies[name].split(";")]
        assert "secure" in flags, cookies[name]
        assert "httponly" in flags, cookies[name]
        assert "samesite=lax" in flags, cookies[name]
    assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL"])
def test_production_refuses_to_start_without_its_secret_or_database(
        monkeypatch, production_environment, missing):
    monkeypatch.delenv(missing)

    with pytest.raises(RuntimeError, match=missing):
        create_app("production")


# Passwords.

def test_passwords_are_stored_hashed_never_in_clear(app):
    password = "quiet orchard lantern"
    user = services.create_user(email="lea@example.org", name="Léa", role=Role.MANAGER,
                                password=password)
    services.change_password(user, current=password, new="second quiet lantern")

    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM user_account WHERE id = :id"),
                           {"id": user.id}).one()
    stored = " ".join(str(value) for value in row)
    assert password not in stored and "second quiet lantern" not in stored
    assert row.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert db.session.get(User, user.id).check_password("second quiet lantern")


# Sign-in throttling.

def _limit_count(app, setting) -> int:
    return int(app.config[setting].split(";")[0].split()[0])


def test_after_too_many_wrong_passwords_the_account_is_locked_even_for_the_right_one(app):
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = app.test_client()
    for _ in range(_limit_count(app, "LOGIN_LIMIT_PER_ACCOUNT")):
        assert _sign_in(client, "kim@example.org", "wrong guess").status_code == 200

    right = _sign_in(client, "kim@example.org", factories.PASSWORD)
    as_json = _sign_in(client, "kim@example.org", factories.PASSWORD,
                       headers={"Accept": "application/json"})
    from_elsewhere = _sign_in(app.test_client(), " KIM@example.org", factories.PASSWORD,
                              environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert right.status_code == 429
    assert TOO_MANY in right.get_data(as_text=True)
    assert as_json.status_code == 429 and as_json.get_json()["detail"] == TOO_MANY
    assert from_elsewhere.status_code == 429  # the account is the key, not the address
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_too_many_failed_sign_ins_from_one_address_lock_that_address_only(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per minute")
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = app.test_client()
    for n in range(3):
        assert _sign_in(client, f"guess{n}@example.org", "wrong guess").status_code == 200

    same_address = _sign_in(client, "kim@example.org", factories.PASSWORD)
    other_address = _sign_in(app.test_client(), "kim@example.org", factories.PASSWORD,
                             environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert same_address.status_code == 429
    assert TOO_MANY in same_address.get_data(as_text=True)
    assert other_address.status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_limits(app):
    # Volunteers share the warehouse's address and sign in all day long.
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = app.test_client()
    for _ in range(_limit_count(app, "LOGIN_LIMIT_PER_ACCOUNT") + 2):
        assert _sign_in(client, "kim@example.org", factories.PASSWORD).status_code == 302
        client.post("/logout")


# No user enumeration.

def test_an_unknown_address_and_a_wrong_password_get_the_same_answer(app):
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    factories.create_user(email="gone@example.org", password=factories.PASSWORD, active=False)

    answers = {
        "kim@example.org": _sign_in(app.test_client(), "kim@example.org", "wrong guess"),
        "nobody@example.org": _sign_in(app.test_client(), "nobody@example.org", "wrong guess"),
        "gone@example.org": _sign_in(app.test_client(), "gone@example.org",
                                     factories.PASSWORD),
    }

    statuses = {email: response.status_code for email, response in answers.items()}
    errors = {email: _field_errors(response) for email, response in answers.items()}
    pages = {email: _without_csrf_tokens(response.get_data(as_text=True)
                                         ).replace(email, "EMAIL")
             for email, response in answers.items()}
    assert len(set(statuses.values())) == 1, statuses
    assert errors["kim@example.org"] == [
        "The e-mail address or the password is not right."], errors
    assert len({tuple(e) for e in errors.values()}) == 1, errors
    assert len(set(pages.values())) == 1, "the pages differ beyond the address typed"


# Sessions end when the account changes.

def test_a_deactivated_user_is_signed_out_at_their_next_request(app):
    user = factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = app.test_client()
    assert _sign_in(client, "kim@example.org", factories.PASSWORD, remember=True
                    ).status_code == 302
    assert client.get("/stock").status_code == 200

    user.active = False
    db.session.commit()
    page = client.get("/stock")
    client.delete_cookie("session")
    with_remember_cookie_only = client.get("/stock")

    assert page.status_code == 302 and urlsplit(page.headers["Location"]).path == "/login"
    assert with_remember_cookie_only.status_code == 302


def test_a_new_password_ends_the_other_sessions_of_that_user_even_remembered_ones(app):
    user = factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        assert _sign_in(device, "kim@example.org", factories.PASSWORD, remember=True
                        ).status_code == 302
    laptop.delete_cookie("session")  # the laptop was closed: only "remember me" is left
    assert laptop.get("/stock").status_code == 200

    services.change_password(user, current=factories.PASSWORD, new="brand new lantern")

    assert phone.get("/stock").status_code == 302
    laptop.delete_cookie("session")
    assert laptop.get("/stock").status_code == 302


# Redirects stay on this site.

@pytest.mark.parametrize("target", EVIL_NEXT, ids=repr)
def test_signing_in_never_sends_the_user_to_another_site(app, target):
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)

    response = _sign_in(app.test_client(), "kim@example.org", factories.PASSWORD, next=target)

    assert response.status_code == 302
    assert _is_on_this_site(response.headers["Location"]), response.headers["Location"]


def test_signing_in_returns_to_the_page_asked_for(app):
    factories.create_user(email="kim@example.org", password=factories.PASSWORD)
    client = app.test_client()
    asked = client.get("/stock?site=2")
    next_target = dict(
        pair.split("=", 1) for pair in urlsplit(asked.headers["Location"]).query.split("&"))
    assert next_target  # the sign-in redirect remembers the page

    response = _sign_in(client, "kim@example.org", factories.PASSWORD,
                        next="/stock?site=2")

    assert response.headers["Location"] == "/stock?site=2"


@pytest.mark.parametrize("target", EVIL_NEXT, ids=repr)
def test_the_language_switch_never_sends_the_user_to_another_site(client, target):
    response = client.post("/language/fr", data={"next": target})

    assert response.status_code == 302
    assert _is_on_this_site(response.headers["Location"]), response.headers["Location"]


def test_the_language_switch_returns_to_the_page_it_was_used_on(client):
    response = client.post("/language/fr", data={"next": "/login?next=%2Fstock"})

    assert response.headers["Location"] == "/login?next=%2Fstock"


# Sizes.

def test_a_request_larger_than_allowed_gets_a_clear_413_page(app, client):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1

    page = client.post("/login", data={"email": "x" * too_big, "password": "p"})
    answer = client.post("/login", data={"email": "x" * too_big, "password": "p"},
                         headers={"Accept": "application/json"})

    assert page.status_code == 413
    assert TOO_LARGE in page.get_data(as_text=True)
    assert answer.status_code == 413 and answer.get_json()["detail"] == TOO_LARGE


def test_a_single_oversized_field_of_a_multipart_form_gets_a_clear_413_page(app, client):
    field_limit = app.config["MAX_FORM_MEMORY_SIZE"]
    assert field_limit < app.config["MAX_CONTENT_LENGTH"]

    page = client.post("/login", content_type="multipart/form-data",
                       data={"email": "kim@example.org", "password": "p" * (field_limit + 1)})

    assert page.status_code == 413
    assert TOO_LARGE in page.get_data(as_text=True)


def test_an_oversized_field_of_a_plain_form_is_a_form_error_not_a_crash(app, client):
    response = client.post("/login", data={"email": "kim@example.org",
                                           "password": "p" * 1_000_000})

    assert response.status_code == 200
    assert _field_errors(response)


def test_an_overlong_address_is_a_form_error_not_a_crash(client):
    response = client.post("/login", data={"email": "k" * 300 + "@example.org",
                                           "password": "whatever"})

    assert response.status_code == 200
    assert _field_errors(response)
