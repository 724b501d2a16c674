"""Label PDFs scan, stay on their labels, and refuse bad print jobs before drawing anything.

Pages are rendered with PDFium (sheets at office-scan resolutions, thermal labels at the
printer's own) and read with zxing-cpp, one label cell at a time as a scanner sees it.
"""
import datetime
import math

import pypdfium2 as pdfium
import pytest
import zxingcpp

from warehouse import create_app
from warehouse.core.pdf import text
from warehouse.labels import (FORMATS, MAX_LABELS, CopiesOutOfRange, InvalidLabelCode,
                              LabelCodeTooLong, LabelData, NoLabelsToPrint,
                              PrinterOffsetTooLarge, StartPositionOutOfRange, TooManyLabels,
                              UnknownLabelFormat, UnsupportedPrinterResolution,
                              build_calibration_page, build_labels)
from warehouse.labels.symbols import CODE128_QUIET_ZONE_MODULES, encode

SHEETS = [name for name, fmt in FORMATS.items() if not fmt.thermal]
ROLLS = [name for name, fmt in FORMATS.items() if fmt.thermal]
QR, CODE128 = zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128
DARK = 128  # grey level below which a pixel counts as ink


def box_label(code: str, **overrides) -> LabelData:
    fields = dict(code=code, kind="box", title="Chaussettes chaudes en laine mérinos",
                  subtitle="Taille 39–42 · hommes", quantity=120, unit="paires",
                  date=datetime.date(2025, 3, 12), condition="used",
                  extra="Dunkerque – Grande-Synthe")
    return LabelData(**{**fields, **overrides})


def render(pdf: bytes, dpi: float) -> list:
    """Every page as a greyscale PIL image."""
    document = pdfium.PdfDocument(pdf)
    images = []
    for page in document:
        images.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
        page.close()
    document.close()
    return images


def page_count(pdf: bytes) -> int:
    document = pdfium.PdfDocument(pdf)
    count = len(document)
    document.close()
    return count


def cell_box(name: str, position: int, dpi: float, *, inset_mm=(0.0, 0.0),
             offset_mm=(0.0, 0.0)) -> tuple[int, int, int, int]:
    """Pixel box (left, top, right, bottom) of a label cell, optionally inset."""
    fmt = FORMATS[name]
    left, top = fmt.cell_mm(position)
    px = dpi / 25.4
    return (round((left + offset_mm[0] + inset_mm[0]) * px),
            round((top + offset_mm[1] + inset_mm[1]) * px),
            round((left + offset_mm[0] + fmt.label_mm[0] - inset_mm[0]) * px),
            round((top + offset_mm[1] + fmt.label_mm[1] - inset_mm[1]) * px))


def scan(image) -> dict:
    """What a scanner reads in ``image``: {symbology: text}."""
    return {result.format: result.text
            for result in zxingcpp.read_barcodes(image, formats=(QR, CODE128))}


def ink_box(image):
    """Bounding box of the dark pixels, or None for a blank image."""
    return image.point(lambda value: 255 if value < DARK else 0).getbbox()


def codes(count: int, prefix: str = "B") -> list[str]:
    return [f"{prefix}{number:05d}" for number in range(1, count + 1)]


