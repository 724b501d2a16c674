"""Every route, opened by every kind of user, answers as its declared access says.

The routes are read from the app's URL map when the tests are collected, so a route added
tomorrow is walked tomorrow without anyone editing this file — unless it takes a URL
parameter this file does not know yet: then the test fails and says which mapping to add
to ``PARAMETERS`` (or ``PARAMETERS_BY_ENDPOINT``), so someone decides which real object the
route is opened with.

For each route and each of: anonymous, volunteer, coordinator of partner A, coordinator of
partner B, manager and admin, the test builds a small world (partner A owns the objects
the URL names), signs the user in and sends one request (GET where the route allows it,
else its own method, e.g. POST with CSRF switched off as in every web test):

- the route must declare its access (``@public``, ``@signed_in`` or ``@roles``);
- public: nobody gets 401 or 403;
- not public, anonymous: a page redirects to the sign-in page, JSON (or /api/) gets 401;
- signed in with a role the route does not allow: 403 (and a POST too), nothing written;
- ``scoped=True`` and the URL names partner A's object: partner B's coordinator gets 404,
  nothing written;
- allowed: neither 401 nor 403, no server error, and a GET finds the object it names.
"""
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import select

from tests import factories
from tests.conftest import another_app, login
from warehouse import create_app
from warehouse.accounts.access import Access, access_of
from warehouse.extensions import db
from warehouse.models import Role
from warehouse.stock import services as ledger

ROLES = ("anonymous", "volunteer", "coordinator_a", "coordinator_b", "manager", "admin")
ROLE_OF = {"volunteer": Role.VOLUNTEER, "coordinator_a": Role.COORDINATOR,
           "coordinator_b": Role.COORDINATOR, "manager": Role.MANAGER, "admin": Role.ADMIN}
