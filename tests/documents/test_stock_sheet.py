"""The daily stock sheet and the count sheet print the figures a manager can check by hand.

Every test builds a small warehouse whose every figure is known: receipts, moves between
shelves (which are neither in nor out), dispatches, a write-off, a transfer, reservations,
and outflow over the previous fortnight. The PDF is read back with PDFium: each item's row
is the text on the line of its code, compared whole, so a figure in the wrong column fails.
Times are in Europe/Paris (the app's timezone), on the week summer time begins.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium
import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, get_translations

import warehouse
from tests import factories
from warehouse.extensions import db
from warehouse.models import LocationKind, Reservation, Role
from warehouse.reports import (SheetDateInFuture, SheetDateTooOld, build_count_sheet,
                               build_stock_sheet)
from warehouse.reports import queries
from warehouse.stock import services as ledger
from warehouse.stock.errors import UnknownLocation, UnknownSite

PARIS = ZoneInfo("Europe/Paris")
#: "Now" for the sheets: Thursday 2 April 2026, 10:00 in Calais (summer time since 29 March).
NOW = datetime(2026, 4, 2, 10, 0, tzinfo=PARIS)
PENDING_FRENCH = Path(warehouse.__file__).parent / "translations/fr-pending/reports.po"


# --- reading the PDF ---------------------------------------------------------------------

def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, its lines joined by spaces (column titles wrap over lines)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [" ".join(page.get_textpage().get_text_range().splitlines())
                for page in document]
    finally:
        document.close()


def row_text(pdf: bytes, needle: str) -> str:
    """The text on the line of ``needle`` (an item or box code), spaces normalised.

    Numbers keep their thousands separator as a plain space ("1 500" in French).
    """
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            text_page = page.get_textpage()
            found = text_page.search(needle, match_case=True, match_whole_word=True).get_next()
            if found is None:
                continue
            _, bottom, _, top = text_page.get_charbox(found[0])
            width, _ = page.get_size()
            middle = (top + bottom) / 2
            text = text_page.get_text_bounded(0, middle - 4, width, middle + 4)
            return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split(" ")).strip()
    finally:
        document.close()
    raise AssertionError(f"{needle} is not on the sheet")


def page_count(pdf: bytes) -> int:
    return len(pages_text(pdf))


def use_pending_french() -> None:
    """Speak French as the app will once ``fr-pending/reports.po`` is merged.

    Until then the compiled catalogue lacks these messages; they are added to the loaded
    French translations (messages already in the catalogue win). Once merged, the file is
    gone and this does nothing.
    """
    if not PENDING_FRENCH.exists():
        return
    with PENDING_FRENCH.open("rb") as handle:
        pending = read_po(handle, locale="fr")
    with force_locale("fr"):
        catalogue = get_translations()._catalog
    for message in pending:
        if not message.id or not message.string:
            continue
        if isinstance(message.id, tuple):  # a plural: gettext keys it by (singular, n)
            for index, string in enumerate(message.string):
                catalogue.setdefault((message.id[0], index), string)
        else:
            catalogue.setdefault(message.id, message.string)


# --- a warehouse whose every figure is known ---------------------------------------------

@dataclass
class Warehouse:
    site: object
    other_site: object
    a1: object
    a2: object
    manager: object
    bag: object  # busy: in, out, shelf moves, reservations, a fortnight of outflow
    gloves: object  # below minimum, nothing went out
    tent: object  # ran out: zero on hand, still listed and flagged
    socks: object  # a four-figure quantity
    blanket: object  # only at the other site
    box_gloves: object


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


def build_warehouse(today: date = NOW.date()) -> Warehouse:
    """The story, in Calais time, counted back from ``today``:

    - 20 days ago: 200 sleeping bags onto A1, 1,500 socks onto A2;
    - 15 days ago: 100 bags dispatched (before the fortnight: not in today's outflow);
    - 10 days ago: 30 bags dispatched; 5 days ago: 4 tents and 8 gloves (5 boxed) onto A1;
    - 3 days ago: 12 bags written off; 2 days ago: the 4 tents dispatched;
    - yesterday 23:30: 7 bags onto A1 (yesterday, not today);
    - today 00:30: 25 bags onto A2 (today, though still yesterday in UTC);
    - today 08:00: 40 bags moved A1 -> A2 (a shelf move: neither in nor out);
    - today 09:00: 18 bags dispatched from A2, 5 sent from A1 towards the other site;
    - reservations: 30 bags open since 3 days ago; 10 more from 8 days ago to today 08:00;
    - the other site: 50 blankets received, 6 dispatched today.
    """
    manager = factories.create_user(role=Role.MANAGER, name="Max Manager")
    partner = factories.create_organisation(name="Partner A", short_name="PA")
    site = factories.create_site(code="CAL", name="Calais Warehouse")
    other_site = factories.create_site(code="DUN", name="Dunkirk Store")
    a1 = factories.create_location(site=site, name="Shelf A1", position=1)
    a2 = factories.create_location(site=site, name="Shelf A2", position=2)
    factories.create_location(site=site, name="Shelf A3", position=3)
    s1 = factories.create_location(site=other_site, name="Shelf S1")
    shelter = factories.create_category(name="Shelter", name_fr="Abri", position=1)
    clothing = factories.create_category(name="Clothing", name_fr="Vêtements", position=2)
    accessories = factories.create_category(name="Accessories", name_fr="Accessoires",
                                            position=3)
    bag = factories.create_item(code="BAG", name="Sleeping bag", name_fr="Sac de couchage",
                                category=shelter, minimum_level=50, target_level=150)
    tent = factories.create_item(code="TENT", name="Tent", name_fr="Tente", size="2-person",
                                 category=shelter, minimum_level=5, target_level=20)
    socks = factories.create_item(code="SOCKS", name="Socks", name_fr="Chaussettes",
                                  category=clothing)
    gloves = factories.create_item(code="GLOVES", name="Gloves", name_fr="Gants",
                                   category=accessories, minimum_level=10, target_level=30)
    blanket = factories.create_item(code="BLANKET", name="Blanket", category=shelter)
    box_gloves = factories.create_box(code="BX1")

    donor = ledger.system_location(LocationKind.DONOR)
    written_off = ledger.system_location(LocationKind.WRITE_OFF)
    custody = ledger.custody_location(partner)
    transit = ledger.transit_location(site)

    def post(kind, when, *lines):
        ledger.post_document(kind=kind, actor=manager, occurred_at=when,
                             lines=[ledger.Line(*line) for line in lines])

    def ago(days):
        return today - timedelta(days=days)

    post("receipt", local(ago(20), 10), (bag.id, 200, donor.id, a1.id),
         (socks.id, 1500, donor.id, a2.id))
    post("receipt", local(ago(20), 11), (blanket.id, 50, donor.id, s1.id))
    post("dispatch", local(ago(15), 12), (bag.id, 100, a1.id, custody.id))
    post("dispatch", local(ago(10), 12), (bag.id, 30, a1.id, custody.id))
    post("receipt", local(ago(5), 10), (tent.id, 4, donor.id, a1.id),
         (gloves.id, 3, donor.id, a1.id), (gloves.id, 5, donor.id, a1.id, None, box_gloves.id))
    post("write_off", local(ago(3), 15), (bag.id, 12, a1.id, written_off.id))
    post("dispatch", local(ago(2), 12), (tent.id, 4, a1.id, custody.id))
    post("receipt", local(ago(1), 23, 30), (bag.id, 7, donor.id, a1.id))
    post("receipt", local(today, 0, 30), (bag.id, 25, donor.id, a2.id))
    post("move", local(today, 8), (bag.id, 40, a1.id, a2.id))
    post("dispatch", local(today, 9), (bag.id, 18, a2.id, custody.id))
    post("transfer", local(today, 9, 15), (bag.id, 5, a1.id, transit.id))
    post("dispatch", local(today, 9, 30), (blanket.id, 6, s1.id, custody.id))

    db.session.add_all([
        Reservation(site_id=site.id, item_id=bag.id, organisation_id=partner.id, quantity=30,
                    source_type="test", created_by_id=manager.id,
                    created_at=local(ago(3), 9)),
        Reservation(site_id=site.id, item_id=bag.id, organisation_id=partner.id, quantity=10,
                    source_type="test", created_by_id=manager.id,
                    created_at=local(ago(8), 9), released_at=local(today, 8)),
        Reservation(site_id=other_site.id, item_id=blanket.id, organisation_id=partner.id,
                    quantity=4, source_type="test", created_by_id=manager.id,
                    created_at=local(ago(3), 9)),
    ])
    db.session.commit()
    return Warehouse(site=site, other_site=other_site, a1=a1, a2=a2, manager=manager, bag=bag,
                     gloves=gloves, tent=tent, socks=socks, blanket=blanket,
                     box_gloves=box_gloves)


@pytest.fixture
def warehouse_():
    return build_warehouse()


def sheet_pdf(w: Warehouse, **overrides) -> bytes:
    values = {"printed_by": "Max Manager", "printed_at": NOW} | overrides
    return build_stock_sheet(w.site.id, **values)


# Each row, whole: code, item, on hand by location, on hand, minimum, reserved, available,
# in, out, days of cover. The bags: on hand 67 (A1 200+7-100-30-12-40-5 = 20, A2
# 25+40-18 = 47), reserved 30, in 25, out 18+5, cover 67 / (42 / 14 days) = 22.3.
TODAY_ROWS = {
    "BAG": "BAG Sleeping bag A1: 20 · A2: 47 67 50 30 37 25 23 22",
    "TENT": "! TENT Tent (2-person) — 0 5 0 0 0 0 0.0",
    "SOCKS": "SOCKS Socks A2: 1,500 1,500 0 0 1,500 0 0 —",
    "GLOVES": "! GLOVES Gloves A1: 8 8 10 0 8 0 0 —",
}


# --- the daily stock sheet ---------------------------------------------------------------

def test_each_items_line_shows_on_hand_by_shelf_reserved_available_in_out_and_cover(
        warehouse_):
    pdf = sheet_pdf(warehouse_)

    for code, expected in TODAY_ROWS.items():
        assert row_text(pdf, code) == expected


def test_shelf_moves_are_neither_in_nor_out_but_change_the_shelves(warehouse_):
    figures = {line.item_code: line for line in queries.stock_sheet(
        warehouse_.site.id, now=NOW).lines}

    bag = figures["BAG"]
    assert (bag.in_today, bag.out_today) == (25, 23)  # not 65 in and 63 out: the move
    assert bag.by_location == (("A1", 20), ("A2", 47))


def test_todays_movements_are_counted_by_calais_days_not_utc_days(warehouse_):
    # 00:30 in Calais today is 22:30 UTC yesterday; 23:30 yesterday is 21:30 UTC.
    bag = next(line for line in queries.stock_sheet(warehouse_.site.id, now=NOW).lines
               if line.item_code == "BAG")

    assert bag.in_today == 25


def test_days_of_cover_divide_on_hand_by_the_average_outflow_of_the_previous_fortnight(
        warehouse_):
    bag = next(line for line in queries.stock_sheet(warehouse_.site.id, now=NOW).lines
               if line.item_code == "BAG")

    assert bag.outflow == 42  # 30 dispatched and 12 written off; the 100 of 15 days ago not
    assert bag.days_of_cover == pytest.approx(67 * 14 / 42)


def test_items_below_their_minimum_are_flagged_even_when_none_is_left(warehouse_):
    sheet = queries.stock_sheet(warehouse_.site.id, now=NOW)

    assert {line.item_code for line in sheet.below_minimum} == {"TENT", "GLOVES"}
    pdf = sheet_pdf(warehouse_)
    assert row_text(pdf, "TENT").startswith("! ")
    assert not row_text(pdf, "BAG").startswith("!")
    assert "4 items · 2 below minimum" in pages_text(pdf)[0]


def test_the_sheet_lists_only_the_sites_own_stock_grouped_by_category(warehouse_):
    sheet = queries.stock_sheet(warehouse_.site.id, now=NOW)

    assert [(c.name, [line.item_code for line in c.lines]) for c in sheet.categories] == [
        ("Shelter", ["BAG", "TENT"]), ("Clothing", ["SOCKS"]), ("Accessories", ["GLOVES"])]
    text = pages_text(sheet_pdf(warehouse_))[0]
    assert "BLANKET" not in text
    assert text.index("Shelter (2)") < text.index("Clothing (1)") < text.index("Accessories (1)")


def test_the_other_sites_sheet_has_its_own_figures(warehouse_):
    pdf = build_stock_sheet(warehouse_.other_site.id, printed_by="Max Manager", printed_at=NOW)

    # One shelf: its name is shown whole ("Shelf A1" becomes "A1" only among many shelves).
    assert row_text(pdf, "BLANKET") == "BLANKET Blanket Shelf S1: 44 44 0 4 40 0 6 —"
    assert "BAG" not in pages_text(pdf)[0]


def test_every_page_says_which_site_which_day_when_and_who_printed_it(warehouse_):
    pdf = sheet_pdf(warehouse_)

    text = pages_text(pdf)[0]
    assert "Daily stock sheet – Calais Warehouse (CAL)" in text
    assert "Thursday, April 2, 2026, figures at 10:00" in text
    assert "Printed 4/2/26, 10:00\u202fAM by Max Manager" in text
    assert "Page 1 of 1" in text
    for heading in ("On hand by location", "Reserved", "Available", "In today", "Out today",
                    "Days of cover", "Counted"):
        assert heading in text


def test_a_past_days_sheet_shows_the_figures_at_the_end_of_that_day(warehouse_):
    yesterday = NOW.date() - timedelta(days=1)

    pdf = sheet_pdf(warehouse_, day=yesterday)

    # At the end of yesterday: A1 200-100-30-12+7 = 65, A2 empty; both reservations were
    # open (40); in 7 (23:30); outflow over the 14 days before yesterday includes the 100
    # dispatched 15 days before today: 142, so cover 65 / (142 / 14) = 6.4 days.
    assert row_text(pdf, "BAG") == "BAG Sleeping bag A1: 65 65 50 40 25 7 0 6.4"
    assert row_text(pdf, "TENT") == "! TENT Tent (2-person) — 0 5 0 0 0 0 0.0"
    text = pages_text(pdf)[0]
    assert "Wednesday, April 1, 2026, figures at the end of the day" in text
    assert "In that day" in text


def test_a_sheet_cannot_be_printed_for_tomorrow_or_for_more_than_a_year_ago(warehouse_):
    with pytest.raises(SheetDateInFuture):
        sheet_pdf(warehouse_, day=NOW.date() + timedelta(days=1))
    with pytest.raises(SheetDateTooOld):
        sheet_pdf(warehouse_, day=NOW.date() - timedelta(days=queries.MAX_DAYS_BACK + 1))


def test_an_unknown_site_is_refused(warehouse_):
    with pytest.raises(UnknownSite):
        build_stock_sheet(999_999, printed_by="Max Manager")


def test_the_french_sheet_has_french_headings_names_and_numbers(warehouse_):
    use_pending_french()

    pdf = sheet_pdf(warehouse_, lang="fr")

    text = pages_text(pdf)[0]
    for heading in ("Feuille de stock du jour – Calais Warehouse (CAL)",
                    "jeudi 2 avril 2026", "Imprimée le 02/04/2026 10:00 par Max Manager",
                    "Stock par emplacement", "En stock", "Réservé", "Disponible",
                    "Entrées du jour", "Sorties du jour", "Jours de couverture", "Compté",
                    "Page 1 sur 1", "Abri (2)", "Vêtements (1)",
                    "4 articles · 2 sous le minimum"):
        assert heading in text, heading
    assert row_text(pdf, "BAG") == "BAG Sac de couchage A1: 20 · A2: 47 67 50 30 37 25 23 22"
    assert row_text(pdf, "SOCKS") == "SOCKS Chaussettes A2: 1 500 1 500 0 0 1 500 0 0 —"
    yesterday = sheet_pdf(warehouse_, lang="fr", day=NOW.date() - timedelta(days=1))
    assert row_text(yesterday, "BAG").endswith(" 6,4")


def test_items_are_in_alphabetical_order_of_the_sheets_language(warehouse_):
    shelter = warehouse_.bag.category
    tarp = factories.create_item(code="TARP", name="Tarp", name_fr="Bâche", category=shelter)
    factories.receive(tarp, warehouse_.a1, 3, actor=warehouse_.manager)

    def order(lang):
        with force_locale(lang):
            return [line.item_code for line in queries.stock_sheet(
                warehouse_.site.id, now=NOW).categories[0].lines]

    assert order("en") == ["BAG", "TARP", "TENT"]  # Sleeping bag, Tarp, Tent
    assert order("fr") == ["TARP", "BAG", "TENT"]  # Bâche, Sac de couchage, Tente


def test_a_sheet_of_many_items_runs_over_pages_each_with_its_header_and_page_number():
    manager = factories.create_user(role=Role.MANAGER, name="Max Manager")
    site = factories.create_site(code="CAL", name="Calais Warehouse")
    shelves = [factories.create_location(site=site, name=f"Shelf A{n}", position=n)
               for n in range(1, 21)]
    category = factories.create_category(name="Clothing")
    donor = ledger.system_location(LocationKind.DONOR)
    items = [factories.create_item(code=f"X{n:03d}", name=f"Item {n:03d}", category=category)
             for n in range(60)]
    # The last item is on all twenty shelves: its row grows, and stays on one page.
    lines = [ledger.Line(items[-1].id, 10 + n, donor.id, shelf.id)
             for n, shelf in enumerate(shelves)]
    lines += [ledger.Line(item.id, 5, donor.id, shelves[0].id) for item in items[:-1]]
    ledger.post_document(kind="receipt", actor=manager, occurred_at=NOW - timedelta(days=1),
                         lines=lines)

    pdf = build_stock_sheet(site.id, printed_by="Max Manager", printed_at=NOW)

    pages = pages_text(pdf)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "Daily stock sheet – Calais Warehouse (CAL)" in text
        assert "Printed 4/2/26, 10:00\u202fAM by Max Manager" in text
        assert "Days of" in text and "Counted" in text
        assert f"Page {number} of {len(pages)}" in text
    assert "Clothing (continued)" in pages[1]
    everything = "".join(pages)
    assert all(f"X{n:03d}" in everything for n in range(60))
    wide = queries.stock_sheet(site.id, now=NOW).lines[-1]
    assert len(wide.by_location) == 20 and wide.on_hand == sum(range(10, 30))


def test_a_site_with_nothing_says_so():
    site = factories.create_site(code="NEW", name="New Store")
    factories.create_location(site=site)

    text = pages_text(build_stock_sheet(site.id, printed_by="Max Manager", printed_at=NOW))

    assert "This site holds no stock and moved none." in text[0]


# --- the count sheet ---------------------------------------------------------------------

def test_the_count_sheet_lists_each_box_and_the_loose_stock_of_each_item(warehouse_):
    w = warehouse_
    donor = ledger.system_location(LocationKind.DONOR)
    bag_box = factories.create_box(code="BX2")
    empty_box = factories.create_box(code="BX3", location_id=w.a1.id)
    elsewhere = factories.create_box(code="BX4")
    ledger.post_document(kind="receipt", actor=w.manager, occurred_at=NOW, lines=[
        ledger.Line(w.bag.id, 12, donor.id, w.a1.id, None, bag_box.id),
        ledger.Line(w.bag.id, 9, donor.id, w.a2.id, None, elsewhere.id)])

    pdf = build_count_sheet(w.a1.id, printed_by="Léa Martin", printed_at=NOW)

    # A1 holds: bags 20 loose + box BX2 of 12; gloves 3 loose + box BX1 of 5.
    assert row_text(pdf, "BX1") == "BX1 Gloves 5"
    assert row_text(pdf, "BX2") == "BX2 Sleeping bag 12"
    assert row_text(pdf, "BAG") == "BAG Sleeping bag 20"
    assert row_text(pdf, "GLOVES") == "GLOVES Gloves 3"
    text = pages_text(pdf)[0]
    assert empty_box.code not in text and elsewhere.code not in text
    assert "TENT" not in text  # none left on A1
    for words in ("Count sheet – Shelf A1", "Calais Warehouse (CAL) · location "
                  + w.a1.code, "Thursday, April 2, 2026", "Printed 4/2/26, 10:00\u202fAM by "
                  "Léa Martin", "2 boxes, 2 items loose", "Boxes (2)", "Loose stock (2)",
                  "Recorded", "Counted", "Notes", "Found here but not listed above",
                  "Page 1 of 1"):
        assert words in text, words
    sheet = queries.count_sheet(w.a1.id, now=NOW)
    assert [(b.code, b.quantity) for b in sheet.boxes] == [("BX1", 5), ("BX2", 12)]
    assert [(item.item_code, item.quantity) for item in sheet.loose] == [("GLOVES", 3),
                                                                         ("BAG", 20)]


def test_the_count_sheet_of_an_empty_shelf_says_there_is_nothing_recorded(warehouse_):
    empty = factories.create_location(site=warehouse_.site, name="Shelf Z9")

    text = pages_text(build_count_sheet(empty.id, printed_by="Léa Martin", printed_at=NOW))[0]

    assert "The ledger has no boxes here." in text
    assert "The ledger has no loose stock here." in text


def test_the_french_count_sheet_is_in_french(warehouse_):
    use_pending_french()

    pdf = build_count_sheet(warehouse_.a1.id, printed_by="Léa Martin", printed_at=NOW,
                            lang="fr")

    text = pages_text(pdf)[0]
    for words in ("Feuille de comptage – Shelf A1", "Cartons (1)", "Stock en vrac (2)",
                  "1 carton, 2 articles en vrac",
                  "Enregistré", "Compté", "Trouvé ici mais absent de la liste",
                  "Page 1 sur 1"):
        assert words in text, words
    assert row_text(pdf, "BX1") == "BX1 Gants 5"


def test_a_count_sheet_is_only_for_a_shelf_or_bay_of_a_site(warehouse_):
    custody = ledger.custody_location(factories.create_organisation())

    for location_id in (custody.id, 999_999):
        with pytest.raises(UnknownLocation):
            build_count_sheet(location_id, printed_by="Léa Martin")


# --- the command line --------------------------------------------------------------------

def test_the_command_writes_the_sheet_with_the_same_figures(fixed_clock, warehouse_, runner,
                                                            tmp_path):
    fixed_clock.move_to(NOW, tick=False)  # the command prints "now": the story's moment
    out = tmp_path / "sheet.pdf"

    result = runner.invoke(args=["stock", "sheet", "--site", "cal", "--by", "Max Manager",
                                 "--out", str(out)])

    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF-") and page_count(pdf) == 1
    for code, expected in TODAY_ROWS.items():
        assert row_text(pdf, code) == expected
    assert pdf == sheet_pdf(warehouse_)


def test_the_command_prints_a_past_day_in_french(fixed_clock, warehouse_, runner, tmp_path):
    use_pending_french()
    fixed_clock.move_to(NOW, tick=False)
    out = tmp_path / "sheet.pdf"

    result = runner.invoke(args=["stock", "sheet", "--site", "CAL", "--date", "2026-04-01",
                                 "--lang", "fr", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert row_text(out.read_bytes(), "BAG") == "BAG Sac de couchage A1: 65 65 50 40 25 7 0 6,4"


@pytest.mark.parametrize("args, message", [
    (["--site", "XYZ"], "There is no site with the code 'XYZ'. Known codes: CAL, DUN."),
    (["--site", "CAL", "--date", "2999-01-01"], "cannot be printed for 2999-01-01"),
    (["--site", "CAL", "--date", "yesterday"], "'yesterday' does not match the format"),
    (["--site", "CAL", "--lang", "de"], "choose one of: en, fr"),
])
def test_the_command_refuses_a_bad_request_clearly_and_writes_nothing(warehouse_, runner,
                                                                      tmp_path, args, message):
    out = tmp_path / "sheet.pdf"

    result = runner.invoke(args=["stock", "sheet", *args, "--out", str(out)])

    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


def test_the_command_writes_a_locations_count_sheet(warehouse_, runner, tmp_path):
    out = tmp_path / "count.pdf"

    result = runner.invoke(args=["stock", "count-sheet", "--location", warehouse_.a1.code,
                                 "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert row_text(out.read_bytes(), "BX1") == "BX1 Gloves 5"
    missing = runner.invoke(args=["stock", "count-sheet", "--location", "NOPE",
                                  "--out", str(tmp_path / "x.pdf")])
    assert missing.exit_code != 0 and "There is no location with the code 'NOPE'" in \
        missing.output
