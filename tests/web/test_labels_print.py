"""Printing labels from the pages where codes appear, and printer profiles.

The answer to a print form is the PDF itself: these tests open it with PDFium and read
its text, so they prove which codes were printed, in which language, on which stock. A
refused job answers the form again with the reason, and no PDF.
"""
import html
import re
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from tests import factories
from tests.conftest import login
from tests.factories import receive
from warehouse.audit.models import AuditEvent
from warehouse.extensions import db
from warehouse.labels import FORMATS, MAX_COPIES
from warehouse.labels.models import PrinterProfile
from warehouse.models import Box

MM = 72 / 25.4


@pytest.fixture
def socks(create_item):
    return create_item(name="Socks", name_fr="Chaussettes", unit="pair", size="39-42")


@pytest.fixture
def shelf(dummy_site, create_location):
    return create_location(site=dummy_site, name="Shelf A1", code="L00901")


@pytest.fixture
def boxes(create_box, socks, shelf, manager):
    """B00500 with 20 pairs, B00501 with 12, both on shelf A1."""
    made = []
    for code, quantity in (("B00500", 20), ("B00501", 12)):
        box = create_box(code=code)
        receive(socks, shelf, quantity, actor=manager, box=box)
        made.append(box)
    return made


@pytest.fixture
def as_volunteer(client, volunteer):
    return login(client, volunteer)


@pytest.fixture
def as_manager(client, manager):
    return login(client, manager)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def errors_shown(response) -> list[str]:
    return [html.unescape(m.strip()) for m in re.findall(
        r'<p class="(?:field-error|flash flash-error)"[^>]*>(.*?)</p>',
        response.get_data(as_text=True), re.S)]


def pdf_pages(response) -> list[tuple[str, tuple[float, float]]]:
    """(text, (width mm, height mm)) of every page of a PDF response."""
    assert response.mimetype == "application/pdf", response.status
    document = pdfium.PdfDocument(response.get_data())
    pages = []
    for page in document:
        textpage = page.get_textpage()
        width, height = page.get_size()
        pages.append((textpage.get_text_range(), (round(width / MM, 1), round(height / MM, 1))))
        textpage.close()
        page.close()
    document.close()
    return pages


def print_form(kind: str, ids, **settings) -> dict:
    return {"offered": [str(i) for i in ids], kind: [str(i) for i in ids],
            "format": "L7160", "start_at": "1", "copies": "1", "printer": ""} | settings


def profiles() -> int:
    count = db.session.scalar(select(func.count()).select_from(PrinterProfile))
    db.session.commit()
    return count


# --- choosing what to print -------------------------------------------------------------

def test_box_labels_open_with_the_boxes_of_the_link_chosen(as_volunteer, boxes):
    response = as_volunteer.get(f"/labels/boxes?box={boxes[0].id}&box={boxes[1].id}")
    page = text(response)
    assert response.status_code == 200
    assert "B00500" in page and "B00501" in page and "2 chosen" in page
    assert page.count("checked") >= 2


def test_box_labels_can_be_chosen_by_typed_or_scanned_codes(as_volunteer, boxes):
    page = text(as_volunteer.get("/labels/boxes?code=b00500%0AB00501 B99999"))
    assert "B00500" in page and "B00501" in page
    assert "No box has these codes — check the labels: B99999" in page
    from_the_field = text(as_volunteer.get("/labels/boxes?codes=B00501%0D%0Ab00500"))
    assert "B00500" in from_the_field and "B00501" in from_the_field


def test_the_boxes_of_a_donation_are_chosen_together(as_volunteer, boxes, manager,
                                                      dummy_site, shelf):
    from warehouse.core.types import utcnow
    from warehouse.intake.models import Donation
    donation = factories._save(Donation(
        received_at=utcnow(), donor_type="group", site_id=dummy_site.id,
        intake_location_id=shelf.id, created_by_id=manager.id))
    db.session.execute(Box.__table__.update().where(Box.code == "B00501").values(
        donation_id=donation.id))
    db.session.commit()
    page = text(as_volunteer.get(f"/labels/boxes?donation={donation.id}"))
    assert "B00501" in page and "B00500" not in page
    assert as_volunteer.get("/labels/boxes?donation=99999").status_code == 404


# --- printing ---------------------------------------------------------------------------

def test_printing_box_labels_answers_the_pdf_with_their_codes(as_volunteer, boxes):
    response = as_volunteer.post("/labels/boxes", data=print_form(
        "box", [b.id for b in boxes]))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("inline")
    [(page_text, size)] = pdf_pages(response)
    assert "B00500" in page_text and "B00501" in page_text
    assert "Socks (39-42)" in page_text and "20 pairs" in page_text
    assert size == (210.0, 297.0)


def test_an_unticked_box_is_left_out(as_volunteer, boxes):
    data = print_form("box", [b.id for b in boxes])
    data["box"] = [str(boxes[1].id)]
    [(page_text, _)] = pdf_pages(as_volunteer.post("/labels/boxes", data=data))
    assert "B00501" in page_text and "B00500" not in page_text


