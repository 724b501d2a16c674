"""Sites, locations, boxes and the stock ledger.

The ledger is double entry: every movement line takes a quantity of an item from one
location and puts it in another. Virtual locations (donor, distributed, write-off,
adjustment) are the other side of stock entering or leaving the warehouse and keep no
balance. ``StockLevel`` caches the balance of every tracked location and is only ever
written by ``warehouse.stock.services``.
"""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import BigIntPK, EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class Site(db.Model):
    """A warehouse or store; internal locations belong to one."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    town: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)

    locations: Mapped[list["Location"]] = relationship(back_populates="site")

    def __repr__(self) -> str:
        return f"<Site {self.code}>"


class LocationKind(StrEnum):
    INTERNAL = "internal"  # a shelf, bay or zone of a site
    PARTNER = "partner"  # what a partner organisation holds (its custody)
    TRANSIT = "transit"  # on the road between two sites
    DONOR = "donor"  # where donations come from
    DISTRIBUTED = "distributed"  # handed out to people
    WRITE_OFF = "write_off"  # damaged, expired, lost
    ADJUSTMENT = "adjustment"  # stocktake differences

    @property
    def tracked(self) -> bool:
        """Whether stock here is real, has a level, and may never go negative."""
        return self in TRACKED_KINDS


TRACKED_KINDS = frozenset({LocationKind.INTERNAL, LocationKind.PARTNER, LocationKind.TRANSIT})


class Location(db.Model):
    __tablename__ = "location"
    __table_args__ = (
        CheckConstraint("kind <> 'internal' OR site_id IS NOT NULL", name="internal_has_site"),
        CheckConstraint("kind <> 'partner' OR organisation_id IS NOT NULL",
                        name="partner_has_organisation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[LocationKind] = mapped_column(EnumString(LocationKind), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    is_intake: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site | None] = relationship(back_populates="locations")
    organisation = relationship("Organisation")

    @property
    def tracked(self) -> bool:
        return self.kind.tracked

    def __repr__(self) -> str:
        return f"<Location {self.code} {self.kind}>"


class BoxCondition(StrEnum):
    NEW = "new"
    USED = "used"


class Box(db.Model):
    """A labelled lot of one item. Its quantity and place change only through the ledger.

    A pre-printed box has a code and nothing else until stock is first put in it.
    """

    __tablename__ = "box"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index("ix_box_location_item", "location_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[int] = mapped_column(default=0)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    condition: Mapped[BoxCondition] = mapped_column(
        EnumString(BoxCondition), default=BoxCondition.USED)
    expires_on: Mapped[date | None] = mapped_column(Date())
    note: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), index=True)

    item = relationship("Item")
    location: Mapped[Location | None] = relationship()
    donation = relationship("Donation")

    def __repr__(self) -> str:
        return f"<Box {self.code} {self.quantity}>"


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    MOVE = "move"
    TRANSFER = "transfer"
    DISPATCH = "dispatch"
    DISTRIBUTION = "distribution"
    RETURN = "return"
    ADJUSTMENT = "adjustment"
    WRITE_OFF = "write_off"
    REVERSAL = "reversal"


class Document(db.Model):
    """One business event that posts one or more movement lines, all or nothing."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(EnumString(DocumentKind))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text())
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(
        BigIntPK, ForeignKey("document.id"), unique=True)

    actor = relationship("User")
    site: Mapped[Site | None] = relationship()
    lines: Mapped[list["Movement"]] = relationship(
        back_populates="document", order_by="Movement.line_no")


class Movement(db.Model):
    """An append-only ledger line: ``quantity`` of an item from one location to another.

    ``from_box_id`` names the box the stock is taken out of and ``to_box_id`` the box it
    is put into; the same box on both sides moves the whole box.
    """

    __tablename__ = "movement"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "from_location_id <> to_location_id OR from_box_id IS NULL "
            "OR to_box_id IS NULL OR from_box_id <> to_box_id",
            name="goes_somewhere",
        ),
        Index("ix_movement_item_occurred", "item_id", "occurred_at"),
        Index("ix_movement_from_occurred", "from_location_id", "occurred_at"),
        Index("ix_movement_to_occurred", "to_location_id", "occurred_at"),
        Index("ix_movement_document", "document_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    document_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("document.id"))
    line_no: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    quantity: Mapped[int]
    from_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    to_location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    from_box_id: Mapped[int | None] = mapped_column(ForeignKey("box.id"), index=True)
    to_box_id: Mapped[int | None] = mapped_column(ForeignKey("box.id"), index=True)
    # A copy of the document's time, so period reports read one indexed table.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())

    document: Mapped[Document] = relationship(back_populates="lines")
    item = relationship("Item")
    from_location: Mapped[Location] = relationship(foreign_keys=[from_location_id])
    to_location: Mapped[Location] = relationship(foreign_keys=[to_location_id])


class StockLevel(db.Model):
    """What a tracked location holds of an item: a cache of the ledger, never negative."""

    __tablename__ = "stock_level"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        Index("ix_stock_level_item", "item_id"),
    )

    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    quantity: Mapped[int] = mapped_column(default=0)

    location: Mapped[Location] = relationship()
    item = relationship("Item")


class Reservation(db.Model):
    """Stock of a site promised to a partner but not yet dispatched.

    Available = on hand at the site's internal locations − open reservations. A
    reservation is released (``released_at``), never deleted, when its stock is
    dispatched or the allocation is withdrawn.
    """

    __tablename__ = "reservation"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_reservation_open", "site_id", "item_id", "released_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    quantity: Mapped[int]
    #: What the stock is set aside for, e.g. a request line, read by the requests area.
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    site: Mapped[Site] = relationship()
    item = relationship("Item")
    organisation = relationship("Organisation")
