"""The administration pages: users, invitations, organisations and the audit log."""
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tests import factories
from warehouse.audit.models import AuditEvent
from warehouse.audit.services import record
from warehouse.core.clock import local_today
from warehouse.extensions import db
from warehouse.models import Organisation, OrganisationKind, Role, User

PASSWORD = "plum kettle harbour"
NEW_PASSWORD = "copper lantern meadow"


def user_with_password(**overrides) -> User:
    overrides.setdefault("password_hash",
                         generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    return factories.create_user(**overrides)


def sign_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, "could not sign in"
    return client


def text(response) -> str:
    return response.get_data(as_text=True)


def field_errors(response) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>(.*?)</p>', text(response))


def flashes(response) -> list[str]:
    return re.findall(r'<div class="flash flash-\w+"[^>]*>(.*?)</div>', text(response), re.S)


def options(response, field: str) -> set[str]:
    """The labels a select field offers (but its empty choice)."""
    select_html = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', text(response),
                            re.S).group(1)
    return {label for value, label in re.findall(r'<option[^>]*value="([^"]+)"[^>]*>([^<]*)<',
                                                 select_html)}


def events(action: str | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return list(db.session.scalars(statement))


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


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
def admin():
    return user_with_password(role=Role.ADMIN, name="Ada Admin", email="ada@example.org")


@pytest.fixture
def as_admin(app, admin):
    return sign_in(app.test_client(), admin)


@pytest.fixture
def partner():
    return factories.create_organisation(name="Utopia 56", short_name="U56")


@pytest.fixture
def volunteer():
    return user_with_password(role=Role.VOLUNTEER, name="Vera Volunteer",
                              email="vera@example.org")


def invite(client, **overrides):
    data = {"email": "nadia@example.org", "name": "Nadia Haddad", "role": "volunteer",
            "organisation": ""} | overrides
    return client.post("/admin/users/invite", data=data)


# Who may open what

ADMIN_PAGES = ["/admin/users/invite", "/admin/organisations", "/admin/organisations/new",
               "/admin/audit"]


@pytest.mark.parametrize("path", ["/admin/users"] + ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.COORDINATOR])
@pytest.mark.parametrize("path", ["/admin/users"] + ADMIN_PAGES)
def test_volunteers_and_coordinators_are_refused(app, role, path):
    client = sign_in(app.test_client(), user_with_password(role=role))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_managers_may_not_open_the_admin_pages(app, path):
    client = sign_in(app.test_client(), user_with_password(role=Role.MANAGER))
    assert client.get(path).status_code == 403


def test_managers_may_read_the_users_list_but_not_change_anyone(app, volunteer):
    client = sign_in(app.test_client(), user_with_password(role=Role.MANAGER))
    page = client.get("/admin/users")
    assert page.status_code == 200 and "Vera Volunteer" in text(page)
    assert "/admin/users/invite" not in text(page)
    assert f"/admin/users/{volunteer.id}" not in text(page)
    assert client.get(f"/admin/users/{volunteer.id}").status_code == 403
    assert client.post(f"/admin/users/{volunteer.id}/deactivate").status_code == 403
    assert fresh(volunteer).active


def test_the_menu_shows_users_and_audit_log_to_an_admin_only(app, as_admin):
    page = text(as_admin.get("/admin/users"))
    assert 'href="/admin/audit"' in page
    manager = sign_in(app.test_client(), user_with_password(role=Role.MANAGER))
    page = text(manager.get("/admin/users"))
    assert 'href="/admin/users"' in page and 'href="/admin/audit"' not in page


# The users list

