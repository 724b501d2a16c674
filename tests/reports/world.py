"""A week in which every figure of the weekly report is known in advance.

Built through the real services (donations, requests, approval, picking, dispatch,
distributions, a return, a write-off), over the seven days ending today, so that the
report of ``PERIOD`` shows exactly the figures ``EXPECTED`` lists. Dispatches, the return
and the write-off happen now (today); donations on earlier days of the period; one more
donation in the week before, for the change against the previous period.
"""
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from tests import factories
from warehouse.core.clock import local_today, local_zone
from warehouse.distributions import services as distributions
from warehouse.distributions.models import DistributionSite
from warehouse.extensions import db
from warehouse.intake import services as intake
from warehouse.models import LocationKind, Role
from warehouse.reports import weekly
from warehouse.requests import picking
from warehouse.requests import services as requests
from warehouse.requests.models import StockRequest
from warehouse.stock import services as ledger


@dataclass
class World:
    site: object
    intake: object
    manager: object
    partner_a: object
    partner_b: object
    coordinator_a: object
    coordinator_b: object
    blanket: object
    tent: object
    rue: object
    puythouck: object
    period: weekly.Period


def period() -> weekly.Period:
    today = local_today()
    return weekly.date_range(today - timedelta(days=6), today)


def _at(days_ago: int) -> datetime:
    return datetime.combine(local_today() - timedelta(days=days_ago), time(11, 0),
                            tzinfo=local_zone())


def _donate(world, days_ago, donor_type, lines):
    return intake.receive_donation(
        actor=world.manager, site_id=world.site.id, received_at=_at(days_ago),
        donor_type=donor_type, donor_name=None, origin=None, priority="normal",
        condition="used", intake_location_id=world.intake.id,
        lines=[intake.DonationLine(item.id, quantity) for item, quantity in lines],
        note=None, idempotency_key=uuid.uuid4().hex)


def _request(world, coordinator, lines, allocations):
    made = requests.create_request(
        actor=coordinator, organisation_id=None, site_id=world.site.id,
        distribution_site_id=world.rue.id, needed_by=local_today(),
        lines=[requests.RequestLine(item.id, quantity) for item, quantity in lines],
        submit=True, client_key=uuid.uuid4().hex)
    request = db.session.get(StockRequest, made.id)
    requests.approve_request(request.id, actor=world.manager, allocations={
        line.id: requests.Allocation(allocated)
        for line, allocated in zip(request.lines, allocations)})
    return db.session.get(StockRequest, made.id)


def build_world() -> World:
    manager = factories.create_user(role=Role.MANAGER, name="Max Manager")
    partner_a = factories.create_organisation(name="Abri Solidaire", short_name="ABRI")
    partner_b = factories.create_organisation(name="Bureau du Nord", short_name="BDN")
    coordinator_a = factories.create_user(role=Role.COORDINATOR, organisation=partner_a,
                                          name="Cora Coordinator")
    coordinator_b = factories.create_user(role=Role.COORDINATOR, organisation=partner_b,
                                          name="Colin Coordinator")
    site = factories.create_site(code="CAL", name="Calais Warehouse")
    intake_bay = factories.create_location(site=site, name="Intake bay", is_intake=True)
    category = factories.create_category(name="Shelter")
    blanket = factories.create_item(name="Blanket", name_fr="Couverture", category=category,
                                    minimum_level=10, target_level=10)
    tent = factories.create_item(name="Tent", name_fr="Tente", size="2 people",
                                 category=category, minimum_level=5, target_level=5)
    rue = factories._save(DistributionSite(name="Rue des Verrotières", town="Calais",
                                           region="Hauts-de-France"))
    puythouck = factories._save(DistributionSite(name="Puythouck", town="Grande-Synthe",
                                                 region="Hauts-de-France"))
    world = World(site, intake_bay, manager, partner_a, partner_b, coordinator_a,
                  coordinator_b, blanket, tent, rue, puythouck, period())

    _donate(world, 9, "individual", [(blanket, 50)])  # the previous period
    _donate(world, 3, "group", [(blanket, 100), (tent, 20)])
    _donate(world, 2, "individual", [(tent, 10)])

    request_a = _request(world, coordinator_a, [(blanket, 40), (tent, 8)], [40, 8])
    _request(world, coordinator_b, [(blanket, 30)], [20])  # approved, not dispatched
    for line in request_a.lines:
        picking.pick_loose(line, location=intake_bay, quantity=line.allocated, actor=manager)
    picking.dispatch_request(db.session.get(StockRequest, request_a.id), actor=manager,
                             close=True, idempotency_key=uuid.uuid4().hex)

    today = local_today()
    distributions.record_distribution(
        actor=coordinator_a, organisation_id=partner_a.id, distribution_site_id=rue.id,
        distributed_on=today, reason="eviction_replacement",
        lines=[distributions.StockLine(blanket.id, 15), distributions.StockLine(tent.id, 3)],
        people_total=12, women=2, men=8, children=1, unaccompanied_minors=1,
        idempotency_key=uuid.uuid4().hex)
    distributions.record_distribution(
        actor=coordinator_a, organisation_id=partner_a.id,
        distribution_site_id=puythouck.id, distributed_on=today, reason="routine",
        lines=[distributions.StockLine(blanket.id, 10)], people_total=9,
        idempotency_key=uuid.uuid4().hex)
    distributions.return_stock(actor=coordinator_a, organisation_id=partner_a.id,
                               site_id=site.id,
                               lines=[distributions.StockLine(blanket.id, 5)],
                               idempotency_key=uuid.uuid4().hex)
    write_off = ledger.system_location(LocationKind.WRITE_OFF)
    ledger.post_document(kind="write_off", actor=manager, reason="damaged",
                         lines=[ledger.Line(blanket.id, 2, intake_bay.id, write_off.id)])
    return world


#: What the warehouse report of ``period()`` for the site (or all sites) shows.
EXPECTED = {
    "received": 130, "dispatched": 48, "distributed": 28, "returned": 5,
    "people": 21, "women": 2, "men": 8, "children": 1, "minors": 1,
    "requests": 2, "fully_met": 1, "requested": 78, "allocated": 68, "dispatched_lines": 48,
    "evictions": 18, "written_off": 2, "stockout_item_days": 3,
    "previous_received": 50, "previous_stockout_item_days": 11,
    # per item: opening, in, out, closing, on the way (reserved)
    "blanket": (50, 105, 42, 113, 20),
    "tent": (0, 30, 8, 22, 0),
}


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, with runs of white space made one space."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            text = page.get_textpage().get_text_range()
            pages.append(" ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()))
        return pages
    finally:
        document.close()


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))
