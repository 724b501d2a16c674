"""Donations: what arrived, from whom, and how urgently it is needed."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import BigIntPK, EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class DonorType(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"  # a community group or collection drive
    COMPANY = "company"
    NGO = "ngo"
    PURCHASE = "purchase"


class Priority(StrEnum):
    """Triage: how much the warehouse needs what arrived."""

    URGENT = "urgent"
    NORMAL = "normal"
    NOT_NEEDED = "not_needed"  # goes to write-off or onward giving, with a reason


class Donation(db.Model):
    """One arrival of donated (or bought) goods. Its lines are its receipt's movements."""

    __tablename__ = "donation"
    __table_args__ = (Index("ix_donation_received_at", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    donor_type: Mapped[DonorType] = mapped_column(EnumString(DonorType))
    donor_name: Mapped[str | None] = mapped_column(String(120))
    origin: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[Priority] = mapped_column(EnumString(Priority), default=Priority.NORMAL)
    condition: Mapped[str] = mapped_column(String(8), default="used")
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    intake_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    #: The receipt that brought its contents into stock.
    document_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("document.id"), unique=True)
    note: Mapped[str | None] = mapped_column(Text())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site = relationship("Site")
    intake_location = relationship("Location")
    document = relationship("Document")
    created_by = relationship("User")
