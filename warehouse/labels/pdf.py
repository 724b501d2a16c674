"""Label PDFs: plain functions from label contents to PDF bytes, drawn with reportlab.

Every label carries its code twice, as a QR code (phone cameras) and a Code128 (scanner
guns), with quiet zones kept clear of text, and the code and the item or location name in
big letters. A view sends the bytes with ``send_file``; a command can write them to a file.
"""
import datetime
import io
import math
import re
from dataclasses import dataclass
from typing import Literal

from flask import has_app_context
from flask_babel import format_date, format_number, gettext
from reportlab.pdfgen.canvas import Canvas

from warehouse.core.errors import N_
from warehouse.core.pdf.text import (LINE_SPACING, NO_BREAK, PT_PER_MM, Fitted, TextStyle, fit,
                                      fonts, text_width)
from warehouse.core.words import CONDITIONS
from warehouse.labels import errors
from warehouse.labels.formats import FORMATS, THERMAL_DPI, LabelFormat
from warehouse.labels.symbols import (CODE128_QUIET_ZONE_MODULES, Symbols, draw_code128,
                                      draw_qr, encode)

MAX_LABELS = 5000  # per print job: about 240 sheets of L7160
MAX_COPIES = 100
MAX_CODE_LENGTH = 16
CODE_PATTERN = re.compile(r"[A-Z0-9-]+")
#: Narrowest Code128 bar that prints and scans reliably (0.375 mm is the comfortable size).
CODE128_MIN_MODULE_MM = 0.25
#: A QR code of 16 characters or fewer at error correction M is always version 1.
QR_MODULES = 21
#: Blank space kept around a QR code: at least this, and at least one module.
QR_CLEAR_MM = 1.0
#: Between a code (with its quiet zone) and the text next to it.
GAP_MM = 1.0
BLOCK_GAP = 0.25  # between two blocks of text, in font sizes of the block above

KINDS = {"box": N_("Box"), "location": N_("Location"), "item": N_("Item")}


@dataclass(frozen=True)
class LabelData:
    """What one label says. Texts arrive translated; empty ones are left off.

    ``code`` is the short code both symbols carry (``B00123``); ``title`` the item or
    location name; ``subtitle`` e.g. size and audience; ``quantity`` with its ``unit``
    (``20``, ``"pairs"``); ``condition`` is ``"new"`` or ``"used"``; ``extra`` e.g. the site.
    """

    code: str
    kind: Literal["box", "location", "item"] = "box"
    title: str = ""
    subtitle: str = ""
    quantity: int | None = None
    unit: str = ""
    date: datetime.date | None = None
    condition: Literal["new", "used"] | None = None
    extra: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, not {self.kind!r}")
        if self.condition not in (None, *CONDITIONS):
            raise ValueError(f"condition must be one of {sorted(CONDITIONS)} or None")


def build_labels(labels: list[LabelData], *, format: str, start_at: int = 1,
                 copies: int = 1, offset_mm: tuple[float, float] = (0.0, 0.0),
                 dpi: int = 203) -> bytes:
    """Draw ``labels`` on ``format`` stock and return the PDF.

    Each label is printed ``copies`` times in a row. On sheets the first label goes to
    position ``start_at`` (1 is top left, counted along rows), so a part-used sheet can be
    used up. ``offset_mm`` (across, down: positive moves right and down) corrects a
    printer's misalignment, as measured with the calibration page. ``dpi`` is the thermal
    printer's resolution (bars are whole dots); sheets ignore it.

    Raises, before drawing anything: UnknownLabelFormat, UnsupportedPrinterResolution,
    CopiesOutOfRange, StartPositionOutOfRange, PrinterOffsetTooLarge, NoLabelsToPrint,
    TooManyLabels, InvalidLabelCode, LabelCodeTooLong.
    """
    labels = list(labels)
    fmt = _check_job(format=format, dpi=dpi, start_at=start_at, copies=copies,
                     offset_mm=offset_mm)
    if not labels:
        raise errors.NoLabelsToPrint()
    if len(labels) * copies > MAX_LABELS:
        raise errors.TooManyLabels(count=_number(len(labels) * copies),
                                   maximum=_number(MAX_LABELS))
    geometry = _Geometry(fmt, dpi, offset_mm)
    symbols = {}
    for label in labels:
        if label.code not in symbols:
            symbols[label.code] = _encode_checked(label.code, geometry)

    canvas = _canvas(fmt, gettext("Labels"))
    position = start_at - 1
    for label in labels:
        for _ in range(copies):
            if position == fmt.cells_per_sheet:
                canvas.showPage()
                position = 0
            _draw_label(canvas, geometry, label, symbols[label.code], position)
            position += 1
    return _save(canvas)


