"""Operations on accounts."""
import re
from collections.abc import Callable
from functools import cache

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from warehouse.accounts import errors, tokens
from warehouse.accounts.models import Organisation, OrganisationKind, Role, User
from warehouse.audit.services import record
from warehouse.core.errors import N_
from warehouse.core.mail import send_mail
from warehouse.core.transactions import begin_write
from warehouse.core.types import utcnow
from warehouse.extensions import db

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Checked against when the e-mail is unknown, so a wrong address takes as long as a
# wrong password and the response time does not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password")


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most used passwords, as shipped with zxcvbn."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *, email: str | None = None) -> None:
    """Raise unless ``password`` is long enough and not a commonly used one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise errors.PasswordTooShort(minimum=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise errors.PasswordTooLong(maximum=MAX_PASSWORD_LENGTH)
    folded = password.lower()
    if folded in _common_passwords() or (email and folded == email.lower()) \
            or len(set(folded)) < 3:
        raise errors.PasswordTooCommon()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(*, email: str, password: str) -> User:
    """Return the active user with this e-mail and password, or raise InvalidCredentials."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        raise errors.InvalidCredentials()
    if not user.check_password(password or "") or not user.active:
        raise errors.InvalidCredentials()
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password and end their other sessions; the caller commits."""
    check_password_policy(password, email=user.email)
    user.password_hash = generate_password_hash(password)
    user.session_version += 1


def change_password(user: User, *, current: str, new: str) -> None:
    """Change one's own password, proving the current one first, and commit.

    Every session of the user ends at its next request; the caller signs the current one
    in again. Raises ``WrongPassword`` or a password policy error.
    """
    if not user.check_password(current):
        raise errors.WrongPassword()
    set_password(user, new)
    _audit(actor=user, action=PASSWORD_CHANGED, target=user, email=user.email)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.commit()


def create_user(*, email: str, name: str, role: Role, password: str | None = None,
                organisation: Organisation | str | None = None) -> User:
    """Create an active user and commit. ``organisation`` is an object or a short name.

    Raises ``InvalidEmail``, ``EmailAlreadyUsed``, ``PasswordTooShort``,
    ``UnknownOrganisation`` or ``CoordinatorNeedsOrganisation``.
    """
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise errors.InvalidEmail(email=email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise errors.EmailAlreadyUsed(email=email)
    if password is not None:
        check_password_policy(password, email=email)
    if isinstance(organisation, str):
        short_name = organisation
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.short_name == short_name))
        if organisation is None:
            raise errors.UnknownOrganisation(organisation=short_name)
    if role == Role.COORDINATOR and organisation is None:
        raise errors.CoordinatorNeedsOrganisation()
    user = User(email=email, name=name.strip(), role=role, organisation=organisation,
                password_hash=generate_password_hash(password) if password else None)
    db.session.add(user)
    db.session.commit()
    return user


# Account lifecycle: invitations, one-time password links, and what admins change.
#
# Admin changes and password changes are written to the audit log in the same transaction
# as the change itself. The summary is kept in English for whoever reads the table; pages
# translate ``AUDIT_SUMMARIES[action]`` with the event's details instead.

USER_INVITED = "user_invited"
INVITATION_RESENT = "invitation_resent"
INVITATION_ACCEPTED = "invitation_accepted"
NAME_CHANGED = "name_changed"
ROLE_CHANGED = "role_changed"
ORGANISATION_CHANGED = "organisation_changed"
USER_DEACTIVATED = "user_deactivated"
USER_REACTIVATED = "user_reactivated"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
ORGANISATION_CREATED = "organisation_created"
ORGANISATION_RENAMED = "organisation_renamed"
ORGANISATION_DEACTIVATED = "organisation_deactivated"
ORGANISATION_REACTIVATED = "organisation_reactivated"

AUDIT_SUMMARIES = {
    USER_INVITED: N_("Invited %(email)s as %(role)s"),
    INVITATION_RESENT: N_("Sent a new invitation to %(email)s"),
    INVITATION_ACCEPTED: N_("%(email)s accepted the invitation and chose a password"),
    NAME_CHANGED: N_("Renamed %(email)s from “%(old_name)s” to “%(new_name)s”"),
    ROLE_CHANGED: N_("Changed the role of %(email)s from %(old_role)s to %(new_role)s"),
    ORGANISATION_CHANGED: N_("Moved %(email)s from %(old_organisation)s to "
                             "%(new_organisation)s"),
    USER_DEACTIVATED: N_("Deactivated %(email)s"),
    USER_REACTIVATED: N_("Reactivated %(email)s"),
    PASSWORD_CHANGED: N_("%(email)s changed their password"),
    PASSWORD_RESET: N_("%(email)s chose a new password from an e-mailed link"),
    ORGANISATION_CREATED: N_("Created the partner organisation %(name)s (%(short_name)s)"),
    ORGANISATION_RENAMED: N_("Renamed the organisation %(old_name)s (%(old_short_name)s) to "
                             "%(new_name)s (%(new_short_name)s)"),
    ORGANISATION_DEACTIVATED: N_("Deactivated the organisation %(name)s"),
    ORGANISATION_REACTIVATED: N_("Reactivated the organisation %(name)s"),
}

MAX_NAME_LENGTH = 120
MAX_ORGANISATION_NAME_LENGTH = 120
MAX_SHORT_NAME_LENGTH = 24

#: Builds the absolute link put in an e-mail from a token; views pass one made with
#: ``url_for(..., _external=True)`` so services need no request.
LinkMaker = Callable[[str], str]


def _audit(*, actor, action: str, target, **details) -> None:
    shown = {key: "—" if value is None else value for key, value in details.items()}
    record(actor=actor, action=action, target=target,
           summary=AUDIT_SUMMARIES[action] % shown, **details)


def _user_language(user: User) -> str:
    languages = current_app.config["LANGUAGES"]
    return user.locale if user.locale in languages else current_app.config.get(
        "BABEL_DEFAULT_LOCALE", languages[0])


def _clean_name(name: str | None, maximum: int = MAX_NAME_LENGTH) -> str:
    """``name`` with runs of spaces made one; raise if it is empty or too long."""
    name = " ".join((name or "").split())
    if not name:
        raise errors.NameRequired()
    if len(name) > maximum:
        raise errors.NameTooLong(maximum=maximum)
    return name


def _check_email(email: str) -> str:
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise errors.InvalidEmail(email=email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise errors.EmailAlreadyUsed(email=email)
    return email


def _check_organisation(role: Role, organisation: Organisation | None) -> Organisation | None:
    """Check the organisation a user of ``role`` is to belong to, and return it.

    A coordinator belongs to an active partner organisation; anyone else to none, or to
    the organisation that runs the warehouse.
    """
    if role != Role.COORDINATOR:
        if organisation is not None and organisation.kind == OrganisationKind.PARTNER:
            raise errors.OnlyCoordinatorsInPartner(organisation=organisation.name)
        return organisation
    if organisation is None:
        raise errors.CoordinatorNeedsOrganisation()
    if organisation.kind != OrganisationKind.PARTNER:
        raise errors.OrganisationMustBePartner(organisation=organisation.name)
    if not organisation.active:
        raise errors.OrganisationInactive(organisation=organisation.name)
    return organisation


def _ensure_another_admin_remains(user: User) -> None:
    """Raise ``LastActiveAdmin`` unless an active admin other than ``user`` can sign in.

    The active admins' rows are locked in id order, so two admins demoting each other at
    the same moment wait in turn and the second sees the first's change.
    """
    admins = db.session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True),
                              User.password_hash.is_not(None))
        .order_by(User.id).with_for_update()).all()
    if not any(admin_id != user.id for admin_id in admins):
        raise errors.LastActiveAdmin(name=user.name)


def _organisation_name(organisation: Organisation | None) -> str | None:
    return organisation.name if organisation is not None else None


def _send_link_mail(user: User, *, subject: str, body: str, link: str, after_response=False,
                    **params) -> None:
    """Mail ``user`` in their own language; ``subject`` and ``body`` are N_ templates."""
    with force_locale(_user_language(user)):
        values = {"name": user.name, "link": link,
                  "app": gettext("Warehouse")} | params
        send_mail(to=user.email, subject=gettext(subject, **values),
                  body=gettext(body, **values), after_response=after_response)


INVITATION_SUBJECT = N_("%(app)s: choose your password")
INVITATION_BODY = N_(
    "Hello %(name)s,\n\n"
    "%(inviter)s has made you an account on %(app)s, the stock and distribution tracker "
    "of the shared warehouse. To start, open this link and choose your password:\n\n"
    "%(link)s\n\n"
    "The link works once, for %(days)s days. You will then sign in with this e-mail "
    "address (%(email)s) and your password.\n\n"
    "If you did not expect this e-mail, you can ignore it.\n")
RESET_SUBJECT = N_("%(app)s: choose a new password")
RESET_BODY = N_(
    "Hello %(name)s,\n\n"
    "Someone, probably you, asked for a new password for your account (%(email)s). To "
    "choose one, open this link:\n\n"
    "%(link)s\n\n"
    "The link works once, for %(hours)s hours. If you did not ask for it, ignore this "
    "e-mail: your password stays as it is.\n")


def _send_invitation(user: User, *, inviter: User, link_for: LinkMaker) -> None:
    link = link_for(tokens.make_token(user, tokens.INVITATION))
    _send_link_mail(user, subject=INVITATION_SUBJECT, body=INVITATION_BODY, link=link,
                    inviter=inviter.name, email=user.email, days=tokens.invite_days())


def invite_user(*, actor: User, email: str, name: str, role: Role,
                organisation: Organisation | None, link_for: LinkMaker) -> User:
    """Create a user without a password, record it, commit, and mail them an invitation.

    The invitation link lets them choose their password (see ``accept_invitation``).
    Raises ``InvalidEmail``, ``EmailAlreadyUsed`` (also when the same form is sent twice),
    ``NameRequired``, ``NameTooLong``, ``CoordinatorNeedsOrganisation``,
    ``OrganisationMustBePartner``, ``OrganisationInactive`` or ``OnlyCoordinatorsInPartner``
    and writes nothing; raises ``MailNotSent`` when the account
    was created but the mail server refused the invitation (it can be sent again).
    """
    begin_write()
    role = Role(role)
    email = _check_email(email)
    name = _clean_name(name)
    organisation = _check_organisation(role, organisation)
    user = User(email=email, name=name, role=role, organisation=organisation,
                invited_at=utcnow())
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address, invited at the same moment by another admin
        db.session.rollback()
        raise errors.EmailAlreadyUsed(email=email) from None
    _audit(actor=actor, action=USER_INVITED, target=user, email=email, role=role.value,
           organisation=_organisation_name(organisation))
    db.session.commit()
    _send_invitation(user, inviter=actor, link_for=link_for)
    return user


def resend_invitation(*, actor: User, user: User, link_for: LinkMaker) -> None:
    """Mail ``user`` a new invitation; earlier invitation links stop working.

    Raises ``NotInvited`` once they have a password, ``UserDeactivated``, or
    ``MailNotSent``.
    """
    begin_write()
    if user.password_hash:
        raise errors.NotInvited(name=user.name)
    if not user.active:
        raise errors.UserDeactivated(name=user.name)
    user.session_version += 1
    user.invited_at = utcnow()
    _audit(actor=actor, action=INVITATION_RESENT, target=user, email=user.email)
    db.session.commit()
    _send_invitation(user, inviter=actor, link_for=link_for)


def check_invitation(token: str) -> User:
    """The invited user a still-valid invitation token names, or a ``LinkNotValid``."""
    return tokens.user_for_token(token, tokens.INVITATION)


def accept_invitation(*, token: str, password: str) -> User:
    """Set the first password of an invited user, record it and commit.

    Raises an ``InvitationExpired``, ``InvitationBroken`` or ``InvitationUsed`` error, or a
    password policy error, and writes nothing.
    """
    user = check_invitation(token)
    set_password(user, password)
    _audit(actor=user, action=INVITATION_ACCEPTED, target=user, email=user.email)
    db.session.commit()
    return user


def request_password_reset(*, email: str, link_for: LinkMaker) -> None:
    """Mail a one-time link to choose a new password, if ``email`` is an active account.

    Says nothing either way, and sends after the response, so neither the answer nor its
    timing tells whether the address has an account.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return
    link = link_for(tokens.make_token(user, tokens.PASSWORD_RESET))
    _send_link_mail(user, subject=RESET_SUBJECT, body=RESET_BODY, link=link,
                    email=user.email, hours=tokens.password_reset_hours(),
                    after_response=True)