# Refusing a request may be logged; it must change nothing else.
TABLES_A_REFUSAL_MAY_WRITE = {"audit_event"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@dataclass
class World:
    """Two partners and one user of each kind; partner A owns the objects URLs name."""

    users: dict
    partner_a: object
    partner_b: object
    colleague_a: object  # another coordinator of partner A: the user a user page shows
    invitee: object  # invited to partner A, has not chosen a password yet
    site: object
    item: object
    shelf: object
    custody_a: object  # partner A's custody location
    box: object
    tablet: object


def build_world() -> World:
    partner_a = factories.create_organisation(name="Partner A", short_name="PA")
    partner_b = factories.create_organisation(name="Partner B", short_name="PB")
    users = {
        "anonymous": None,
        "volunteer": factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer"),
        "coordinator_a": factories.create_user(role=Role.COORDINATOR, organisation=partner_a,
                                               name="Cora Coordinator"),
        "coordinator_b": factories.create_user(role=Role.COORDINATOR, organisation=partner_b,
                                               name="Colin Coordinator"),
        "manager": factories.create_user(role=Role.MANAGER, name="Max Manager"),
        "admin": factories.create_user(role=Role.ADMIN, name="Ada Admin"),
    }
    colleague_a = factories.create_user(role=Role.COORDINATOR, organisation=partner_a,
                                        name="Carl Colleague", password=factories.PASSWORD)
    invitee = factories.create_user(role=Role.COORDINATOR, organisation=partner_a,
                                    name="Ina Invitee")
    site = factories.create_site()
    item = factories.create_item()
    shelf = factories.create_location(site=site)
    box = factories.create_box()
    factories.receive(item, shelf, 10, actor=users["manager"], box=box)
    custody_a = ledger.custody_location(partner_a)
    tablet = factories.create_tablet(created_by=users["manager"])
    _lan_certificate_authority()
    return World(users=users, partner_a=partner_a, partner_b=partner_b,
                 colleague_a=colleague_a, invitee=invitee, site=site, item=item, shelf=shelf,
                 custody_a=custody_a, box=box, tablet=tablet)


def _lan_certificate_authority() -> None:
    """HTTPS set up as by ``flask lan-certificate``, so /tls/ca.crt has a certificate to give."""
    import os
    import tempfile

    from warehouse import lan_tls
    folder = os.environ.setdefault(lan_tls.TLS_DIR_VARIABLE, tempfile.mkdtemp(prefix="tls-"))
    lan_tls.ensure_certificates(folder, dns_names=["localhost"], ip_addresses=["127.0.0.1"])


@dataclass(frozen=True)
class Parameter:
    """How to fill one URL parameter from the world."""

    value: Callable[[World], object]
    #: The object belongs to partner A, so a scoped route must hide it from partner B.
    of_partner_a: bool = False


def _link_token(user, purpose: str) -> str:
    """A valid link token from an e-mail (invitation or new password) for ``user``."""
    from warehouse.accounts import tokens
    return tokens.make_token(user, getattr(tokens, purpose))


def _donation(world: World):
    """A donation logged into the world's shelf (its site's only place)."""
    import uuid

    from warehouse.core.types import utcnow
    from warehouse.intake.services import DonationLine, receive_donation
    return receive_donation(
        actor=world.users["manager"], site_id=world.site.id, received_at=utcnow(),
        donor_type="individual", donor_name=None, origin=None, priority="normal",
        condition="used", intake_location_id=world.shelf.id, note=None,
        lines=[DonationLine(world.item.id, 5)], idempotency_key=str(uuid.uuid4())).donation


def _printer(world: World):
    """A printer profile (an office laser with Avery L7160 sheets)."""
    from warehouse.labels.models import PrinterProfile
    return factories._save(PrinterProfile(name="Office laser", label_format="L7160",
                                          created_by_id=world.users["manager"].id))


def _distribution(world: World):
    """A distribution partner A logged from stock dispatched into its custody."""
    import uuid

    from warehouse.core.clock import local_today
    from warehouse.distributions.models import DistributionSite
    from warehouse.distributions.services import StockLine, record_distribution
    place = factories._save(DistributionSite(name="Rue des Huttes", town="Calais",
                                             region="Hauts-de-France"))
    ledger.post_document(kind="dispatch", actor=world.users["manager"], lines=[
        ledger.Line(world.item.id, 4, world.shelf.id, world.custody_a.id, world.box.id)])
    return record_distribution(
        actor=world.users["manager"], organisation_id=world.partner_a.id,
        distribution_site_id=place.id, distributed_on=local_today(), reason="routine",
        lines=[StockLine(world.item.id, 2)], people_total=2,
        idempotency_key=str(uuid.uuid4())).distribution


def _approved_request(world: World):
    """An approved request of partner A for 4 of the world's item, reserved at its site."""
    from tests.requests_factories import create_approved_request
    return create_approved_request(organisation=world.partner_a, site=world.site,
                                   actor=world.users["manager"], lines=[(world.item, 4)])


def _dispatch_form(prefix: str, **fields) -> Callable[[World], dict]:
    """A picking or dispatch form with a fresh one-time key."""
    import uuid
    return lambda w: {f"{prefix}-{name}": value for name, value in
                      ({"idempotency_key": uuid.uuid4().hex} | fields).items()}


def _box_form(action: str, **fields) -> Callable[[World], dict]:
    """A box operation's form, with a fresh one-time key, as the box page sends it."""
    import uuid
    return lambda w: {f"{action}-{name}": value for name, value in
                      ({"idempotency_key": uuid.uuid4().hex} | fields).items()}


def _stock_request(world: World):
    """A request submitted by partner A's coordinator for the world's item."""
    import uuid
    from datetime import timedelta

    from warehouse.core.clock import local_today
    from warehouse.distributions.models import DistributionSite
    from warehouse.requests.services import RequestLine, create_request
    place = factories._save(DistributionSite(name=f"Place {uuid.uuid4().hex[:8]}",
                                             town="Calais", region="Hauts-de-France"))
    return create_request(
        actor=world.users["coordinator_a"], organisation_id=None, site_id=world.site.id,
        distribution_site_id=place.id, needed_by=local_today() + timedelta(days=2),
        lines=[RequestLine(world.item.id, 3)], submit=True)


def _issued_report(world: World):
    """Partner A's weekly report of last week, issued by the manager."""
    from warehouse.reports import issued, weekly
    return issued.issue_weekly_report(weekly.last_week(), site_id=None,
                                      organisation_id=world.partner_a.id, lang="en",
                                      actor=world.users["manager"])


def _barcode(world: World):
    """An EAN-13 barcode on the world's item (a pack of 24)."""
    from warehouse.catalogue.models import ItemBarcode
    return factories._save(ItemBarcode(item_id=world.item.id, code="4006381333931",
                                       pack_quantity=24))


def _api_token(world: World):
    """An API token of the world's manager."""
    from warehouse.accounts.api_tokens import create_token
    return create_token(world.users["manager"], "Script")[0]


def _finished_count(world: World):
    """A finished count of the world's shelf that found 8 in its box of 10."""
    from warehouse.counts import services as counting
    count, _ = counting.start_count(location=world.shelf, actor=world.users["volunteer"])
    counting.count_box(count, box=world.box, quantity=8, actor=world.users["volunteer"])
    counting.finish_count(count.id, actor=world.users["volunteer"])
    return count


def _sync_conflict(world: World):
    """An offline scan of the world's volunteer that the server refused."""
    from warehouse.scan.models import SyncConflict
    from warehouse.scan.services import record_conflict
    conflict_id = record_conflict(
        user_id=world.users["volunteer"].id, idempotency_key="offline-1", method="POST",
        path=f"/api/v1/boxes/{world.box.code}/take", body={"quantity": 50},
        problem={"type": "/problems/insufficient-stock-in-box", "status": 409,
                 "detail": "Not enough."}, scanned_at=None)
    db.session.rollback()  # written on a connection of its own: read it afresh
    return db.session.get(SyncConflict, conflict_id)


def _document(world: World):
    """The receipt that put the world's box on its shelf."""
    from warehouse.models import Document
    return db.session.scalars(select(Document).order_by(Document.id)).first()


# URL parameters by name. A new name fails the walk until it is added here, pointing at
# a real object of the world (add it to ``build_world`` if it is a new kind of object).
PARAMETERS = {
    "user_id": Parameter(lambda w: w.colleague_a.id, of_partner_a=True),
    "organisation_id": Parameter(lambda w: w.partner_a.id, of_partner_a=True),
    "tablet_id": Parameter(lambda w: w.tablet.id),
    "site_id": Parameter(lambda w: w.site.id),
    "item_id": Parameter(lambda w: w.item.id),
    "box_id": Parameter(lambda w: w.box.id),
    # A warehouse shelf; a page about a partner's custody maps its location_id in
    # PARAMETERS_BY_ENDPOINT to Parameter(lambda w: w.custody_a.id, of_partner_a=True).
    "location_id": Parameter(lambda w: w.shelf.id),
    "donation_id": Parameter(lambda w: _donation(w).id),
    "box_code": Parameter(lambda w: w.box.code),
    "printer_id": Parameter(lambda w: _printer(w).id),
    "request_id": Parameter(lambda w: _stock_request(w).id, of_partner_a=True),
    "distribution_id": Parameter(lambda w: _distribution(w).id, of_partner_a=True),
    "barcode_id": Parameter(lambda w: _barcode(w).id),
    "issued_id": Parameter(lambda w: _issued_report(w).id, of_partner_a=True),
    "count_id": Parameter(lambda w: _finished_count(w).id),
    "conflict_id": Parameter(lambda w: _sync_conflict(w).id),
    "document_id": Parameter(lambda w: _document(w).id),
}
# Names whose meaning depends on the route.
PARAMETERS_BY_ENDPOINT = {
    ("set_language", "code"): Parameter(lambda w: "fr"),
    ("accounts.accept_invitation", "token"): Parameter(
        lambda w: _link_token(w.invitee, "INVITATION")),
    ("accounts.reset_password", "token"): Parameter(
        lambda w: _link_token(w.colleague_a, "PASSWORD_RESET")),
    # PINs are for warehouse staff: these pages are about a volunteer.
    ("tablet.pin", "user_id"): Parameter(lambda w: w.users["volunteer"].id),
    ("tablet.user_pin", "user_id"): Parameter(lambda w: w.users["volunteer"].id),
    # The API's look-up is opened with a box's label, as a scanner reads it.
    ("api_read.lookup_code", "code"): Parameter(lambda w: w.box.code),
    # API tokens are revoked by their owner; another user's token id is not found.
    ("accounts.revoke_api_token", "token_id"): Parameter(lambda w: _api_token(w).id),
    # Volunteers see the approved requests they pick.
    ("api_read.request_detail", "request_id"): Parameter(
        lambda w: _approved_request(w).id, of_partner_a=True),
    # Picking and dispatch work on approved requests (reserved, ready to pick).
    **{(f"dispatch.{endpoint}", "request_id"): Parameter(
        lambda w: _approved_request(w).id, of_partner_a=True)
       for endpoint in ("pick", "pick_box", "pick_loose", "unpick", "dispatch", "pick_list",
                        "note")},
}
# What a form action is sent with, where the URL alone does not say what to act on. A
# refused role sends it too, so the walk proves a real request changes nothing.
FORM_DATA_BY_ENDPOINT = {
    "tablet.retire": lambda w: {"tablet_id": w.tablet.id},
    "boxes.take": _box_form("take", quantity="1"),
    "boxes.split": _box_form("split", quantity="3"),
    "boxes.write_off": _box_form("write_off", quantity="2", reason="damaged"),
    "dispatch.pick_box": lambda w: _dispatch_form("box", code=w.box.code, quantity="2")(w),
    "dispatch.pick_loose": _dispatch_form("loose", location="nowhere", quantity="1"),
    "dispatch.dispatch": _dispatch_form("dispatch", remainder="keep"),
}


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    methods: frozenset
    arguments: frozenset

    @property
    def method(self) -> str:
        """GET when the route allows it, else its own method (POST for a form action)."""
        if "GET" in self.methods:
            return "GET"
        return "POST" if "POST" in self.methods else sorted(self.methods)[0]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.rule}"


