"""Tablet mode's rules: who runs tablets, tokens stored hashed, PINs, and who may sign in."""
import hashlib

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from tests import factories
from warehouse.audit.models import AuditEvent
from warehouse.extensions import db
from warehouse.models import Role, TabletDevice
from warehouse.tablet import errors, services

FAST_HASH = "pbkdf2:sha256:1000"  # the service's own hash is slow on purpose


def with_pin(user, pin="4827"):
    user.pin_hash = generate_password_hash(pin, method=FAST_HASH)
    db.session.commit()
    return user


def audit_actions(target):
    return [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_id == target.id,
                                 AuditEvent.target_type == type(target).__name__.lower())
        .order_by(AuditEvent.id))]


@pytest.fixture
def manager():
    return factories.create_user(role=Role.MANAGER, name="Max Manager")


@pytest.fixture
def volunteer():
    return factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer")


@pytest.fixture
def tablet(manager):
    tablet, _token = services.enable_tablet(actor=manager, name="Intake 1")
    return tablet


# Enabling and retiring tablets.

def test_enabling_a_tablet_stores_only_the_hash_of_its_token(manager):
    tablet, token = services.enable_tablet(actor=manager, name="  Intake   1 ")
    assert len(token) == 43
    assert tablet.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (tablet.token_hash, tablet.name)
    assert tablet.name == "Intake 1" and tablet.active and tablet.created_by_id == manager.id
    assert services.tablet_for_token(token).id == tablet.id
    assert audit_actions(tablet) == ["tablet.enabled"]


def test_a_tablet_can_belong_to_a_site(manager, dummy_site):
    tablet, _ = services.enable_tablet(actor=manager, name="Sorting", site_id=dummy_site.id)
    assert tablet.site.id == dummy_site.id


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.COORDINATOR])
def test_only_managers_and_admins_enable_tablets(role):
    actor = factories.create_user(role=role)
    with pytest.raises(errors.OnlyManagersRunTablets):
        services.enable_tablet(actor=actor, name="Intake 1")
    admin = factories.create_user(role=Role.ADMIN)
    assert services.enable_tablet(actor=admin, name="Intake 2")[0].active
    assert db.session.scalar(select(func.count()).select_from(TabletDevice)) == 1


@pytest.mark.parametrize("name, error", [("", errors.TabletNameRequired),
                                         ("   ", errors.TabletNameRequired),
                                         ("x" * 81, errors.TabletNameTooLong)])
def test_a_tablet_needs_a_short_name(manager, name, error):
    with pytest.raises(error):
        services.enable_tablet(actor=manager, name=name)
    assert db.session.scalar(select(func.count()).select_from(TabletDevice)) == 0


def test_a_tablet_cannot_be_placed_at_an_unknown_or_closed_site(manager):
    closed = factories.create_site(active=False)
    for site_id in (closed.id, closed.id + 1000):
        with pytest.raises(errors.UnknownSite):
            services.enable_tablet(actor=manager, name="Intake 1", site_id=site_id)
    assert db.session.scalar(select(func.count()).select_from(TabletDevice)) == 0


def test_the_same_enable_form_sent_twice_registers_one_tablet(manager):
    token = services.new_token()
    first, first_token = services.enable_tablet(actor=manager, name="Intake 1", token=token)
    again, again_token = services.enable_tablet(actor=manager, name="Intake 1", token=token)
    assert again.id == first.id and again_token == first_token == token
    assert db.session.scalar(select(func.count()).select_from(TabletDevice)) == 1
    assert audit_actions(first) == ["tablet.enabled"]


def test_enabling_again_without_the_form_token_registers_another_tablet(manager):
    first, first_token = services.enable_tablet(actor=manager, name="Intake 1")
    second, second_token = services.enable_tablet(actor=manager, name="Intake 1")
    assert first.id != second.id and first_token != second_token
    assert first.active and second.active


