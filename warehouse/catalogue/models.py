"""What is counted: categories and items."""
from datetime import datetime
from enum import StrEnum

from flask_babel import get_locale
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from warehouse.core.types import EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class Unit(StrEnum):
    """Units an item is counted in. Quantities are whole numbers of the unit."""

    PIECE = "piece"
    PAIR = "pair"
    BAG = "bag"
    KIT = "kit"
    PACK = "pack"
    ROLL = "roll"
    BOTTLE = "bottle"


class Audience(StrEnum):
    MEN = "men"
    WOMEN = "women"
    CHILDREN = "children"
    BABY = "baby"
    UNISEX = "unisex"


def _localised(english: str, french: str | None) -> str:
    try:
        locale = get_locale()
    except RuntimeError:  # outside a request: the CLI, a PDF built from a script
        locale = None
    if french and locale is not None and locale.language == "fr":
        return french
    return english


def item_display_name(name: str, name_fr: str | None, size: str | None) -> str:
    """An item's name in the current language, with its size."""
    name = _localised(name, name_fr)
    return f"{name} ({size})" if size else name


class Category(db.Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    name_fr: Mapped[str | None] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    items: Mapped[list["Item"]] = relationship(back_populates="category")

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_fr)


class Item(db.Model):
    __tablename__ = "item"
    __table_args__ = (
        UniqueConstraint("name", "size", "audience", name="uq_item_name_size_audience"),
        CheckConstraint("minimum_level >= 0 AND target_level >= minimum_level",
                        name="levels_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_fr: Mapped[str | None] = mapped_column(String(120))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    unit: Mapped[Unit] = mapped_column(EnumString(Unit), default=Unit.PIECE)
    size: Mapped[str | None] = mapped_column(String(24))
    audience: Mapped[Audience | None] = mapped_column(EnumString(Audience))
    minimum_level: Mapped[int] = mapped_column(default=0)
    target_level: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    category: Mapped[Category] = relationship(back_populates="items")

    @property
    def display_name(self) -> str:
        return item_display_name(self.name, self.name_fr, self.size)

    def __repr__(self) -> str:
        return f"<Item {self.code} {self.name} {self.size or ''}>"


class ItemBarcode(db.Model):
    """A manufacturer's barcode (EAN-13, EAN-8 or UPC-A) printed on an item's packaging.

    Scanning it finds the item; ``pack_quantity`` is how many of the item's unit the
    scanned package holds (a pack of 24 nappies counts 24 pieces).
    """

    __tablename__ = "item_barcode"
    __table_args__ = (
        CheckConstraint("pack_quantity >= 1", name="pack_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), index=True)
    code: Mapped[str] = mapped_column(String(14), unique=True)
    pack_quantity: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[Item] = relationship()