def _routes_of(app) -> list[Route]:
    return sorted(
        (Route(rule.endpoint, rule.rule, frozenset(rule.methods - IGNORED_METHODS),
               frozenset(rule.arguments))
         for rule in app.url_map.iter_rules()
         if rule.endpoint != "static" and not rule.endpoint.endswith(".static")),
        key=lambda route: (route.rule, route.endpoint))


# Read when the tests are collected (no database needed), so every route gets its own
# test ids; ``test_the_walk_covers_every_route_of_the_app_under_test`` checks that the
# app the tests run against has exactly these routes.
ROUTES = _routes_of(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                                "SECRET_KEY": "collection", "WTF_CSRF_ENABLED": False}))


def test_the_walk_covers_every_route_of_the_app_under_test(app):
    assert _routes_of(app) == ROUTES


def test_every_route_declares_who_may_open_it(app):
    undeclared = [str(route) for route in ROUTES if access_of(route.endpoint) is None]
    assert not undeclared, (
        "These routes declare no access policy (the app refuses them to everyone): "
        "decorate their views with @public, @signed_in or @roles(...): "
        + ", ".join(undeclared))


def _parameter(route: Route, name: str) -> Parameter:
    parameter = PARAMETERS_BY_ENDPOINT.get((route.endpoint, name)) or PARAMETERS.get(name)
    if parameter is None:
        pytest.fail(
            f"The route {route} takes a URL parameter <{name}> that the route walker does "
            f"not know. Add it to PARAMETERS (or PARAMETERS_BY_ENDPOINT for "
            f"('{route.endpoint}', '{name}')) in {__file__}, pointing at an object of "
            f"partner A that exists (extend build_world if needed).")
    return parameter


