"""Offline scans the server refused when they were replayed, kept for someone's attention."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import BigIntPK, UTCDateTime, utcnow
from warehouse.extensions import db


class SyncConflict(db.Model):
    """A scan made offline that the server refused when it was replayed ("needs attention").

    The request is kept as it was sent (method, path, JSON body) with the problem it met,
    so a manager can read what happened and retry it or dismiss it.
    """

    __tablename__ = "sync_conflict"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_sync_conflict_open", "resolved_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    body: Mapped[dict | None] = mapped_column(JSON())
    problem: Mapped[dict] = mapped_column(JSON())
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    #: "retried" (it then worked) or "dismissed".
    resolution: Mapped[str | None] = mapped_column(String(20))

    user = relationship("User", foreign_keys=[user_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
