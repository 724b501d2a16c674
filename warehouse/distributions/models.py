"""Where partners hand stock out to people, and what they handed out."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import BigIntPK, EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class DistributionSite(db.Model):
    """An outdoor place where a partner distributes: a named spot in a town."""

    __tablename__ = "distribution_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    town: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(80))  # HXL #adm1
    active: Mapped[bool] = mapped_column(default=True)


class DistributionReason(StrEnum):
    ROUTINE = "routine"
    NEW_ARRIVALS = "new_arrivals"
    EVICTION_REPLACEMENT = "eviction_replacement"
    COLD_WEATHER = "cold_weather_emergency"
    OTHER = "other"


class Distribution(db.Model):
    """What a partner handed out, where, and to how many people: counts only, no names.

    Its items are the lines of its ledger document (partner custody → distributed). A
    wrong entry is corrected by reversing that document (``reversal_document_id``).
    """

    __tablename__ = "distribution"
    __table_args__ = (
        CheckConstraint("people_total >= 0", name="people_total_not_negative"),
        CheckConstraint(
            "coalesce(women, 0) >= 0 AND coalesce(men, 0) >= 0 AND coalesce(children, 0) >= 0"
            " AND coalesce(unaccompanied_minors, 0) >= 0", name="people_not_negative"),
        Index("ix_distribution_org_day", "organisation_id", "distributed_on"),
        # Reports over every partner read a period of days (migration 0008).
        Index("ix_distribution_day", "distributed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    distribution_site_id: Mapped[int] = mapped_column(ForeignKey("distribution_site.id"))
    distributed_on: Mapped[date] = mapped_column(Date())
    reason: Mapped[DistributionReason] = mapped_column(EnumString(DistributionReason))
    people_total: Mapped[int]
    women: Mapped[int | None]
    men: Mapped[int | None]
    children: Mapped[int | None]
    unaccompanied_minors: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text())
    document_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("document.id"), unique=True)
    reversal_document_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("document.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation = relationship("Organisation")
    distribution_site = relationship("DistributionSite")
    document = relationship("Document", foreign_keys=[document_id])
    created_by = relationship("User")
