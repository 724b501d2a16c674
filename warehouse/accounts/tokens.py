"""One-time links sent by e-mail: choosing a password from an invitation, or a new one.

A link carries the user's id and ``session_version``, signed with the app's secret and a
salt per purpose (an invitation token is no use as a password link). Setting a password
raises ``session_version``, so a link works once; deactivating the user or sending a newer
invitation also ends it. Each link expires: ``PASSWORD_RESET_HOURS`` (default 2) and
``INVITE_DAYS`` (default 7) in the config.
"""
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from warehouse.accounts.models import User
from warehouse.core.errors import N_, DomainError
from warehouse.extensions import db

DEFAULT_PASSWORD_RESET_HOURS = 2
DEFAULT_INVITE_DAYS = 7


class LinkNotValid(DomainError):
    """Base of the reasons a link from an e-mail is refused."""

    status = 400


class ResetLinkExpired(LinkNotValid):
    template = N_("This link has expired: a link to choose a new password works for "
                  "%(hours)s hours. Ask for a new one below.")


class ResetLinkBroken(LinkNotValid):
    template = N_("This link is not complete or not valid. Copy the whole link from the "
                  "e-mail into the address bar, or ask for a new one below.")


class ResetLinkUsed(LinkNotValid):
    template = N_("This link has already been used, or the password was changed after it "
                  "was sent. If you still need a new password, ask for a new link below.")


class InvitationExpired(LinkNotValid):
    template = N_("This invitation has expired: an invitation works for %(days)s days. "
                  "Ask the person who invited you to send a new one.")


class InvitationBroken(LinkNotValid):
    template = N_("This invitation link is not complete or not valid. Copy the whole link "
                  "from the e-mail into the address bar, or ask for a new invitation.")


class InvitationUsed(LinkNotValid):
    template = N_("This invitation has already been used or replaced by a newer one. If "
                  "you chose a password, sign in; if you forgot it, ask for a new one.")


@dataclass(frozen=True)
class Purpose:
    salt: str
    expired: type[LinkNotValid]
    broken: type[LinkNotValid]
    used: type[LinkNotValid]

    def max_age_seconds(self) -> int:
        if self is PASSWORD_RESET:
            return password_reset_hours() * 3600
        return invite_days() * 86400

    def expired_error(self) -> LinkNotValid:
        if self is PASSWORD_RESET:
            return self.expired(hours=password_reset_hours())
        return self.expired(days=invite_days())


PASSWORD_RESET = Purpose("warehouse.password-reset", ResetLinkExpired, ResetLinkBroken,
                         ResetLinkUsed)
INVITATION = Purpose("warehouse.invitation", InvitationExpired, InvitationBroken,
                     InvitationUsed)


def password_reset_hours() -> int:
    return int(current_app.config.get("PASSWORD_RESET_HOURS", DEFAULT_PASSWORD_RESET_HOURS))


def invite_days() -> int:
    return int(current_app.config.get("INVITE_DAYS", DEFAULT_INVITE_DAYS))


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=purpose.salt)


def make_token(user: User, purpose: Purpose) -> str:
    """A signed token naming ``user`` as they are now."""
    return _serializer(purpose).dumps({"u": user.id, "v": user.session_version})


def user_for_token(token: str, purpose: Purpose) -> User:
    """The user a still-valid token names.

    Raises the purpose's ``expired``, ``broken`` or ``used`` error. An invitation is also
    used up once the user has a password.
    """
    try:
        data = _serializer(purpose).loads(token, max_age=purpose.max_age_seconds())
    except SignatureExpired:
        raise purpose.expired_error() from None
    except BadData:
        raise purpose.broken() from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) \
            or not isinstance(data.get("v"), int):
        raise purpose.broken()
    user = db.session.get(User, data["u"])
    if user is None or not user.active or user.session_version != data["v"]:
        raise purpose.used()
    if purpose is INVITATION and user.password_hash:
        raise purpose.used()
    return user
