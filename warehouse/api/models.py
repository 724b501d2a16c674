"""The API's memory of POST requests sent with an ``Idempotency-Key`` header."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from warehouse.core.types import EnumString, UTCDateTime, utcnow
from warehouse.extensions import db


class IdempotencyState(StrEnum):
    RUNNING = "running"
    DONE = "done"


class ApiIdempotency(db.Model):
    """One key of one user: the request it was first sent with, and the answer given.

    A ``running`` row is inserted and committed before the request is handled, so a
    second copy arriving meanwhile sees it; it becomes ``done`` with the response once
    the request succeeded, and is deleted if it failed (nothing was written, so the same
    request may be sent again).
    """

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_api_idempotency_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[IdempotencyState] = mapped_column(EnumString(IdempotencyState))
    response_status: Mapped[int | None] = mapped_column(Integer())
    response_body: Mapped[str | None] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: When the request began to be handled: a ``running`` row much older than this
    #: belongs to a worker that died, and the next copy takes it over.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