def test_a_token_whose_tablet_was_retired_is_not_reused(manager):
    token = services.new_token()
    first, _ = services.enable_tablet(actor=manager, name="Intake 1", token=token)
    services.retire_tablet(actor=manager, tablet_id=first.id)
    second, second_token = services.enable_tablet(actor=manager, name="Intake 1", token=token)
    assert second.id != first.id and second_token != token and second.active


def test_enabling_a_device_that_was_a_tablet_retires_the_old_entry(manager, tablet):
    new, _ = services.enable_tablet(actor=manager, name="Intake 1 again", replaces=tablet.id)
    assert new.active and not tablet.active
    assert audit_actions(tablet) == ["tablet.enabled", "tablet.retired"]


def test_retiring_a_tablet_ends_its_token_and_is_audited_once(manager):
    tablet, token = services.enable_tablet(actor=manager, name="Intake 1")
    services.retire_tablet(actor=manager, tablet_id=tablet.id)
    services.retire_tablet(actor=manager, tablet_id=tablet.id)
    assert not tablet.active
    assert services.tablet_for_token(token) is None
    assert audit_actions(tablet) == ["tablet.enabled", "tablet.retired"]


def test_a_volunteer_cannot_retire_a_tablet(volunteer, tablet):
    with pytest.raises(errors.OnlyManagersRunTablets):
        services.retire_tablet(actor=volunteer, tablet_id=tablet.id)
    assert tablet.active


def test_retiring_an_unknown_tablet_says_so(manager):
    with pytest.raises(errors.TabletNotFound):
        services.retire_tablet(actor=manager, tablet_id=999_999)


@pytest.mark.parametrize("token", [None, "", "short", "x" * 43, "x" * 5000])
def test_an_unknown_token_is_no_tablet(tablet, token):
    assert services.tablet_for_token(token) is None


# PINs.

def test_a_pin_is_stored_hashed(volunteer):
    services.set_pin(actor=volunteer, user=volunteer, pin="4827")
    assert volunteer.pin_hash and "4827" not in volunteer.pin_hash
    assert volunteer.check_pin("4827") and not volunteer.check_pin("4828")


@pytest.mark.parametrize("pin", ["0000", "1111", "9999", "1234", "6789", "7890", "9012",
                                 "4321", "3210", "0987", "1212", "6969"])
def test_easy_pins_are_refused(volunteer, pin):
    with pytest.raises(errors.PinTooEasy) as raised:
        services.set_pin(actor=volunteer, user=volunteer, pin=pin)
    assert "too easy" in raised.value.message
    assert volunteer.pin_hash is None


@pytest.mark.parametrize("pin", ["", "482", "48271", "48a7", "abcd", "48.7", "٤٨٢٧", None])
def test_a_pin_is_exactly_four_digits(volunteer, pin):
    with pytest.raises(errors.PinMustBeFourDigits) as raised:
        services.set_pin(actor=volunteer, user=volunteer, pin=pin)
    assert "exactly 4 digits" in raised.value.message
    assert volunteer.pin_hash is None


def test_a_pin_typed_on_a_french_keyboard_without_shift_counts_as_digits(volunteer):
    services.set_pin(actor=volunteer, user=volunteer, pin="&é\"(")  # 1 2 3 5
    assert volunteer.check_pin("1235")


def test_changing_ones_own_pin_needs_the_current_one(volunteer):
    with_pin(volunteer, "4827")
    for wrong in (None, "", "4828"):
        with pytest.raises(errors.CurrentPinNotRight):
            services.set_pin(actor=volunteer, user=volunteer, pin="5938", current_pin=wrong)
    services.set_pin(actor=volunteer, user=volunteer, pin="5938", current_pin="4827")
    assert volunteer.check_pin("5938")
    assert audit_actions(volunteer) == []  # one's own PIN is not audited


