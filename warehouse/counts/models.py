"""Stocktakes: counts of a location made with the scanner, and their differences."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import BigIntPK, EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class CountStatus(StrEnum):
    OPEN = "open"  # being counted
    FINISHED = "finished"  # differences worked out, waiting for a manager
    APPROVED = "approved"  # differences posted to the ledger (or there were none)
    CANCELLED = "cancelled"  # discarded: nothing posted


class CountSession(db.Model):
    """A count (stocktake) of one location: every box there, and the loose items counted.

    A count covers one location. Boxes the ledger puts there and nobody scanned are
    missing; loose stock of an item is compared only when it was counted (0 included).
    """

    __tablename__ = "count_session"
    __table_args__ = (Index("ix_count_session_status", "status", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    status: Mapped[CountStatus] = mapped_column(EnumString(CountStatus),
                                                default=CountStatus.OPEN)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    site = relationship("Site")
    location = relationship("Location")
    started_by = relationship("User", foreign_keys=[started_by_id])
    finished_by = relationship("User", foreign_keys=[finished_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lines: Mapped[list["CountLine"]] = relationship(
        back_populates="count", order_by="CountLine.id")
    differences: Mapped[list["CountDifference"]] = relationship(
        back_populates="count", order_by="CountDifference.id")


class CountLine(db.Model):
    """What was seen: a box (holding ``quantity``, or what its label says when None) or
    ``quantity`` of an item lying loose. Counting the same box or item again replaces it."""

    __tablename__ = "count_line"
    __table_args__ = (
        CheckConstraint("(box_id IS NULL) <> (item_id IS NULL)", name="box_or_item"),
        CheckConstraint("quantity IS NULL OR quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("box_id IS NOT NULL OR quantity IS NOT NULL", name="loose_has_quantity"),
        UniqueConstraint("count_id", "box_id"),
        UniqueConstraint("count_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("count_session.id"))
    box_id: Mapped[int | None] = mapped_column(ForeignKey("box.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[int | None]
    counted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    count: Mapped[CountSession] = relationship(back_populates="lines")
    box = relationship("Box")
    item = relationship("Item")


class DifferenceKind(StrEnum):
    MISSING_BOX = "missing_box"  # the ledger puts it here; nobody scanned it
    FOUND_BOX = "found_box"  # scanned here; the ledger puts it elsewhere
    QUANTITY = "quantity"  # a box or the loose stock holds another amount


class CountDifference(db.Model):
    """Where the count and the ledger disagree, as the ledger stood when the count finished.

    ``expected`` is the ledger's figure then (a box's quantity, or the loose stock of the
    item at ``location``), ``counted`` what was seen. A found box was expected at
    ``location`` (elsewhere). Approval posts ``document_id`` with ``reason``.
    """

    __tablename__ = "count_difference"
    __table_args__ = (
        CheckConstraint("expected >= 0 AND counted >= 0", name="quantities_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("count_session.id"), index=True)
    kind: Mapped[DifferenceKind] = mapped_column(EnumString(DifferenceKind))
    box_id: Mapped[int | None] = mapped_column(ForeignKey("box.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    expected: Mapped[int]
    counted: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(20))
    document_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("document.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    count: Mapped[CountSession] = relationship(back_populates="differences")
    box = relationship("Box")
    item = relationship("Item")
    location = relationship("Location")
