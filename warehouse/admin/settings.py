"""Settings an admin changes while the app runs, kept in the database as key and value.

    if setting(PUBLIC_NEEDS_LIST): ...
    change_setting(PUBLIC_NEEDS_LIST, False, actor=admin)

Each known key has a default (``DEFAULTS``) used until an admin first changes it, so a
fresh database needs no rows. Values are JSON (true/false, numbers, text). A change is
written with its audit event in one transaction.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.audit.services import record
from warehouse.core.types import UTCDateTime, utcnow
from warehouse.extensions import db

#: Whether the list of what donors can bring is published at /needs (and .csv, .json).
PUBLIC_NEEDS_LIST = "public_needs_list"

DEFAULTS = {
    PUBLIC_NEEDS_LIST: True,
}


class AppSetting(db.Model):
    __tablename__ = "app_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[object] = mapped_column(JSON())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class UnknownSetting(KeyError):
    """A key the app does not know: a typo in code, never user input."""


def setting(key: str):
    """The current value of ``key``: the stored one, else its default."""
    if key not in DEFAULTS:
        raise UnknownSetting(key)
    value = db.session.scalar(select(AppSetting.value).where(AppSetting.key == key))
    return DEFAULTS[key] if value is None else value


def change_setting(key: str, value, *, actor) -> None:
    """Store ``value`` for ``key`` and record who changed it; commits.

    Setting the value it already has changes nothing and records nothing, so a form sent
    twice is one change in the audit log.
    """
    if key not in DEFAULTS:
        raise UnknownSetting(key)
    row = db.session.scalar(select(AppSetting).where(AppSetting.key == key))
    before = DEFAULTS[key] if row is None or row.value is None else row.value
    if before == value:
        return
    if row is None:
        row = AppSetting(key=key)
        db.session.add(row)
    row.value, row.updated_at = value, utcnow()
    row.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    record(actor=actor, action="setting_changed", target=row,
           summary=f"{key}: {before!r} -> {value!r}", key=key, before=before, after=value)
    db.session.commit()
