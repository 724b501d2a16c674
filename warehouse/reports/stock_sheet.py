"""The daily stock sheet and the stocktake count sheet, as PDF bytes drawn with reportlab.

    pdf = build_stock_sheet(site_id, printed_by="Claire Dubois", lang="fr")
    pdf = build_count_sheet(location_id, printed_by="Léa Martin")

Plain functions: no request needed, so the web view wraps the bytes in a response and
``flask stock sheet`` writes the same bytes to a file. Figures come from
``warehouse.reports.queries``; this module only lays them out.

The pages are drawn on the canvas directly rather than with platypus tables: a sheet of
2,000 items must take well under a second. Layout runs first (every row measured and
placed on a page), drawing second, so every page knows it is "page x of y".

Made for the office printer, in black and white: an item below its minimum level is
shaded grey, carries a black "!" box and has its on-hand figure in bold; the "Counted"
column is a white box on every row, shaded or not, to write in.
"""
import functools
import io
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import (force_locale, format_date, format_datetime, format_decimal,
                         get_locale, gettext, ngettext)
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen.canvas import Canvas

from warehouse.core.types import utcnow
from warehouse.labels.text import PT_PER_MM, fonts, printable, text_width
from warehouse.reports import queries

MM = PT_PER_MM
MARGIN = 10 * MM
TITLE_PT = 14
HEADER_LINE = 4.5 * MM  # between the lines under the title
HEAD_MIN_PT = 6  # column titles shrink to this before a long word is cut
FOOTER_HEIGHT = 9 * MM
FOOTER_PT = 6.5
BODY_PT = 8.5
HEAD_PT = 7.5  # column titles
CATEGORY_PT = 10
LEADING = 1.2  # baseline to baseline, in font sizes
CAP_HEIGHT = 0.72  # of a capital letter, in font sizes (DejaVu Sans and Helvetica alike)
CELL_PAD = 1.2 * MM  # left and right inside a cell
ROW_PAD = 1.3 * MM  # above and below a cell's text
RULE_GREY = 0.55
FLAG_SIZE = 4.2 * MM  # the black "!" box of an item below its minimum
#: A shade a mono laser printer still prints as a visible grey, with black text legible on it.
LOW_SHADE = 0.80
ZERO_GREY = 0.45  # zeros that matter less than the other figures
SEPARATOR = " · "
NO_BREAK = "\u00a0"
NARROW_NO_BREAK = "\u202f"  # French thousands separator, which Helvetica lacks
DASH = "—"


# --- public builders ---------------------------------------------------------------------

def build_stock_sheet(site_id: int, *, printed_by: str, day: date | None = None,
                      lang: str | None = None, printed_at: datetime | None = None) -> bytes:
    """The daily stock sheet of a site (A4 landscape), in ``lang`` (default: current locale).

    See ``warehouse.reports.queries.stock_sheet`` for the figures and the errors raised.
    ``printed_at`` (default now) is shown with ``printed_by`` in every page's header.
    """
    printed_at = printed_at or utcnow()
    with force_locale(lang) if lang else nullcontext():
        sheet = queries.stock_sheet(site_id, day=day, now=printed_at)
        return _StockSheetLayout(sheet, printed_by=printed_by, printed_at=printed_at).pdf()


def build_count_sheet(location_id: int, *, printed_by: str, lang: str | None = None,
                      printed_at: datetime | None = None) -> bytes:
    """The stocktake count sheet of an internal location (A4 portrait).

    See ``warehouse.reports.queries.count_sheet`` for the figures and the errors raised.
    """
    printed_at = printed_at or utcnow()
    with force_locale(lang) if lang else nullcontext():
        sheet = queries.count_sheet(location_id, now=printed_at)
        return _CountSheetLayout(sheet, printed_by=printed_by, printed_at=printed_at).pdf()


def stock_sheet_filename(site_code: str, day: date) -> str:
    return f"stock-sheet-{_slug(site_code)}-{day.isoformat()}.pdf"


def count_sheet_filename(location_code: str, day: date) -> str:
    return f"count-sheet-{_slug(location_code)}-{day.isoformat()}.pdf"


def _slug(code: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in code).strip("-").lower() or "sheet"


# --- numbers and text --------------------------------------------------------------------