def _check_job(*, format: str, dpi: int, start_at: int, copies: int,
               offset_mm: tuple[float, float]) -> LabelFormat:
    fmt = FORMATS.get(format)
    if fmt is None:
        raise errors.UnknownLabelFormat(format=format, known=", ".join(FORMATS))
    if dpi not in THERMAL_DPI:
        raise errors.UnsupportedPrinterResolution(
            dpi=dpi, supported=", ".join(str(d) for d in THERMAL_DPI))
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise errors.CopiesOutOfRange(copies=copies, maximum=MAX_COPIES)
    if not isinstance(start_at, int) or not 1 <= start_at <= fmt.cells_per_sheet:
        raise errors.StartPositionOutOfRange(start_at=start_at, format=fmt.name,
                                             cells=fmt.cells_per_sheet)
    _check_offset(fmt, offset_mm)
    return fmt


def _check_offset(fmt: LabelFormat, offset_mm: tuple[float, float]) -> None:
    across, down = offset_mm
    limit_across, limit_down = fmt.offset_limit_mm
    if not (math.isfinite(across) and math.isfinite(down)
            and abs(across) <= limit_across and abs(down) <= limit_down):
        raise errors.PrinterOffsetTooLarge(
            across=_number(across), down=_number(down), format=fmt.name,
            limit_across=_number(limit_across), limit_down=_number(limit_down))


def _encode_checked(code: str, geometry: "_Geometry") -> Symbols:
    if not isinstance(code, str) or len(code) > MAX_CODE_LENGTH \
            or not CODE_PATTERN.fullmatch(code):
        raise errors.InvalidLabelCode(code=code, maximum=MAX_CODE_LENGTH)
    symbols = encode(code)
    assert symbols.qr_size == QR_MODULES, (code, symbols.qr_size)
    if geometry.bars(symbols, code)[0] < geometry.bar_min_module:
        raise errors.LabelCodeTooLong(code=code, format=geometry.fmt.name)
    return symbols


def _number(value: float) -> str:
    """A number as the reader writes it (``1 200,5`` in French); plain outside the app."""
    if has_app_context():
        return format_number(value)
    return str(value) if isinstance(value, int) else f"{value:.2f}".rstrip("0").rstrip(".")


def _canvas(fmt: LabelFormat, title: str) -> Canvas:
    canvas = Canvas(io.BytesIO(), pagesize=(fmt.page_mm[0] * PT_PER_MM,
                                            fmt.page_mm[1] * PT_PER_MM),
                    invariant=True, pageCompression=True)
    canvas.setTitle(title)
    canvas.setCreator("warehouse")
    return canvas


def _save(canvas: Canvas) -> bytes:
    canvas.save()
    return canvas._filename.getvalue()


