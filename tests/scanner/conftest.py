"""A small warehouse for scanner tests, and a client that speaks the JSON API as the scan
page does: session cookie, X-CSRFToken header, an Idempotency-Key per scan."""
import uuid
from dataclasses import dataclass

import pytest

from tests import factories
from tests.conftest import login
from warehouse.models import Role



def _csrf_token(app, client) -> str:
    """The X-CSRFToken a page of this session would carry in its meta tag."""
    import secrets

    from itsdangerous import URLSafeTimedSerializer
    raw = secrets.token_hex(20)
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


@dataclass
class Floor:
    site: object
    intake: object
    shelf: object
    other_shelf: object
    blankets: object
    boots: object
    volunteer: object
    manager: object


@pytest.fixture
def floor():
    site = factories.create_site(name="Calais warehouse")
    intake = factories.create_location(site=site, name="Intake bay", code="IN-1",
                                       is_intake=True)
    shelf = factories.create_location(site=site, name="A-01-2", code="A012", position=1)
    other = factories.create_location(site=site, name="B-02-1", code="B021", position=2)
    blankets = factories.create_item(name="Blanket")
    boots = factories.create_item(name="Boots", size="42")
    return Floor(site, intake, shelf, other, blankets, boots,
                 factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer"),
                 factories.create_user(role=Role.MANAGER, name="Max Manager"))


def box_with(item, location, quantity, *, actor, code=None):
    """A box holding ``quantity`` of ``item`` at ``location``, received through the ledger."""
    box = factories.create_box(**({"code": code} if code else {}))
    factories.receive(item, location, quantity, actor=actor, box=box)
    return box


class ApiClient:
    """A signed-in test client posting JSON like the scan page."""

    def __init__(self, app, user):
        self.client = login(app.test_client(), user)
        self.user = user
        self.csrf = _csrf_token(app, self.client)

    def post(self, path, body=None, *, key=None, offline=False, language=None):
        headers = {"X-CSRFToken": self.csrf, "Accept": "application/json",
                   "Idempotency-Key": key or str(uuid.uuid4())}
        if offline:
            headers["X-Offline-Replay"] = "1"
        if language:
            headers["Accept-Language"] = language
        return self.client.post("/api/v1" + path, json=body if body is not None else {},
                                headers=headers)

    def get(self, path):
        return self.client.get("/api/v1" + path, headers={"Accept": "application/json"})


@pytest.fixture
def api(app):
    """``api(user)``: an API client signed in as ``user``."""
    return lambda user: ApiClient(app, user)
