"""The weekly report's PDF and XLSX: every figure readable in the text, in both languages."""
import io

import openpyxl
import pytest
from flask_babel import force_locale

from tests.conftest import FIXED_NOW
from tests.reports.world import build_world, pdf_pages, pdf_text
from warehouse.core.clock import local_today
from warehouse.reports import weekly
from warehouse.reports.weekly_pdf import build_weekly_pdf
from warehouse.reports.weekly_xlsx import build_weekly_xlsx

PRINTED_AT = FIXED_NOW


@pytest.fixture
def world(fixed_clock, app):
    """The known week, ending on the fixed day: the month's name and the printing time
    below are then the same whatever day the tests run."""
    return build_world()


def _pdf(world, *, lang="en", **scope):
    with force_locale(lang):
        report = weekly.weekly_report(world.period, **scope)
        return build_weekly_pdf(report, printed_by="Max Manager", printed_at=PRINTED_AT)


def test_the_first_page_tells_every_headline_figure_with_the_previous_one(world):
    first = pdf_pages(_pdf(world, site_id=world.site.id))[0]
    for text in ("Received (items) 130 ▲ 160% against the previous period (50)",
                 "Dispatched to partners (items) 48 ▲ 48 against the previous period (0)",
                 "Distributed (items) 28", "People reached 21",
                 "Requests fulfilled (dispatched ÷ requested) 62%",
                 "Eviction replacements (items) 18",
                 "Stock-outs (item-days at zero available) 3 ▼ 73% against the previous "
                 "period (11)",
                 "Written off (items) 2",
                 "women 2, men 8, children 1, unaccompanied minors 1",
                 "Requests needed in the period: 2, for 78 items. Allocated 68 (87%), "
                 "dispatched 48 (62%); 1 of the requests (50%) were fully met.",
                 "Written off, by reason: Damaged 2.",
                 "Eviction replacements, by item: Blanket 15, Tent (2 people) 3."):
        assert text in first, text


def test_the_tables_show_partners_sites_needs_donations_and_stock(world):
    text = pdf_text(_pdf(world, site_id=world.site.id))
    for row in ("Abri Solidaire 48 48 48 28 21 5", "Bureau du Nord 30 20 0 0 0 0",
                "Total 78 68 48 28 21 5",
                "Rue des Verrotières Calais 1 18 12 18", "Puythouck Grande-Synthe 1 10 9 0",
                "Blanket 70 60 10 93",
                "Community group or collection drive 1 120", "Individual 1 10",
                "Blanket 50 105 42 113 20", "Tent (2 people) 0 30 8 22 0",
                "Total 50 135 50 135 20"):
        assert row in text, row


def test_every_page_has_the_header_and_page_x_of_y(world):
    pages = pdf_pages(_pdf(world, site_id=world.site.id))
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
        assert "Printed 11/27/26, 10:30 AM by Max Manager" in page
        assert "Calais Warehouse" in page


def test_in_french_names_and_numbers_are_written_the_french_way(world):
    text = pdf_text(_pdf(world, site_id=world.site.id, lang="fr"))
    assert "Couverture 50 105 42 113 20" in text
    assert "Blanket" not in text
    assert "62 %" in text and "nov. 2026" in text


def test_the_same_report_gives_the_same_bytes(world):
    assert _pdf(world, site_id=world.site.id) == _pdf(world, site_id=world.site.id)