class _Geometry:
    """Sizes shared by every label of one job, in mm, and where each label goes.

    Positions are measured from the page's top-left corner, downwards.
    """

    def __init__(self, fmt: LabelFormat, dpi: int, offset_mm: tuple[float, float]):
        self.fmt, self.layout, self.offset = fmt, fmt.layout, offset_mm
        self.page_height = fmt.page_mm[1]
        self.dot = fmt.dot_mm(dpi)
        self.bar_min_module = math.ceil(CODE128_MIN_MODULE_MM / self.dot - 1e-9) * self.dot
        pad_across, pad_down = self.layout.padding_mm
        self.content_width = fmt.label_mm[0] - 2 * pad_across
        self.content_height = fmt.label_mm[1] - 2 * pad_down
        # Above the bars: the top text, then the row of QR code and column.
        self.room = self.content_height - self.layout.bar_height_mm - GAP_MM
        smallest = self.layout.qr_module_min_mm
        quiet = max(1, math.ceil(QR_CLEAR_MM / smallest - 1e-9))
        self.qr_min_side = (QR_MODULES + 2 * quiet) * smallest
        assert self.qr_min_side <= self.room, fmt.name

    def snap_down(self, length: float) -> float:
        """``length`` rounded down to whole printer dots."""
        return math.floor(length / self.dot + 1e-9) * self.dot

    def snap(self, position: float) -> float:
        return round(position / self.dot) * self.dot

    def cap(self, length: float) -> float:
        """A maximum module size, to the nearest dot below it or just over (by 1%)."""
        return math.floor(length / self.dot * 1.01) * self.dot

    def qr(self, room: float) -> tuple[float, int]:
        """The QR module and quiet zone (in modules) for a square of ``room`` mm at most."""
        room = min(room, self.content_width / 2)
        for quiet in (1, 2, 3, 4):
            module = self.snap_down(min(self.cap(self.layout.qr_module_max_mm),
                                        room / (QR_MODULES + 2 * quiet)))
            if quiet * module >= QR_CLEAR_MM:
                break
        return module, quiet

    def bars(self, symbols: Symbols, code: str) -> tuple[float, float]:
        """The Code128 module width, and the room left beside it for the code (0: none)."""
        modules = symbols.bar_modules + 2 * CODE128_QUIET_ZONE_MODULES
        layout = self.layout
        largest = self.cap(layout.bar_module_max_mm)
        if layout.code_beside_bars:
            room = self.content_width - modules * largest - GAP_MM
            needed = text_width(code, fonts()["code"], layout.code.min_pt) / PT_PER_MM
            if room >= needed:
                return largest, room
        return min(largest, self.snap_down(self.content_width / modules)), 0.0

    def origin(self, position: int) -> tuple[float, float]:
        """Top-left corner of the content of the label at ``position``."""
        left, top = self.fmt.cell_mm(position)
        pad_across, pad_down = self.layout.padding_mm
        return left + pad_across + self.offset[0], top + pad_down + self.offset[1]


def _draw_label(canvas: Canvas, g: _Geometry, label: LabelData, symbols: Symbols,
                position: int) -> None:
    layout = g.layout
    names = fonts()
    left, top = g.origin(position)
    right = left + g.content_width
    page_top = g.page_height

    # The Code128 along the bottom, centred unless the code is written beside it.
    module, room_beside = g.bars(symbols, label.code)
    width = (symbols.bar_modules + 2 * CODE128_QUIET_ZONE_MODULES) * module
    bars_left = left if room_beside else left + (g.content_width - width) / 2
    bars_x = g.snap(bars_left + CODE128_QUIET_ZONE_MODULES * module)
    bars_top = top + g.room + GAP_MM
    draw_code128(canvas, symbols, x=bars_x * PT_PER_MM,
                 bottom=(page_top - bars_top - layout.bar_height_mm) * PT_PER_MM,
                 module=module * PT_PER_MM, height=layout.bar_height_mm * PT_PER_MM)
    if room_beside:
        fitted = fit(label.code, names["code"], layout.code, room_beside * PT_PER_MM,
                     layout.bar_height_mm * PT_PER_MM)
        if fitted is not None:
            middle = bars_top + layout.bar_height_mm / 2
            _draw_text(canvas, fitted, x=right * PT_PER_MM,
                       top=(page_top - middle) * PT_PER_MM + fitted.height / 2,
                       align="right")

    texts = {
        "title": (0, label.title, names["title"]),
        "code": (1, "" if room_beside else label.code, names["code"]),
        "quantity": (2, "" if label.quantity is None
                     else f"{_number(label.quantity)} {label.unit}".strip(), names["bold"]),
        "subtitle": (3, label.subtitle, names["regular"]),
        "details": (4, _details(label), names["regular"]),
    }

    def blocks(which: tuple[str, ...]):
        return [(*texts[name], layout.style(name)) for name in which]

    # Text across the top, leaving the QR code at least its smallest size.
    top_blocks = _fit_column(blocks(layout.top), g.content_width * PT_PER_MM,
                             (g.room - GAP_MM - g.qr_min_side) * PT_PER_MM)
    used = _draw_column(canvas, top_blocks, x=left * PT_PER_MM,
                        top=(page_top - top) * PT_PER_MM) / PT_PER_MM
    if used:
        used += GAP_MM

    # The QR code on the left, as big as the rest of the room allows, text beside it.
    room = g.room - used
    qr_module, quiet = g.qr(room)
    qr_side = (QR_MODULES + 2 * quiet) * qr_module
    row_top = top + used
    draw_qr(canvas, symbols,
            x=g.snap(left + quiet * qr_module) * PT_PER_MM,
            top=(page_top - g.snap(row_top + (room - qr_side) / 2 + quiet * qr_module))
            * PT_PER_MM,
            module=qr_module * PT_PER_MM)
    column_left = left + qr_side + GAP_MM / 2
    column = _fit_column(blocks(layout.column), (right - column_left) * PT_PER_MM,
                         room * PT_PER_MM)
    height = _column_height(column) / PT_PER_MM
    _draw_column(canvas, column, x=column_left * PT_PER_MM,
                 top=(page_top - row_top - (room - height) / 2) * PT_PER_MM)


