"""Operations on accounts."""
import re

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from warehouse.accounts import errors
from warehouse.accounts.models import Organisation, Role, User
from warehouse.extensions import db

MIN_PASSWORD_LENGTH = 10
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_user(*, email: str, name: str, role: Role, password: str | None = None,
                organisation: Organisation | str | None = None) -> User:
    """Create an active user and commit. ``organisation`` is an object or a short name.

    Raises ``InvalidEmail``, ``EmailAlreadyUsed``, ``PasswordTooShort``,
    ``UnknownOrganisation`` or ``CoordinatorNeedsOrganisation``.
    """
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise errors.InvalidEmail(email=email)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise errors.EmailAlreadyUsed(email=email)
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise errors.PasswordTooShort(minimum=MIN_PASSWORD_LENGTH)
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