def number(value: int) -> str:
    """A whole number as the reader writes it: ``1,234`` in English, ``1 234`` in French."""
    return _number(value, str(get_locale()))


@functools.lru_cache(maxsize=8192)
def _number(value: int, locale: str) -> str:
    # Formatting is a tenth of a 2,000-item sheet's time, and the same few hundred
    # quantities come back on every page.
    return babel_format_decimal(value, locale=locale)


def cover(days: float | None) -> str:
    """Days of cover: one decimal under ten days, whole days above, a dash without outflow."""
    if days is None:
        return DASH
    return format_decimal(days, format="#,##0.0" if days < 10 else "#,##0")


def _safe(text: str, font: str) -> str:
    """``text`` with what ``font`` cannot draw replaced (see ``labels.text.printable``)."""
    if NARROW_NO_BREAK in text and printable(NARROW_NO_BREAK, font) != NARROW_NO_BREAK:
        text = text.replace(NARROW_NO_BREAK, NO_BREAK)
    return printable(text, font)


def _cut(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width``."""
    if text_width(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…" if low else ""


def wrap(words: list[str], font: str, size: float, width: float, *, joiner: str = " ",
         max_lines: int | None = None) -> list[str]:
    """Break ``words`` (already made safe for ``font``) into lines no wider than ``width``.

    A word wider than the line is cut; past ``max_lines`` the last line ends with "…".
    """
    # Widths add up (reportlab does not kern), so a line is measured word by word.
    joiner_width = text_width(joiner, font, size)
    lines: list[str] = []
    current, current_width = "", 0.0
    for word in words:
        word_width = text_width(word, font, size)
        if word_width > width:
            word = _cut(word, font, size, width)
            word_width = text_width(word, font, size)
        if current and current_width + joiner_width + word_width > width:
            lines.append(current)
            current, current_width = word, word_width
        elif current:
            current = current + joiner + word
            current_width += joiner_width + word_width
        else:
            current, current_width = word, word_width
    if current:
        lines.append(current)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _cut(lines[-1] + "…", font, size, width)
    return lines


# --- a small table engine: measure rows, place them on pages, then draw ------------------

@dataclass(frozen=True)
class Column:
    title: str
    width: float  # points
    align: str = "left"  # left, right or centre
    write_in: bool = False  # an empty white box to write in


@dataclass
class Cell:
    lines: list[str]
    font: str
    size: float = BODY_PT
    grey: float = 0.0  # 0 black, 1 white


@dataclass
class Row:
    cells: list[Cell | None]
    height: float
    shaded: bool = False
    flagged: bool = False


@dataclass
class Heading:
    """A group title inside a table (a category), repeated with "(continued)"."""

    text: str
    continued: str
    height: float = 7 * MM


@dataclass
class Section:
    """A table with a title and column heads, both repeated on every page it spans."""

    title: str | None
    columns: list[Column]
    items: list[Row | Heading]
    empty_note: str | None = None  # printed instead of the table when it has no rows
    title_continued: str | None = None
    head_height: float = 0.0

    @property
    def width(self) -> float:
        return sum(column.width for column in self.columns)

    @functools.cached_property
    def lefts(self) -> list[float]:
        """The left edge of each column, in points from the page's left edge."""
        edges, x = [], MARGIN
        for column in self.columns:
            edges.append(x)
            x += column.width
        return edges


@dataclass
class Page:
    ops: list[tuple[str, float, object]] = field(default_factory=list)


class SheetLayout:
    """Pages of sections under a repeated header and a "Page x of y" footer."""

    pagesize = A4
    section_gap = 5 * MM
    min_row = 6 * MM

    def __init__(self, *, printed_by: str, printed_at: datetime):
        self.printed_by = printed_by
        self.printed_at = printed_at
        self.f = fonts()
        self.page_width, self.page_height = self.pagesize
        self.footer_lines: list[str] | None = None  # wrapped once, drawn on every page

    # What a subclass says.
    title: str = ""

    def header_lines(self) -> tuple[list[str], list[str]]:
        """Left and right lines under the title."""
        raise NotImplementedError

    @functools.cached_property
    def header(self) -> tuple[list[str], list[str]]:
        return self.header_lines()

    def footer_note(self) -> str:
        return ""

    def sections(self) -> list[Section]:
        raise NotImplementedError

    # Measuring.
    def cell(self, text: str, column: Column, *, font: str | None = None,
             size: float = BODY_PT, grey: float = 0.0, joiner: str = " ",
             max_lines: int = 2, words: list[str] | None = None) -> Cell:
        font = font or self.f["regular"]
        room = column.width - 2 * CELL_PAD
        if max_lines == 1 and words is None:  # a figure or a code: no wrapping to do
            return Cell([_cut(_safe(text, font), font, size, room)], font, size, grey)
        if words is None:
            words = _safe(text, font).split(" ")
        else:
            words = [_safe(word, font) for word in words]
        return Cell(wrap(words, font, size, room, joiner=joiner, max_lines=max_lines),
                    font, size, grey)

    def row(self, cells: list[Cell | None], **flags) -> Row:
        lines = max((len(c.lines) for c in cells if c is not None), default=1)
        size = max((c.size for c in cells if c is not None), default=BODY_PT)
        height = max(self.min_row, 2 * ROW_PAD + size * (1 + LEADING * (lines - 1)) + 0.25 * size)
        return Row(cells, height, **flags)

    def _head_lines(self, section: Section) -> list[tuple[float, list[str]]]:
        """Each column title at the size its longest word fits ("Disponible"), wrapped."""
        font = self.f["bold"]
        heads = []
        for column in section.columns:
            words = _safe(column.title, font).split(" ") if column.title else []
            room = column.width - 2 * CELL_PAD
            size = HEAD_PT
            while size > HEAD_MIN_PT and any(text_width(w, font, size) > room for w in words):
                size -= 0.25
            heads.append((size, wrap(words, font, size, room, max_lines=3) if words else []))
        return heads

    @functools.cached_property
    def header_height(self) -> float:
        """Title, the lines under it, and a gap before the rule."""
        left, right = self.header
        lines = max(len(left), len(right) - 1)
        return TITLE_PT + 2 * MM + lines * HEADER_LINE + 2 * MM

    # Placing.
    def pdf(self) -> bytes:
        pages = self._paginate(self.sections())
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=self.pagesize, invariant=True, pageCompression=True)
        canvas.setTitle(self.title)
        canvas.setAuthor(self.printed_by)
        canvas.setCreator("warehouse")
        for number_, page in enumerate(pages, start=1):
            self._draw_header(canvas)
            self._draw_footer(canvas, number_, len(pages))
            for op, y, payload in page.ops:
                getattr(self, f"_draw_{op}")(canvas, y, payload)
            canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def _paginate(self, sections: list[Section]) -> list[Page]:
        top = self.page_height - MARGIN - self.header_height - 2 * MM
        bottom = MARGIN + FOOTER_HEIGHT
        pages = [Page()]
        y = top

        def new_page():
            nonlocal y
            pages.append(Page())
            y = top

        for index, section in enumerate(sections):
            heads = self._head_lines(section)
            section.head_height = max(
                (len(lines) for _, lines in heads), default=1) * HEAD_PT * LEADING + 2 * ROW_PAD
            title_height = 7 * MM if section.title else 0
            first = next((i for i in section.items if isinstance(i, Row)), None)
            need = title_height + section.head_height + (first.height if first else 8 * MM)
            if index and y - self.section_gap - need < bottom:
                new_page()
            elif index:
                y -= self.section_gap

            def start_table(continued: bool):
                nonlocal y
                if section.title:
                    title = section.title_continued if continued else section.title
                    pages[-1].ops.append(("section_title", y, title))
                    y -= title_height
                pages[-1].ops.append(("column_heads", y, (section, heads)))
                y -= section.head_height

            if not section.items:
                if section.title:
                    pages[-1].ops.append(("section_title", y, section.title))
                    y -= title_height
                if section.empty_note:
                    pages[-1].ops.append(("note", y, section.empty_note))
                    y -= 7 * MM
                continue
            start_table(False)
            heading: Heading | None = None
            items = section.items
            for position, item in enumerate(items):
                if isinstance(item, Heading):
                    following = items[position + 1] if position + 1 < len(items) else None
                    room = item.height + (following.height if isinstance(following, Row) else 0)
                    if y - room < bottom:
                        new_page()
                        start_table(True)
                    heading = item
                    pages[-1].ops.append(("heading", y, (section, item.text)))
                    y -= item.height
                    continue
                if y - item.height < bottom:
                    new_page()
                    start_table(True)
                    if heading is not None:
                        pages[-1].ops.append(("heading", y, (section, heading.continued)))
                        y -= heading.height
                pages[-1].ops.append(("row", y, (section, item)))
                y -= item.height
        return pages

    # Drawing.
    def _draw_header(self, c: Canvas) -> None:
        left_x, right_x = MARGIN, self.page_width - MARGIN
        top = self.page_height - MARGIN
        title_font = self.f["title"]
        c.setFillGray(0)
        c.setFont(title_font, TITLE_PT)
        left, right = self.header
        # The first right line (who printed it, when) sits beside the title; the others,
        # in bold, beside the lines under it.
        right_room = text_width(_safe(right[0], self.f["regular"]), self.f["regular"], 9) \
            if right else 0
        title = _cut(_safe(self.title, title_font), title_font, TITLE_PT,
                     right_x - left_x - right_room - 6 * MM)
        c.drawString(left_x, top - TITLE_PT, title)
        y = top - TITLE_PT - 2 * MM - HEADER_LINE + 1 * MM
        for line in left:
            font = self.f["bold"]
            c.setFont(font, 10)
            c.drawString(left_x, y, _safe(line, font))
            y -= HEADER_LINE
        y = top - TITLE_PT
        for index, line in enumerate(right):
            font = self.f["regular" if index == 0 else "bold"]
            c.setFont(font, 9 if index == 0 else 10)
            c.drawRightString(right_x, y, _safe(line, font))
            y -= HEADER_LINE + (1 * MM if index == 0 else 0)
        c.setLineWidth(1)
        c.setStrokeGray(0)
        rule = self.page_height - MARGIN - self.header_height
        c.line(left_x, rule, right_x, rule)

    def _draw_footer(self, c: Canvas, page: int, pages: int) -> None:
        """The explanation of the figures (two lines at most) and "Page x of y"."""
        font, bold = self.f["regular"], self.f["bold"]
        c.setFillGray(0)
        c.setStrokeGray(RULE_GREY)
        c.setLineWidth(0.5)
        rule = MARGIN + FOOTER_HEIGHT - 2 * MM
        c.line(MARGIN, rule, self.page_width - MARGIN, rule)
        label = _safe(gettext("Page %(page)s of %(pages)s", page=number(page),
                              pages=number(pages)), bold)
        c.setFont(bold, 9)
        c.drawRightString(self.page_width - MARGIN, MARGIN + 1.5 * MM, label)
        if self.footer_lines is None:
            room = self.page_width - 2 * MARGIN - text_width(label, bold, 9) - 8 * MM
            note = self.footer_note()
            self.footer_lines = wrap(_safe(note, font).split(" "), font, FOOTER_PT, room,
                                     max_lines=2) if note else []
        c.setFont(font, FOOTER_PT)
        baseline = rule - 2.6 * MM
        for line in self.footer_lines:
            c.drawString(MARGIN, baseline, line)
            baseline -= FOOTER_PT * LEADING

    def _draw_section_title(self, c: Canvas, y: float, title: str) -> None:
        font = self.f["title"]
        c.setFillGray(0)
        c.setFont(font, 11)
        c.drawString(MARGIN, y - 5 * MM, _safe(title, font))

    def _draw_note(self, c: Canvas, y: float, text: str) -> None:
        font = self.f["regular"]
        c.setFillGray(0)
        c.setFont(font, 9)
        c.drawString(MARGIN + CELL_PAD, y - 5 * MM, _safe(text, font))

    def _draw_column_heads(self, c: Canvas, y: float, payload) -> None:
        section, heads = payload
        height = section.head_height
        c.setFillGray(0)
        c.rect(MARGIN, y - height, section.width, height, stroke=0, fill=1)
        c.setFillGray(1)
        font = self.f["bold"]
        x = MARGIN
        for column, (size, lines) in zip(section.columns, heads):
            c.setFont(font, size)
            baseline = y - ROW_PAD - HEAD_PT * 0.85
            for line in lines:
                self._text(c, column, x, baseline, line, font, size)
                baseline -= HEAD_PT * LEADING
            x += column.width
        c.setFillGray(0)

    def _draw_heading(self, c: Canvas, y: float, payload) -> None:
        section, text = payload
        font = self.f["title"]
        c.setFillGray(0)
        c.setFont(font, CATEGORY_PT)
        c.drawString(MARGIN + CELL_PAD, y - 5 * MM, _cut(_safe(text, font), font, CATEGORY_PT,
                                                          section.width - 2 * CELL_PAD))
        c.setStrokeGray(0)
        c.setLineWidth(1)
        c.line(MARGIN, y - 6.6 * MM, MARGIN + section.width, y - 6.6 * MM)

    def _draw_row(self, c: Canvas, y: float, payload) -> None:
        """Shapes first (shade, write-in boxes, flag, rule), then all the row's text as one
        text object: a 2,000-item sheet draws 24,000 strings, and one ``BT … ET`` per row
        rather than per string halves the drawing time."""
        section, row = payload
        bottom = y - row.height
        if row.shaded:
            c.setFillGray(LOW_SHADE)
            c.rect(MARGIN, bottom, section.width, row.height, stroke=0, fill=1)
        write_in = [(x, column) for x, column in zip(section.lefts, section.columns)
                    if column.write_in]
        if write_in:
            c.setFillGray(1)
            c.setStrokeGray(0)
            c.setLineWidth(0.6)
            for x, column in write_in:
                c.rect(x + 0.8 * MM, bottom + 0.6 * MM, column.width - 1.6 * MM,
                       row.height - 1.2 * MM, stroke=1, fill=1)
        flag = FLAG_SIZE
        flag_x, flag_top = MARGIN + 0.9 * MM, y - (row.height - flag) / 2
        if row.flagged:
            c.setFillGray(0)
            c.roundRect(flag_x, flag_top - flag, flag, flag, 0.6 * MM, stroke=0, fill=1)
        c.setStrokeGray(RULE_GREY)
        c.setLineWidth(0.4)
        c.line(MARGIN, bottom, MARGIN + section.width, bottom)

        text = c.beginText()
        font = grey = None
        for x, column, cell in zip(section.lefts, section.columns, row.cells):
            if cell is None:
                continue
            if (cell.font, cell.size) != font:
                font = (cell.font, cell.size)
                text.setFont(*font)
            if cell.grey != grey:
                grey = cell.grey
                text.setFillGray(grey)
            # Centred in the row by the middle of its capitals, so that one-line cells of
            # different sizes share a baseline and a tall row keeps its text mid-height.
            baseline = (y - row.height / 2 + (len(cell.lines) - 1) * cell.size * LEADING / 2
                        - CAP_HEIGHT * cell.size / 2)
            for line in cell.lines:
                text.setTextOrigin(_aligned_x(column, x, line, cell.font, cell.size), baseline)
                text.textOut(line)
                baseline -= cell.size * LEADING
        if row.flagged:
            text.setFont(self.f["bold"], 9)
            text.setFillGray(1)
            text.setTextOrigin(flag_x + (flag - text_width("!", self.f["bold"], 9)) / 2,
                               flag_top - flag + 1.0 * MM)
            text.textOut("!")
        c.drawText(text)
        c.setFillGray(0)

    @staticmethod
    def _text(c: Canvas, column: Column, x: float, baseline: float, text: str,
              font: str, size: float) -> None:
        c.drawString(_aligned_x(column, x, text, font, size), baseline, text)


