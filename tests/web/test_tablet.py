"""Warehouse tablet mode in the browser: enabling a tablet, the names, the keypad, idle time."""
import time

import pytest
from flask_login.utils import _create_identifier
from limits import parse_many
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tests import factories
from warehouse.audit.models import AuditEvent
from warehouse.extensions import db, limiter
from warehouse.models import Role, TabletDevice, User
from warehouse.tablet import services
from warehouse.tablet.views import COOKIE_NAME

FAST_HASH = "pbkdf2:sha256:1000"  # the service's own hash is slow on purpose
PIN = "4827"
NOT_RIGHT = "That PIN is not right"


@pytest.fixture(autouse=True)
def _no_attempts_counted():
    limiter.reset()  # every test client is 127.0.0.1: start each test with a clean count


@pytest.fixture
def manager():
    return factories.create_user(role=Role.MANAGER, name="Max Manager")


@pytest.fixture
def volunteer():
    return with_pin(factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer"))


@pytest.fixture
def tablet(manager):
    tablet, token = services.enable_tablet(actor=manager, name="Intake 1")
    tablet.token = token
    return tablet


@pytest.fixture
def on_tablet(client, tablet):
    """A test client that is the tablet: it holds the tablet's cookie."""
    client.set_cookie(COOKIE_NAME, tablet.token)
    return client


def with_pin(user, pin=PIN):
    user.pin_hash = generate_password_hash(pin, method=FAST_HASH)
    db.session.commit()
    return user


def sign_in(client, user):
    """Sign in with a password-style session, by writing what Flask-Login reads."""
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
    return client


def type_pin(client, user, pin=PIN, **kwargs):
    return client.post(f"/tablet/pin/{user.id}", data={"pin": pin}, **kwargs)


def signed_in_id(client):
    with client.session_transaction() as session:
        user_id = session.get("_user_id")
    return int(user_id.partition(".")[0]) if user_id else None


def tablet_count():
    return db.session.scalar(select(func.count()).select_from(TabletDevice))


def html(response):
    return response.get_data(as_text=True)


# Enabling tablet mode.

def test_enabling_tablet_mode_needs_a_manager(client):
    assert client.get("/tablet/enable").status_code == 302  # to the sign-in page
    for role in (Role.VOLUNTEER, Role.COORDINATOR):
        sign_in(client, factories.create_user(role=role))
        assert client.get("/tablet/enable").status_code == 403
        assert client.post("/tablet/enable", data={"name": "Mine"}).status_code == 403
    assert tablet_count() == 0


def test_enabling_sets_a_lasting_private_cookie_and_signs_the_manager_out(client, manager):
    sign_in(client, manager)
    assert "Name of this tablet" in html(client.get("/tablet/enable"))
    response = client.post("/tablet/enable", data={"name": "Intake 1", "site": ""})
    assert response.status_code == 302 and response.location == "/tablet"
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith(COOKIE_NAME + "="))
    token = cookie.split(";")[0].split("=", 1)[1]
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookie.split(";")[1:]}
    assert "httponly" in attributes and "secure" not in attributes
    assert attributes["samesite"] == "SameSite=Lax"
    assert attributes["max-age"] == "Max-Age=31536000" and attributes["path"] == "Path=/"
    tablet = db.session.scalar(select(TabletDevice))
    assert services.tablet_for_token(token) == tablet and tablet.name == "Intake 1"
    assert signed_in_id(client) is None
    picker = client.get("/tablet")
    assert "Tap your name" in html(picker) and "Intake 1" in html(picker)


