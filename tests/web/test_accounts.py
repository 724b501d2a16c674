"""One's own account, forgotten passwords and invitations, through the pages."""
import re

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from tests import factories
from warehouse.accounts import tokens
from warehouse.audit.models import AuditEvent
from warehouse.extensions import db
from warehouse.models import Role, User

PASSWORD = "plum kettle harbour"
NEW_PASSWORD = "copper lantern meadow"
SENT = "If an account exists for {}, we have sent it a link to choose a new password."


def user_with_password(**overrides) -> User:
    overrides.setdefault("password_hash",
                         generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    return factories.create_user(**overrides)


def sign_in(client, user, password=PASSWORD, **kwargs):
    response = client.post("/login", data={"email": user.email, "password": password,
                                           **kwargs})
    assert response.status_code == 302, "could not sign in"
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', text(response))


def link_path(mail: dict) -> str:
    """The path of the link in an e-mail (the test client speaks to localhost)."""
    return re.search(r"http://localhost(/\S+)", mail["body"]).group(1)


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.fixture(autouse=True)
def outbox(app):
    box = app.extensions.setdefault("mail_outbox", [])
    box.clear()
    yield box
    box.clear()


@pytest.fixture(autouse=True)
def _no_attempts_counted():
    from warehouse.extensions import limiter
    limiter.reset()


@pytest.fixture
def member():
    return user_with_password(role=Role.VOLUNTEER, email="vera@example.org",
                              name="Vera Volunteer")


# The account page

def test_anonymous_visitors_are_sent_to_sign_in_for_the_account_page(client):
    response = client.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_account_page_shows_who_you_are(client, member):
    sign_in(client, member)
    page = text(client.get("/account"))
    assert "Vera Volunteer" in page and "vera@example.org" in page and "Volunteer" in page


def test_changing_your_password_keeps_you_signed_in_and_signs_out_other_devices(app, member):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, member)
    sign_in(elsewhere, member)
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD})
    assert response.status_code == 303
    assert "Your password is changed" in text(here.get("/account"))
    assert not is_signed_in(elsewhere)
    assert db.session.get(User, member.id).check_password(NEW_PASSWORD)
    [event] = events("password_changed")
    assert event.actor_id == member.id


def test_changing_your_password_keeps_this_device_remembered(app, member):
    client = app.test_client()
    sign_in(client, member, remember="y")
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "repeat_password": NEW_PASSWORD})
    client.delete_cookie("session")  # the browser was closed: only the long cookie is left
    assert is_signed_in(client)


@pytest.mark.parametrize("form, message", [
    ({"current_password": "not the one", "new_password": NEW_PASSWORD,
      "repeat_password": NEW_PASSWORD}, "The current password is not right."),
    ({"current_password": PASSWORD, "new_password": NEW_PASSWORD,
      "repeat_password": NEW_PASSWORD + "x"}, "The two new passwords are not the same"),
    ({"current_password": PASSWORD, "new_password": "short", "repeat_password": "short"},
     "at least 10 characters"),
    ({"current_password": PASSWORD, "new_password": "password123",
      "repeat_password": "password123"}, "one of the most used"),
    ({"current_password": PASSWORD, "new_password": "", "repeat_password": ""},
     "Enter a new password."),
])
def test_a_refused_password_change_says_why_and_changes_nothing(client, member, form,
                                                                  message):
    sign_in(client, member)
    response = client.post("/account/password", data=form)
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response))
    assert db.session.get(User, member.id).check_password(PASSWORD)
    assert is_signed_in(client) and events("password_changed") == []


def test_your_language_is_saved_on_your_account(client, member):
    sign_in(client, member)
    response = client.post("/account/language", data={"language": "fr"})
    assert response.status_code == 303
    assert db.session.get(User, member.id).locale == "fr"
    assert 'lang="fr"' in text(client.get("/account"))


def test_an_unknown_language_is_refused(client, member):
    sign_in(client, member)
    response = client.post("/account/language", data={"language": "de"})
    assert response.status_code == 422
    assert db.session.get(User, member.id).locale is None


