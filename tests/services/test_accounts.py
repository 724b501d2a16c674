"""Account lifecycle services: invitations, password links, admin changes and their audit.

Each refused change must write nothing: no user, no audit event, no new session version.
"""
import logging
import smtplib
import threading

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tests import factories
from warehouse.accounts import errors as admin_errors
from warehouse.accounts import errors, services, tokens
from warehouse.audit.models import AuditEvent
from warehouse.core.mail import MailNotSent, send_mail
from warehouse.extensions import db
from warehouse.models import Organisation, OrganisationKind, Role, User

PASSWORD = "plum kettle harbour"
NEW_PASSWORD = "copper lantern meadow"
LINK = "https://warehouse.example/link/{}".format


def link_for(token: str) -> str:
    return LINK(token)


def token_of(mail: dict) -> str:
    """The token at the end of the link in an e-mail body."""
    line = next(line for line in mail["body"].splitlines() if line.startswith(LINK("")))
    return line.removeprefix(LINK(""))


def user_with_password(**overrides) -> User:
    """A user who can sign in (a cheap hash: the tests check many passwords)."""
    overrides.setdefault("password_hash",
                         generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    return factories.create_user(**overrides)


def audit(action: str | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return list(db.session.scalars(statement))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture(autouse=True)
def outbox(app):
    box = app.extensions.setdefault("mail_outbox", [])
    box.clear()
    yield box
    box.clear()


@pytest.fixture
def admin():
    return user_with_password(role=Role.ADMIN, name="Ada Admin")


@pytest.fixture
def other_admin():
    return user_with_password(role=Role.ADMIN, name="Otto Admin")


@pytest.fixture
def partner():
    return factories.create_organisation(name="Utopia 56", short_name="U56")


@pytest.fixture
def operator():
    return factories.create_organisation(name="Warehouse Calais", short_name="WH",
                                         kind=OrganisationKind.OPERATOR)


def signed_ago(seconds: int, user: User, purpose) -> str:
    """A token for ``user`` signed ``seconds`` ago."""
    real = TimestampSigner.get_timestamp
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - seconds)
        return tokens.make_token(user, purpose)


def invite(admin, **overrides):
    values = {"email": "new.volunteer@example.org", "name": "Nadia", "role": Role.VOLUNTEER,
              "organisation": None} | overrides
    return services.invite_user(actor=admin, link_for=link_for, **values)


# Invitations

def test_an_invited_user_has_no_password_until_they_accept(admin, outbox):
    user = invite(admin, email="  New.Volunteer@Example.ORG ")
    assert user.email == "new.volunteer@example.org"
    assert user.password_hash is None and user.active and user.invited_at is not None
    [mail] = outbox
    assert mail["to"] == "new.volunteer@example.org"
    assert "Ada Admin" in mail["body"] and "7 days" in mail["body"]
    [event] = audit(services.USER_INVITED)
    assert event.actor_id == admin.id and event.target_id == user.id
    assert event.summary == "Invited new.volunteer@example.org as volunteer"


def test_accepting_an_invitation_sets_the_password_once(admin, outbox):
    user = invite(admin)
    token = token_of(outbox[0])
    accepted = services.accept_invitation(token=token, password=PASSWORD)
    assert accepted.id == user.id and accepted.check_password(PASSWORD)
    [event] = audit(services.INVITATION_ACCEPTED)
    assert event.actor_id == user.id
    with pytest.raises(tokens.InvitationUsed):
        services.accept_invitation(token=token, password=NEW_PASSWORD)
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_an_invitation_with_a_weak_password_writes_nothing(admin, outbox):
    user = invite(admin)
    with pytest.raises(errors.PasswordTooShort):
        services.accept_invitation(token=token_of(outbox[0]), password="short")
    db.session.rollback()
    assert db.session.get(User, user.id).password_hash is None
    assert audit(services.INVITATION_ACCEPTED) == []


def test_an_invitation_expires_after_the_configured_days(admin, outbox, monkeypatch, app):
    user = invite(admin)
    monkeypatch.setitem(app.config, "INVITE_DAYS", 3)
    old_token = signed_ago(3 * 86400 + 5, user, tokens.INVITATION)
    with pytest.raises(tokens.InvitationExpired) as refused:
        services.accept_invitation(token=old_token, password=PASSWORD)
    assert "3 days" in refused.value.message


def test_a_tampered_invitation_or_a_password_link_is_not_an_invitation(admin, outbox):
    user = invite(admin)
    token = token_of(outbox[0])
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (tampered, "nonsense", tokens.make_token(user, tokens.PASSWORD_RESET)):
        with pytest.raises(tokens.InvitationBroken):
            services.check_invitation(bad)


def test_sending_an_invitation_again_retires_the_earlier_link(admin, outbox):
    user = invite(admin)
    first = token_of(outbox[0])
    services.resend_invitation(actor=admin, user=user, link_for=link_for)
    second = token_of(outbox[1])
    with pytest.raises(tokens.InvitationUsed):
        services.check_invitation(first)
    assert services.check_invitation(second).id == user.id
    [event] = audit(services.INVITATION_RESENT)
    assert event.actor_id == admin.id


def test_no_invitation_is_sent_again_to_someone_with_a_password(admin, outbox):
    user = user_with_password(role=Role.VOLUNTEER)
    with pytest.raises(admin_errors.NotInvited):
        services.resend_invitation(actor=admin, user=user, link_for=link_for)
    assert outbox == [] and audit() == []


def test_a_deactivated_user_cannot_accept_their_invitation(admin, outbox, other_admin):
    user = invite(admin)
    token = token_of(outbox[0])
    services.deactivate_user(actor=admin, user=user)
    with pytest.raises(tokens.InvitationUsed):
        services.accept_invitation(token=token, password=PASSWORD)
    with pytest.raises(admin_errors.UserDeactivated):
        services.resend_invitation(actor=admin, user=user, link_for=link_for)


@pytest.mark.parametrize("email", ["nadia@example.org", "NADIA@Example.org ",
                                   " nadia@EXAMPLE.ORG"])
def test_an_address_already_used_in_any_case_is_refused(admin, email):
    factories.create_user(email="nadia@example.org")
    with pytest.raises(errors.EmailAlreadyUsed):
        invite(admin, email=email)
    assert count(User) == 2 and audit() == []


@pytest.mark.parametrize("email", ["nadia", "nadia@", "@example.org", "na dia@example.org",
                                   "nadia@example", "a" * 250 + "@example.org", ""])
def test_an_invalid_address_is_refused(admin, email):
    with pytest.raises(errors.InvalidEmail):
        invite(admin, email=email)
    assert count(User) == 1 and audit() == []


def test_a_coordinator_needs_an_active_partner_organisation(admin, partner, operator):
    with pytest.raises(errors.CoordinatorNeedsOrganisation):
        invite(admin, role=Role.COORDINATOR, organisation=None)
    with pytest.raises(admin_errors.OrganisationMustBePartner):
        invite(admin, role=Role.COORDINATOR, organisation=operator)
    partner.active = False
    db.session.commit()
    with pytest.raises(admin_errors.OrganisationInactive):
        invite(admin, role=Role.COORDINATOR, organisation=partner)
    assert count(User) == 1 and audit() == []


def test_only_coordinators_belong_to_a_partner(admin, partner, operator):
    with pytest.raises(admin_errors.OnlyCoordinatorsInPartner):
        invite(admin, role=Role.MANAGER, organisation=partner)
    staff = invite(admin, role=Role.MANAGER, organisation=operator)
    assert staff.organisation == operator


def test_a_coordinator_is_invited_into_their_partner(admin, partner):
    user = invite(admin, role=Role.COORDINATOR, organisation=partner)
    assert user.organisation == partner
    assert audit(services.USER_INVITED)[0].details["organisation"] == "Utopia 56"


@pytest.mark.parametrize("name, error", [("", admin_errors.NameRequired),
                                         ("   ", admin_errors.NameRequired),
                                         ("x" * 121, admin_errors.NameTooLong)])
def test_a_name_must_be_given_and_not_too_long(admin, name, error):
    with pytest.raises(error):
        invite(admin, name=name)
    assert count(User) == 1


def test_an_invitation_the_mail_server_refuses_still_creates_the_account(
        admin, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    with pytest.raises(MailNotSent):
        invite(admin)
    user = db.session.scalar(select(User).where(User.email == "new.volunteer@example.org"))
    assert user is not None and len(audit(services.USER_INVITED)) == 1


# Forgotten passwords

def test_a_password_link_goes_only_to_an_active_account(outbox):
    user_with_password(email="known@example.org")
    user_with_password(email="gone@example.org", active=False)
    for email in ("unknown@example.org", "gone@example.org", "known@example.org"):
        services.request_password_reset(email=email, link_for=link_for)
    assert [mail["to"] for mail in outbox] == ["known@example.org"]
    assert audit() == []  # asking for a link is not an admin action


def test_a_password_link_is_written_in_the_users_language(outbox, app):
    user_with_password(email="fr@example.org", locale="fr")
    user_with_password(email="en@example.org", locale=None)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        services.request_password_reset(email="fr@example.org", link_for=link_for)
        services.request_password_reset(email="en@example.org", link_for=link_for)
    assert [mail["locale"] for mail in outbox] == ["fr", "en"]


def test_a_password_link_sets_a_new_password_once(outbox):
    user = user_with_password(email="known@example.org")
    version = user.session_version
    services.request_password_reset(email="KNOWN@example.org", link_for=link_for)
    token = token_of(outbox[0])
    services.reset_password(token=token, password=NEW_PASSWORD)
    user = db.session.get(User, user.id)
    assert user.check_password(NEW_PASSWORD) and user.session_version == version + 1
    [event] = audit(services.PASSWORD_RESET)
    assert event.actor_id == user.id and event.target_id == user.id
    with pytest.raises(tokens.ResetLinkUsed):
        services.reset_password(token=token, password="another good passphrase")


def test_a_password_link_stops_working_once_the_password_changed(outbox):
    user = user_with_password(email="known@example.org")
    services.request_password_reset(email="known@example.org", link_for=link_for)
    services.change_password(user, current=PASSWORD, new=NEW_PASSWORD)
    with pytest.raises(tokens.ResetLinkUsed):
        services.check_password_reset(token_of(outbox[0]))


def test_a_password_link_expires_after_the_configured_hours(app, monkeypatch):
    user = user_with_password()
    assert tokens.password_reset_hours() == 2
    token = signed_ago(2 * 3600 + 5, user, tokens.PASSWORD_RESET)
    with pytest.raises(tokens.ResetLinkExpired) as refused:
        services.check_password_reset(token)
    assert "2 hours" in refused.value.message
    monkeypatch.setitem(app.config, "PASSWORD_RESET_HOURS", 3)
    assert services.check_password_reset(token).id == user.id


def test_a_password_link_signed_with_another_secret_is_refused(app):
    user = user_with_password()
    forged = URLSafeTimedSerializer("not our secret", salt=tokens.PASSWORD_RESET.salt).dumps(
        {"u": user.id, "v": user.session_version})
    with pytest.raises(tokens.ResetLinkBroken):
        services.check_password_reset(forged)


# Changing one's password

def test_changing_ones_password_is_recorded_and_ends_other_sessions():
    user = user_with_password()
    version = user.session_version
    services.change_password(user, current=PASSWORD, new=NEW_PASSWORD)
    assert user.check_password(NEW_PASSWORD) and user.session_version == version + 1
    [event] = audit(services.PASSWORD_CHANGED)
    assert event.actor_id == user.id


def test_a_wrong_current_password_changes_nothing():
    user = user_with_password()
    with pytest.raises(errors.WrongPassword):
        services.change_password(user, current="not it at all", new=NEW_PASSWORD)
    assert user.check_password(PASSWORD) and audit() == []


# Admin changes to users

def test_a_new_role_is_recorded_and_ends_the_users_sessions(admin):
    user = user_with_password(role=Role.VOLUNTEER)
    version = user.session_version
    changes = services.update_user(actor=admin, user=user, name=user.name, role=Role.MANAGER,
                                   organisation=None)
    assert changes == [services.ROLE_CHANGED]
    assert user.role == Role.MANAGER and user.session_version == version + 1
    [event] = audit(services.ROLE_CHANGED)
    assert event.actor_id == admin.id
    assert (event.details["old_role"], event.details["new_role"]) == ("volunteer", "manager")


def test_a_new_organisation_is_recorded(admin, partner):
    other = factories.create_organisation(name="Refugee Community Kitchen", short_name="RCK")
    user = user_with_password(role=Role.COORDINATOR, organisation=partner)
    services.update_user(actor=admin, user=user, name="  Cora   Dupont ",
                         role=Role.COORDINATOR, organisation=other)
    assert user.organisation == other and user.name == "Cora Dupont"
    assert [event.action for event in audit()] == [services.NAME_CHANGED,
                                                   services.ORGANISATION_CHANGED]
    event = audit(services.ORGANISATION_CHANGED)[0]
    assert event.summary == f"Moved {user.email} from Utopia 56 to Refugee Community Kitchen"


def test_saving_unchanged_details_records_nothing(admin):
    user = user_with_password(role=Role.VOLUNTEER)
    version = user.session_version
    assert services.update_user(actor=admin, user=user, name=user.name, role=Role.VOLUNTEER,
                                organisation=None) == []
    assert audit() == [] and user.session_version == version


def test_an_admin_cannot_change_their_own_role(admin, other_admin):
    with pytest.raises(admin_errors.CannotChangeOwnRole):
        services.update_user(actor=admin, user=admin, name=admin.name, role=Role.MANAGER,
                             organisation=None)
    db.session.rollback()
    assert db.session.get(User, admin.id).role == Role.ADMIN and audit() == []


def test_an_admin_can_rename_themselves(admin):
    services.update_user(actor=admin, user=admin, name="Ada L.", role=Role.ADMIN,
                         organisation=None)
    assert admin.name == "Ada L."


def test_the_last_admin_who_can_sign_in_cannot_be_demoted_or_deactivated(admin):
    # An admin whose invitation is still open cannot sign in, so does not count.
    invited_admin = factories.create_user(role=Role.ADMIN, name="Ivy Invited")
    with pytest.raises(admin_errors.LastActiveAdmin):
        services.update_user(actor=invited_admin, user=admin, name=admin.name,
                             role=Role.MANAGER, organisation=None)
    with pytest.raises(admin_errors.LastActiveAdmin):
        services.deactivate_user(actor=invited_admin, user=admin)
    db.session.rollback()
    assert db.session.get(User, admin.id).role == Role.ADMIN
    assert db.session.get(User, admin.id).active and audit() == []


def test_an_admin_can_be_demoted_while_another_remains(admin, other_admin):
    services.update_user(actor=admin, user=other_admin, name=other_admin.name,
                         role=Role.MANAGER, organisation=None)
    assert other_admin.role == Role.MANAGER


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, admin, other_admin):
    ids = {"a": admin.id, "b": other_admin.id}
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = {}

    def demote(actor_key, target_key):
        with app.app_context():
            actor = db.session.get(User, ids[actor_key])
            target = db.session.get(User, ids[target_key])
            barrier.wait()
            try:
                services.update_user(actor=actor, user=target, name=target.name,
                                     role=Role.MANAGER, organisation=None)
                outcomes[actor_key] = "demoted"
            except admin_errors.LastActiveAdmin:
                outcomes[actor_key] = "refused"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=demote, args=("a", "b")),
               threading.Thread(target=demote, args=("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["demoted", "refused"]
    db.session.rollback()  # end this test's own read transaction, to see theirs
    admins = db.session.scalars(select(User).where(User.role == Role.ADMIN)).all()
    assert len(admins) == 1


def test_a_coordinator_changed_to_manager_must_leave_their_partner(admin, partner):
    user = user_with_password(role=Role.COORDINATOR, organisation=partner)
    with pytest.raises(admin_errors.OnlyCoordinatorsInPartner):
        services.update_user(actor=admin, user=user, name=user.name, role=Role.MANAGER,
                             organisation=partner)
    services.update_user(actor=admin, user=user, name=user.name, role=Role.MANAGER,
                         organisation=None)
    assert user.organisation is None
    assert {event.action for event in audit()} == {services.ROLE_CHANGED,
                                                   services.ORGANISATION_CHANGED}


def test_a_coordinator_keeps_a_partner_that_was_since_deactivated(admin, partner):
    user = user_with_password(role=Role.COORDINATOR, organisation=partner)
    partner.active = False
    db.session.commit()
    services.update_user(actor=admin, user=user, name="Renamed", role=Role.COORDINATOR,
                         organisation=partner)
    assert user.name == "Renamed" and user.organisation == partner


def test_deactivating_ends_sessions_and_is_recorded_once(admin):
    user = user_with_password(role=Role.VOLUNTEER)
    version = user.session_version
    assert services.deactivate_user(actor=admin, user=user) is True
    assert services.deactivate_user(actor=admin, user=user) is False  # the form sent twice
    assert not user.active and user.session_version == version + 1
    [event] = audit(services.USER_DEACTIVATED)
    assert event.actor_id == admin.id and event.target_id == user.id


def test_an_admin_cannot_deactivate_themselves(admin, other_admin):
    with pytest.raises(admin_errors.CannotDeactivateSelf):
        services.deactivate_user(actor=admin, user=admin)
    assert admin.active and audit() == []


def test_reactivating_is_recorded(admin):
    user = user_with_password(role=Role.VOLUNTEER, active=False)
    assert services.reactivate_user(actor=admin, user=user) is True
    assert services.reactivate_user(actor=admin, user=user) is False
    assert user.active
    [event] = audit(services.USER_REACTIVATED)
    assert event.actor_id == admin.id


def test_a_coordinator_of_a_deactivated_partner_stays_deactivated(admin, partner):
    user = user_with_password(role=Role.COORDINATOR, organisation=partner, active=False)
    partner.active = False
    db.session.commit()
    with pytest.raises(admin_errors.OrganisationInactive):
        services.reactivate_user(actor=admin, user=user)
    assert not db.session.get(User, user.id).active


# Organisations

def test_a_partner_organisation_is_created_and_recorded(admin):
    organisation = services.create_organisation(actor=admin, name=" Refugee  Youth ",
                                                short_name="RY")
    assert organisation.name == "Refugee Youth" and organisation.kind == OrganisationKind.PARTNER
    [event] = audit(services.ORGANISATION_CREATED)
    assert event.actor_id == admin.id and event.target_type == "organisation"


@pytest.mark.parametrize("name, short_name, error", [
    ("utopia 56", "NEW", admin_errors.OrganisationNameUsed),
    ("Something else", "u56", admin_errors.OrganisationShortNameUsed),
    ("", "X", admin_errors.NameRequired),
    ("x" * 121, "X", admin_errors.NameTooLong),
    ("Fine", "x" * 25, admin_errors.NameTooLong),
])
def test_organisation_names_are_unique_whatever_the_case(admin, partner, name, short_name,
                                                         error):
    with pytest.raises(error):
        services.create_organisation(actor=admin, name=name, short_name=short_name)
    assert count(Organisation) == 1 and audit() == []


def test_renaming_and_deactivating_an_organisation_are_recorded(admin, partner):
    changes = services.update_organisation(actor=admin, organisation=partner,
                                           name="Utopia Fifty-Six", short_name="U56",
                                           active=False)
    assert changes == [services.ORGANISATION_RENAMED, services.ORGANISATION_DEACTIVATED]
    assert not partner.active and partner.name == "Utopia Fifty-Six"
    assert services.update_organisation(actor=admin, organisation=partner,
                                        name="Utopia Fifty-Six", short_name="U56",
                                        active=False) == []


def test_an_organisation_may_keep_its_own_name_in_another_case(admin, partner):
    services.update_organisation(actor=admin, organisation=partner, name="UTOPIA 56",
                                 short_name="u56", active=True)
    assert partner.name == "UTOPIA 56"


def test_the_organisation_running_the_warehouse_stays_active(admin, operator):
    with pytest.raises(admin_errors.OperatorStaysActive):
        services.update_organisation(actor=admin, organisation=operator, name=operator.name,
                                     short_name=operator.short_name, active=False)
    db.session.rollback()
    assert db.session.get(Organisation, operator.id).active


# Sending mail

class FakeSMTP:
    sent: list = []
    calls: list = []

    def __init__(self, host, port, timeout):
        self.calls.append(("connect", host, port))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context):
        self.calls.append(("starttls",))

    def login(self, username, password):
        self.calls.append(("login", username, password))

    def send_message(self, message):
        self.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.calls = [], []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    for key, value in {"MAIL_SERVER": "smtp.example.org", "MAIL_PORT": 2525,
                       "MAIL_USE_TLS": True, "MAIL_USERNAME": "warehouse",
                       "MAIL_PASSWORD": "secret", "MAIL_SENDER": "stock@example.org"}.items():
        monkeypatch.setitem(app.config, key, value)
    return FakeSMTP


def test_mail_goes_through_the_server_with_starttls_when_one_is_set(smtp):
    send_mail(to="a@example.org", subject="Hello", body="Line one\nhttps://x.example/t")
    assert smtp.calls == [("connect", "smtp.example.org", 2525), ("starttls",),
                          ("login", "warehouse", "secret")]
    [message] = smtp.sent
    assert message["From"] == "stock@example.org" and message["To"] == "a@example.org"
    assert "https://x.example/t" in message.get_content()


def test_without_a_mail_server_the_whole_message_is_logged(app, caplog, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    with caplog.at_level(logging.INFO, logger="warehouse.mail"):
        send_mail(to="a@example.org", subject="Choose a password",
                  body="Open https://x.example/invite/abc")
    [record] = [r for r in caplog.records if r.name == "warehouse.mail"]
    assert record.levelno == logging.INFO
    assert "a@example.org" in record.getMessage()
    assert "https://x.example/invite/abc" in record.getMessage()


def test_a_mail_the_server_refuses_is_reported(smtp, monkeypatch):
    def broken(self, message):
        raise smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no")})

    monkeypatch.setattr(FakeSMTP, "send_message", broken)
    with pytest.raises(MailNotSent) as refused:
        send_mail(to="a@example.org", subject="Hello", body="Hi")
    assert "a@example.org" in refused.value.message