# --- Scanning ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,printer_dpi,scan_dpi", [
    # L7651 bars are 0.3 mm: at 150 dpi that is under two pixels a bar, too coarse a
    # picture for any decoder (an office printer prints them at 600 dpi).
    *[(name, 203, 200 if name == "L7651" else 150) for name in SHEETS],
    *[(name, dpi, dpi) for name in ROLLS for dpi in (203, 300)],
])
def test_every_label_scans_as_its_own_code_in_both_qr_and_code128(
        name, printer_dpi, scan_dpi):
    fmt = FORMATS[name]
    count = fmt.cells_per_sheet if not fmt.thermal else 3
    wanted = codes(count, prefix="L") if name == "L7651" else codes(count)
    pdf = build_labels([box_label(code) for code in wanted], format=name, dpi=printer_dpi)
    pages = render(pdf, scan_dpi)
    assert len(pages) == (1 if not fmt.thermal else count)

    for index, code in enumerate(wanted):
        page = pages[index // fmt.cells_per_sheet]
        position = index % fmt.cells_per_sheet
        read = scan(page.crop(cell_box(name, position, scan_dpi)))
        assert read == {QR: code, CODE128: code}, (name, position)


@pytest.mark.parametrize("name", [*SHEETS, *ROLLS])
def test_codes_keep_their_quiet_zones_clear_of_text_and_of_the_label_edge(name):
    dpi = 300
    pdf = build_labels([box_label("B00123")], format=name)
    cell = render(pdf, dpi)[0].crop(cell_box(name, 0, dpi))
    found = {r.format: r for r in zxingcpp.read_barcodes(cell, formats=(QR, CODE128))}
    ink = cell.point(lambda value: 1 if value < DARK else 0)
    symbols = encode("B00123")
    assert found[QR].ec_level == "M"  # a standard QR code (never Micro QR), level M

    # QR code: at least one blank module all round, inside the label.
    qr = found[QR].position
    left, top = qr.top_left.x, qr.top_left.y
    right, bottom = qr.bottom_right.x, qr.bottom_right.y
    module = (right - left) / symbols.qr_size
    frame = (math.floor(left - module), math.floor(top - module),
             math.ceil(right + module), math.ceil(bottom + module))
    assert frame[0] >= 0 and frame[1] >= 0
    assert frame[2] <= cell.width and frame[3] <= cell.height
    ring = ink.crop(frame)
    ring.paste(0, (left - 1 - frame[0], top - 1 - frame[1],
                   right + 2 - frame[0], bottom + 2 - frame[1]))  # blank out the QR code
    assert ring.getbbox() is None, "ink next to the QR code"

    # Code128: ten blank modules either side, over the bars' height, inside the label.
    bars = found[CODE128].position
    left, right = bars.top_left.x, bars.top_right.x
    top, bottom = bars.top_left.y, bars.bottom_left.y
    module = (right - left) / symbols.bar_modules
    zone = CODE128_QUIET_ZONE_MODULES * module
    assert left - zone >= 0 and right + zone <= cell.width
    for zone_box in ((math.floor(left - zone), top + 1, math.floor(left) - 1, bottom - 1),
                     (math.ceil(right) + 1, top + 1, math.ceil(right + zone), bottom - 1)):
        assert ink.crop(zone_box).getbbox() is None, ("ink in the Code128 quiet zone",
                                                      zone_box)


@pytest.mark.parametrize("dpi", [203, 300])
def test_thermal_bars_and_qr_modules_are_whole_printer_dots(dpi):
    # Rendered at the printer's own resolution, an edge between two dots comes out grey.
    for name in ROLLS:
        document = pdfium.PdfDocument(build_labels([box_label("B00123")], format=name,
                                                   dpi=dpi))
        page = document[0]
        # PDFium stretches a page to whole pixels; grow it to whole dots (rightwards and
        # downwards, as dots count from the top-left corner) so that it does not.
        width, height = page.get_size()
        width = (math.ceil(width * dpi / 72) - 0.001) * 72 / dpi
        bottom = height - (math.ceil(height * dpi / 72) - 0.001) * 72 / dpi
        page.set_mediabox(0, bottom, width, height)
        page.set_cropbox(0, bottom, width, height)
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        found = {r.format: r for r in zxingcpp.read_barcodes(image, formats=(QR, CODE128))}
        bars, qr = found[CODE128].position, found[QR].position
        rows = ((round((bars.top_left.y + bars.bottom_left.y) / 2),
                 bars.top_left.x - 2, bars.top_right.x + 2),
                (round((qr.top_left.y * 2 + qr.bottom_left.y) / 3),
                 qr.top_left.x - 2, qr.top_right.x + 2))
        for y, x0, x1 in rows:
            grey = [x for x in range(x0, x1) if 40 < image.getpixel((x, y)) < 215]
            assert not grey, (name, dpi, y, [(x, image.getpixel((x, y))) for x in grey[:5]])
        page.close()
        document.close()


# --- Placement --------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*SHEETS, *ROLLS])
def test_labels_stay_inside_their_cells_even_with_long_words(name):
    fmt = FORMATS[name]
    dpi = 100
    long_words = box_label(
        "B12345", title="Pantalons imperméables doublés polaire pour adultes, très chauds "
        "Anticonstitutionnellement", subtitle="Tailles XXL à XXXL " * 4, quantity=123456,
        unit="sacs poubelle", extra="Entrepôt partagé de Calais, zone industrielle des "
        "Dunes, quai numéro 3")
    count = min(fmt.cells_per_sheet, 4)
    pdf = build_labels([long_words] * count, format=name)
    page = render(pdf, dpi)[0]
    pad = fmt.layout.padding_mm
    for position in range(count):
        content = cell_box(name, position, dpi, inset_mm=pad)
        drawn = ink_box(page.crop(cell_box(name, position, dpi)))
        assert drawn is not None
        cell_left, cell_top = cell_box(name, position, dpi)[:2]
        drawn = (drawn[0] + cell_left, drawn[1] + cell_top,
                 drawn[2] + cell_left, drawn[3] + cell_top)
        assert content[0] - 1 <= drawn[0] and drawn[2] <= content[2] + 1, (position, drawn)
        assert content[1] - 1 <= drawn[1] and drawn[3] <= content[3] + 1, (position, drawn)
    # Nothing anywhere else on the page.
    for position in range(count):
        page.paste(255, cell_box(name, position, dpi))
    assert ink_box(page) is None


def test_a_printer_offset_moves_every_label_by_that_much():
    name, dpi, offset = "L7163", 100, (3.0, -2.5)
    straight = render(build_labels([box_label("B00001")], format=name), dpi)[0]
    moved = render(build_labels([box_label("B00001")], format=name, offset_mm=offset), dpi)[0]
    a, b = ink_box(straight), ink_box(moved)
    px = dpi / 25.4
    assert b[0] - a[0] == pytest.approx(offset[0] * px, abs=1.5)
    assert b[1] - a[1] == pytest.approx(offset[1] * px, abs=1.5)


def test_starting_at_position_5_leaves_the_first_four_labels_blank():
    dpi = 100
    pdf = build_labels([box_label(code) for code in codes(3)], format="L7160", start_at=5)
    page = render(pdf, dpi)[0]
    for position in range(4):
        assert ink_box(page.crop(cell_box("L7160", position, dpi))) is None
    for position in range(4, 7):
        assert ink_box(page.crop(cell_box("L7160", position, dpi))) is not None
    big = render(pdf, 150)[0]
    assert scan(big.crop(cell_box("L7160", 4, 150))) == {QR: "B00001", CODE128: "B00001"}
    assert scan(big.crop(cell_box("L7160", 6, 150)))[QR] == "B00003"


def test_copies_repeat_each_label_in_turn_and_run_on_to_a_new_sheet():
    dpi = 150
    pdf = build_labels([box_label("B00001"), box_label("B00002")], format="L7165",
                       copies=3, start_at=4)
    pages = render(pdf, dpi)
    assert len(pages) == 2
    cells = [(0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (1, 0)]
    read = [scan(pages[page].crop(cell_box("L7165", position, dpi)))[QR]
            for page, position in cells]
    assert read == ["B00001"] * 3 + ["B00002"] * 3
    assert ink_box(pages[1].crop(cell_box("L7165", 1, dpi))) is None


def test_thermal_labels_come_one_per_page():
    pdf = build_labels([box_label(code) for code in codes(3)], format="thermal-62x29",
                       copies=2)
    assert page_count(pdf) == 6


# --- Words ------------------------------------------------------------------------------

def page_text(pdf: bytes, page: int = 0) -> str:
    """The words of a page, lines joined by single spaces."""
    document = pdfium.PdfDocument(pdf)
    page = document[page]
    textpage = page.get_textpage()
    words = " ".join(textpage.get_text_range().split())
    textpage.close()
    page.close()
    document.close()
    return words


@pytest.mark.parametrize("name", [*SHEETS, *ROLLS])
def test_the_code_and_the_item_name_are_printed_as_text(name):
    pdf = build_labels([box_label("B00123", title="Sac de couchage")], format=name)
    words = page_text(pdf)
    assert "B00123" in words
    assert "Sac de couchage" in words


def test_larger_labels_show_quantity_size_condition_date_and_site():
    pdf = build_labels([box_label("B00123", title="Sac de couchage", extra="Calais")],
                       format="L7165")
    words = page_text(pdf)
    for expected in ("Sac de couchage", "120 paires", "Taille 39–42", "Used",
                     "12 Mar 2025", "Calais", "Box"):
        assert expected in words


def test_the_smallest_label_keeps_the_code_and_a_short_title_only():
    pdf = build_labels([box_label("B00123", title="Tente")], format="L7651")
    words = page_text(pdf)
    assert "B00123" in words and "Tente" in words
    assert "paires" not in words and "Dunkerque" not in words


def test_a_name_too_long_for_the_label_is_cut_with_an_ellipsis():
    title = "Couvertures de survie isothermes argentées et dorées, lot de dix pour adultes"
    words = page_text(build_labels([box_label("B00123", title=title)], format="L7651"))
    assert "…" in words
    assert title not in words


def test_a_location_label_needs_no_quantity():
    pdf = build_labels([LabelData(code="L00012", kind="location", title="Étagère A3")],
                       format="thermal-62x29")
    assert scan(render(pdf, 203)[0]) == {QR: "L00012", CODE128: "L00012"}
    assert "Étagère A3" in page_text(pdf)


def test_a_french_reader_gets_the_date_in_french():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                      "SECRET_KEY": "testing"})
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        pdf = build_labels([box_label("B00123", quantity=1200)], format="L7165")
    words = page_text(pdf)
    assert "12 mars 2025" in words
    assert "1200paires" in "".join(words.split())  # with a French thousands separator
    assert "1200 paires" not in words


