"""Helpers for the API's tests: tokens, and requests sent as a script or a browser would."""
import uuid

import pytest

from tests import factories
from warehouse.accounts.api_tokens import create_token


def bearer(user) -> dict:
    """Headers that sign ``user`` in with a fresh API token."""
    return {"Authorization": f"Bearer {create_token(user, 'Tests')[1]}"}


def new_key() -> str:
    return str(uuid.uuid4())


def assert_problem(response, status: int, slug: str) -> dict:
    """``response`` is an RFC 9457 problem document of ``status`` named ``slug``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == f"/problems/{slug}", body
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def manager():
    return factories.create_user(role="manager", name="Max Manager")


@pytest.fixture
def volunteer():
    return factories.create_user(role="volunteer", name="Vera Volunteer")