def test_labels_read_in_the_language_of_the_person_printing(client, volunteer, boxes):
    login(client, volunteer)
    client.post("/language/fr", data={"next": "/labels"})
    [(page_text, _)] = pdf_pages(client.post("/labels/boxes", data=print_form(
        "box", [boxes[0].id])))
    assert "Chaussettes (39-42)" in page_text
    assert "20 paires" in page_text or "20 pairs" in page_text  # "paires" once merged
    packed_on = boxes[0].created_at.astimezone(ZoneInfo("Europe/Paris")).date()
    assert format_date(packed_on, "d MMM yyyy", locale="fr") in page_text
    assert "Carton" in page_text  # the kind of label, from the builder's own catalogue


def test_copies_and_the_start_position_fill_the_sheet(as_volunteer, boxes):
    response = as_volunteer.post("/labels/boxes", data=print_form(
        "box", [boxes[0].id], copies="3", start_at="20"))
    pages = pdf_pages(response)
    assert len(pages) == 2  # positions 20 and 21, then the top of a new sheet
    assert pages[0][0].count("B00500") >= 2 and "B00500" in pages[1][0]


@pytest.mark.parametrize("settings, message", [
    ({"copies": "0"}, "0 copies cannot be printed: choose from 1 to 100"),
    ({"copies": "100000"}, "copies cannot be printed"),
    ({"copies": "-1"}, "copies cannot be printed"),
    ({"start_at": "0"}, "There is no position 0 on L7160"),
    ({"start_at": "22"}, "There is no position 22 on L7160: choose a position from 1 to 21"),
    ({"format": "L9999"}, "There is no label format called L9999"),
    ({"copies": "many"}, ""),
    ({"start_at": ""}, "Say which label of the sheet to start at"),
])
def test_a_print_job_that_cannot_be_printed_says_why(as_volunteer, boxes, settings, message):
    response = as_volunteer.post("/labels/boxes", data=print_form(
        "box", [b.id for b in boxes], **settings))
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    shown = errors_shown(response)
    assert shown and any(message in m for m in shown), shown


def test_printing_with_nothing_ticked_is_refused(as_volunteer, boxes):
    data = print_form("box", [b.id for b in boxes])
    del data["box"]
    response = as_volunteer.post("/labels/boxes", data=data)
    assert response.status_code == 422
    assert any("There are no labels to print" in m for m in errors_shown(response))


def test_a_hundred_thousand_labels_are_refused(as_volunteer, socks, shelf, manager):
    made = [factories.create_box(code=f"B{n:05d}") for n in range(2000, 2060)]
    response = as_volunteer.post("/labels/boxes", data=print_form(
        "box", [b.id for b in made], copies=str(MAX_COPIES)))
    assert response.status_code == 422
    assert any("are too many for one print job" in m for m in errors_shown(response))


def test_a_blank_box_label_carries_only_its_code(as_volunteer, create_box):
    blank = create_box(code="B00777")
    [(page_text, _)] = pdf_pages(as_volunteer.post("/labels/boxes", data=print_form(
        "box", [blank.id])))
    assert "B00777" in page_text


def test_location_labels_for_every_shelf_of_a_site(as_volunteer, dummy_site, shelf,
                                                   create_location):
    create_location(site=dummy_site, name="Firewood bay", code="L00902")
    page = text(as_volunteer.get(f"/labels/locations?site={dummy_site.id}"))
    assert "Shelf A1" in page and "Firewood bay" in page
    ids = re.findall(r'name="location" value="(\d+)"', page)
    [(page_text, _)] = pdf_pages(as_volunteer.post("/labels/locations", data=print_form(
        "location", ids, format="L7163")))
    assert "L00901" in page_text and "Firewood bay" in page_text


def test_item_cards_for_a_category(as_volunteer, socks, create_item):
    create_item(name="Gloves", category=socks.category)
    page = text(as_volunteer.get(f"/labels/items?category={socks.category_id}"))
    assert "Socks (39-42)" in page and "Gloves" in page
    [(page_text, _)] = pdf_pages(as_volunteer.post("/labels/items", data=print_form(
        "item", [socks.id])))
    assert socks.code in page_text and "Socks" in page_text


def test_the_labels_page_links_to_each_kind(as_volunteer, dummy_site):
    page = text(as_volunteer.get("/labels"))
    assert "Box labels" in page and "Location labels" in page and "Item cards" in page
    assert "Printer profiles" not in page


# --- printer profiles -------------------------------------------------------------------

def test_a_printer_profile_sets_the_format_and_offset_of_a_print_job(as_manager, boxes,
                                                                      manager):
    printer = factories._save(PrinterProfile(
        name="Zebra at intake", label_format="thermal-62x29", offset_x_mm=0.5, dpi=300,
        created_by_id=manager.id))
    response = as_manager.post("/labels/boxes", data=print_form(
        "box", [b.id for b in boxes], printer=str(printer.id), format="L7160"))
    pages = pdf_pages(response)
    assert [size for _, size in pages] == [(62.0, 29.0), (62.0, 29.0)]
    page = text(as_manager.get("/labels/boxes"))
    assert re.search(rf'<option selected value="{printer.id}">|<option value="{printer.id}" '
                     r'selected>', page), "the printer used last is chosen again"


