"""Organisations and the people who sign in."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class User(db.Model):
    """Someone who acts on stock; every ledger document names one."""

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

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