def url_of(app, route: Route, world: World) -> tuple[str, bool]:
    """The route's URL filled from the world, and whether it names partner A's object."""
    values, of_partner_a = {}, False
    with app.test_request_context():
        for name in sorted(route.arguments):
            parameter = _parameter(route, name)
            values[name] = parameter.value(world)
            of_partner_a = of_partner_a or parameter.of_partner_a
        return url_for(route.endpoint, **values), of_partner_a


def snapshot() -> dict:
    """Every row of every table (but logs), to prove a refused request wrote nothing."""
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name not in TABLES_A_REFUSAL_MAY_WRITE:
                rows[table.name] = sorted(map(repr, conn.execute(select(table)).all()))
    return rows


def _allowed(access: Access, role: str) -> bool:
    return access.public or (role != "anonymous" and ROLE_OF[role] in access.roles)


def _send(client, method: str, url: str, form: dict, *, json: bool = False):
    headers = {"Accept": "application/json"} if json else {"Accept": "text/html"}
    return client.open(url, method=method, headers=headers,
                       data=form if method != "GET" else None)


def _describe(response) -> str:
    location = response.headers.get("Location")
    return f"{response.status}" + (f" → {location}" if location else "")


def _is_sign_in_redirect(app, response) -> bool:
    if response.status_code != 302:
        return False
    with app.test_request_context():
        login_path = url_for("accounts.login")
    return urlsplit(response.headers["Location"]).path == login_path


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_route_answers_each_kind_of_user_as_its_declared_access_says(app, route, role):
    walk(app, route, role)


