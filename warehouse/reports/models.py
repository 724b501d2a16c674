"""Issued reports: what was sent, kept so that it can be printed again identically."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import UTCDateTime, utcnow
from warehouse.extensions import db


class IssuedReport(db.Model):
    """A weekly report as issued: its figures (JSON) and its PDF, byte for byte.

    Never changed once written. A re-issue after corrections is a new row; the latest
    for a period and scope is the one the report page offers.
    """

    __tablename__ = "issued_report"
    __table_args__ = (
        Index("ix_issued_report_period", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_start: Mapped[date] = mapped_column(Date())
    period_end: Mapped[date] = mapped_column(Date())
    #: The ISO week ("2026-W47") when the period is one, else None.
    week: Mapped[str | None] = mapped_column(String(8))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    lang: Mapped[str] = mapped_column(String(8))
    figures: Mapped[dict] = mapped_column(JSON())
    #: ``weekly.figures_fingerprint(figures)``: compared with today's to spot corrections.
    fingerprint: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary())
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: The name printed on it, as it was then.
    issued_by_name: Mapped[str] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site = relationship("Site")
    organisation = relationship("Organisation")
    issued_by = relationship("User")