def check_password_reset(token: str) -> User:
    """The user a still-valid password link names, or a ``LinkNotValid``."""
    return tokens.user_for_token(token, tokens.PASSWORD_RESET)


def reset_password(*, token: str, password: str) -> User:
    """Set a new password from an e-mailed link, record it and commit.

    Every session of the user ends. Raises ``ResetLinkExpired``, ``ResetLinkBroken``,
    ``ResetLinkUsed`` or a password policy error, and writes nothing.
    """
    user = check_password_reset(token)
    set_password(user, password)
    _audit(actor=user, action=PASSWORD_RESET, target=user, email=user.email)
    db.session.commit()
    return user


def update_user(*, actor: User, user: User, name: str, role: Role,
                organisation: Organisation | None) -> list[str]:
    """Change a user's name, role and organisation; record each change and commit.

    A new role or organisation ends the user's sessions, as their access changes. Returns
    the audit actions written (empty when nothing changed). Raises ``CannotChangeOwnRole``,
    ``LastActiveAdmin`` (demoting the last admin), ``NameRequired``,
    ``NameTooLong``, ``CoordinatorNeedsOrganisation``, ``OrganisationMustBePartner``,
    ``OrganisationInactive`` or ``OnlyCoordinatorsInPartner``, and writes nothing.
    """
    begin_write()
    role = Role(role)
    name = _clean_name(name)
    if role != user.role:
        if user.id == actor.id:
            raise errors.CannotChangeOwnRole()
        if user.role == Role.ADMIN:
            _ensure_another_admin_remains(user)
    if role == Role.COORDINATOR and organisation is not None \
            and organisation.id == user.organisation_id:
        pass  # keeping a coordinator's organisation, even one since deactivated, is fine
    else:
        organisation = _check_organisation(role, organisation)
    changes = []
    if name != user.name:
        _audit(actor=actor, action=NAME_CHANGED, target=user, email=user.email,
               old_name=user.name, new_name=name)
        user.name = name
        changes.append(NAME_CHANGED)
    if role != user.role:
        _audit(actor=actor, action=ROLE_CHANGED, target=user, email=user.email,
               old_role=user.role.value, new_role=role.value)
        user.role = role
        changes.append(ROLE_CHANGED)
    new_organisation_id = organisation.id if organisation is not None else None
    if new_organisation_id != user.organisation_id:
        _audit(actor=actor, action=ORGANISATION_CHANGED, target=user, email=user.email,
               old_organisation=_organisation_name(user.organisation),
               new_organisation=_organisation_name(organisation))
        user.organisation = organisation
        changes.append(ORGANISATION_CHANGED)
    if ROLE_CHANGED in changes or ORGANISATION_CHANGED in changes:
        user.session_version += 1
    db.session.commit()
    return changes