def walk(app, route: Route, role: str) -> None:
    """Open ``route`` as ``role`` in a fresh world; fail unless it answers as declared."""
    access = access_of(route.endpoint)
    assert access is not None, (
        f"{route} declares no access policy: decorate its view with @public, @signed_in "
        f"or @roles(...)")
    world = build_world()
    url, names_partner_a_object = url_of(app, route, world)
    form = FORM_DATA_BY_ENDPOINT.get(route.endpoint, lambda w: {})(world)
    client = app.test_client()
    user = world.users[role]
    if user is not None:
        login(client, user)
    where = f"{route.method} {url} ({route.endpoint}) as {role}"
    methods = [route.method] + (["POST"] if "POST" in route.methods
                                and route.method != "POST" else [])

    if not _allowed(access, role):
        before = snapshot()
        for method in methods:
            where = f"{method} {url} ({route.endpoint}) as {role}"
            response = _send(client, method, url, form)
            if role == "anonymous":
                if urlsplit(url).path.startswith("/api/"):
                    assert response.status_code == 401, f"{where}: {_describe(response)}"
                else:
                    assert _is_sign_in_redirect(app, response), (
                        f"{where} should redirect to the sign-in page: {_describe(response)}")
                as_json = _send(client, method, url, form, json=True)
                assert as_json.status_code == 401, f"{where} as JSON: {_describe(as_json)}"
                assert as_json.mimetype == "application/problem+json", where
            else:
                assert response.status_code == 403, (
                    f"{where} should be forbidden ({sorted(access.roles)} only): "
                    f"{_describe(response)}")
        assert snapshot() == before, f"{where} was refused but changed the database"
        return

    if access.scoped and names_partner_a_object and role == "coordinator_b":
        before = snapshot()
        for method in methods:
            where = f"{method} {url} ({route.endpoint}) as {role}"
            response = _send(client, method, url, form)
            assert response.status_code == 404, (
                f"{where} names partner A's object: partner B's coordinator must get 404, "
                f"got {_describe(response)}")
        assert snapshot() == before, f"{where} was refused but changed the database"
        return

    response = _send(client, route.method, url, form)
    assert response.status_code not in (401, 403), f"{where} is allowed: {_describe(response)}"
    assert response.status_code < 500, f"{where}: server error {_describe(response)}"
    if route.method == "GET":
        assert response.status_code != 404, (
            f"{where} answered 404: the object its URL names should exist (check the "
            f"mapping of its parameters) and be visible to {role}")
        assert not _is_sign_in_redirect(app, response), (
            f"{where} is allowed but sent the user to the sign-in page")


# The walker itself: routes that break the rules must make it fail, or a green walk
# would prove nothing.

def _app_with(*views):
    """A fresh app on the test database with extra routes ``(rule, endpoint, view, methods)``."""
    from flask import current_app
    fresh = another_app(current_app)
    for rule, endpoint, view, methods in views:
        fresh.add_url_rule(rule, endpoint, view, methods=methods)
    return fresh


def _walk_fails(fresh, endpoint: str, role: str) -> str:
    route = next(route for route in _routes_of(fresh) if route.endpoint == endpoint)
    with fresh.app_context():
        with pytest.raises((AssertionError, pytest.fail.Exception)) as failure:
            walk(fresh, route, role)
    db.session.remove()
    return str(failure.value)


def test_the_walker_fails_a_route_that_declares_no_access(app):
    fresh = _app_with(("/_walker/undeclared", "undeclared", lambda: "hello", ["GET"]))
    assert "declares no access" in _walk_fails(fresh, "undeclared", "admin")


def test_the_walker_fails_a_route_with_a_parameter_it_does_not_know(app):
    from warehouse.accounts.access import signed_in
    fresh = _app_with(("/_walker/widgets/<int:widget_id>", "widget",
                       signed_in(lambda widget_id: "widget"), ["GET"]))
    message = _walk_fails(fresh, "widget", "manager")
    assert "<widget_id>" in message and "PARAMETERS" in message


def test_the_walker_fails_a_scoped_route_that_shows_another_partners_user(app):
    from warehouse.accounts.access import roles
    from warehouse.models import User

    @roles(Role.COORDINATOR, Role.MANAGER, scoped=True)
    def leaky(user_id):  # forgets get_visible_or_404
        return db.session.get(User, user_id).name

    fresh = _app_with(("/_walker/people/<int:user_id>", "leaky", leaky, ["GET"]))
    assert "must get 404" in _walk_fails(fresh, "leaky", "coordinator_b")


def test_the_walker_fails_a_refused_form_that_still_writes(app):
    from warehouse.accounts.access import roles
    from warehouse.models import Organisation

    def stamp_every_request():  # e.g. a "last seen" hook running before the access check
        if db.session.scalar(select(Organisation.id).where(Organisation.short_name == "SNK")):
            return
        db.session.add(Organisation(name="Sneaky", short_name="SNK", kind="partner"))
        db.session.commit()

    fresh = _app_with(("/_walker/admin-form", "admin_form",
                       roles(Role.ADMIN)(lambda: "done"), ["POST"]))
    fresh.before_request_funcs.setdefault(None, []).insert(0, stamp_every_request)
    assert "changed the database" in _walk_fails(fresh, "admin_form", "volunteer")
