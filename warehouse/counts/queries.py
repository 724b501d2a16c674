"""Read side of counts, for the managers' pages and the dashboard."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from warehouse.counts.models import CountDifference, CountSession, CountStatus
from warehouse.extensions import db

RECENT_COUNTS = 20


def counts_waiting() -> list[CountSession]:
    """Finished counts whose differences wait for a manager, oldest first."""
    return list(db.session.scalars(
        select(CountSession).where(CountSession.status == CountStatus.FINISHED)
        .options(selectinload(CountSession.differences), selectinload(CountSession.location),
                 selectinload(CountSession.finished_by))
        .order_by(CountSession.finished_at, CountSession.id)))


def counts_open() -> list[CountSession]:
    """Counts being counted now."""
    return list(db.session.scalars(
        select(CountSession).where(CountSession.status == CountStatus.OPEN)
        .options(selectinload(CountSession.location), selectinload(CountSession.started_by))
        .order_by(CountSession.started_at)))


def counts_decided() -> list[CountSession]:
    """The last counts approved or cancelled, newest first."""
    return list(db.session.scalars(
        select(CountSession).where(CountSession.status.in_([CountStatus.APPROVED,
                                                            CountStatus.CANCELLED]))
        .options(selectinload(CountSession.location), selectinload(CountSession.decided_by))
        .order_by(CountSession.decided_at.desc(), CountSession.id.desc())
        .limit(RECENT_COUNTS)))


def differences_of(count_id: int) -> list[CountDifference]:
    return list(db.session.scalars(
        select(CountDifference).where(CountDifference.count_id == count_id)
        .options(selectinload(CountDifference.box), selectinload(CountDifference.item),
                 selectinload(CountDifference.location))
        .order_by(CountDifference.id)))
