"""Printer profiles: a label format and the offset that makes it land on the labels."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import UTCDateTime, utcnow
from warehouse.extensions import db


class PrinterProfile(db.Model):
    __tablename__ = "printer_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    label_format: Mapped[str] = mapped_column(String(24))
    offset_x_mm: Mapped[float] = mapped_column(default=0.0)
    offset_y_mm: Mapped[float] = mapped_column(default=0.0)
    dpi: Mapped[int] = mapped_column(default=203)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site = relationship("Site")
