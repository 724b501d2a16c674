"""The warehouse's day: when it starts and ends in its own timezone.

Config ``BABEL_DEFAULT_TIMEZONE`` names the zone (Europe/Paris). A ``zoneinfo`` zone is
used rather than the pytz zone Flask-Babel hands out, because ``datetime(...,
tzinfo=pytz_zone)`` silently takes the zone's first historical offset (Paris: +00:09).
"""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

from warehouse.core.types import utcnow


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def day_start(day: date) -> datetime:
    """Midnight starting ``day`` in the warehouse's timezone (daylight saving included)."""
    return datetime.combine(day, time.min, tzinfo=local_zone())