def deactivate_user(*, actor: User, user: User) -> bool:
    """Stop ``user`` from signing in and end their sessions; record it and commit.

    Returns False, writing nothing, when they were already deactivated (a form sent
    twice). Raises ``CannotDeactivateSelf`` or ``LastActiveAdmin``.
    """
    begin_write()
    if user.id == actor.id:
        raise errors.CannotDeactivateSelf()
    if not user.active:
        return False
    if user.role == Role.ADMIN:
        _ensure_another_admin_remains(user)
    user.active = False
    user.session_version += 1
    _audit(actor=actor, action=USER_DEACTIVATED, target=user, email=user.email)
    db.session.commit()
    return True


def reactivate_user(*, actor: User, user: User) -> bool:
    """Let ``user`` sign in again; record it and commit. False if already active.

    A coordinator whose organisation was deactivated stays out: ``OrganisationInactive``.
    """
    begin_write()
    if user.active:
        return False
    if user.role == Role.COORDINATOR and user.organisation is not None \
            and not user.organisation.active:
        raise errors.OrganisationInactive(organisation=user.organisation.name)
    user.active = True
    _audit(actor=actor, action=USER_REACTIVATED, target=user, email=user.email)
    db.session.commit()
    return True


def _clean_organisation_names(name: str, short_name: str,
                              current: Organisation | None = None) -> tuple[str, str]:
    name = _clean_name(name, MAX_ORGANISATION_NAME_LENGTH)
    short_name = _clean_name(short_name, MAX_SHORT_NAME_LENGTH)
    others = select(Organisation.id)
    if current is not None:
        others = others.where(Organisation.id != current.id)
    if db.session.scalar(others.where(func.lower(Organisation.name) == name.lower())):
        raise errors.OrganisationNameUsed(name=name)
    if db.session.scalar(others.where(
            func.lower(Organisation.short_name) == short_name.lower())):
        raise errors.OrganisationShortNameUsed(short_name=short_name)
    return name, short_name


