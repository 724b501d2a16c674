"""Where partners hand stock out to people."""
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.extensions import db


class DistributionSite(db.Model):
    """An outdoor place where a partner distributes: a named spot in a town."""

    __tablename__ = "distribution_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    town: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(80))  # HXL #adm1
    active: Mapped[bool] = mapped_column(default=True)