def test_the_users_list_filters_by_role_organisation_status_and_search(as_admin, partner,
                                                                     volunteer):
    coordinator = user_with_password(role=Role.COORDINATOR, organisation=partner,
                                     name="Cora Coordinator")
    factories.create_user(role=Role.VOLUNTEER, name="Ivy Invited")
    user_with_password(role=Role.VOLUNTEER, name="Gus Gone", active=False)

    def names(**query):
        page = text(as_admin.get("/admin/users", query_string=query))
        return set(re.findall(r'<a href="/admin/users/\d+">([^<]+)</a>', page))

    assert names() == {"Ada Admin", "Vera Volunteer", "Cora Coordinator", "Ivy Invited",
                       "Gus Gone"}
    assert names(role="coordinator") == {"Cora Coordinator"}
    assert names(organisation=partner.id) == {coordinator.name}
    assert names(status="invited") == {"Ivy Invited"}
    assert names(status="deactivated") == {"Gus Gone"}
    assert names(status="active", role="volunteer") == {"Vera Volunteer"}
    assert names(q="VERA@") == {"Vera Volunteer"}
    assert names(q="cora") == {"Cora Coordinator"}
    assert names(q="100%_") == set()


def test_unknown_filters_are_ignored_rather_than_failing(as_admin):
    response = as_admin.get("/admin/users", query_string={"role": "pirate", "page": "x"})
    assert response.status_code == 200 and "Ada Admin" in text(response)


def test_the_users_list_has_pages_of_fifty(as_admin):
    for number in range(55):
        factories.create_user(role=Role.VOLUNTEER, name=f"Volunteer {number:02d}")
    first = text(as_admin.get("/admin/users"))
    second = text(as_admin.get("/admin/users", query_string={"page": 2}))
    assert first.count('<tr class="') == 50 and second.count('<tr class="') == 6
    assert "Page 1 of 2" in first and 'href="/admin/users?page=2"' in first


# Inviting

def test_an_invited_user_chooses_a_password_and_signs_in(app, as_admin, admin, outbox):
    response = invite(as_admin)
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
    assert user.password_hash is None
    after = as_admin.get(response.headers["Location"])
    assert "Invitation sent to nadia@example.org" in text(after)
    [mail] = outbox
    path = re.search(r"http://localhost(/invite/\S+)", mail["body"]).group(1)
    invitee = app.test_client()
    assert "Welcome, Nadia Haddad" in text(invitee.get(path))
    response = invitee.post(path, data={"new_password": NEW_PASSWORD,
                                        "repeat_password": NEW_PASSWORD})
    assert response.status_code == 303
    assert invitee.get("/account").status_code == 200
    [invited] = events("user_invited")
    assert invited.actor_id == admin.id and invited.target_id == user.id
    [accepted] = events("invitation_accepted")
    assert accepted.actor_id == user.id


def test_an_invitation_sent_twice_creates_one_user(as_admin, outbox):
    assert invite(as_admin).status_code == 303
    again = invite(as_admin, email="Nadia@Example.org")
    assert again.status_code == 422
    assert "There is already an account for nadia@example.org." in field_errors(again)
    assert count_users() == 2 and len(events("user_invited")) == 1 and len(outbox) == 1


@pytest.mark.parametrize("overrides, message", [
    ({"email": "nadia.example.org"}, "is not an e-mail address"),
    ({"email": ""}, "Enter the e-mail address the invitation goes to."),
    ({"email": "n" * 250 + "@example.org"}, "At most 254 characters"),
    ({"name": ""}, "Enter the person's name."),
    ({"name": "N" * 121}, "At most 120 characters"),
    ({"role": "coordinator"}, "A coordinator belongs to a partner organisation"),
    ({"role": "pirate"}, "Not a valid choice"),
    ({"organisation": "999999"}, "Not a valid choice"),
])
def test_a_wrong_invitation_says_what_to_fix_and_creates_nobody(as_admin, outbox, overrides,
                                                                message):
    response = invite(as_admin, **overrides)
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert count_users() == 1 and events() == [] and outbox == []


def test_an_invitation_the_mail_server_refuses_can_be_sent_again(app, as_admin,
                                                                 monkeypatch):
    import smtplib

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    response = as_admin.get(invite(as_admin).headers["Location"])
    assert "The account was created, but the invitation could not be sent" in text(response)
    assert "Send the invitation again" in text(response)
    assert len(events("user_invited")) == 1


def test_a_manager_cannot_be_put_in_a_partner_organisation(as_admin, partner):
    response = invite(as_admin, role="manager", organisation=partner.id)
    assert response.status_code == 422
    assert any("Only coordinators belong to a partner organisation" in error
               for error in field_errors(response))