# Forgotten password

def test_the_sign_in_page_offers_a_forgotten_password_link(client):
    assert 'href="/password/forgot"' in text(client.get("/login"))


def _ask_for_link(client, email):
    return client.post("/password/forgot", data={"email": email})


def test_asking_for_a_link_answers_the_same_for_known_and_unknown_addresses(
        app, member, outbox):
    known = _ask_for_link(app.test_client(), "vera@example.org")
    unknown = _ask_for_link(app.test_client(), "nobody@example.org")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.headers.get("Set-Cookie", "").split("=")[0] \
        == unknown.headers.get("Set-Cookie", "").split("=")[0]
    [mail] = outbox
    assert mail["to"] == "vera@example.org"


def test_the_answer_page_does_not_tell_whether_the_address_has_an_account(member):
    from flask import current_app
    pages = []
    for email in ("vera@example.org", "nobody@example.org"):
        client = current_app.test_client()
        page = text(client.post("/password/forgot", data={"email": email},
                                follow_redirects=True))
        assert SENT.format(email) in page
        # One token per session, in each form and in the page's head for scripts.
        page = re.sub(r'name="csrf[_-]token" (value|content)="[^"]*"', "", page)
        pages.append(page.replace(email, "EMAIL"))
    assert pages[0] == pages[1]


def test_a_deactivated_account_gets_no_link_and_the_same_answer(client, outbox):
    user_with_password(email="gone@example.org", active=False)
    response = _ask_for_link(client, "gone@example.org")
    assert response.status_code == 303 and outbox == []


def test_an_empty_address_is_asked_again(client):
    response = _ask_for_link(client, "")
    assert response.status_code == 422
    assert "Enter the e-mail address you sign in with." in field_errors(response)


def test_a_password_link_lets_you_choose_a_new_password_and_signs_you_in(
        app, client, member, outbox):
    elsewhere = sign_in(app.test_client(), member)
    _ask_for_link(client, "Vera@Example.org")
    path = link_path(outbox[0])
    assert path.startswith("/password/reset/")
    page = client.get(path)
    assert page.status_code == 200 and "vera@example.org" in text(page)
    response = client.post(path, data={"new_password": NEW_PASSWORD,
                                       "repeat_password": NEW_PASSWORD})
    assert response.status_code == 303
    assert is_signed_in(client) and not is_signed_in(elsewhere)
    fresh = app.test_client()
    assert fresh.post("/login", data={"email": member.email,
                                      "password": PASSWORD}).status_code == 200
    sign_in(fresh, member, NEW_PASSWORD)
    [event] = events("password_reset")
    assert event.actor_id == member.id


def test_a_used_password_link_says_so_and_offers_a_new_one(client, member, outbox):
    _ask_for_link(client, member.email)
    path = link_path(outbox[0])
    client.post(path, data={"new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    again = client.get(path)
    assert again.status_code == 400
    assert "already been used" in text(again)
    assert 'href="/password/forgot"' in text(again)
    refused = client.post(path, data={"new_password": "a third pass phrase",
                                      "repeat_password": "a third pass phrase"})
    assert refused.status_code == 400
    assert db.session.get(User, member.id).check_password(NEW_PASSWORD)


def test_an_expired_password_link_says_so_and_offers_a_new_one(client, member, monkeypatch):
    real = TimestampSigner.get_timestamp
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 3 * 3600)
        token = tokens.make_token(member, tokens.PASSWORD_RESET)
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 400
    assert "This link has expired" in text(response) and "2 hours" in text(response)
    assert 'href="/password/forgot"' in text(response)


def test_a_tampered_password_link_is_refused(client, member, outbox):
    _ask_for_link(client, member.email)
    path = link_path(outbox[0])
    for bad in (path[:-2] + "xx", path + "x", "/password/reset/abc"):
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert "not complete or not valid" in text(response)
        response = client.post(bad, data={"new_password": NEW_PASSWORD,
                                          "repeat_password": NEW_PASSWORD})
        assert response.status_code == 400
    assert db.session.get(User, member.id).check_password(PASSWORD)


def test_a_weak_new_password_from_a_link_is_refused_and_the_link_still_works(
        client, member, outbox):
    _ask_for_link(client, member.email)
    path = link_path(outbox[0])
    response = client.post(path, data={"new_password": "short", "repeat_password": "short"})
    assert response.status_code == 422
    assert any("at least 10 characters" in error for error in field_errors(response))
    assert client.get(path).status_code == 200


def test_asking_for_links_is_limited_per_address(client, member, outbox):
    for attempt in range(3):
        assert _ask_for_link(client, "VERA@example.org ").status_code == 303
    assert _ask_for_link(client, "vera@example.org").status_code == 429
    assert len(outbox) == 3
    assert _ask_for_link(client, "other@example.org").status_code == 303


def test_asking_for_links_is_limited_per_network_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "FORGOT_LIMIT_PER_ADDRESS", "4 per hour")
    for number in range(4):
        assert _ask_for_link(client, f"someone{number}@example.org").status_code == 303
    assert _ask_for_link(client, "someone.else@example.org").status_code == 429


