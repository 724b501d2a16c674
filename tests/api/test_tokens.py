"""Personal API tokens: made and revoked on the account page, acting as their user."""
from datetime import timedelta

from sqlalchemy import select

from tests import factories
from tests.api.conftest import assert_problem
from tests.conftest import login
from warehouse.accounts.api_tokens import (
    TOKEN_PREFIX,
    create_token,
    hash_secret,
    revoke_token,
)
from warehouse.accounts.models import ApiToken
from warehouse.audit.models import AuditEvent
from warehouse.core.types import utcnow
from warehouse.extensions import db


def auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_is_shown_once_and_only_its_hash_is_kept(manager):
    token, secret = create_token(manager, "Stock script")
    assert secret.startswith(TOKEN_PREFIX) and len(secret) > 40
    assert token.token_hash == hash_secret(secret) != secret
    assert secret.startswith(token.prefix) and len(token.prefix) == 8
    stored = db.session.scalar(select(ApiToken).where(ApiToken.id == token.id))
    assert secret not in (stored.token_hash, stored.prefix, stored.name)


def test_a_valid_token_acts_as_its_user_and_records_when_it_was_used(client, manager):
    token, secret = create_token(manager, "Stock script")
    assert token.last_used_at is None
    response = client.get("/api/v1/items", headers=auth(secret))
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_a_token_request_sets_no_session_cookie(client, manager):
    _token, secret = create_token(manager, "Stock script")
    response = client.get("/api/v1/items", headers=auth(secret))
    assert "session=" not in response.headers.get("Set-Cookie", "")


def test_last_used_is_written_at_most_once_a_minute(client, manager):
    token, secret = create_token(manager, "Stock script")
    client.get("/api/v1/items", headers=auth(secret))
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    client.get("/api/v1/items", headers=auth(secret))
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first


def test_a_revoked_token_no_longer_works(client, manager):
    token, secret = create_token(manager, "Old laptop")
    revoke_token(manager, token.id)
    body = assert_problem(client.get("/api/v1/items", headers=auth(secret)), 401,
                          "invalid-token")
    assert "revoked" in body["detail"]


def test_a_wrong_or_mistyped_token_is_refused(client, manager):
    _token, secret = create_token(manager, "Stock script")
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "wh_nothing",
                  "not-even-ours", "wh_" + "x" * 200):
        assert_problem(client.get("/api/v1/items", headers=auth(wrong)), 401, "invalid-token")


def test_a_token_header_without_a_token_is_not_signed_in(client):
    assert_problem(client.get("/api/v1/items", headers={"Authorization": "Bearer "}), 401,
                   "not-signed-in")
    assert_problem(client.get("/api/v1/items", headers={"Authorization": "Basic abc"}), 401,
                   "not-signed-in")


def test_a_deactivated_users_token_stops_working(client, manager):
    _token, secret = create_token(manager, "Stock script")
    manager.active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/items", headers=auth(secret)), 401, "invalid-token")


def test_a_token_has_its_users_role_and_no_more(client):
    volunteer = factories.create_user(role="volunteer")
    coordinator = factories.create_user(role="coordinator")
    _token, volunteer_secret = create_token(volunteer, "Scanner")
    _token, coordinator_secret = create_token(coordinator, "Reports")
    assert client.get("/api/v1/locations", headers=auth(volunteer_secret)).status_code == 200
    assert_problem(client.get("/api/v1/locations", headers=auth(coordinator_secret)), 403,
                   "forbidden")


def test_a_token_follows_its_users_role_when_it_changes(client):
    user = factories.create_user(role="volunteer")
    _token, secret = create_token(user, "Scanner")
    partner = factories.create_organisation()
    user.organisation_id, user.role = partner.id, "coordinator"
    db.session.commit()
    assert_problem(client.get("/api/v1/locations", headers=auth(secret)), 403, "forbidden")


def test_a_token_request_is_the_tokens_even_from_a_signed_in_browser(client, manager):
    volunteer = factories.create_user(role="volunteer")
    token, secret = create_token(volunteer, "Scanner")
    login(client, manager)
    assert client.get("/api/v1/requests", headers=auth(secret)).status_code == 200
    revoke_token(volunteer, token.id)
    assert_problem(client.get("/api/v1/items", headers=auth(secret)), 401, "invalid-token")
    assert client.get("/api/v1/items").status_code == 200  # the session alone still works


def test_a_token_works_only_for_the_api(client, manager):
    _token, secret = create_token(manager, "Stock script")
    page = client.get("/account", headers=auth(secret))
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_creating_and_revoking_tokens_is_in_the_audit_log(manager):
    token, _secret = create_token(manager, "Stock script")
    revoke_token(manager, token.id)
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target_type == "apitoken", AuditEvent.target_id == token.id)).all()
    assert sorted(actions) == ["api_token.create", "api_token.revoke"]


# --- the account page ------------------------------------------------------------------------

def test_the_account_page_makes_a_token_and_shows_it_once(client, manager):
    login(client, manager)
    page = client.post("/account/api-tokens", data={"name": "Stock script"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    secret = html.split('class="token-secret">')[1].split("<")[0]
    assert secret.startswith(TOKEN_PREFIX)
    assert "will not be shown again" in html
    again = client.get("/account").get_data(as_text=True)
    assert "Stock script" in again and secret not in again and secret[:8] in again
    assert client.get("/api/v1/items", headers=auth(secret)).status_code == 200


def test_a_token_without_a_name_is_refused_next_to_the_field(client, manager):
    login(client, manager)
    page = client.post("/account/api-tokens", data={"name": "  "})
    assert page.status_code == 422
    assert "Give the token a name" in page.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken.id)) is None


def test_the_account_page_revokes_a_token(client, manager):
    token, secret = create_token(manager, "Old laptop")
    login(client, manager)
    response = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is revoked" in page and "You have no API tokens." in page
    assert client.get("/api/v1/items", headers=auth(secret)).status_code == 401


def test_nobody_revokes_another_users_token(client, manager):
    token, secret = create_token(manager, "Stock script")
    other = factories.create_user(role="admin")
    login(client, other)
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/items", headers=auth(secret)).status_code == 200


def test_the_account_page_lists_only_ones_own_live_tokens(client, manager):
    create_token(manager, "Mine")
    revoked, _ = create_token(manager, "Revoked one")
    revoke_token(manager, revoked.id)
    create_token(factories.create_user(role="volunteer"), "Someone else's")
    login(client, manager)
    html = client.get("/account").get_data(as_text=True)
    assert "Mine" in html and "Revoked one" not in html and "Someone else" not in html


def test_a_user_cannot_pile_up_more_than_twenty_tokens(client, manager):
    for n in range(20):
        create_token(manager, f"Token {n}")
    login(client, manager)
    page = client.post("/account/api-tokens", data={"name": "One more"})
    assert page.status_code == 422 and "Revoke one" in page.get_data(as_text=True)


def test_a_token_used_long_ago_shows_when(client, manager):
    token, _ = create_token(manager, "Stock script")
    token.last_used_at = utcnow() - timedelta(days=3)
    db.session.commit()
    login(client, manager)
    assert "Never" not in client.get("/account").get_data(as_text=True)