def test_the_command_line_writes_the_bytes_the_page_prints(world, app, tmp_path):
    out = tmp_path / "week.pdf"
    result = app.test_cli_runner().invoke(args=[
        "report", "weekly", "--from", world.period.start.isoformat(),
        "--to", world.period.end.isoformat(), "--site", "cal", "--by", "Max Manager",
        "--at", "2026-11-27T09:30:00Z", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == _pdf(world, site_id=world.site.id)


@pytest.mark.parametrize("args, message", [
    (["--week", "2026-W60"], "There is no week 2026-W60: 2026 has weeks 1 to 53."),
    (["--from", "2026-11-10", "--to", "2026-11-01"], "ends (2026-11-01) before it starts"),
    (["--from", "2024-01-01", "--to", "2026-01-01"], "at most 366 days"),
    (["--site", "NOWHERE"], "There is no site “NOWHERE”"),
    (["--week", "2026-W47", "--issued"], "has not been issued yet"),
])
def test_the_command_line_refuses_bad_input_with_a_clear_message(app, tmp_path, args,
                                                                 message):
    out = tmp_path / "week.pdf"
    result = app.test_cli_runner().invoke(args=["report", "weekly", *args, "--out", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()


def test_a_coordinators_pdf_names_no_other_partner(world):
    text = pdf_text(_pdf(world, organisation_id=world.partner_b.id))
    assert "Bureau du Nord" in text
    for other in ("Abri Solidaire", "Rue des Verrotières", "Puythouck"):
        assert other not in text
    assert "130" not in text  # the warehouse's donations are not a partner's figure
    text_a = pdf_text(_pdf(world, organisation_id=world.partner_a.id))
    assert "Bureau du Nord" not in text_a
    assert "Collected from the warehouse (items) 48" in text_a


def test_a_period_with_no_data_prints_a_page_that_says_so(app):
    with force_locale("en"):
        report = weekly.weekly_report(weekly.parse_week("2025-W02"))
        pdf = build_weekly_pdf(report, printed_by="Max Manager", printed_at=PRINTED_AT)
    [page] = pdf_pages(pdf)
    assert "Nothing happened in this period" in page and "Page 1 of 1" in page


def test_the_xlsx_holds_the_tables_hxl_rows_and_charts(world):
    with force_locale("en"):
        report = weekly.weekly_report(world.period, site_id=world.site.id)
        data = build_weekly_xlsx(report)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert {"Summary", "Partners", "Distribution sites", "Items", "Top needs", "Donations",
            "Weeks", "HXL"} <= set(book.sheetnames)
    summary = {row[0]: row[1:3] for row in book["Summary"].iter_rows(min_row=5,
                                                                     values_only=True)}
    assert summary["Received (items)"] == (130, 50)
    assert summary["People reached"] == (21, 0)
    assert summary["Dispatched ÷ requested"][0] == pytest.approx(48 / 78)
    items = {row[2]: row[3:8] for row in book["Items"].iter_rows(min_row=2, values_only=True)}
    assert items["Blanket"] == (50, 105, 42, 113, 20)
    opening, received, out, closing, _ = items["Tent (2 people)"]
    assert opening + received - out == closing == 22
    partners = [row for row in book["Partners"].iter_rows(min_row=2, values_only=True)
                if row[0]]
    assert ("Abri Solidaire", 48, 48, 48, 28, 21, 5) in partners
    hxl = list(book["HXL"].iter_rows(values_only=True))
    assert hxl[1][:4] == ("#date+start", "#date+end", "#org+name", "#loc+name")
    assert "#output+num" in hxl[1] and "#item+name" in hxl[1]
    assert sum(row[8] for row in hxl[2:]) == 28
    assert len(book["Weeks"]._charts) == 2 and len(book["Partners"]._charts) == 1


def test_a_long_stock_table_repeats_its_column_titles_on_every_page(app):
    from tests import factories
    from warehouse.models import Role

    manager = factories.create_user(role=Role.MANAGER)
    site = factories.create_site(code="DUN", name="Dunkirk Store")
    shelf = factories.create_location(site=site)
    category = factories.create_category(name="Clothing")
    for n in range(90):
        item = factories.create_item(name=f"Jacket {n:02d}", category=category)
        factories.receive(item, shelf, n + 1, actor=manager)
    with force_locale("en"):
        report = weekly.weekly_report(weekly.date_range(local_today(), local_today()))
        pages = pdf_pages(build_weekly_pdf(report, printed_by="Max Manager",
                                           printed_at=PRINTED_AT))
    with_rows = [page for page in pages if "Jacket" in page]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert "Item Opening In Out Closing" in page
