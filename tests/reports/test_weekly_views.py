"""The reports page: who sees what, and what bad input gets."""
import io

import openpyxl
import pytest

from tests import factories
from tests.conftest import login
from tests.reports.world import build_world, pdf_text
from warehouse.models import Role


@pytest.fixture
def world(app):
    return build_world()


def _range(world, **extra):
    return {"start": world.period.start.isoformat(), "end": world.period.end.isoformat(),
            "lang": "en", **extra}


def test_a_manager_sees_the_figures_and_prints_the_pdf(client, world):
    login(client, world.manager)
    page = client.get("/reports", query_string=_range(world, site=world.site.id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Calais Warehouse" in html and "Abri Solidaire" in html and ">130<" in html
    pdf = client.get("/reports/weekly.pdf", query_string=_range(world, site=world.site.id))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "Received (items) 130" in pdf_text(pdf.data)
    assert pdf.headers["Cache-Control"] == "private, no-store"


def test_the_xlsx_download_opens_in_a_spreadsheet(client, world):
    login(client, world.manager)
    response = client.get("/reports/weekly.xlsx", query_string=_range(world))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert "HXL" in book.sheetnames


def test_the_chart_is_an_svg_image(client, world):
    login(client, world.manager)
    response = client.get("/reports/weekly/chart.svg", query_string=_range(world))
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data and b"style=" not in response.data


def test_the_pdf_comes_in_the_language_asked_for(client, world):
    login(client, world.manager)
    response = client.get("/reports/weekly.pdf", query_string=_range(world, lang="fr"))
    assert "Couverture" in pdf_text(response.data)


def test_a_coordinator_gets_their_own_organisations_report_only(client, world):
    login(client, world.coordinator_b)
    page = client.get("/reports", query_string=_range(world))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Bureau du Nord" in html and "Abri Solidaire" not in html
    assert "Rue des Verrotières" not in html
    text = pdf_text(client.get("/reports/weekly.pdf", query_string=_range(world)).data)
    assert "Bureau du Nord" in text and "Abri Solidaire" not in text
    data = client.get("/reports/weekly.xlsx", query_string=_range(world)).data
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    assert "Abri Solidaire" not in cells and "Rue des Verrotières" not in cells


def test_a_coordinator_asking_for_another_partners_report_is_refused(client, world):
    login(client, world.coordinator_b)
    response = client.get("/reports", query_string=_range(world, partner=world.partner_a.id))
    assert response.status_code == 400
    assert "your own organisation" in response.get_data(as_text=True)
    pdf = client.get("/reports/weekly.pdf",
                     query_string=_range(world, partner=world.partner_a.id))
    assert pdf.status_code == 403 and b"Abri Solidaire" not in pdf.data


def test_a_coordinator_cannot_issue_a_report(client, world):
    login(client, world.coordinator_a)
    assert client.post("/reports/weekly/issue", data=_range(world)).status_code == 403


@pytest.mark.parametrize("query, message", [
    ({"week": "2026-W60"}, "There is no week 2026-W60: 2026 has weeks 1 to 53."),
    ({"week": "soon"}, "is not a week"),
    ({"start": "2026-11-10", "end": "2026-11-01"}, "before it starts"),
    ({"start": "2024-01-01", "end": "2026-01-01"}, "at most 366 days"),
    ({"start": "27/11/2026"}, "is not a date"),
    ({"site": "999999"}, "There is no site"),
])
def test_bad_input_gets_a_clear_message_and_no_report(client, manager, query, message):
    login(client, manager)
    page = client.get("/reports", query_string=query)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    pdf = client.get("/reports/weekly.pdf", query_string=query)
    assert pdf.status_code in (400, 404) and pdf.mimetype != "application/pdf"


def test_bad_input_is_refused_in_french_for_a_french_reader(client, manager):
    login(client, manager)
    client.post("/language/fr")
    page = client.get("/reports", query_string={"week": "2026-W60"})
    assert page.status_code == 400
    assert "2026-W60" in page.get_data(as_text=True)


def test_a_period_with_no_data_says_so(client, manager):
    login(client, manager)
    page = client.get("/reports", query_string={"week": "2025-W02"})
    assert page.status_code == 200
    assert "Nothing happened in this period" in page.get_data(as_text=True)
    pdf = client.get("/reports/weekly.pdf", query_string={"week": "2025-W02"})
    assert "Nothing happened in this period" in pdf_text(pdf.data)


def test_the_menu_offers_reports_to_managers_admins_and_coordinators_only(client, app):
    for role, shown in ((Role.MANAGER, True), (Role.ADMIN, True), (Role.COORDINATOR, True),
                        (Role.VOLUNTEER, False)):
        user = factories.create_user(role=role)
        fresh = app.test_client()
        login(fresh, user)
        html = fresh.get("/stock").get_data(as_text=True)
        assert ('href="/reports"' in html) is shown, role


def test_the_reports_page_keeps_the_header_language_switch(client, manager):
    login(client, manager)
    page = client.get("/reports").get_data(as_text=True)
    assert ">EN</button>" in page and ">FR</button>" in page
    assert "ENGLISH" not in page
