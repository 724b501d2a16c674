"""The requests side of a weekly report: what partners asked for and what they were given
(fulfilment), per partner and per item."""
from collections import defaultdict

from sqlalchemy import select

from warehouse.extensions import db
from warehouse.reports.weekly.figures import Fulfilment
from warehouse.reports.weekly.periods import Period
from warehouse.reports.weekly.scope import Scope
from warehouse.requests.models import RequestStatus, StockRequest, StockRequestLine

#: Requests counted in fulfilment: everything a partner sent, whatever became of it.
COUNTED_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.APPROVED,
                    RequestStatus.DISPATCHED, RequestStatus.DECLINED)


class Requests:
    def __init__(self):
        self.requests = 0
        self.fully_met = 0
        self.requested = self.allocated = self.dispatched = 0
        self.by_item: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        self.by_org: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])

    @property
    def item_ids(self) -> set[int]:
        return set(self.by_item)

    def fulfilment(self) -> Fulfilment:
        return Fulfilment(requests=self.requests, fully_met=self.fully_met,
                          requested=self.requested, allocated=self.allocated,
                          dispatched=self.dispatched)


def requests(scope: Scope, period: Period) -> Requests:
    """Requests needed in the period (sent, whatever became of them), line by line."""
    query = (select(StockRequest.id, StockRequest.organisation_id, StockRequestLine.item_id,
                    StockRequestLine.requested, StockRequestLine.allocated,
                    StockRequestLine.dispatched)
             .join(StockRequestLine, StockRequestLine.request_id == StockRequest.id)
             .where(StockRequest.needed_by >= period.start, StockRequest.needed_by <= period.end,
                    StockRequest.status.in_([s.value for s in COUNTED_STATUSES])))
    if scope.site_id is not None:
        query = query.where(StockRequest.site_id == scope.site_id)
    if scope.organisation_id is not None:
        query = query.where(StockRequest.organisation_id == scope.organisation_id)
    result = Requests()
    met: dict[int, bool] = {}
    for request_id, org, item_id, requested, allocated, dispatched in db.session.execute(query):
        met[request_id] = met.get(request_id, True) and dispatched >= requested
        result.requested += requested
        result.allocated += allocated
        result.dispatched += dispatched
        result.by_item[item_id][0] += requested
        result.by_item[item_id][1] += allocated
        result.by_org[org][0] += requested
        result.by_org[org][1] += allocated
        result.by_org[org][2] += dispatched
    result.requests = len(met)
    result.fully_met = sum(met.values())
    return result