def _aligned_x(column: Column, x: float, text: str, font: str, size: float) -> float:
    """Where ``text`` starts in a column whose left edge is at ``x``."""
    if column.align == "right":
        return x + column.width - CELL_PAD - text_width(text, font, size)
    if column.align == "centre":
        return x + (column.width - text_width(text, font, size)) / 2
    return x + CELL_PAD


def _printed(printed_by: str, printed_at: datetime) -> str:
    return gettext("Printed %(when)s by %(who)s",
                   when=format_datetime(printed_at, "short"), who=printed_by)


# --- the daily stock sheet ---------------------------------------------------------------

class _StockSheetLayout(SheetLayout):
    pagesize = landscape(A4)

    def __init__(self, sheet: queries.StockSheet, **kwargs):
        super().__init__(**kwargs)
        self.sheet = sheet
        self.title = gettext("Daily stock sheet – %(site)s (%(code)s)",
                             site=sheet.site_name, code=sheet.site_code)

    def header_lines(self) -> tuple[list[str], list[str]]:
        sheet = self.sheet
        day = format_date(sheet.day, "full")
        if sheet.is_today:
            when = gettext("%(day)s, figures at %(time)s", day=day,
                           time=format_datetime(self.printed_at, "HH:mm"))
        else:
            when = gettext("%(day)s, figures at the end of the day", day=day)
        lines = sheet.lines
        low = len(sheet.below_minimum)
        summary = ngettext("%(count)s item", "%(count)s items", len(lines),
                           count=number(len(lines)))
        if low:
            summary += " · " + gettext("%(count)s below minimum", count=number(low))
        return [when], [_printed(self.printed_by, self.printed_at), summary]

    def footer_note(self) -> str:
        return gettext(
            "! = below the item's minimum level. Available = on hand − reserved. Days of "
            "cover = on hand ÷ average daily outflow over the %(days)s days before. Moves "
            "between shelves are neither in nor out.", days=queries.OUTFLOW_DAYS)

    def columns(self) -> list[Column]:
        today = self.sheet.is_today
        widths = (6, 16, 55, 64, 16, 16, 17, 18, 15, 15, 17, 22)  # mm, 277 in all
        titles = (
            ("", "centre"), (gettext("Code"), "left"), (gettext("Item"), "left"),
            (gettext("On hand by location"), "left"), (gettext("On hand"), "right"),
            (gettext("Minimum"), "right"), (gettext("Reserved"), "right"),
            (gettext("Available"), "right"),
            (gettext("In today") if today else gettext("In that day"), "right"),
            (gettext("Out today") if today else gettext("Out that day"), "right"),
            (gettext("Days of cover"), "right"), (gettext("Counted"), "centre"))
        return [Column(title, width * MM, align, write_in=index == len(titles) - 1)
                for index, ((title, align), width) in enumerate(zip(titles, widths))]

    def sections(self) -> list[Section]:
        columns = self.columns()
        items: list[Row | Heading] = []
        for category in self.sheet.categories:
            count = number(len(category.lines))
            items.append(Heading(
                gettext("%(category)s (%(count)s)", category=category.name, count=count),
                gettext("%(category)s (continued)", category=category.name)))
            items.extend(self._row(line, columns) for line in category.lines)
        return [Section(None, columns, items,
                        empty_note=gettext("This site holds no stock and moved none."))]

    def _row(self, line: queries.SheetLine, columns: list[Column]) -> Row:
        f = self.f
        regular, bold = f["regular"], f["bold"]
        low = line.below_minimum

        def figure(value: int, column: Column, *, strong: bool = False,
                   quiet_zero: bool = True) -> Cell:
            grey = ZERO_GREY if quiet_zero and value == 0 else 0.0
            return self.cell(number(value), column, font=bold if strong else regular,
                             size=9, grey=grey, max_lines=1)

        places = [f"{name}:{NO_BREAK}{number(quantity)}" for name, quantity in line.by_location]
        where = self.cell("", columns[3], words=places or [DASH], joiner=SEPARATOR,
                          max_lines=6, grey=0.0 if places else ZERO_GREY)
        return self.row([
            None,
            self.cell(line.item_code, columns[1], font=f["code"], size=7.5, max_lines=1),
            self.cell(line.item, columns[2], font=bold if low else regular),
            where,
            figure(line.on_hand, columns[4], strong=True, quiet_zero=False),
            figure(line.minimum_level, columns[5]),
            figure(line.reserved, columns[6]),
            figure(line.available, columns[7], strong=line.available < 0, quiet_zero=False),
            figure(line.in_today, columns[8]),
            figure(line.out_today, columns[9]),
            self.cell(cover(line.days_of_cover), columns[10], size=9, max_lines=1,
                      grey=ZERO_GREY if line.days_of_cover is None else 0.0),
            None,
        ], shaded=low, flagged=low)


