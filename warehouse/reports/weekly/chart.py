"""The weeks of a weekly report's chart: received, distributed and eviction replacements
per ISO week, the report's week last."""
from datetime import timedelta

from sqlalchemy import case, func, select

from warehouse.core.clock import day_start
from warehouse.distributions.models import Distribution, DistributionReason
from warehouse.extensions import db
from warehouse.reports.weekly.figures import WeekPoint
from warehouse.reports.weekly.periods import Period, iso_week_name
from warehouse.reports.weekly.scope import Scope
from warehouse.stock.models import Document, DocumentKind, LocationKind, Movement

#: Weeks shown by the chart, the report's week last.
CHART_WEEKS = 12


def weeks(scope: Scope, period: Period) -> tuple[WeekPoint, ...]:
    """Received, distributed and eviction replacements per ISO week, the last twelve."""
    last_monday = period.end - timedelta(days=period.end.weekday())
    first = last_monday - timedelta(weeks=CHART_WEEKS - 1)
    span = Period(first, last_monday + timedelta(days=6))
    received = [0] * CHART_WEEKS
    distributed = [0] * CHART_WEEKS
    evictions = [0] * CHART_WEEKS

    def bucket(column, as_day: bool):
        bounds = [first + timedelta(weeks=n + 1) for n in range(CHART_WEEKS - 1)]
        return case(*((column < (b if as_day else day_start(b)), n)
                      for n, b in enumerate(bounds)), else_=CHART_WEEKS - 1)

    ids = scope.locations
    if ids:
        window = (Movement.occurred_at >= span.starts_at, Movement.occurred_at < span.ends_at)
        week = bucket(Movement.occurred_at, False)
        if scope.is_warehouse:  # donations in, less receipts undone
            source = [i for i, kind in scope.kind.items() if kind == LocationKind.DONOR]
            # Driven from the donor's side of the ledger: receipts are a small share of
            # the twelve weeks' lines, so the (from_location_id, occurred_at) index reads
            # just them; no document needed.
            for where, sign in (((Movement.from_location_id.in_(source),
                                  Movement.to_location_id.in_(ids)), 1),
                                ((Movement.to_location_id.in_(source),
                                  Movement.from_location_id.in_(ids)), -1)):
                if not source:
                    break
                rows = db.session.execute(
                    select(week.label("week"), func.sum(Movement.quantity))
                    .where(*where, *window).group_by(week))
                for n, quantity in rows:
                    received[int(n)] += sign * int(quantity)
        else:  # a partner "receives" what it collects, less collections undone
            source = [i for i, kind in scope.kind.items() if kind == LocationKind.INTERNAL]
            for here, other, sign, extra in (
                    (Movement.to_location_id, Movement.from_location_id, 1,
                     Document.kind != DocumentKind.REVERSAL.value),
                    (Movement.from_location_id, Movement.to_location_id, -1,
                     Document.kind == DocumentKind.REVERSAL.value)):
                if not source:
                    break
                rows = db.session.execute(
                    select(week.label("week"), func.sum(Movement.quantity))
                    .join(Document, Document.id == Movement.document_id)
                    .where(here.in_(ids), other.in_(source), *window, extra)
                    .group_by(week))
                for n, quantity in rows:
                    received[int(n)] += sign * int(quantity)
    where = [Distribution.distributed_on >= span.start, Distribution.distributed_on <= span.end,
             Distribution.reversal_document_id.is_(None),
             Movement.to_location_id.in_(scope.distributed_ids or [-1])]
    if scope.organisation_id is not None:
        where.append(Distribution.organisation_id == scope.organisation_id)
    week = bucket(Distribution.distributed_on, True)
    eviction = DistributionReason.EVICTION_REPLACEMENT.value
    rows = db.session.execute(
        select(week.label("week"), Distribution.reason, func.sum(Movement.quantity))
        .join(Movement, Movement.document_id == Distribution.document_id)
        .where(*where).group_by(week, Distribution.reason))
    for n, reason, quantity in rows:
        distributed[int(n)] += int(quantity)
        if str(reason) == eviction:
            evictions[int(n)] += int(quantity)
    return tuple(WeekPoint(iso_week_name(first + timedelta(weeks=n)),
                           first + timedelta(weeks=n), received[n], distributed[n],
                           evictions[n]) for n in range(CHART_WEEKS))
