"""The distributions side of a weekly report: what partners handed out, where, to how
many people, and the eviction replacements."""
from collections import defaultdict

from sqlalchemy import func, select

from warehouse.distributions.models import Distribution, DistributionReason, DistributionSite
from warehouse.extensions import db
from warehouse.reports.weekly.figures import People
from warehouse.reports.weekly.periods import Period
from warehouse.reports.weekly.scope import Scope
from warehouse.stock.models import Movement


class Given:
    """Partners' distributions in the period (corrected ones left out)."""

    def __init__(self):
        self.rows: list = []  # (org, place, reason, people..., items)
        self.items_by: dict[tuple[int, int], int] = defaultdict(int)  # (org, place)
        self.items_by_org_place_item: dict[tuple[int, int, int], int] = defaultdict(int)
        self.evictions_by_item: dict[int, int] = defaultdict(int)
        self.evictions_by_place: dict[int, int] = defaultdict(int)

    @property
    def item_ids(self) -> set[int]:
        return {key[2] for key in self.items_by_org_place_item}

    @property
    def place_ids(self) -> set[int]:
        return {row[1] for row in self.rows} | {key[1] for key in self.items_by}

    @property
    def distributed(self) -> int:
        return sum(self.items_by.values())

    @property
    def evictions(self) -> int:
        return sum(self.evictions_by_item.values())

    def people(self) -> People:
        totals = [0] * 5
        with_breakdown = 0
        for row in self.rows:
            counts = row[3:8]
            for i, value in enumerate(counts):
                totals[i] += value or 0
            if any(value is not None for value in counts[1:]):
                with_breakdown += 1
        return People(*totals, distributions=len(self.rows), with_breakdown=with_breakdown)

    def by_org(self) -> dict[int, tuple[int, int]]:
        result: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for (org, _), quantity in self.items_by.items():
            result[org][0] += quantity
        for row in self.rows:
            result[row[0]][1] += row[3]
        return {org: tuple(values) for org, values in result.items()}

    def by_place(self, places: dict[int, DistributionSite]) -> dict:
        result: dict[int, dict[str, int]] = defaultdict(
            lambda: {"distributions": 0, "distributed": 0, "people": 0, "evictions": 0})
        for (_, place), quantity in self.items_by.items():
            result[place]["distributed"] += quantity
        for row in self.rows:
            result[row[1]]["distributions"] += 1
            result[row[1]]["people"] += row[3]
        for place, quantity in self.evictions_by_place.items():
            result[place]["evictions"] += quantity
        return {places[place_id]: values for place_id, values in result.items()}


def given(scope: Scope, period: Period) -> Given:
    given = Given()
    where = [Distribution.distributed_on >= period.start,
             Distribution.distributed_on <= period.end,
             Distribution.reversal_document_id.is_(None)]
    if scope.organisation_id is not None:
        where.append(Distribution.organisation_id == scope.organisation_id)
    given.rows = db.session.execute(
        select(Distribution.organisation_id, Distribution.distribution_site_id,
               Distribution.reason, Distribution.people_total, Distribution.women,
               Distribution.men, Distribution.children, Distribution.unaccompanied_minors)
        .where(*where)).all()
    if not given.rows:
        return given
    eviction = DistributionReason.EVICTION_REPLACEMENT.value
    rows = db.session.execute(
        select(Distribution.organisation_id, Distribution.distribution_site_id,
               Distribution.reason, Movement.item_id, func.sum(Movement.quantity))
        .join(Movement, Movement.document_id == Distribution.document_id)
        .where(*where, Movement.to_location_id.in_(scope.distributed_ids or [-1]))
        .group_by(Distribution.organisation_id, Distribution.distribution_site_id,
                  Distribution.reason, Movement.item_id))
    for org, place, reason, item_id, quantity in rows:
        quantity = int(quantity)
        given.items_by[(org, place)] += quantity
        given.items_by_org_place_item[(org, place, item_id)] += quantity
        if str(reason) == eviction:
            given.evictions_by_item[item_id] += quantity
            given.evictions_by_place[place] += quantity
    return given


def places(place_ids: set[int]) -> dict[int, DistributionSite]:
    if not place_ids:
        return {}
    return {place.id: place for place in db.session.scalars(
        select(DistributionSite).where(DistributionSite.id.in_(place_ids)))}
