"""Warehouse staff print the daily stock sheet and count sheets from the stock page.

Managers, admins and volunteers get the PDF (opened in the browser to print); coordinators
are refused; a site or location that does not exist is not found. The figures themselves
are checked in tests/documents/test_stock_sheet.py, on the same story of a warehouse.
"""
from datetime import timedelta

import pytest

from tests import factories
from tests.conftest import login
from tests.documents.test_stock_sheet import (NOW, build_warehouse, pages_text, row_text,
                                              use_pending_french)
from warehouse.models import Role
from warehouse.stock import services as ledger


@pytest.fixture
def warehouse_(fixed_clock):
    # The sheets are printed "now": the same moment as the story of the warehouse.
    fixed_clock.move_to(NOW, tick=False)
    return build_warehouse()


def sheet_url(w) -> str:
    return f"/stock/sheet/{w.site.id}.pdf"


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN, Role.VOLUNTEER])
def test_warehouse_staff_get_the_stock_sheet_as_a_pdf_to_print(client, warehouse_, role):
    user = factories.create_user(role=role, name="Pat Printer")

    response = login(client, user).get(sheet_url(warehouse_))

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        "inline; filename=stock-sheet-cal-2026-04-02.pdf"
    assert "no-store" in response.headers["Cache-Control"]
    pdf = response.data
    assert row_text(pdf, "BAG") == "BAG Sleeping bag A1: 20 · A2: 47 67 50 30 37 25 23 22"
    assert "by Pat Printer" in pages_text(pdf)[0]


def test_the_page_prints_the_same_sheet_as_the_command(client, runner, warehouse_, tmp_path):
    web = login(client, warehouse_.manager).get(sheet_url(warehouse_)).data
    out = tmp_path / "sheet.pdf"

    result = runner.invoke(args=["stock", "sheet", "--site", "CAL", "--by", "Max Manager",
                                 "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert out.read_bytes() == web


def test_the_sheet_is_printed_in_the_users_language(client, warehouse_):
    use_pending_french()
    login(client, warehouse_.manager)
    client.post("/language/fr")

    pdf = client.get(sheet_url(warehouse_)).data

    text = pages_text(pdf)[0]
    assert "Feuille de stock du jour" in text and "Disponible" in text
    assert row_text(pdf, "SOCKS") == "SOCKS Chaussettes A2: 1 500 1 500 0 0 1 500 0 0 —"


def test_a_past_days_sheet_is_printed_with_a_date_in_the_address(client, warehouse_):
    response = login(client, warehouse_.manager).get(sheet_url(warehouse_) + "?date=2026-04-01")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("stock-sheet-cal-2026-04-01.pdf")
    assert row_text(response.data, "BAG") == "BAG Sleeping bag A1: 65 65 50 40 25 7 0 6.4"


@pytest.mark.parametrize("value, status, message", [
    ("1 April", 400, "“1 April” is not a date. Write it as year-month-day, for example "
                     "2026-04-02."),
    ("2026-04-03", 422, "A stock sheet cannot be printed for 2026-04-03: that is after "
                        "today (2026-04-02)."),
])
def test_a_bad_date_gets_a_message_saying_how_to_write_it(client, warehouse_, value, status,
                                                         message):
    response = login(client, warehouse_.manager).get(sheet_url(warehouse_),
                                                     query_string={"date": value})

    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_warehouse_staff_get_a_count_sheet_for_a_shelf(client, warehouse_):
    volunteer = factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer")

    response = login(client, volunteer).get(f"/stock/count-sheet/{warehouse_.a1.id}.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f"inline; filename=count-sheet-{warehouse_.a1.code.lower()}-2026-04-02.pdf"
    assert row_text(response.data, "BX1") == "BX1 Gloves 5"
    assert "by Vera Volunteer" in pages_text(response.data)[0]


def test_a_coordinator_cannot_print_either_sheet(client, warehouse_):
    coordinator = factories.create_user(role=Role.COORDINATOR)
    login(client, coordinator)

    assert client.get(sheet_url(warehouse_)).status_code == 403
    assert client.get(f"/stock/count-sheet/{warehouse_.a1.id}.pdf").status_code == 403


def test_signing_in_comes_first(client, warehouse_):
    response = client.get(sheet_url(warehouse_))

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_unknown_site_or_location_is_not_found(client, warehouse_):
    login(client, warehouse_.manager)
    custody = ledger.custody_location(factories.create_organisation())

    assert client.get("/stock/sheet/999999.pdf").status_code == 404
    assert client.get("/stock/count-sheet/999999.pdf").status_code == 404
    # A partner's custody is not a shelf to count.
    assert client.get(f"/stock/count-sheet/{custody.id}.pdf").status_code == 404


def test_the_stock_page_links_each_site_to_its_sheet_and_each_shelf_to_a_count_sheet(
        client, warehouse_):
    page = login(client, warehouse_.manager).get("/stock").get_data(as_text=True)

    assert f'href="/stock/sheet/{warehouse_.site.id}.pdf"' in page
    assert f'href="/stock/sheet/{warehouse_.other_site.id}.pdf"' in page
    assert "Print stock sheet" in page and "Count sheets for a stocktake" in page
    assert f'href="/stock/count-sheet/{warehouse_.a1.id}.pdf"' in page
    assert f'href="/stock/count-sheet/{warehouse_.a2.id}.pdf"' in page


def test_a_coordinator_sees_the_stock_page_without_print_links(client, warehouse_):
    coordinator = factories.create_user(role=Role.COORDINATOR)

    page = login(client, coordinator).get("/stock").get_data(as_text=True)

    assert "Stock on hand" in page
    assert "/stock/sheet/" not in page and "/stock/count-sheet/" not in page


def test_printing_changes_nothing(client, warehouse_):
    login(client, warehouse_.manager)
    before = factories.ledger_snapshot()

    client.get(sheet_url(warehouse_))
    client.get(sheet_url(warehouse_) + "?date=" + (NOW.date() - timedelta(days=3)).isoformat())
    client.get(f"/stock/count-sheet/{warehouse_.a1.id}.pdf")

    assert factories.ledger_snapshot() == before