def test_a_coordinator_is_invited_into_an_active_partner_only(as_admin, partner):
    closed = factories.create_organisation(name="Closed Org", short_name="CLO", active=False)
    operator = factories.create_organisation(name="Warehouse", short_name="WH",
                                             kind=OrganisationKind.OPERATOR)
    assert options(as_admin.get("/admin/users/invite"), "organisation") == {"Utopia 56"}
    for organisation in (closed, operator):
        assert invite(as_admin, role="coordinator",
                      organisation=organisation.id).status_code == 422
    assert invite(as_admin, role="coordinator", organisation=partner.id).status_code == 303
    user = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
    assert user.organisation_id == partner.id


# Changing a user

def test_an_admin_changes_a_users_role_and_it_is_recorded(app, as_admin, admin, volunteer):
    their_session = sign_in(app.test_client(), volunteer)
    response = as_admin.post(f"/admin/users/{volunteer.id}", data={
        "name": volunteer.name, "role": "manager", "organisation": ""})
    assert response.status_code == 303
    assert fresh(volunteer).role == Role.MANAGER
    assert their_session.get("/account").status_code == 302  # signed out: new access
    [event] = events("role_changed")
    assert event.actor_id == admin.id and event.target_id == volunteer.id
    page = text(as_admin.get(f"/admin/users/{volunteer.id}"))
    assert "Changed the role of vera@example.org from Volunteer to Manager" in page


def test_an_admin_moves_a_coordinator_to_another_partner(as_admin, admin, partner):
    other = factories.create_organisation(name="Refugee Youth", short_name="RY")
    coordinator = user_with_password(role=Role.COORDINATOR, organisation=partner)
    response = as_admin.post(f"/admin/users/{coordinator.id}", data={
        "name": coordinator.name, "role": "coordinator", "organisation": other.id})
    assert response.status_code == 303
    assert fresh(coordinator).organisation_id == other.id
    [event] = events("organisation_changed")
    assert event.actor_id == admin.id
    assert event.details["old_organisation"] == "Utopia 56"


def test_an_admin_cannot_change_their_own_role(as_admin, admin):
    user_with_password(role=Role.ADMIN)  # another admin, so only the self rule applies
    page = text(as_admin.get(f"/admin/users/{admin.id}"))
    assert "You cannot change your own role" in page
    response = as_admin.post(f"/admin/users/{admin.id}", data={
        "name": admin.name, "role": "manager", "organisation": ""})
    assert response.status_code == 422
    assert "You cannot change your own role: ask another admin to do it." \
        in field_errors(response)
    assert fresh(admin).role == Role.ADMIN and events() == []


def test_the_last_admin_who_can_sign_in_cannot_be_demoted(app):
    # Signed in before the account lost its password (e.g. mid-invitation): no longer
    # able to sign in again, so the other admin is the last one who can.
    acting = user_with_password(role=Role.ADMIN, name="Acting Admin")
    client = sign_in(app.test_client(), acting)
    last = user_with_password(role=Role.ADMIN, name="Last Admin")
    acting.password_hash = None
    db.session.commit()
    response = client.post(f"/admin/users/{last.id}", data={
        "name": last.name, "role": "manager", "organisation": ""})
    assert response.status_code == 422
    assert any("is the last active admin" in error for error in field_errors(response))
    response = client.post(f"/admin/users/{last.id}/deactivate", follow_redirects=True)
    assert any("is the last active admin" in message for message in flashes(response))
    assert fresh(last).role == Role.ADMIN and fresh(last).active and events() == []


def test_a_blank_or_over_long_name_is_refused(as_admin, volunteer):
    for name, message in (("", "Enter the person's name."),
                          ("V" * 121, "At most 120 characters")):
        response = as_admin.post(f"/admin/users/{volunteer.id}", data={
            "name": name, "role": "volunteer", "organisation": ""})
        assert response.status_code == 422
        assert any(message in error for error in field_errors(response))
    assert fresh(volunteer).name == "Vera Volunteer"