def test_the_link_is_mailed_in_the_language_of_its_recipient(client, outbox):
    user_with_password(email="marie@example.org", locale="fr")
    client.post("/language/en")
    _ask_for_link(client, "marie@example.org")
    assert outbox[0]["locale"] == "fr"


def test_the_mail_server_is_used_only_after_the_answer_has_gone(app, client, member,
                                                                  monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context):
            pass

        def send_message(self, message):
            sent.append(message)

    import smtplib
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.org")
    response = _ask_for_link(client, member.email)
    assert response.status_code == 303 and sent == []
    response.close()  # what the WSGI server does once the answer is sent
    assert [message["To"] for message in sent] == [member.email]


# Invitations

def test_an_invitation_link_lets_the_person_choose_a_password_and_sign_in(app, client, outbox):
    invitee = factories.create_user(role=Role.VOLUNTEER, email="nadia@example.org",
                                    name="Nadia")
    token = tokens.make_token(invitee, tokens.INVITATION)
    page = client.get(f"/invite/{token}")
    assert page.status_code == 200 and "Welcome, Nadia" in text(page)
    response = client.post(f"/invite/{token}", data={"new_password": NEW_PASSWORD,
                                                     "repeat_password": NEW_PASSWORD})
    assert response.status_code == 303 and is_signed_in(client)
    used = app.test_client().get(f"/invite/{token}")
    assert used.status_code == 400 and "already been used" in text(used)
    assert 'href="/login"' in text(used)
    [event] = events("invitation_accepted")
    assert event.actor_id == invitee.id


def test_two_different_passwords_on_an_invitation_are_asked_again(client):
    invitee = factories.create_user(role=Role.VOLUNTEER)
    token = tokens.make_token(invitee, tokens.INVITATION)
    response = client.post(f"/invite/{token}", data={"new_password": NEW_PASSWORD,
                                                     "repeat_password": PASSWORD})
    assert response.status_code == 422
    assert any("not the same" in error for error in field_errors(response))
    assert db.session.get(User, invitee.id).password_hash is None


def test_an_expired_invitation_says_whom_to_ask(client):
    invitee = factories.create_user(role=Role.VOLUNTEER)
    real = TimestampSigner.get_timestamp
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 8 * 86400)
        token = tokens.make_token(invitee, tokens.INVITATION)
    response = client.get(f"/invite/{token}")
    assert response.status_code == 400
    assert "This invitation has expired" in text(response)
    assert "Ask the person who invited you" in text(response)


def test_a_password_link_is_not_an_invitation(client):
    invitee = factories.create_user(role=Role.VOLUNTEER)
    token = tokens.make_token(invitee, tokens.PASSWORD_RESET)
    response = client.get(f"/invite/{token}")
    assert response.status_code == 400 and "not complete or not valid" in text(response)
