"""Operations on accounts."""
import re

from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from warehouse.accounts import errors
from warehouse.accounts.models import Organisation, Role, User
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
    """Change one's own password, proving the current one first."""
    if not user.check_password(current):
        raise errors.WrongPassword()
    set_password(user, new)
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