def test_saving_without_changes_records_nothing(as_admin, volunteer):
    response = as_admin.post(f"/admin/users/{volunteer.id}", data={
        "name": volunteer.name, "role": "volunteer", "organisation": ""},
        follow_redirects=True)
    assert "Nothing to save" in text(response) and events() == []


def test_an_unknown_user_is_not_found(as_admin):
    assert as_admin.get("/admin/users/999999").status_code == 404
    assert as_admin.post("/admin/users/999999/deactivate").status_code == 404


# Deactivating and reactivating

def test_a_deactivated_users_open_session_is_refused_at_their_next_request(app, as_admin,
                                                                          admin, volunteer):
    their_session = sign_in(app.test_client(), volunteer)
    assert their_session.get("/account").status_code == 200
    response = as_admin.post(f"/admin/users/{volunteer.id}/deactivate")
    assert response.status_code == 303
    refused = their_session.get("/account")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    again = their_session.post("/login", data={"email": volunteer.email, "password": PASSWORD})
    assert again.status_code == 200  # the form again: cannot sign back in
    [event] = events("user_deactivated")
    assert event.actor_id == admin.id and event.target_id == volunteer.id


def test_deactivating_twice_is_recorded_once(as_admin, volunteer):
    as_admin.post(f"/admin/users/{volunteer.id}/deactivate")
    response = as_admin.post(f"/admin/users/{volunteer.id}/deactivate", follow_redirects=True)
    assert "was already deactivated" in text(response)
    assert len(events("user_deactivated")) == 1


def test_an_admin_cannot_deactivate_themselves(as_admin, admin):
    response = as_admin.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account" in text(response)
    assert fresh(admin).active and events() == []


def test_a_reactivated_user_can_sign_in_again(app, as_admin, admin):
    gone = user_with_password(role=Role.VOLUNTEER, active=False)
    response = as_admin.post(f"/admin/users/{gone.id}/reactivate", follow_redirects=True)
    assert "can sign in again" in text(response)
    sign_in(app.test_client(), gone)
    [event] = events("user_reactivated")
    assert event.actor_id == admin.id


# Sending an invitation again

def test_sending_an_invitation_again_retires_the_first_link(app, as_admin, admin, outbox):
    invite(as_admin)
    user = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
    first = re.search(r"http://localhost(/invite/\S+)", outbox[0]["body"]).group(1)
    response = as_admin.post(f"/admin/users/{user.id}/resend-invitation",
                             follow_redirects=True)
    assert "A new invitation is on its way to nadia@example.org" in text(response)
    second = re.search(r"http://localhost(/invite/\S+)", outbox[1]["body"]).group(1)
    invitee = app.test_client()
    assert invitee.get(first).status_code == 400
    assert invitee.get(second).status_code == 200
    [event] = events("invitation_resent")
    assert event.actor_id == admin.id


def test_no_invitation_is_sent_again_to_someone_who_has_a_password(as_admin, volunteer,
                                                                   outbox):
    response = as_admin.post(f"/admin/users/{volunteer.id}/resend-invitation",
                             follow_redirects=True)
    assert "has already chosen a password" in text(response)
    assert outbox == [] and events() == []


# Organisations

def test_an_admin_adds_a_partner_organisation(as_admin, admin):
    response = as_admin.post("/admin/organisations/new",
                             data={"name": "Refugee Youth", "short_name": "RY"})
    assert response.status_code == 303
    organisation = db.session.scalar(select(Organisation).where(
        Organisation.short_name == "RY"))
    assert organisation.kind == OrganisationKind.PARTNER and organisation.active
    assert "Refugee Youth" in text(as_admin.get("/admin/organisations"))
    [event] = events("organisation_created")
    assert event.actor_id == admin.id


@pytest.mark.parametrize("data, message", [
    ({"name": "UTOPIA 56", "short_name": "NEW"}, "There is already an organisation called"),
    ({"name": "New one", "short_name": "u56"}, "is already used by another organisation"),
    ({"name": "", "short_name": "X"}, "Enter the organisation's name."),
    ({"name": "N" * 121, "short_name": "X"}, "At most 120 characters"),
    ({"name": "New one", "short_name": "X" * 25}, "At most 24 characters"),
])
def test_a_wrong_organisation_says_what_to_fix(as_admin, partner, data, message):
    response = as_admin.post("/admin/organisations/new", data=data)
    assert response.status_code == 422
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 1
    assert events() == []


