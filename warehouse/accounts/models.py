"""Organisations and the people who sign in."""
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash

from warehouse.core.types import EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class OrganisationKind(StrEnum):
    OPERATOR = "operator"  # runs the warehouse
    PARTNER = "partner"  # requests stock and distributes it


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(EnumString(OrganisationKind))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"


class User(UserMixin, db.Model):
    """Someone who acts on stock; every ledger document names one.

    ``session_version`` is part of the id kept in sessions and remember-me cookies:
    raising it (deactivation, a new password, a new role) ends every session of the user
    at their next request.
    """

    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        CheckConstraint(
            "role <> 'coordinator' OR organisation_id IS NOT NULL",
            name="coordinator_has_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(EnumString(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def check_pin(self, pin: str) -> bool:
        return bool(self.pin_hash) and check_password_hash(self.pin_hash, pin)

    def has_role(self, *roles: "Role") -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class TabletDevice(db.Model):
    """A shared warehouse tablet on which volunteers switch by name and PIN.

    The tablet holds a random token in a long-lived cookie; only its hash is stored, and
    a manager can retire the tablet.
    """

    __tablename__ = "tablet_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)
    #: Counts the sessions begun and ended on this tablet. A session carries the number it
    #: began with, so the cookie of an answer that arrives after someone switched user
    #: (a scan or a look-up still on its way) no longer signs that person back in.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    site = relationship("Site")
    created_by: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal token for the JSON API, acting with its user's role and organisation.

    The secret is shown once, when the token is made; only its SHA-256 is kept, with a
    short prefix so the user can tell their tokens apart. A revoked token, or any token of
    a deactivated user, no longer signs anyone in.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None
