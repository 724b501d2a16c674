"""The stock side of a weekly report: what came into and went out of the scope's
locations in the period and why, what was on the way, the days out of stock, and the
donations received."""
from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, not_, or_, select
from sqlalchemy.orm import aliased

from warehouse.core.clock import day_start
from warehouse.extensions import db
from warehouse.intake.models import Donation
from warehouse.reports.weekly.figures import DonationRow
from warehouse.reports.weekly.periods import Period
from warehouse.reports.weekly.scope import ItemCache, Scope
from warehouse.stock.models import Document, DocumentKind, LocationKind, Movement, Reservation
from warehouse.stock.queries import cover_window_days, outflow, stock_at


def closing(scope: Scope, period: Period) -> dict[int, int]:
    """Per item: what the scope held at the period's end (``stock_at``, every location
    together)."""
    held: dict[int, int] = defaultdict(int)
    for (_, item_id), quantity in stock_at(scope.locations, period.ends_at).items():
        held[item_id] += quantity
    return dict(held)


def cover_outflow(scope: Scope, period: Period) -> tuple[dict[int, int], int]:
    """Per item, what left the scope in the cover window up to the period's end; and the
    window's days (days of cover divide by them)."""
    window = cover_window_days()
    return outflow(scope.locations, since=day_start(period.end - timedelta(days=window - 1)),
                   until=period.ends_at), window


class Flows:
    """The period's lines into and out of the scope's locations, sorted by what they were."""

    def __init__(self):
        self.gross_in: dict[int, int] = defaultdict(int)
        self.gross_out: dict[int, int] = defaultdict(int)
        self.net: dict[int, int] = defaultdict(int)
        self.received = 0
        self.dispatched: dict[int, int] = defaultdict(int)  # per organisation
        self.returned: dict[int, int] = defaultdict(int)  # per organisation
        self.distributed = 0  # handed out straight from these locations
        self.write_offs: dict[str, int] = defaultdict(int)
        #: Per item, the net change of each day of the period (short periods only).
        self.daily: dict[int, list[int]] | None = None
        self.touched = False

    @property
    def in_(self) -> set[int]:
        return {i for i, q in self.gross_in.items() if q}

    @property
    def out_ids(self) -> set[int]:
        return {i for i, q in self.gross_out.items() if q}


#: Up to this many days, the period's flows are read day by day in the same queries (the
#: stock-outs need them); longer periods read the days in queries of their own, so the
#: flows' rows do not multiply by hundreds of days.
DAILY_IN_FLOWS_DAYS = 31


def period_flows(scope: Scope, period: Period) -> Flows:
    """The period's lines in and out of the scope's locations, two queries each way.

    The first reads every line (no document needed: quantities per item, other end and
    day). The second joins the documents only for the lines whose meaning depends on
    them: those to or from a partner (a dispatch, a return, or one undone) and write-offs
    (their reason, or the reason of the write-off a reversal undoes).
    """
    flows = Flows()
    ids = scope.locations
    if not ids:
        return flows
    window = (Movement.occurred_at >= period.starts_at, Movement.occurred_at < period.ends_at)
    by_day = period.days <= DAILY_IN_FLOWS_DAYS
    if by_day:
        flows.daily = defaultdict(lambda: [0] * period.days)
    day = day_bucket(Movement.occurred_at, period, period.days)
    counterpart = LocationKind.INTERNAL if not scope.is_warehouse else LocationKind.PARTNER
    by_document = sorted(id_ for id_, kind in scope.kind.items()
                         if kind in (counterpart, LocationKind.WRITE_OFF) and id_ not in ids)
    needs_document = set(by_document)
    original = aliased(Document)
    reason = func.coalesce(original.reason, Document.reason)
    for here, other, direction in ((Movement.to_location_id, Movement.from_location_id, 1),
                                   (Movement.from_location_id, Movement.to_location_id, -1)):
        groups = [Movement.item_id, other] + ([day] if by_day else [])
        rows = db.session.execute(
            select(*groups, func.sum(Movement.quantity))
            .where(here.in_(ids), not_(other.in_(ids)), *window).group_by(*groups))
        for row in rows:
            item_id, other_id, quantity = row[0], row[1], int(row[-1])
            flows.touched = True
            if direction > 0:
                flows.gross_in[item_id] += quantity
            else:
                flows.gross_out[item_id] += quantity
            flows.net[item_id] += direction * quantity
            if by_day:
                flows.daily[item_id][int(row[2])] += direction * quantity
            if other_id not in needs_document:
                _classify(flows, scope, other_id, "", None, direction * quantity)
        if not by_document:
            continue
        groups = [other, Document.kind, reason]
        rows = db.session.execute(
            select(*groups, func.sum(Movement.quantity))
            .join(Document, Document.id == Movement.document_id)
            .outerjoin(original, original.id == Document.reverses_id)
            .where(here.in_(ids), other.in_(by_document), *window).group_by(*groups))
        for other_id, kind, why, quantity in rows:
            _classify(flows, scope, other_id, str(kind), why, direction * int(quantity))
    return flows