def _flush_organisation(name: str, short_name: str) -> None:
    try:
        db.session.flush()
    except IntegrityError:  # created or renamed at the same moment by another admin
        db.session.rollback()
        raise errors.OrganisationNameUsed(name=name) from None


def create_organisation(*, actor: User, name: str, short_name: str) -> Organisation:
    """Add a partner organisation, record it and commit.

    Raises ``NameRequired``, ``NameTooLong``, ``OrganisationNameUsed`` or
    ``OrganisationShortNameUsed`` (names are compared ignoring case).
    """
    begin_write()
    name, short_name = _clean_organisation_names(name, short_name)
    organisation = Organisation(name=name, short_name=short_name,
                                kind=OrganisationKind.PARTNER, active=True)
    db.session.add(organisation)
    _flush_organisation(name, short_name)
    _audit(actor=actor, action=ORGANISATION_CREATED, target=organisation, name=name,
           short_name=short_name)
    db.session.commit()
    return organisation


def update_organisation(*, actor: User, organisation: Organisation, name: str,
                        short_name: str, active: bool) -> list[str]:
    """Rename, deactivate or reactivate an organisation; record each change and commit.

    A deactivated partner can no longer be given new coordinators; its existing
    coordinators keep their accounts until an admin deactivates them. Raises
    ``NameRequired``, ``OrganisationNameUsed``, ``OrganisationShortNameUsed`` or
    ``OperatorStaysActive``. Returns the audit actions written.
    """
    begin_write()
    name, short_name = _clean_organisation_names(name, short_name, current=organisation)
    if not active and organisation.kind == OrganisationKind.OPERATOR:
        raise errors.OperatorStaysActive(organisation=organisation.name)
    changes = []
    if (name, short_name) != (organisation.name, organisation.short_name):
        _audit(actor=actor, action=ORGANISATION_RENAMED, target=organisation,
               old_name=organisation.name, old_short_name=organisation.short_name,
               new_name=name, new_short_name=short_name)
        organisation.name, organisation.short_name = name, short_name
        changes.append(ORGANISATION_RENAMED)
    if active != organisation.active:
        action = ORGANISATION_REACTIVATED if active else ORGANISATION_DEACTIVATED
        _audit(actor=actor, action=action, target=organisation, name=name)
        organisation.active = active
        changes.append(action)
    _flush_organisation(name, short_name)
    db.session.commit()
    return changes
