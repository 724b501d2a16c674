"""Approved requests for picking and dispatch tests, made directly (not through approval).

A request is built with its lines' ``allocated`` set and one reservation per line, made
with ``warehouse.stock.services.reserve`` inside ``warehouse.core.transactions.write_transaction()`` as approval does.
"""
import itertools
from datetime import date, timedelta

from tests import factories
from warehouse.core.clock import local_today
from warehouse.core.transactions import write_transaction
from warehouse.extensions import db
from warehouse.models import Role
from warehouse.requests.models import RequestStatus, StockRequest, StockRequestLine
from warehouse.stock import services as ledger

_numbers = itertools.count(1)
NEEDED_IN_DAYS = 5  # a request's default "needed by": this many days from today


def create_approved_request(*, organisation, site, lines, actor=None,
                            needed_by: date | None = None,
                            status: RequestStatus = RequestStatus.APPROVED) -> StockRequest:
    """A request of ``organisation`` at ``site``; ``lines`` is ``[(item, allocated)]`` or
    ``[(item, requested, allocated)]``. Reserves the allocated stock when approved."""
    actor = actor or factories.create_user(role=Role.MANAGER)
    request = StockRequest(organisation_id=organisation.id, site_id=site.id,
                           needed_by=needed_by or local_today() + timedelta(days=NEEDED_IN_DAYS),
                           status=status,
                           created_by_id=actor.id, decided_by_id=actor.id)
    for entry in lines:
        item, requested, allocated = (entry[0], entry[1], entry[1]) if len(entry) == 2 \
            else entry
        request.lines.append(StockRequestLine(item_id=item.id, requested=requested,
                                              allocated=allocated))
    db.session.add(request)
    db.session.commit()
    if status == RequestStatus.APPROVED:
        reservations = [(line.id, line.item_id, line.allocated) for line in request.lines]
        org_id, site_id, actor_id = organisation.id, site.id, actor.id
        with write_transaction() as conn:
            for line_id, item_id, allocated in reservations:
                if allocated:
                    ledger.reserve(conn, site_id=site_id, item_id=item_id,
                                   organisation_id=org_id, quantity=allocated,
                                   source_type="request_line", source_id=line_id,
                                   actor=actor_id)
    db.session.expire_all()
    return db.session.get(StockRequest, request.id)