def _classify(flows: Flows, scope: Scope, other_id: int, kind: str,
              reason: str | None, signed: int) -> None:
    """Book one group of lines (``signed`` > 0 coming in) under what it was.

    A reversal counts against what it undoes: a dispatch undone lowers "dispatched".
    """
    other_kind = scope.kind.get(other_id)
    reversal = kind == DocumentKind.REVERSAL.value
    coming_in = signed > 0
    quantity = abs(signed)
    if other_kind == LocationKind.DONOR:
        flows.received += signed
    elif other_kind == LocationKind.WRITE_OFF:
        flows.write_offs[reason or "other"] -= signed
    elif other_kind == LocationKind.DISTRIBUTED:
        flows.distributed -= signed
    elif scope.is_warehouse and other_kind == LocationKind.PARTNER:
        org = scope.organisation_of.get(other_id)
        if coming_in and reversal:  # a dispatch undone
            flows.dispatched[org] -= quantity
        elif coming_in:
            flows.returned[org] += quantity
        elif reversal:  # a return undone
            flows.returned[org] -= quantity
        else:
            flows.dispatched[org] += quantity
    elif not scope.is_warehouse and other_kind == LocationKind.INTERNAL:
        # A partner's custody: what comes from the warehouse is what it collected.
        org = scope.organisation_id
        if coming_in and reversal:  # a return undone
            flows.returned[org] -= quantity
        elif coming_in:
            flows.dispatched[org] += quantity
        elif reversal:  # a collection undone
            flows.dispatched[org] -= quantity
        else:
            flows.returned[org] += quantity


def on_the_way(scope: Scope, moment: datetime) -> dict[int, int]:
    """Reservations open at ``moment``: approved for a partner, not yet dispatched."""
    query = (select(Reservation.item_id, func.sum(Reservation.quantity))
             .where(Reservation.created_at < moment,
                    or_(Reservation.released_at.is_(None), Reservation.released_at >= moment))
             .group_by(Reservation.item_id))
    if scope.site_id is not None:
        query = query.where(Reservation.site_id == scope.site_id)
    if scope.organisation_id is not None:
        query = query.where(Reservation.organisation_id == scope.organisation_id)
    return {item_id: int(quantity) for item_id, quantity in db.session.execute(query)}


def day_bucket(column, period: Period, days: int):
    """A SQL expression: the index of the period's local day ``column`` falls in."""
    if days == 1:  # a CASE needs one WHEN at least (and GROUP BY 0 means a column)
        return case((column.is_not(None), 0), else_=0)
    return case(*((column < day_start(period.start + timedelta(days=n + 1)), n)
                  for n in range(days - 1)), else_=days - 1)


