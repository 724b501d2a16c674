"""Picking on the tablet, dispatching, and the pick list and dispatch note PDFs."""
import uuid
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_translations
from sqlalchemy import func, select

import warehouse
from tests import factories
from tests.conftest import login
from tests.requests_factories import create_approved_request
from warehouse.extensions import db
from warehouse.requests.models import PickLine, RequestStatus, StockRequest
from warehouse.stock import services as ledger
from warehouse.stock.models import Box, Document
from warehouse.stock.queries import box_differences, reserved_by_item, stock_differences

PENDING_FRENCH = Path(warehouse.__file__).parent / "translations/fr-pending/dispatch.po"


def use_pending_french() -> None:
    """Speak French as the app will once ``fr-pending/dispatch.po`` is merged."""
    if not PENDING_FRENCH.exists():
        return
    with PENDING_FRENCH.open("rb") as handle:
        pending = read_po(handle, locale="fr")
    with force_locale("fr"):
        catalogue = get_translations()._catalog
    for message in pending:
        if message.id and message.string and not isinstance(message.id, tuple):
            catalogue.setdefault(message.id, message.string)


def pdf_text(pdf: bytes) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return " ".join(" ".join(page.get_textpage().get_text_range().split())
                        for page in document).replace("\u202f", " ").replace("\xa0", " ")
    finally:
        document.close()


@pytest.fixture
def world(partner_a, manager, volunteer):
    site = factories.create_site(name="Calais warehouse")
    shelf = factories.create_location(site=site, name="Shelf A1", code="A1")
    loose_shelf = factories.create_location(site=site, name="Shelf B2", code="B2")
    bags = factories.create_item(name="Sleeping bag", name_fr="Sac de couchage")
    box = factories.create_box(code="B00123")
    partial_box = factories.create_box(code="B00124")
    factories.receive(bags, shelf, 10, actor=manager, box=box)
    factories.receive(bags, shelf, 20, actor=manager, box=partial_box)
    factories.receive(bags, loose_shelf, 7, actor=manager)
    request = create_approved_request(organisation=partner_a, site=site, actor=manager,
                                      lines=[(bags, 20, 15)])
    return type("W", (), dict(site=site, shelf=shelf, loose_shelf=loose_shelf, bags=bags,
                              box=box, partial_box=partial_box, request=request,
                              manager=manager, volunteer=volunteer, partner=partner_a))


def _key():
    return uuid.uuid4().hex


def _pick_box(client, w, code, quantity="", key=None):
    return client.post(f"/dispatch/requests/{w.request.id}/pick/box", data={
        "box-code": code, "box-quantity": quantity, "box-idempotency_key": key or _key()})


def _dispatch(client, w, remainder="keep", key=None):
    return client.post(f"/dispatch/requests/{w.request.id}/dispatch", data={
        "dispatch-remainder": remainder, "dispatch-idempotency_key": key or _key()})


def test_a_volunteer_scans_boxes_and_a_manager_dispatches_them(client, world):
    w = world
    login(client, w.volunteer)
    page = client.get(f"/dispatch/requests/{w.request.id}/pick")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "B00123" in text and "15 left to pick" in text
    # A US-layout scanner on a French tablet types à for 0, & for 1, é for 2 and " for 3.
    response = _pick_box(client, w, "Bàà&é\"")
    assert response.status_code == 303
    assert "picked whole" in client.get(response.location).get_data(as_text=True)
    asks = _pick_box(client, w, "b00124")
    assert asks.status_code == 422
    assert "enter how many you take out of it" in asks.get_data(as_text=True)
    assert _pick_box(client, w, "B00124", "5").status_code == 303
    assert _dispatch(client, w).status_code == 403  # volunteers pick, managers dispatch

    login(client, w.manager)
    custody = ledger.custody_location(w.partner)
    response = _dispatch(client, w)
    assert response.status_code == 303
    assert "dispatched" in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(StockRequest, w.request.id).status == RequestStatus.DISPATCHED
    assert db.session.get(Box, w.box.id).location_id == custody.id
    assert db.session.get(Box, w.partial_box.id).quantity == 15
    assert reserved_by_item(w.site.id) == {}
    assert stock_differences() == [] and box_differences() == []


def test_a_double_clicked_dispatch_is_recorded_once(client, world):
    w = world
    login(client, w.manager)
    _pick_box(client, w, "B00123")
    key = _key()
    assert _dispatch(client, w, "keep", key).status_code == 303
    second = _dispatch(client, w, "keep", key)
    assert second.status_code == 303
    assert "already recorded" in client.get(second.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))
                             .where(Document.kind == "dispatch")) == 1
    assert reserved_by_item(w.site.id) == {w.bags.id: 5}


def test_a_double_submitted_pick_is_recorded_once(client, world):
    w = world
    login(client, w.volunteer)
    key = _key()
    data = {"loose-line": w.request.lines[0].id, "loose-location": "B2",
            "loose-quantity": "2", "loose-idempotency_key": key}
    assert client.post(f"/dispatch/requests/{w.request.id}/pick/loose",
                       data=data).status_code == 303
    again = client.post(f"/dispatch/requests/{w.request.id}/pick/loose", data=data)
    assert "already recorded" in client.get(again.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count(PickLine.id))) == 1


