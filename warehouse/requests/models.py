"""Partner requests for stock, their allocation, picking and dispatch."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import BigIntPK, EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class RequestStatus(StrEnum):
    DRAFT = "draft"  # the partner is still writing it
    SUBMITTED = "submitted"  # waiting for a manager
    APPROVED = "approved"  # allocated (stock reserved), being picked
    DISPATCHED = "dispatched"  # handed to the partner (or closed after a partial dispatch)
    DECLINED = "declined"
    CANCELLED = "cancelled"


class StockRequest(db.Model):
    __tablename__ = "stock_request"
    __table_args__ = (
        Index("ix_stock_request_status_needed_by", "status", "needed_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: Where the partner collects: a warehouse site.
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    distribution_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("distribution_site.id"))
    needed_by: Mapped[date] = mapped_column(Date())
    status: Mapped[RequestStatus] = mapped_column(
        EnumString(RequestStatus), default=RequestStatus.DRAFT)
    note: Mapped[str | None] = mapped_column(Text())
    #: Why it was declined, or a word on the allocation, shown to the partner.
    decision_note: Mapped[str | None] = mapped_column(Text())
    #: The form's one-time key, so a double-submitted new request is made once.
    client_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation = relationship("Organisation")
    site = relationship("Site")
    distribution_site = relationship("DistributionSite")
    created_by = relationship("User", foreign_keys=[created_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lines: Mapped[list["StockRequestLine"]] = relationship(
        back_populates="request", order_by="StockRequestLine.id",
        cascade="all, delete-orphan")


class StockRequestLine(db.Model):
    """One item of a request: requested ≥ allocated ≥ dispatched, picked ≤ allocated."""

    __tablename__ = "stock_request_line"
    __table_args__ = (
        CheckConstraint("requested > 0", name="requested_positive"),
        CheckConstraint("allocated >= 0 AND allocated <= requested", name="allocated_in_range"),
        CheckConstraint("dispatched >= 0 AND dispatched <= allocated",
                        name="dispatched_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("stock_request.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    requested: Mapped[int]
    allocated: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    #: Why less than requested was allocated, shown to the partner.
    allocation_note: Mapped[str | None] = mapped_column(String(200))

    request: Mapped[StockRequest] = relationship(back_populates="lines")
    item = relationship("Item")


class PickLine(db.Model):
    """Stock set aside for a request line by a volunteer, from a box or a shelf.

    Picking moves nothing: dispatch posts the picked quantities from where they were
    picked to the partner's custody, through the ledger.
    """

    __tablename__ = "pick_line"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_line_id: Mapped[int] = mapped_column(
        ForeignKey("stock_request_line.id"), index=True)
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    box_id: Mapped[int | None] = mapped_column(ForeignKey("box.id"))
    quantity: Mapped[int]
    picked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    picked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The dispatch that took it; ``None`` while it waits.
    dispatch_document_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("document.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request_line: Mapped[StockRequestLine] = relationship()
    from_location = relationship("Location")
    box = relationship("Box")


class Notification(db.Model):
    """A message for a partner organisation (or one user): request approved, ready…

    The text is a message id with parameters, translated when shown.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_org_read", "organisation_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    message: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON(), default=dict)
    link: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
