"""A small table engine for the warehouse's printed sheets: measure rows, place them on
pages, then draw, with a repeated header and a "Page x of y" footer.

    class MySheet(SheetLayout):
        title = "…"
        def header_lines(self): ...
        def sections(self) -> list[Section]: ...

The daily stock sheet, the count sheet, the pick list and the dispatch note are drawn with
it, so every paper of the warehouse reads the same way. The pages are drawn on the canvas
directly rather than with platypus tables: a sheet of 2,000 items must take well under a
second. Layout runs first (every row measured and placed on a page), drawing second, so
every page knows it is "page x of y". Made for an office printer, in black and white.
"""
import functools
import io
from dataclasses import dataclass, field
from datetime import datetime

from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import format_datetime, get_locale, gettext
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from warehouse.core.pdf.text import PT_PER_MM, fonts, printable, text_width

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
SEPARATOR = " · "
NO_BREAK = "\u00a0"
NARROW_NO_BREAK = "\u202f"  # French thousands separator, which Helvetica lacks
DASH = "—"


# --- numbers and text --------------------------------------------------------------------

def number(value: int) -> str:
    """A whole number as the reader writes it: ``1,234`` in English, ``1 234`` in French."""
    return _number(value, str(get_locale()))


@functools.lru_cache(maxsize=8192)
def _number(value: int, locale: str) -> str:
    # Formatting is a tenth of a 2,000-item sheet's time, and the same few hundred
    # quantities come back on every page.
    return babel_format_decimal(value, locale=locale)


def safe(text: str, font: str) -> str:
    """``text`` with what ``font`` cannot draw replaced (see ``core.pdf.text.printable``)."""
    if NARROW_NO_BREAK in text and printable(NARROW_NO_BREAK, font) != NARROW_NO_BREAK:
        text = text.replace(NARROW_NO_BREAK, NO_BREAK)
    return printable(text, font)


def cut(text: str, font: str, size: float, width: float) -> str:
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
            word = cut(word, font, size, width)
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
        lines[-1] = cut(lines[-1] + "…", font, size, width)
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
            return Cell([cut(safe(text, font), font, size, room)], font, size, grey)
        if words is None:
            words = safe(text, font).split(" ")
        else:
            words = [safe(word, font) for word in words]
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
            words = safe(column.title, font).split(" ") if column.title else []
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
        right_room = text_width(safe(right[0], self.f["regular"]), self.f["regular"], 9) \
            if right else 0
        title = cut(safe(self.title, title_font), title_font, TITLE_PT,
                     right_x - left_x - right_room - 6 * MM)
        c.drawString(left_x, top - TITLE_PT, title)
        y = top - TITLE_PT - 2 * MM - HEADER_LINE + 1 * MM
        for line in left:
            font = self.f["bold"]
            c.setFont(font, 10)
            c.drawString(left_x, y, safe(line, font))
            y -= HEADER_LINE
        y = top - TITLE_PT
        for index, line in enumerate(right):
            font = self.f["regular" if index == 0 else "bold"]
            c.setFont(font, 9 if index == 0 else 10)
            c.drawRightString(right_x, y, safe(line, font))
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
        label = safe(gettext("Page %(page)s of %(pages)s", page=number(page),
                              pages=number(pages)), bold)
        c.setFont(bold, 9)
        c.drawRightString(self.page_width - MARGIN, MARGIN + 1.5 * MM, label)
        if self.footer_lines is None:
            room = self.page_width - 2 * MARGIN - text_width(label, bold, 9) - 8 * MM
            note = self.footer_note()
            self.footer_lines = wrap(safe(note, font).split(" "), font, FOOTER_PT, room,
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
        c.drawString(MARGIN, y - 5 * MM, safe(title, font))

    def _draw_note(self, c: Canvas, y: float, text: str) -> None:
        font = self.f["regular"]
        c.setFillGray(0)
        c.setFont(font, 9)
        c.drawString(MARGIN + CELL_PAD, y - 5 * MM, safe(text, font))

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
        c.drawString(MARGIN + CELL_PAD, y - 5 * MM, cut(safe(text, font), font, CATEGORY_PT,
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


def printed_line(printed_by: str, printed_at: datetime) -> str:
    return gettext("Printed %(when)s by %(who)s",
                   when=format_datetime(printed_at, "short"), who=printed_by)