def test_a_manager_sets_a_volunteers_pin_without_knowing_the_old_one(manager, volunteer):
    with_pin(volunteer, "4827")
    services.set_pin(actor=manager, user=volunteer, pin="5938")
    assert volunteer.check_pin("5938")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.pin_set"))
    assert event.actor_id == manager.id and event.target_id == volunteer.id
    assert "5938" not in event.summary + str(event.details)


def test_a_volunteer_cannot_set_another_volunteers_pin(volunteer):
    other = with_pin(factories.create_user(role=Role.VOLUNTEER), "4827")
    with pytest.raises(errors.NotAllowedToSetPin):
        services.set_pin(actor=volunteer, user=other, pin="5938")
    assert other.check_pin("4827")


def test_a_manager_cannot_set_another_managers_pin_but_an_admin_can(manager):
    other = factories.create_user(role=Role.MANAGER)
    with pytest.raises(errors.NotAllowedToSetPin):
        services.set_pin(actor=manager, user=other, pin="5938")
    services.set_pin(actor=factories.create_user(role=Role.ADMIN), user=other, pin="5938")
    assert other.check_pin("5938")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_admins_have_no_pin(role):
    person = factories.create_user(role=role, name="Pat")
    with pytest.raises(errors.PinsAreForWarehouseStaff) as raised:
        services.set_pin(actor=person, user=person, pin="5938")
    assert "Pat" in raised.value.message
    assert person.pin_hash is None


# Who appears on the picker, and signing in with a PIN.

def test_the_picker_lists_active_volunteers_and_managers_with_a_pin_by_name(tablet, manager):
    zoe = with_pin(factories.create_user(role=Role.VOLUNTEER, name="zoë"))
    adam = with_pin(factories.create_user(role=Role.VOLUNTEER, name="Adam"))
    with_pin(manager)
    factories.create_user(role=Role.VOLUNTEER, name="No PIN yet")
    with_pin(factories.create_user(role=Role.VOLUNTEER, name="Gone", active=False))
    with_pin(factories.create_user(role=Role.COORDINATOR, name="Coordinator"))
    with_pin(factories.create_user(role=Role.ADMIN, name="Admin"))
    assert [u.name for u in services.pin_users(tablet)] == [adam.name, manager.name, zoe.name]


def test_a_retired_tablet_lists_nobody(manager, tablet, volunteer):
    with_pin(volunteer)
    services.retire_tablet(actor=manager, tablet_id=tablet.id)
    assert services.pin_users(tablet) == []


def test_the_right_pin_on_a_tablet_returns_the_person(tablet, volunteer):
    with_pin(volunteer, "4827")
    assert services.switch_user(tablet=tablet, user_id=volunteer.id, pin="4827") == volunteer
    assert volunteer.last_login_at is not None


def test_whatever_is_wrong_the_answer_is_the_same(tablet, volunteer):
    with_pin(volunteer, "4827")
    coordinator = with_pin(factories.create_user(role=Role.COORDINATOR), "4827")
    gone = with_pin(factories.create_user(role=Role.VOLUNTEER, active=False), "4827")
    no_pin = factories.create_user(role=Role.VOLUNTEER)
    attempts = [(volunteer.id, "4828"), (volunteer.id, ""), (volunteer.id, "48271"),
                (coordinator.id, "4827"), (gone.id, "4827"), (no_pin.id, "4827"),
                (999_999, "4827"), ("not a number", "4827")]
    messages = set()
    for user_id, pin in attempts:
        with pytest.raises(errors.PinNotRight) as raised:
            services.switch_user(tablet=tablet, user_id=user_id, pin=pin)
        messages.add(raised.value.message)
    assert messages == {"That PIN is not right. Try again, or ask a manager to set a new one."}


def test_a_pin_works_only_on_an_active_tablet(manager, tablet, volunteer):
    with_pin(volunteer, "4827")
    services.retire_tablet(actor=manager, tablet_id=tablet.id)
    for device in (tablet, None):
        with pytest.raises(errors.NotATablet):
            services.switch_user(tablet=device, user_id=volunteer.id, pin="4827")