@pytest.fixture
def without_dejavu(monkeypatch):
    """Labels drawn where Debian's DejaVu fonts are not installed."""
    monkeypatch.setattr(text, "FONT_DIRS", ())
    text.fonts.cache_clear()
    text.fit.cache_clear()
    yield
    monkeypatch.undo()
    text.fonts.cache_clear()
    text.fit.cache_clear()


def test_without_dejavu_labels_fall_back_to_helvetica_and_still_scan(without_dejavu):
    assert text.fonts()["title"] == "Helvetica-Bold"
    pdf = build_labels([box_label("B00123", title="Łódź: bottes d’hiver œuf مرحبا")],
                       format="L7160")
    words = page_text(pdf)
    assert "B00123" in words and "bottes d’hiver œuf" in words
    assert "Lódz" in words  # letters Helvetica lacks lose their stroke, not vanish
    page = render(pdf, 150)[0]
    assert scan(page.crop(cell_box("L7160", 0, 150))) == {QR: "B00123", CODE128: "B00123"}


# --- Refusals ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,error", [
    (dict(labels=[]), NoLabelsToPrint),
    (dict(format="L9999"), UnknownLabelFormat),
    (dict(dpi=150), UnsupportedPrinterResolution),
    (dict(start_at=0), StartPositionOutOfRange),
    (dict(start_at=22), StartPositionOutOfRange),
    (dict(format="thermal-62x29", start_at=2), StartPositionOutOfRange),
    (dict(copies=0), CopiesOutOfRange),
    (dict(copies=101), CopiesOutOfRange),
    (dict(offset_mm=(5.5, 0)), PrinterOffsetTooLarge),
    (dict(offset_mm=(0, -5.01)), PrinterOffsetTooLarge),
    (dict(offset_mm=(float("nan"), 0)), PrinterOffsetTooLarge),
    (dict(format="thermal-62x29", offset_mm=(2.5, 0)), PrinterOffsetTooLarge),
    (dict(labels=[box_label("b00123")]), InvalidLabelCode),
    (dict(labels=[box_label("")]), InvalidLabelCode),
    (dict(labels=[box_label("B 00123")]), InvalidLabelCode),
    (dict(labels=[box_label("B" * 17)]), InvalidLabelCode),
    (dict(labels=[box_label("ABCDEFGHIJKLMNOP")], format="L7651"), LabelCodeTooLong),
])
def test_a_bad_print_job_is_refused_by_name(kwargs, error):
    job = {"labels": [box_label("B00001")], "format": "L7160", **kwargs}
    with pytest.raises(error) as raised:
        build_labels(job.pop("labels"), **job)
    assert raised.value.message and "%(" not in raised.value.message