# --- the stocktake count sheet -----------------------------------------------------------

#: Blank rows for what is found on the shelf but is not on the sheet.
UNLISTED_ROWS = 6


class _CountSheetLayout(SheetLayout):
    pagesize = A4
    min_row = 8 * MM  # room to write a number by hand

    def __init__(self, sheet: queries.CountSheet, **kwargs):
        super().__init__(**kwargs)
        self.sheet = sheet
        self.title = gettext("Count sheet – %(location)s", location=sheet.location_name)

    def header_lines(self) -> tuple[list[str], list[str]]:
        sheet = self.sheet
        return ([gettext("%(site)s (%(code)s) · location %(location)s", site=sheet.site_name,
                         code=sheet.site_code, location=sheet.location_code),
                 format_date(sheet.day, "full")],
                [_printed(self.printed_by, self.printed_at),
                 ngettext("%(count)s box", "%(count)s boxes", len(sheet.boxes),
                          count=number(len(sheet.boxes))) + ", "
                 + ngettext("%(count)s item loose", "%(count)s items loose", len(sheet.loose),
                            count=number(len(sheet.loose)))])

    def footer_note(self) -> str:
        return gettext("Recorded = what the ledger says is here. Write what you count, "
                       "even when it agrees.")

    def sections(self) -> list[Section]:
        f = self.f
        sheet = self.sheet
        expires = any(box.expires_on for box in sheet.boxes)
        box_columns = [
            Column(gettext("Box"), 24 * MM), Column(gettext("Item"), (64 if expires else 86) * MM),
            *([Column(gettext("Expires"), 22 * MM)] if expires else []),
            Column(gettext("Recorded"), 20 * MM, "right"),
            Column(gettext("Counted"), 24 * MM, "centre", write_in=True),
            Column(gettext("Notes"), 36 * MM, write_in=True)]
        boxes = []
        for box in sheet.boxes:
            expiry = ([self.cell(format_date(box.expires_on, "short"), box_columns[2],
                                 max_lines=1) if box.expires_on else None] if expires else [])
            boxes.append(self.row([
                self.cell(box.code, box_columns[0], font=f["code"], size=10, max_lines=1),
                self.cell(box.item, box_columns[1]), *expiry,
                self.cell(number(box.quantity), box_columns[-3], font=f["bold"], size=10,
                          max_lines=1),
                None, None]))
        loose_columns = [
            Column(gettext("Code"), 24 * MM), Column(gettext("Item"), 86 * MM),
            Column(gettext("Recorded"), 20 * MM, "right"),
            Column(gettext("Counted"), 24 * MM, "centre", write_in=True),
            Column(gettext("Notes"), 36 * MM, write_in=True)]
        loose = [self.row([
            self.cell(item.item_code, loose_columns[0], font=f["code"], size=8, max_lines=1),
            self.cell(item.item, loose_columns[1]),
            self.cell(number(item.quantity), loose_columns[2], font=f["bold"], size=10,
                      max_lines=1),
            None, None]) for item in sheet.loose]
        unlisted_columns = [
            Column(gettext("Box or code"), 24 * MM, write_in=True),
            Column(gettext("Item"), 106 * MM, write_in=True),
            Column(gettext("Counted"), 24 * MM, "centre", write_in=True),
            Column(gettext("Notes"), 36 * MM, write_in=True)]
        unlisted = [self.row([None] * 4) for _ in range(UNLISTED_ROWS)]
        signature = [Column(gettext("Counted by"), 65 * MM, write_in=True),
                     Column(gettext("Checked by"), 65 * MM, write_in=True),
                     Column(gettext("Finished at"), 60 * MM, write_in=True)]
        return [
            Section(gettext("Boxes (%(count)s)", count=number(len(boxes))), box_columns, boxes,
                    empty_note=gettext("The ledger has no boxes here."),
                    title_continued=gettext("Boxes (continued)")),
            Section(gettext("Loose stock (%(count)s)", count=number(len(loose))),
                    loose_columns, loose,
                    empty_note=gettext("The ledger has no loose stock here."),
                    title_continued=gettext("Loose stock (continued)")),
            Section(gettext("Found here but not listed above"), unlisted_columns, unlisted,
                    title_continued=gettext("Found here but not listed above (continued)")),
            Section(None, signature, [self.row([None] * 3)]),
        ]


