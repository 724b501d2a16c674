"""A small world for the export tests: two partners with stock dispatched to each, a
distribution and a return by each, a request by each, a write-off, and names that a
spreadsheet would run as formulas."""
import csv
import io
import uuid
from datetime import timedelta

import openpyxl
import pytest

from tests import factories
from warehouse.audit.models import AuditEvent
from warehouse.core.clock import local_today
from warehouse.distributions import services as distributions
from warehouse.distributions.models import DistributionSite
from warehouse.requests import services as requests
from warehouse.stock import services as ledger


@pytest.fixture
def world(dummy_site, partner_a, partner_b, coordinator_a, coordinator_b, manager):
    shelf = factories.create_location(site=dummy_site, name="Shelf A1")
    factories.create_location(site=dummy_site, name="Intake bay", is_intake=True)
    tents = factories.create_item(name="Tent", name_fr="Tente", minimum_level=100, target_level=200)
    blankets = factories.create_item(name="=HYPERLINK(\"http://evil\")", name_fr=None)
    factories.receive(tents, shelf, 50, actor=manager)
    factories.receive(blankets, shelf, 30, actor=manager)
    factories.receive(tents, shelf, 12, actor=manager, box=factories.create_box(code="B00900"))
    place = factories._save(DistributionSite(name="Rue des Huttes", town="Calais",
                                             region="Hauts-de-France"))
    for partner, coordinator, note in ((partner_a, coordinator_a, "+33 6 12 34 56 78"),
                                       (partner_b, coordinator_b, "Partner B's own note")):
        custody = ledger.custody_location(partner)
        ledger.post_document(kind="dispatch", actor=manager, site_id=dummy_site.id,
                             lines=[ledger.Line(tents.id, 10, shelf.id, custody.id)])
        distributions.record_distribution(
            actor=coordinator, organisation_id=partner.id, distribution_site_id=place.id,
            distributed_on=local_today(), reason="eviction_replacement",
            lines=[distributions.StockLine(tents.id, 6)], people_total=6, women=2, men=3,
            children=1, note=note, idempotency_key=str(uuid.uuid4()))
        distributions.return_stock(
            actor=coordinator, organisation_id=partner.id, site_id=dummy_site.id,
            lines=[distributions.StockLine(tents.id, 1)], note="not needed",
            idempotency_key=str(uuid.uuid4()))
        requests.create_request(
            actor=coordinator, organisation_id=partner.id, site_id=dummy_site.id,
            distribution_site_id=place.id, needed_by=local_today() + timedelta(days=30),
            lines=[requests.RequestLine(blankets.id, 4)], note=f"{partner.name} request",
            submit=True, client_key=str(uuid.uuid4()))
    ledger.post_document(kind="write_off", actor=manager, site_id=dummy_site.id,
                         reason="mouldy", note="-wet after the storm",
                         lines=[ledger.Line(blankets.id, 2, shelf.id,
                                            ledger.system_location("write_off").id)])
    factories._save(AuditEvent(actor_id=manager.id, action="role_changed", target_type="user",
                               target_id=coordinator_a.id, summary="@SUM(A1) role changed",
                               details={}))
    return {"site": dummy_site, "shelf": shelf, "tents": tents, "blankets": blankets,
            "place": place}


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def read_xlsx(response):
    """The first sheet's rows as lists of cells (openpyxl ``Cell``s)."""
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    return [list(row) for row in book.worksheets[0].iter_rows()]


def french(client):
    client.post("/language/fr")
    return client


def read_hxl(response):
    """The download as a libhxl dataset, with every problem libhxl finds collected."""
    import hxl
    assert response.status_code == 200
    return hxl.data(io.BytesIO(response.get_data()), hxl.input.InputOptions(allow_local=True))


def hxl_problems(dataset, rules) -> list:
    """What ``rules`` (tag, required, datatype) find wrong in ``dataset``: [] when valid."""
    import hxl
    problems = []
    schema = hxl.schema([["#valid_tag", "#valid_required", "#valid_datatype"], *rules],
                        callback=problems.append)
    schema.validate(dataset)
    return problems