def _details(label: LabelData) -> str:
    """Kind, condition, date and site on one line, broken only between them."""
    parts = [gettext(KINDS[label.kind])]
    if label.condition:
        parts.append(str(CONDITIONS[label.condition]))
    if label.date:
        parts.append(_date(label.date).replace(" ", NO_BREAK))
    if label.extra:
        parts.append(label.extra)
    return f"{NO_BREAK}· ".join(parts)


def _date(value: datetime.date) -> str:
    """Day first, month in words: no one misreads 03/04 in a mixed team."""
    if has_app_context():
        return format_date(value, "d MMM yyyy")
    return value.strftime("%d %b %Y").lstrip("0")


def _fit_column(blocks: list[tuple[int, str, str, TextStyle | None]], width: float,
                height: float) -> list[Fitted]:
    """Fit blocks of text in a column, shrinking all alike, then dropping the least needed.

    ``blocks`` are (priority, text, font, style) in reading order; the highest priority
    number goes first when even the smallest sizes do not fit.
    """
    blocks = [b for b in blocks if b[3] is not None and b[1] and b[1].strip()]
    while blocks:
        scale = 1.0
        while True:
            fitted = [(b, fit(b[1], b[2], b[3], width, height,
                              max_pt=max(b[3].min_pt, b[3].max_pt * scale))) for b in blocks]
            if any(f is None for _, f in fitted):  # no room for even one line of it
                blocks = [b for b, f in fitted if f is not None]
                break
            if _column_height([f for _, f in fitted]) <= height:
                return [f for _, f in fitted]
            if all(b[3].max_pt * scale <= b[3].min_pt for b in blocks):
                blocks.remove(max(blocks, key=lambda b: b[0]))
                break
            scale -= 0.1
    return []


def _column_height(column: list[Fitted]) -> float:
    return sum(f.height for f in column) + sum(BLOCK_GAP * f.size for f in column[:-1])


def _draw_column(canvas: Canvas, column: list[Fitted], *, x: float, top: float) -> float:
    """Draw blocks one under the other from ``top``; return the height used."""
    y = top
    for fitted in column:
        _draw_text(canvas, fitted, x=x, top=y)
        y -= fitted.height + BLOCK_GAP * fitted.size
    return _column_height(column)


def _draw_text(canvas: Canvas, fitted: Fitted, *, x: float, top: float,
               align: str = "left") -> None:
    canvas.setFont(fitted.font, fitted.size)
    baseline = top - fitted.ascent
    for line in fitted.lines:
        if align == "right":
            canvas.drawRightString(x, baseline, line)
        else:
            canvas.drawString(x, baseline, line)
        baseline -= LINE_SPACING * fitted.size
