"""The label stock we print on: A4 sheets of die-cut labels and thermal rolls.

Every size is in millimetres, measured from the top-left corner of the page, as label makers
publish them. A sheet format is a grid: ``margin_mm`` is the distance from the page edges to
the first label, ``pitch_mm`` the distance from one label's edge to the same edge of the
next (label size plus gap). The Avery figures below add up to exactly A4 (210 x 297 mm).

A thermal format is one label per page, the page being the label. Its barcode modules are a
whole number of printer dots, so the printer never has to round a bar (the dpi is chosen per
print job); sheets go to office printers, whose grid we take as 600 dpi.

Each format also carries the ``Layout`` its labels are drawn with, tuned by printing and
looking: what to show and how big, given the room there is.
"""
from dataclasses import dataclass

from flask import has_app_context
from flask_babel import format_decimal, gettext

from warehouse.core.pdf.text import TextStyle

MM_PER_INCH = 25.4
#: Resolutions thermal label printers come in (Zebra and Brother QL: 203 or 300; a few 600).
THERMAL_DPI = (203, 300, 600)
#: Office laser and inkjet printers: bars are snapped to this grid on sheet formats.
SHEET_PRINTER_DPI = 600
#: However large the page margin, a printer never needs more correction than this.
MAX_OFFSET_MM = 5.0


@dataclass(frozen=True)
class Layout:
    """What a label of one format shows, and the limits its parts are fitted within.

    The Code128 runs along the bottom. Above it, the ``top`` blocks of text span the label;
    below them the QR code sits on the left with the ``column`` blocks beside it. Blocks
    are named after ``LabelData`` parts: title, subtitle, quantity, code, details (kind,
    condition, date, site). When room runs out text shrinks, then the least needed block
    goes: details first, then subtitle, quantity, code; the title stays.
    """

    padding_mm: tuple[float, float]  # kept blank inside each label edge: (across, down)
    bar_height_mm: float
    bar_module_max_mm: float
    qr_module_max_mm: float
    qr_module_min_mm: float
    top: tuple[str, ...]
    column: tuple[str, ...]
    title: TextStyle
    code: TextStyle
    quantity: TextStyle | None = None
    subtitle: TextStyle | None = None
    details: TextStyle | None = None
    code_beside_bars: bool = False  # the code in big letters right of the Code128, if it fits

    def style(self, block: str) -> TextStyle | None:
        return getattr(self, block)