def test_a_wrong_box_is_refused_loudly_and_nothing_is_picked(client, world, manager):
    w = world
    tents = factories.create_item(name="Tent")
    factories.receive(tents, w.shelf, 2, actor=manager, box=factories.create_box(code="B00999"))
    login(client, w.volunteer)
    response = _pick_box(client, w, "B00999")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "WRONG ITEM" in text and "Sleeping bag (15)" in text
    assert _pick_box(client, w, "B77777").status_code == 404
    assert _pick_box(client, w, "B00124", "16").status_code == 409  # more than allocated
    assert db.session.scalar(select(func.count(PickLine.id))) == 0


def test_dispatching_nothing_picked_shows_a_clear_error(client, world):
    login(client, world.manager)
    response = _dispatch(client, world)
    assert response.status_code == 409
    assert "Nothing is picked" in response.get_data(as_text=True)


def test_stock_moved_since_picking_shows_the_ledgers_error_and_writes_nothing(client, world):
    w = world
    login(client, w.manager)
    _pick_box(client, w, "B00123")
    ledger.post_document(kind="move", actor=w.manager, lines=[ledger.Line(
        w.bags.id, 10, w.shelf.id, w.loose_shelf.id, w.box.id, w.box.id)])
    response = _dispatch(client, w)
    assert response.status_code == 409
    assert "is not at Shelf A1" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Document.id))
                             .where(Document.kind == "dispatch")) == 0


def test_a_pick_can_be_undone(client, world):
    w = world
    login(client, w.volunteer)
    _pick_box(client, w, "B00123")
    pick_id = db.session.scalar(select(PickLine.id))
    response = client.post(f"/dispatch/requests/{w.request.id}/unpick",
                           data={"pick_line_id": pick_id})
    assert response.status_code == 303
    assert db.session.scalar(select(PickLine.cancelled_at)) is not None


def test_the_pick_list_shows_box_codes_locations_and_quantities(client, world):
    w = world
    login(client, w.volunteer)
    response = client.get(f"/dispatch/requests/{w.request.id}/pick-list.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Pick list – request" in text and w.partner.name in text
    assert "Box B00123 at Shelf A1: 10" in text and "Box B00124 at Shelf A1: 20" in text
    assert "Page 1 of 1" in text
    day = client.get(f"/dispatch/pick-lists.pdf?site={w.site.id}"
                     f"&day={w.request.needed_by.isoformat()}")
    assert f"Request {w.request.id}" in pdf_text(day.data)
    assert client.get("/dispatch/pick-lists.pdf?day=tomorrow").status_code == 400
    factories.create_site(name="Dunkirk store")
    assert client.get("/dispatch/pick-lists.pdf").status_code == 400  # which site?


def test_the_pick_list_prints_in_french(client, world):
    w = world
    login(client, w.volunteer)
    use_pending_french()
    client.post("/language/fr")
    text = pdf_text(client.get(f"/dispatch/requests/{w.request.id}/pick-list.pdf").data)
    assert "Liste de préparation – demande" in text and "À prendre" in text
    assert "Carton B00123 à Shelf A1 : 10" in text and "Page 1 sur 1" in text


def test_the_dispatch_note_prints_in_french_with_boxes_and_quantities(client, world):
    w = world
    login(client, w.manager)
    _pick_box(client, w, "B00123")
    _dispatch(client, w)
    use_pending_french()
    text = pdf_text(client.get(f"/dispatch/requests/{w.request.id}/note.pdf?lang=fr").data)
    assert "Bon de sortie" in text and "Sac de couchage" in text and "B00123 (10)" in text
    assert "Pour le partenaire" in text
    document_id = db.session.scalar(select(Document.id).where(Document.kind == "dispatch"))
    assert f"sortie n° {document_id} du" in text
    english = pdf_text(client.get(f"/dispatch/requests/{w.request.id}/note.pdf?lang=en").data)
    assert "Dispatch note" in english and "For the partner" in english
    assert f"dispatch no. {document_id} of" in english


def test_the_owning_coordinator_gets_the_dispatch_note_and_another_partner_gets_404(
        client, world, coordinator_a, coordinator_b):
    w = world
    login(client, coordinator_a)
    assert client.get(f"/dispatch/requests/{w.request.id}/note.pdf").status_code == 200
    assert client.get(f"/dispatch/requests/{w.request.id}/pick").status_code == 403
    login(client, coordinator_b)
    assert client.get(f"/dispatch/requests/{w.request.id}/note.pdf").status_code == 404


def test_the_warehouse_team_finds_picking_in_the_menu_and_coordinators_do_not(
        client, world, coordinator_a):
    login(client, world.volunteer)
    page = client.get("/dispatch/").get_data(as_text=True)
    assert 'href="/dispatch/"' in page and f"Request {world.request.id}" in page
    login(client, coordinator_a)
    assert 'href="/dispatch/"' not in client.get("/").get_data(as_text=True)
