"""The period a weekly report covers: an ISO week, or a range of days."""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from warehouse.core.clock import day_start, local_today
from warehouse.reports import errors

#: The longest period a report covers: a year, leap day included.
MAX_DAYS = 366
_WEEK = re.compile(r"^\s*(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})\s*$")


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``start`` to ``end``, both included; ``week`` names an ISO week."""

    start: date
    end: date
    week: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        return day_start(self.start)

    @property
    def ends_at(self) -> datetime:
        """The moment after the period: midnight starting the day after ``end``."""
        return day_start(self.end + timedelta(days=1))

    def previous(self) -> "Period":
        """The period of the same length just before, for "change against"."""
        start = self.start - timedelta(days=self.days)
        end = self.start - timedelta(days=1)
        return Period(start, end, iso_week_name(start) if self.week else None)

    @property
    def slug(self) -> str:
        return self.week or f"{self.start.isoformat()}_{self.end.isoformat()}"


def iso_week_name(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_period(year: int, week: int) -> Period:
    """ISO week ``week`` of ``year``; raises WeekDoesNotExist past the year's last week."""
    weeks = date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week
    if not 1 <= week <= weeks:
        raise errors.WeekDoesNotExist(week=f"{year}-W{week:02d}", year=year, weeks=weeks)
    start = date.fromisocalendar(year, week, 1)
    return Period(start, start + timedelta(days=6), f"{year}-W{week:02d}")


def parse_week(text: str) -> Period:
    """``2026-W47`` (also ``2026W47``, ``2026-w47``) as a period of seven days."""
    match = _WEEK.match(text or "")
    if not match:
        raise errors.WeekNotUnderstood(value=(text or "")[:40],
                                       example=iso_week_name(local_today()))
    return week_period(int(match.group(1)), int(match.group(2)))


def last_week(today: date | None = None) -> Period:
    """The ISO week before the one ``today`` is in: the report's default."""
    return parse_week(iso_week_name((today or local_today()) - timedelta(days=7)))


def date_range(start: date, end: date) -> Period:
    """Any period of local days; raises RangeEndsBeforeStart or RangeTooLong."""
    if end < start:
        raise errors.RangeEndsBeforeStart(start=start.isoformat(), end=end.isoformat())
    if (end - start).days + 1 > MAX_DAYS:
        raise errors.RangeTooLong(days=MAX_DAYS, start=start.isoformat(), end=end.isoformat())
    return Period(start, end)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise errors.ReportDateNotUnderstood(value=(text or "")[:40],
                                             example=local_today().isoformat()) from None