@dataclass(frozen=True)
class LabelFormat:
    name: str
    page_mm: tuple[float, float]
    label_mm: tuple[float, float]
    grid: tuple[int, int]  # columns, rows
    margin_mm: tuple[float, float]  # left, top: page edge to the first label
    pitch_mm: tuple[float, float]  # across, down: one label's edge to the next one's
    thermal: bool
    layout: Layout

    @property
    def cells_per_sheet(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def gap_mm(self) -> tuple[float, float]:
        return (self.pitch_mm[0] - self.label_mm[0], self.pitch_mm[1] - self.label_mm[1])

    @property
    def page_margins_mm(self) -> tuple[float, float, float, float]:
        """Blank paper around the grid: left, top, right, bottom."""
        columns, rows = self.grid
        left, top = self.margin_mm
        right = self.page_mm[0] - left - (columns - 1) * self.pitch_mm[0] - self.label_mm[0]
        bottom = self.page_mm[1] - top - (rows - 1) * self.pitch_mm[1] - self.label_mm[1]
        return (left, top, right, bottom)

    @property
    def offset_limit_mm(self) -> tuple[float, float]:
        """How far (across, down, either way) the printer offset may move the labels.

        The drawn part of every label (inside its padding) must stay on the page.
        """
        left, top, right, bottom = self.page_margins_mm
        pad_across, pad_down = self.layout.padding_mm
        return (round(min(MAX_OFFSET_MM, min(left, right) + pad_across), 2),
                round(min(MAX_OFFSET_MM, min(top, bottom) + pad_down), 2))

    def cell_mm(self, position: int) -> tuple[float, float]:
        """Top-left corner of the label at ``position`` (0-based, row by row) on a page."""
        column, row = position % self.grid[0], position // self.grid[0]
        return (self.margin_mm[0] + column * self.pitch_mm[0],
                self.margin_mm[1] + row * self.pitch_mm[1])

    def dot_mm(self, dpi: int) -> float:
        """The printer's dot: every barcode module is a whole number of them."""
        return MM_PER_INCH / (dpi if self.thermal else SHEET_PRINTER_DPI)

    def describe(self) -> str:
        """A sentence for a format menu, in the current language."""
        size = f"{_number(self.label_mm[0])} × {_number(self.label_mm[1])}"
        if self.thermal:
            return gettext("Thermal roll: one %(size)s mm label at a time", size=size)
        return gettext("Avery %(name)s: %(count)s labels of %(size)s mm on an A4 sheet",
                       name=self.name, count=self.cells_per_sheet, size=size)


def _number(value: float) -> str:
    return format_decimal(value) if has_app_context() else f"{value:g}"


A4 = (210.0, 297.0)
TINY = Layout(  # 38.1 x 21.2: QR code, code and a short title
    padding_mm=(1.5, 1.0), bar_height_mm=5.0, bar_module_max_mm=0.5,
    qr_module_max_mm=0.6, qr_module_min_mm=0.4,
    top=(), column=("title", "code"),
    title=TextStyle(8, 6, lines=2), code=TextStyle(16, 8),
)
SMALL = Layout(  # 62 x 29: adds the quantity
    padding_mm=(2.0, 1.5), bar_height_mm=6.0, bar_module_max_mm=0.5,
    qr_module_max_mm=0.8, qr_module_min_mm=0.5,
    top=(), column=("title", "quantity", "code"),
    title=TextStyle(13, 8, lines=2), quantity=TextStyle(12, 8), code=TextStyle(14, 9),
)
MEDIUM = Layout(  # 63.5 x 38.1: everything, the title across the top
    padding_mm=(2.0, 2.0), bar_height_mm=7.0, bar_module_max_mm=0.5,
    qr_module_max_mm=0.9, qr_module_min_mm=0.6,
    top=("title",), column=("subtitle", "quantity", "code", "details"),
    title=TextStyle(16, 10, lines=2), subtitle=TextStyle(10, 7), quantity=TextStyle(14, 9),
    code=TextStyle(14, 9), details=TextStyle(7.5, 6),
)
WIDE = Layout(  # 99.1 x 38.1: the code beside the bars
    padding_mm=(2.5, 2.0), bar_height_mm=8.0, bar_module_max_mm=0.5,
    qr_module_max_mm=1.0, qr_module_min_mm=0.6,
    top=(), column=("title", "subtitle", "quantity", "code", "details"),
    title=TextStyle(22, 10, lines=2), subtitle=TextStyle(12, 8), quantity=TextStyle(18, 10),
    code=TextStyle(22, 12), details=TextStyle(9, 7), code_beside_bars=True,
)
LARGE = Layout(  # 99.1 x 67.7
    padding_mm=(3.0, 3.0), bar_height_mm=12.0, bar_module_max_mm=0.5,
    qr_module_max_mm=1.2, qr_module_min_mm=0.7,
    top=("title",), column=("subtitle", "quantity", "code", "details"),
    title=TextStyle(28, 14, lines=2), subtitle=TextStyle(14, 9), quantity=TextStyle(24, 12),
    code=TextStyle(26, 12), details=TextStyle(10, 7, lines=2), code_beside_bars=True,
)
TALL = Layout(  # 62 x 100 portrait: the words on top, the QR code and the code below
    padding_mm=(2.0, 3.0), bar_height_mm=12.0, bar_module_max_mm=0.5,
    qr_module_max_mm=1.25, qr_module_min_mm=0.6,
    top=("title", "subtitle", "quantity"), column=("code", "details"),
    title=TextStyle(24, 12, lines=3), subtitle=TextStyle(14, 9), quantity=TextStyle(22, 12),
    code=TextStyle(20, 11), details=TextStyle(10, 7, lines=3),
)
HUGE = Layout(  # 100 x 150 portrait
    padding_mm=(4.0, 4.0), bar_height_mm=20.0, bar_module_max_mm=0.75,
    qr_module_max_mm=2.0, qr_module_min_mm=0.8,
    top=("title", "subtitle", "quantity"), column=("code", "details"),
    title=TextStyle(40, 16, lines=3), subtitle=TextStyle(24, 12), quantity=TextStyle(36, 16),
    code=TextStyle(32, 14), details=TextStyle(16, 9, lines=3),
)


def _sheet(name, label_mm, grid, margin_mm, pitch_mm, layout) -> LabelFormat:
    return LabelFormat(name=name, page_mm=A4, label_mm=label_mm, grid=grid,
                       margin_mm=margin_mm, pitch_mm=pitch_mm, thermal=False, layout=layout)


def _roll(width: float, height: float, layout: Layout) -> LabelFormat:
    return LabelFormat(name=f"thermal-{width:g}x{height:g}", page_mm=(width, height),
                       label_mm=(width, height), grid=(1, 1), margin_mm=(0.0, 0.0),
                       pitch_mm=(width, height), thermal=True, layout=layout)


#: Every format, by the name a print job asks for; in the order a menu shows them.
FORMATS: dict[str, LabelFormat] = {f.name: f for f in (
    # Avery's published templates: label size, top and side margins, pitches.
    _sheet("L7160", (63.5, 38.1), (3, 7), (7.21, 15.15), (66.04, 38.1), MEDIUM),
    _sheet("L7163", (99.1, 38.1), (2, 7), (4.65, 15.15), (101.6, 38.1), WIDE),
    _sheet("L7165", (99.1, 67.7), (2, 4), (4.65, 13.1), (101.6, 67.7), LARGE),
    _sheet("L7651", (38.1, 21.2), (5, 13), (4.67, 10.7), (40.64, 21.2), TINY),
    # Thermal rolls: Brother DK-11209 (62 x 29), DK-11202 (62 x 100), 4 x 6 in shipping.
    _roll(62, 29, SMALL),
    _roll(62, 100, TALL),
    _roll(100, 150, HUGE),
)}


def format_choices() -> list[tuple[str, str]]:
    """(name, description) of every format, for a select field."""
    return [(f.name, f.describe()) for f in FORMATS.values()]