def test_an_admin_renames_and_deactivates_an_organisation(as_admin, partner):
    response = as_admin.post(f"/admin/organisations/{partner.id}",
                             data={"name": "Utopia Fifty-Six", "short_name": "U56"})
    assert response.status_code == 303  # "active" unticked: deactivated
    db.session.expire_all()
    assert partner.name == "Utopia Fifty-Six" and not partner.active
    assert [event.action for event in events()] == ["organisation_renamed",
                                                    "organisation_deactivated"]
    assert options(as_admin.get("/admin/users/invite"), "organisation") == set()


def test_the_organisation_running_the_warehouse_has_no_active_box(as_admin):
    operator = factories.create_organisation(name="Warehouse", short_name="WH",
                                             kind=OrganisationKind.OPERATOR)
    page = text(as_admin.get(f"/admin/organisations/{operator.id}"))
    assert 'name="active"' not in page
    as_admin.post(f"/admin/organisations/{operator.id}",
                  data={"name": "Warehouse Calais", "short_name": "WH"})
    db.session.expire_all()
    assert operator.active and operator.name == "Warehouse Calais"


# The audit log

def test_the_audit_log_lists_changes_newest_first_with_who_did_them(as_admin, admin,
                                                                    volunteer):
    as_admin.post(f"/admin/users/{volunteer.id}/deactivate")
    as_admin.post(f"/admin/users/{volunteer.id}/reactivate")
    page = text(as_admin.get("/admin/audit"))
    assert page.index("Reactivated vera@example.org") < page.index("Deactivated vera@example.org")
    assert "Ada Admin" in page


def test_the_audit_log_filters_by_action_actor_and_dates(as_admin, admin, volunteer):
    other = user_with_password(role=Role.ADMIN, name="Otto Admin")
    now = datetime.now(UTC)
    for actor, action, days_ago in ((admin, "user_deactivated", 0),
                                    (other, "user_reactivated", 0),
                                    (admin, "user_reactivated", 10)):
        event = record(actor=actor, action=action, target=volunteer,
                       summary=f"{action} by {actor.name}", email=volunteer.email)
        event.at = now - timedelta(days=days_ago)
    db.session.commit()

    def rows(**query):
        page = text(as_admin.get("/admin/audit", query_string=query))
        return len(re.findall(r"<time datetime=", page))

    assert rows() == 3
    assert rows(action="user_reactivated") == 2
    assert rows(actor=other.id) == 1
    assert rows(actor=admin.id, action="user_reactivated") == 1
    today = local_today(now)  # the audit log's days are the warehouse's, not the machine's
    assert rows(date_from=(today - timedelta(days=1)).isoformat()) == 2
    assert rows(date_to=(today - timedelta(days=5)).isoformat()) == 1
    assert rows(date_from=today.isoformat(), date_to=today.isoformat()) == 2


def test_a_wrong_date_filter_is_pointed_out(as_admin):
    response = as_admin.get("/admin/audit", query_string={"date_from": "31/02/2026"})
    assert response.status_code == 200
    assert "Some filters are not valid" in text(response)


def test_the_audit_log_has_pages_of_fifty(as_admin, admin, volunteer):
    for number in range(51):
        record(actor=admin, action="user_reactivated", target=volunteer,
               summary=f"event {number}", email=volunteer.email)
    db.session.commit()
    first = text(as_admin.get("/admin/audit"))
    second = text(as_admin.get("/admin/audit", query_string={"page": 2}))
    assert first.count("<time datetime=") == 50 and second.count("<time datetime=") == 1
    assert "Page 2 of 2" in second


def test_events_recorded_by_other_areas_show_their_own_summary(as_admin, admin, volunteer):
    record(actor=admin, action="pin_reset", target=volunteer,
           summary="Reset the PIN of Vera Volunteer")
    db.session.commit()
    page = text(as_admin.get("/admin/audit"))
    assert "Reset the PIN of Vera Volunteer" in page and "pin reset" in page