def test_a_refused_job_draws_nothing(monkeypatch):
    from warehouse.labels import pdf as label_pdf

    drawn = []
    monkeypatch.setattr(label_pdf, "_draw_label", lambda *args: drawn.append(args))
    labels = [box_label(code) for code in codes(50)] + [box_label("not a code")]
    with pytest.raises(InvalidLabelCode):
        build_labels(labels, format="L7160")
    assert drawn == []


def test_a_hundred_thousand_labels_are_refused_with_the_limit_in_the_message():
    labels = [box_label("B00001")] * 100_000
    with pytest.raises(TooManyLabels) as raised:
        build_labels(labels, format="L7651")
    digits = "".join(c for c in raised.value.message if c.isdigit() or c == " ")
    assert "100000 " in digits and f"{MAX_LABELS} " in digits


def test_copies_count_towards_the_limit(monkeypatch):
    from warehouse.labels import pdf as label_pdf

    monkeypatch.setattr(label_pdf, "MAX_LABELS", 12)
    with pytest.raises(TooManyLabels):
        build_labels([box_label("B00001")] * 5, format="L7160", copies=3)
    assert build_labels([box_label("B00001")] * 4, format="L7160", copies=3)


def test_a_long_code_fits_on_a_larger_label():
    pdf = build_labels([box_label("ABCDEFGHIJKLMNOP")], format="L7163")
    page = render(pdf, 200)[0]
    assert scan(page.crop(cell_box("L7163", 0, 200)))[CODE128] == "ABCDEFGHIJKLMNOP"