def stockouts(scope: Scope, period: Period, closing: dict[int, int], today: date,
               items: ItemCache, flows: Flows) -> dict[int, int]:
    """Per item: the days of the period (up to today) that ended with none available.

    Available is on hand less reserved, at each day's end. Items counted: those the
    scope held at some day's end or start of the period, and active items with a minimum
    level (at zero all along, they were out of stock every day).
    """
    ids = scope.locations
    days = min(period.days, (today - period.start).days + 1)
    if days <= 0 or not ids:
        return {}
    daily = flows.daily if flows.daily is not None else _daily_net(ids, period)
    query = (select(Reservation.item_id, Reservation.quantity, Reservation.created_at,
                    Reservation.released_at)
             .where(Reservation.created_at < period.ends_at,
                    or_(Reservation.released_at.is_(None),
                        Reservation.released_at >= period.starts_at)))
    if scope.site_id is not None:
        query = query.where(Reservation.site_id == scope.site_id)
    reservations: dict[int, list] = defaultdict(list)
    for item_id, quantity, created, released in db.session.execute(query):
        reservations[item_id].append((quantity, created, released))
    ends = [day_start(period.start + timedelta(days=n + 1)) for n in range(period.days)]

    candidates = {item.id for item in items.candidates()}
    levels_by_item: dict[int, list[int]] = {}
    for item_id in set(closing) | set(daily) | candidates:
        level = closing.get(item_id, 0)
        changes = daily.get(item_id, [0] * period.days)
        at_end = [0] * period.days
        for n in range(period.days - 1, -1, -1):
            at_end[n] = level
            level -= changes[n]
        # ``level`` is now the opening: an item held then or at any day's end counts.
        if item_id in candidates or level > 0 or any(q > 0 for q in at_end):
            levels_by_item[item_id] = at_end
    result = {}
    for item_id, at_end in levels_by_item.items():
        out = 0
        for n in range(days):
            reserved = sum(q for q, created, released in reservations.get(item_id, ())
                           if created < ends[n]
                           and (released is None or released >= ends[n]))
            if at_end[n] - reserved <= 0:
                out += 1
        result[item_id] = out
    return result


def _daily_net(ids: list[int], period: Period) -> dict[int, list[int]]:
    """Per item, the net change of each day of the period at these locations."""
    bucket = day_bucket(Movement.occurred_at, period, period.days)
    daily: dict[int, list[int]] = defaultdict(lambda: [0] * period.days)
    window = (Movement.occurred_at >= period.starts_at, Movement.occurred_at < period.ends_at)
    for here, other, sign in ((Movement.to_location_id, Movement.from_location_id, 1),
                              (Movement.from_location_id, Movement.to_location_id, -1)):
        rows = db.session.execute(
            select(Movement.item_id, bucket.label("day"), func.sum(Movement.quantity))
            .where(here.in_(ids), not_(other.in_(ids)), *window)
            .group_by(Movement.item_id, bucket))
        for item_id, day, quantity in rows:
            daily[item_id][int(day)] += sign * int(quantity)
    return daily


def donations(scope: Scope, period: Period) -> tuple[DonationRow, ...]:
    where = [Donation.received_at >= period.starts_at, Donation.received_at < period.ends_at]
    if scope.site_id is not None:
        where.append(Donation.site_id == scope.site_id)
    counts = dict(db.session.execute(
        select(Donation.donor_type, func.count()).where(*where)
        .group_by(Donation.donor_type)).all())
    quantities = dict(db.session.execute(
        select(Donation.donor_type, func.sum(Movement.quantity))
        .join(Movement, Movement.document_id == Donation.document_id)
        .where(*where).group_by(Donation.donor_type)).all())
    rows = [DonationRow(str(kind), int(counts[kind]), int(quantities.get(kind) or 0))
            for kind in counts]
    return tuple(sorted(rows, key=lambda r: (-r.items, r.donor_type)))