def test_the_tablet_cookie_is_secure_where_sessions_are(client, manager, app, monkeypatch):
    sign_in(client, manager)
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    response = client.post("/tablet/enable", data={"name": "Intake 1"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith(COOKIE_NAME + "="))
    assert "Secure" in cookie


def test_a_tablet_needs_a_name(client, manager):
    sign_in(client, manager)
    response = client.post("/tablet/enable", data={"name": "  "})
    assert response.status_code == 200 and "Give the tablet a name" in html(response)
    assert tablet_count() == 0 and signed_in_id(client) == manager.id


def test_a_double_submitted_enable_form_registers_one_tablet(client, manager):
    """Both submissions leave with the browser's cookies as they were before the first."""
    sign_in(client, manager)
    client.get("/tablet/enable")
    before = client.get_cookie("session").value
    first = client.post("/tablet/enable", data={"name": "Intake 1"})
    client.set_cookie("session", before)
    client.delete_cookie(COOKIE_NAME)
    second = client.post("/tablet/enable", data={"name": "Intake 1"})
    assert first.status_code == second.status_code == 302
    cookies = [next(c for c in r.headers.getlist("Set-Cookie") if c.startswith(COOKIE_NAME))
               .split(";")[0] for r in (first, second)]
    assert cookies[0] == cookies[1]
    assert tablet_count() == 1


def test_enabling_a_device_that_is_already_a_tablet_replaces_it(on_tablet, tablet, manager):
    sign_in(on_tablet, manager)
    assert "already the tablet “Intake 1”" in html(on_tablet.get("/tablet/enable"))
    on_tablet.post("/tablet/enable", data={"name": "Intake 2"})
    db.session.refresh(tablet)
    assert not tablet.active
    assert [t.name for t in db.session.scalars(
        select(TabletDevice).where(TabletDevice.active.is_(True)))] == ["Intake 2"]


# The names.

def test_the_picker_lists_only_active_people_with_a_pin(on_tablet, manager, volunteer):
    with_pin(manager)
    factories.create_user(role=Role.VOLUNTEER, name="Nadia No-Pin")
    with_pin(factories.create_user(role=Role.VOLUNTEER, name="Dora Deactivated",
                                   active=False))
    with_pin(factories.create_user(role=Role.COORDINATOR, name="Cora Coordinator"))
    with_pin(factories.create_user(role=Role.ADMIN, name="Ada Admin"))
    page = html(on_tablet.get("/tablet"))
    assert page.index("Max Manager") < page.index("Vera Volunteer")
    for absent in ("Nadia", "Dora", "Cora", "Ada"):
        assert absent not in page
    assert f'href="/tablet/pin/{volunteer.id}"' in page


def test_a_device_that_is_not_a_tablet_explains_how_to_make_it_one(client, volunteer):
    response = client.get("/tablet")
    assert response.status_code == 200
    assert "not a warehouse tablet" in html(response)
    assert "Enable tablet mode on this device" in html(response)
    assert volunteer.name not in html(response)
    assert client.get(f"/tablet/pin/{volunteer.id}").status_code == 302


def test_a_retired_tablet_no_longer_shows_the_names(on_tablet, tablet, manager, volunteer):
    services.retire_tablet(actor=manager, tablet_id=tablet.id)
    response = on_tablet.get("/tablet")
    assert volunteer.name not in html(response)
    assert "turned tablet mode off" in html(response)
    assert on_tablet.get_cookie(COOKIE_NAME) is None  # the useless cookie is cleared
    assert type_pin(on_tablet, volunteer).status_code == 302
    assert signed_in_id(on_tablet) is None


# The keypad.

def test_the_keypad_works_with_and_without_script(on_tablet, volunteer):
    page = html(on_tablet.get(f"/tablet/pin/{volunteer.id}"))
    assert "Hello, Vera Volunteer" in page
    assert 'name="pin"' in page and 'inputmode="numeric"' in page  # typeable without JS
    assert 'data-keypad-for="pin" hidden' in page and 'data-key="0"' in page
    assert '<script type="module" src="/static/js/tablet.js"></script>' in page
    assert "<script>" not in page  # CSP allows no inline script


def test_there_is_no_keypad_for_someone_not_on_the_picker(on_tablet):
    coordinator = with_pin(factories.create_user(role=Role.COORDINATOR))
    assert on_tablet.get(f"/tablet/pin/{coordinator.id}").status_code == 404
    assert on_tablet.get("/tablet/pin/999999").status_code == 404


def test_the_right_pin_signs_the_volunteer_in_on_this_tablet(on_tablet, tablet, volunteer):
    response = type_pin(on_tablet, volunteer)
    assert response.status_code == 302 and response.location == "/"
    assert signed_in_id(on_tablet) == volunteer.id
    with on_tablet.session_transaction() as session:
        assert session["tablet_id"] == tablet.id
        assert time.time() - session["last_activity"] < 60
    page = html(on_tablet.get("/stock"))
    assert "Vera Volunteer" in page and "Switch user" in page and "Sign out" not in page
    assert '<meta name="tablet-idle-minutes" content="5' in page


def test_a_wrong_pin_signs_nobody_in_and_does_not_tell_who_exists(on_tablet, volunteer):
    coordinator = with_pin(factories.create_user(role=Role.COORDINATOR))
    no_pin = factories.create_user(role=Role.VOLUNTEER)
    for user, pin in ((volunteer, "4828"), (coordinator, PIN), (no_pin, PIN),
                      (volunteer, "")):
        response = type_pin(on_tablet, user, pin)
        assert response.status_code == 200 and NOT_RIGHT in html(response)
        assert signed_in_id(on_tablet) is None
    response = on_tablet.post("/tablet/pin/999999", data={"pin": PIN})
    assert response.status_code == 200 and NOT_RIGHT in html(response)


def test_too_many_wrong_pins_are_refused_even_with_the_right_one(app, on_tablet, volunteer):
    allowed = parse_many(app.config["PIN_LIMIT_PER_ACCOUNT"])[0].amount
    for _ in range(allowed):
        assert NOT_RIGHT in html(type_pin(on_tablet, volunteer, "4828"))
    response = type_pin(on_tablet, volunteer, PIN)
    assert response.status_code == 429
    assert "Too many wrong PINs. Wait a minute" in html(response)
    assert signed_in_id(on_tablet) is None
    # Another volunteer on the same tablet is not locked out.
    other = with_pin(factories.create_user(role=Role.VOLUNTEER))
    assert type_pin(on_tablet, other).status_code == 302


def test_signing_in_right_is_not_counted_as_an_attempt(app, on_tablet, volunteer):
    allowed = parse_many(app.config["PIN_LIMIT_PER_ACCOUNT"])[0].amount
    for _ in range(allowed + 1):
        assert type_pin(on_tablet, volunteer).status_code == 302


def test_switch_user_goes_back_to_the_names(on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    response = on_tablet.post("/tablet/switch")
    assert response.status_code == 302 and response.location == "/tablet"
    assert signed_in_id(on_tablet) is None
    with on_tablet.session_transaction() as session:
        assert "tablet_id" not in session


# Idle time and retired tablets.

def test_an_answer_still_on_its_way_at_switch_user_signs_nobody_back_in(on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    # A look-up the scan page sent just before the tap on Switch user: its answer carries
    # the volunteer's session cookie, and reaches the browser after the switch's answer.
    late = on_tablet.get_cookie("session").value
    on_tablet.post("/tablet/switch")
    on_tablet.set_cookie("session", late)

    response = on_tablet.get("/scan")

    assert response.status_code == 302 and response.location.endswith("/tablet")
    assert signed_in_id(on_tablet) is None


def test_an_idle_tablet_goes_back_to_the_names(app, on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    minutes = app.config["TABLET_IDLE_MINUTES"]
    with on_tablet.session_transaction() as session:
        session["last_activity"] = time.time() - (minutes - 1) * 60
    assert on_tablet.get("/stock").status_code == 200  # still in use: the clock restarts
    with on_tablet.session_transaction() as session:
        assert time.time() - session["last_activity"] < 60
        session["last_activity"] = time.time() - minutes * 60 - 1
    response = on_tablet.get("/stock")
    assert response.status_code == 302 and response.location == "/tablet"
    assert signed_in_id(on_tablet) is None
    assert f"Signed out after {minutes} minutes without use" in html(on_tablet.get("/tablet"))


def test_an_idle_tablet_answers_json_with_a_401_problem(app, on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    with on_tablet.session_transaction() as session:
        session["last_activity"] = time.time() - app.config["TABLET_IDLE_MINUTES"] * 60 - 1
    response = on_tablet.get("/tablet/alive", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["type"] == "/problems/tablet-session-ended"


def test_a_page_in_use_keeps_the_session_alive(on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    assert on_tablet.get("/tablet/alive").status_code == 204
    assert signed_in_id(on_tablet) == volunteer.id


def test_retiring_a_tablet_ends_the_sessions_on_it(on_tablet, tablet, manager, volunteer):
    type_pin(on_tablet, volunteer)
    services.retire_tablet(actor=manager, tablet_id=tablet.id)
    response = on_tablet.get("/stock")
    assert response.status_code == 302 and response.location == "/tablet"
    assert signed_in_id(on_tablet) is None


def test_a_tablet_session_does_not_work_away_from_the_tablet(app, on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    elsewhere = app.test_client()
    elsewhere.set_cookie("session", on_tablet.get_cookie("session").value)
    response = elsewhere.get("/stock")
    assert response.status_code == 302 and response.location == "/tablet"
    assert signed_in_id(elsewhere) is None


def test_a_password_session_elsewhere_is_not_a_tablet_session(client, volunteer):
    sign_in(client, volunteer)
    page = html(client.get("/stock"))
    assert "Sign out" in page and "Switch user" not in page and "tablet-idle" not in page


def test_signing_in_with_a_password_on_a_tablet_ends_after_idle_time_too(
        app, on_tablet, tablet, manager):
    sign_in(on_tablet, manager)
    page = html(on_tablet.get("/stock"))
    assert "Switch user" in page and "tablet-idle-minutes" in page
    with on_tablet.session_transaction() as session:
        assert session["tablet_id"] == tablet.id
        session["last_activity"] = time.time() - app.config["TABLET_IDLE_MINUTES"] * 60 - 1
    assert on_tablet.get("/stock").location == "/tablet"
    assert signed_in_id(on_tablet) is None


# Managing tablets.

def test_managers_see_the_tablets_and_volunteers_do_not(client, tablet, manager, volunteer):
    sign_in(client, volunteer)
    assert client.get("/tablet/devices").status_code == 403
    assert client.post("/tablet/retire", data={"tablet_id": tablet.id}).status_code == 403
    sign_in(client, manager)
    page = html(client.get("/tablet/devices"))
    assert "Intake 1" in page and "Retire" in page and "Max Manager" in page
    assert 'href="/tablet/devices"' in page  # in the menu


def test_retiring_from_the_list_keeps_this_devices_cookie(on_tablet, tablet, manager):
    other, _ = services.enable_tablet(actor=manager, name="Sorting")
    sign_in(on_tablet, manager)
    response = on_tablet.post("/tablet/retire", data={"tablet_id": other.id})
    assert response.status_code == 302 and response.location == "/tablet/devices"
    assert not db.session.get(TabletDevice, other.id).active
    assert on_tablet.get_cookie(COOKIE_NAME) is not None and tablet.active


def test_retiring_this_device_clears_its_cookie_and_signs_out(on_tablet, tablet, manager):
    with_pin(manager)
    type_pin(on_tablet, manager)
    response = on_tablet.post("/tablet/retire")
    assert response.status_code == 302 and response.location == "/tablet"
    assert on_tablet.get_cookie(COOKIE_NAME) is None
    assert signed_in_id(on_tablet) is None
    assert not db.session.get(TabletDevice, tablet.id).active
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.target_id == tablet.id, AuditEvent.action == "tablet.retired"))


# Setting PINs.

def test_a_volunteer_sets_their_own_pin_stored_hashed(client):
    newcomer = factories.create_user(role=Role.VOLUNTEER, name="Nina New")
    sign_in(client, newcomer)
    assert "Current PIN" not in html(client.get("/account/pin"))
    response = client.post("/account/pin", data={"pin": "5938", "confirm": "5938"})
    assert response.status_code == 302
    db.session.refresh(newcomer)
    assert newcomer.pin_hash and "5938" not in newcomer.pin_hash
    assert newcomer.check_pin("5938")


@pytest.mark.parametrize("pin, message", [
    ("1234", "too easy to guess"), ("0000", "too easy to guess"), ("1111", "too easy"),
    ("123", "exactly 4 digits"), ("12345", "exactly 4 digits"), ("12a4", "exactly 4 digits")])
def test_easy_and_malformed_pins_are_refused_with_a_reason(client, pin, message):
    newcomer = factories.create_user(role=Role.VOLUNTEER)
    sign_in(client, newcomer)
    response = client.post("/account/pin", data={"pin": pin, "confirm": pin})
    assert response.status_code == 200 and message in html(response)
    db.session.refresh(newcomer)
    assert newcomer.pin_hash is None


def test_two_different_pins_are_refused(client):
    newcomer = factories.create_user(role=Role.VOLUNTEER)
    sign_in(client, newcomer)
    response = client.post("/account/pin", data={"pin": "5938", "confirm": "5939"})
    assert "The two PINs are not the same" in html(response)


def test_changing_ones_pin_asks_for_the_current_one(client, volunteer):
    sign_in(client, volunteer)
    assert "Current PIN" in html(client.get("/account/pin"))
    response = client.post("/account/pin", data={"current_pin": "0101", "pin": "5938",
                                                 "confirm": "5938"})
    assert "Your current PIN is not right" in html(response)
    response = client.post("/account/pin", data={"current_pin": PIN, "pin": "5938",
                                                 "confirm": "5938"})
    assert response.status_code == 302
    db.session.refresh(volunteer)
    assert volunteer.check_pin("5938")


def test_a_volunteer_cannot_set_another_volunteers_pin(client, volunteer):
    other = with_pin(factories.create_user(role=Role.VOLUNTEER), "5938")
    sign_in(client, volunteer)
    assert client.get(f"/tablet/users/{other.id}/pin").status_code == 403
    response = client.post(f"/tablet/users/{other.id}/pin",
                           data={"pin": "6047", "confirm": "6047"})
    assert response.status_code == 403
    db.session.refresh(other)
    assert other.check_pin("5938")


def test_a_manager_sets_a_volunteers_pin_and_it_is_audited(client, manager, volunteer):
    sign_in(client, manager)
    assert "Vera Volunteer" in html(client.get("/tablet/pins"))
    response = client.post(f"/tablet/users/{volunteer.id}/pin",
                           data={"pin": "6047", "confirm": "6047"})
    assert response.status_code == 302 and response.location == "/tablet/pins"
    db.session.refresh(volunteer)
    assert volunteer.check_pin("6047")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.pin_set"))
    assert event.actor_id == manager.id and event.target_id == volunteer.id


def test_a_manager_cannot_set_a_coordinators_or_another_managers_pin(client, manager):
    sign_in(client, manager)
    for role in (Role.COORDINATOR, Role.MANAGER):
        person = factories.create_user(role=role)
        response = client.post(f"/tablet/users/{person.id}/pin",
                               data={"pin": "6047", "confirm": "6047"})
        assert response.status_code in (403, 422)
        assert db.session.get(User, person.id).pin_hash is None


def test_every_tablet_page_declares_who_may_open_it(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("tablet."):
            assert getattr(app.view_functions[rule.endpoint], "access", None), rule.endpoint


def test_a_volunteer_signed_in_on_a_tablet_starts_on_the_scan_page(on_tablet, volunteer):
    type_pin(on_tablet, volunteer)
    response = on_tablet.get("/")
    assert response.status_code == 302 and response.location == "/scan"


def test_the_same_volunteer_at_a_desk_starts_on_the_stock_page(client, volunteer):
    from tests.conftest import login
    login(client, volunteer)
    response = client.get("/")
    assert response.status_code == 302 and response.location == "/stock"