def test_a_printer_taken_out_of_use_cannot_print(as_manager, boxes, manager):
    printer = factories._save(PrinterProfile(
        name="Old laser", label_format="L7160", active=False, created_by_id=manager.id))
    response = as_manager.post("/labels/boxes", data=print_form(
        "box", [boxes[0].id], printer=str(printer.id)))
    assert response.status_code == 422
    assert any("is no longer in use" in m for m in errors_shown(response))


def test_a_manager_adds_a_printer_and_prints_its_calibration_page(as_manager):
    response = as_manager.post("/labels/printers/new", data={
        "name": "Office laser", "label_format": "L7163", "offset_x_mm": "1,5",
        "offset_y_mm": "-0.75", "dpi": "203", "site": ""})
    assert response.status_code == 303
    printer = db.session.scalar(select(PrinterProfile))
    assert (printer.name, printer.label_format, printer.offset_x_mm, printer.offset_y_mm) == (
        "Office laser", "L7163", 1.5, -0.75)
    assert db.session.scalar(select(AuditEvent.action)) == "printer_profile_created"
    calibration = as_manager.get(f"/labels/printers/{printer.id}/calibration.pdf")
    [(page_text, size)] = pdf_pages(calibration)
    assert "L7163" in page_text and size == (210.0, 297.0)


@pytest.mark.parametrize("fields, message", [
    ({"offset_x_mm": "9"}, "would push labels off the page"),
    ({"offset_y_mm": "-30"}, "would push labels off the page"),
    ({"offset_x_mm": "a bit"}, "is not a number of millimetres"),
    ({"offset_x_mm": "inf"}, "is not a number of millimetres"),
    ({"label_format": "A4-weird"}, "There is no label format called A4-weird"),
    ({"dpi": "150"}, "150 dpi is not supported"),
    ({"name": ""}, "Give the printer a name"),
    ({"name": "Zebra"}, "There is already a printer called Zebra"),
])
def test_a_printer_profile_that_would_misprint_is_refused(as_manager, manager, fields,
                                                          message):
    factories._save(PrinterProfile(name="zebra", label_format="L7160",
                                   created_by_id=manager.id))
    before = profiles()
    response = as_manager.post("/labels/printers/new", data={
        "name": "Office laser", "label_format": "L7160", "offset_x_mm": "0",
        "offset_y_mm": "0", "dpi": "203", "site": ""} | fields)
    assert response.status_code == 422
    assert any(message in m for m in errors_shown(response)), errors_shown(response)
    assert profiles() == before


def test_a_manager_edits_and_retires_a_printer(as_manager, manager):
    printer = factories._save(PrinterProfile(name="Brother", label_format="thermal-62x100",
                                             created_by_id=manager.id))
    page = text(as_manager.get(f"/labels/printers/{printer.id}"))
    assert 'value="Brother"' in page
    as_manager.post(f"/labels/printers/{printer.id}", data={
        "name": "Brother QL", "label_format": "thermal-62x100", "offset_x_mm": "0",
        "offset_y_mm": "1", "dpi": "300", "site": ""})
    db.session.expire_all()
    assert (printer.name, printer.offset_y_mm, printer.dpi) == ("Brother QL", 1.0, 300)
    as_manager.post(f"/labels/printers/{printer.id}/deactivate")
    db.session.expire_all()
    assert not printer.active
    as_manager.get("/labels/printers")  # where the message about it is shown
    assert "Brother QL" not in text(as_manager.get("/labels/boxes"))
    as_manager.post(f"/labels/printers/{printer.id}/reactivate")
    db.session.expire_all()
    assert printer.active
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["printer_profile_changed", "printer_profile_deactivated",
                       "printer_profile_reactivated"]


def test_volunteers_print_but_do_not_manage_printers(as_volunteer, manager):
    printer = factories._save(PrinterProfile(name="Zebra", label_format="L7160",
                                             created_by_id=manager.id))
    for url in ("/labels/printers", "/labels/printers/new", f"/labels/printers/{printer.id}",
                f"/labels/printers/{printer.id}/calibration.pdf"):
        assert as_volunteer.get(url).status_code == 403, url
    assert as_volunteer.post(f"/labels/printers/{printer.id}/deactivate").status_code == 403
    db.session.expire_all()
    assert printer.active


def test_a_calibration_page_for_a_new_printer_has_no_offset(as_manager):
    [(page_text, size)] = pdf_pages(as_manager.get("/labels/calibration.pdf?format=thermal-62x29"))
    assert size == (62.0, 29.0)
    assert as_manager.get("/labels/calibration.pdf?format=nope").status_code == 422


def test_every_format_can_be_chosen_when_printing(as_volunteer, boxes):
    page = text(as_volunteer.get(f"/labels/boxes?box={boxes[0].id}"))
    for name in FORMATS:
        assert f'value="{name}"' in page