def test_label_data_refuses_an_unknown_kind_or_condition():
    with pytest.raises(ValueError):
        LabelData(code="B00001", kind="pallet")
    with pytest.raises(ValueError):
        LabelData(code="B00001", condition="broken")


# --- Formats and calibration ------------------------------------------------------------

@pytest.mark.parametrize("name,cells,size", [
    ("L7160", 21, (63.5, 38.1)), ("L7163", 14, (99.1, 38.1)), ("L7165", 8, (99.1, 67.7)),
    ("L7651", 65, (38.1, 21.2)),
])
def test_avery_sheets_have_their_published_grid_centred_on_a4(name, cells, size):
    fmt = FORMATS[name]
    assert fmt.cells_per_sheet == cells and fmt.label_mm == size
    assert fmt.page_mm == (210.0, 297.0)
    left, top, right, bottom = fmt.page_margins_mm
    assert left == pytest.approx(right, abs=0.05) and top == pytest.approx(bottom, abs=0.05)
    assert min(fmt.gap_mm) >= 0


def test_the_calibration_page_outlines_every_label_where_the_offset_puts_it():
    dpi, offset = 100, (1.5, -2.0)
    pdf = build_calibration_page(format="L7160", offset_mm=offset)
    assert page_count(pdf) == 1
    assert "L7160" in page_text(pdf) and "1,5" not in page_text(pdf)
    page = render(pdf, dpi)[0]
    left, top, right, bottom = cell_box("L7160", 20, dpi, offset_mm=offset)
    middle = (top + bottom) // 2
    assert min(page.getpixel((x, middle)) for x in range(left - 1, left + 2)) < DARK
    assert min(page.getpixel((x, middle)) for x in range(right - 1, right + 2)) < DARK
    assert min(page.getpixel((x, middle)) for x in range(left + 3, left + 20)) > DARK


@pytest.mark.parametrize("name", [*SHEETS, *ROLLS])
def test_there_is_a_calibration_page_for_every_format(name):
    pdf = build_calibration_page(format=name)
    assert name in page_text(pdf)


def test_the_calibration_page_refuses_an_offset_off_the_page():
    with pytest.raises(PrinterOffsetTooLarge):
        build_calibration_page(format="L7651", offset_mm=(0, 8))
    with pytest.raises(UnknownLabelFormat):
        build_calibration_page(format="A4")
