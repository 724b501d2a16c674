"""The weekly report as PDF bytes (A4 portrait), laid out with reportlab's platypus.

    pdf = build_weekly_pdf(report, printed_by="Claire Dubois", printed_at=moment, lang="fr")

The figures come from ``warehouse.reports.weekly`` (``weekly_report``); this module only
lays them out, so the web page, ``flask report weekly`` and an issued report's reprint get
the same bytes from the same figures, time and name: the PDF is made with reportlab's
``invariant`` mode (fixed creation date and document id).

The first page is the one a funder reads: eight figures in large type, each with the
previous period beside it, then who was reached and the received / distributed chart of
the last twelve weeks. Tables follow, their column titles repeated on every page.
Everything prints in black and white: the charts tell their series apart by hatching
(see ``warehouse.reports.charts``), and the figures need no colour at all.
"""
import functools
import io
from contextlib import nullcontext
from datetime import datetime
from xml.sax.saxutils import escape

from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale, format_date, format_datetime, get_locale, gettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import (BaseDocTemplate, CondPageBreak, Flowable, Frame, KeepTogether,
                                PageTemplate, Paragraph, Spacer, Table, TableStyle)

from warehouse.core.pdf.text import PT_PER_MM, fonts, printable, text_width
from warehouse.core.types import utcnow
from warehouse.core.words import WRITE_OFF_REASONS, donor_type_label
from warehouse.reports import charts
from warehouse.reports.weekly import WeeklyReport

MM = PT_PER_MM
MARGIN = 15 * MM
HEADER_HEIGHT = 12 * MM
FOOTER_HEIGHT = 10 * MM
BODY_PT = 8.5
SMALL_PT = 7
TILE_VALUE_PT = 20
HEAD_PT = 7.5  # column titles
CELL_PAD = 1.2 * MM  # left and right inside a cell
ROW_PAD = 1.1 * MM  # above and below a cell's text
INK = colors.HexColor("#1d2327")
RULE = colors.HexColor("#8a9096")
SHADE = colors.HexColor("#e9ecef")  # table heads and the figure tiles: a light grey on paper
DASH = "—"
NARROW_NO_BREAK = "\u202f"
NO_BREAK = "\u00a0"


def build_weekly_pdf(report: WeeklyReport, *, printed_by: str,
                     printed_at: datetime | None = None, lang: str | None = None) -> bytes:
    """The report's PDF, in ``lang`` (default: the current locale).

    ``report`` must have been made in the same language (item names are localised).
    """
    printed_at = printed_at or utcnow()
    with force_locale(lang) if lang else nullcontext():
        return _Layout(report, printed_by=printed_by, printed_at=printed_at).pdf()


def weekly_filename(report: WeeklyReport) -> str:
    scope = (report.site_code or "all").lower()
    if report.organisation_id:
        scope = f"org{report.organisation_id}"
    return f"weekly-report-{scope}-{report.period.slug}.pdf"


# --- numbers -----------------------------------------------------------------------------

def _locale() -> str:
    return str(get_locale() or "en")


def number(value: int | float | None) -> str:
    """A number as the reader writes it; narrow spaces become no-break ones (fonts)."""
    if value is None:
        return DASH
    return _number(value, _locale())


@functools.lru_cache(maxsize=8192)
def _number(value: int | float, locale: str) -> str:
    # A report of 300 items writes some 2,000 numbers, mostly the same few hundred.
    return format_decimal(value, locale=locale).replace(NARROW_NO_BREAK, NO_BREAK)


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (points).

    A size in brackets at the end is kept and the name before it cut, so that
    "Walking boots (EU 42)" and "(EU 43)" stay apart: "Walking bo… (EU 42)".
    """
    if text_width(text, font, size) <= width:
        return text
    name, bracket, size_text = text.rpartition(" (")
    if bracket and size_text.endswith(")") and name:
        suffix = " (" + size_text
        room = width - text_width(suffix, font, size)
        if room > text_width("MMMM…", font, size):
            return _cut(name, font, size, room) + suffix
    return _cut(text, font, size, width)


def _cut(text: str, font: str, size: float, width: float) -> str:
    if text_width(text, font, size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_width(text[:middle].rstrip() + "…", font, size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…"


def percent(share: float | None) -> str:
    if share is None:
        return DASH
    return format_percent(share, locale=_locale()).replace(NARROW_NO_BREAK, NO_BREAK)


def cover(days: float | None) -> str:
    if days is None:
        return DASH
    return format_decimal(days, format="#,##0.0" if days < 10 else "#,##0",
                          locale=_locale()).replace(NARROW_NO_BREAK, NO_BREAK)


def change(now: int | float | None, before: int | float | None, *, share: bool = False) -> str:
    """"▲ 12 %" / "▼ 3" / "=" against the previous period, in words a reader scans."""
    if now is None or before is None:
        return DASH
    if now == before:
        return "="
    arrow = "▲" if now > before else "▼"
    if share:  # a change of a share is in points, not in percent of a percent
        points = round(abs(now - before) * 100)
        return f"{arrow} {number(points)} pt" if points else "="
    if before == 0:
        return f"{arrow} {number(abs(now - before))}"
    return f"{arrow} {percent(abs(now - before) / before)}"


def period_text(report: WeeklyReport) -> str:
    period = report.period
    dates = gettext("%(start)s to %(end)s", start=format_date(period.start, "d MMM yyyy"),
                    end=format_date(period.end, "d MMM yyyy"))
    if period.week:
        year, week = period.week.split("-W")
        return gettext("Week %(week)s of %(year)s (%(dates)s)", week=int(week), year=year,
                       dates=dates)
    return dates


def scope_text(report: WeeklyReport) -> str:
    if report.organisation_name:
        if report.site_name:
            return gettext("%(partner)s, collecting at %(site)s",
                           partner=report.organisation_name, site=report.site_name)
        return report.organisation_name
    return report.site_name or gettext("All sites")


def previous_word(report: WeeklyReport) -> str:
    return gettext("previous week") if report.period.week else gettext("previous period")


# --- layout ------------------------------------------------------------------------------

class _Layout:
    def __init__(self, report: WeeklyReport, *, printed_by: str, printed_at: datetime):
        self.report = report
        self.printed_by = printed_by
        self.printed_at = printed_at
        face = fonts()
        self.regular, self.bold, self.title_font = face["regular"], face["bold"], face["title"]
        self.width = A4[0] - 2 * MARGIN
        self.styles = {
            "body": ParagraphStyle("body", fontName=self.regular, fontSize=BODY_PT,
                                   leading=BODY_PT * 1.25, textColor=INK),
            "small": ParagraphStyle("small", fontName=self.regular, fontSize=SMALL_PT,
                                    leading=SMALL_PT * 1.25, textColor=INK),
            "cell": ParagraphStyle("cell", fontName=self.regular, fontSize=BODY_PT,
                                   leading=BODY_PT * 1.15, textColor=INK),
            "head": ParagraphStyle("head", fontName=self.bold, fontSize=SMALL_PT + 0.5,
                                   leading=(SMALL_PT + 0.5) * 1.15, textColor=INK),
            "head_right": ParagraphStyle("head_right", fontName=self.bold,
                                         fontSize=SMALL_PT + 0.5,
                                         leading=(SMALL_PT + 0.5) * 1.15, textColor=INK,
                                         alignment=TA_RIGHT),
            "title": ParagraphStyle("title", fontName=self.title_font, fontSize=17,
                                    leading=20, textColor=INK, spaceAfter=1 * MM),
            "subtitle": ParagraphStyle("subtitle", fontName=self.regular, fontSize=11,
                                       leading=14, textColor=INK, spaceAfter=4 * MM),
            "h2": ParagraphStyle("h2", fontName=self.title_font, fontSize=12, leading=15,
                                 textColor=INK, spaceBefore=5 * MM, spaceAfter=2 * MM),
            "tile_label": ParagraphStyle("tile_label", fontName=self.bold, fontSize=8,
                                         leading=9.5, textColor=INK),
            "tile_value": ParagraphStyle("tile_value", fontName=self.title_font,
                                         fontSize=TILE_VALUE_PT, leading=TILE_VALUE_PT * 1.1,
                                         textColor=INK),
            "tile_note": ParagraphStyle("tile_note", fontName=self.regular, fontSize=SMALL_PT,
                                        leading=SMALL_PT * 1.3, textColor=INK),
        }

    # -- text helpers

    def p(self, text: str, style: str = "body") -> Paragraph:
        font = self.styles[style].fontName
        return Paragraph(escape(printable(text, font)), self.styles[style])

    def title(self) -> str:
        return gettext("Weekly report") if self.report.period.week else gettext("Report")

    # -- the document

    def pdf(self) -> bytes:
        buffer = io.BytesIO()
        layout = self

        class NumberedCanvas(Canvas):
            """Holds pages back until the end, so each can say "page x of y"."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._pages = []

            def showPage(self):
                self._pages.append(dict(self.__dict__))
                self._startPage()

            def save(self):
                total = len(self._pages)
                for number_, state in enumerate(self._pages, start=1):
                    self.__dict__.update(state)
                    layout._header_footer(self, number_, total)
                    super().showPage()
                super().save()

        doc = BaseDocTemplate(
            buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_HEIGHT, bottomMargin=MARGIN + FOOTER_HEIGHT,
            title=f"{self.title()} – {scope_text(self.report)} – {period_text(self.report)}",
            author=self.printed_by, creator="warehouse", subject=self.title(),
            invariant=1, pageCompression=1)
        frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        doc.build(self.story(), canvasmaker=NumberedCanvas)
        return buffer.getvalue()

    def _header_footer(self, c: Canvas, page: int, pages: int) -> None:
        width, height = A4
        top = height - MARGIN
        c.saveState()
        c.setFillColor(INK)
        c.setFont(self.bold, 9)
        c.drawString(MARGIN, top - 9, printable(
            f"{self.title()} · {scope_text(self.report)}", self.bold))
        c.setFont(self.regular, 8)
        c.drawString(MARGIN, top - 20, printable(period_text(self.report), self.regular))
        printed = gettext("Printed %(when)s by %(who)s",
                          when=format_datetime(self.printed_at, "short"), who=self.printed_by)
        c.drawRightString(width - MARGIN, top - 9, printable(printed, self.regular))
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(MARGIN, top - HEADER_HEIGHT + 3 * MM, width - MARGIN, top - HEADER_HEIGHT + 3 * MM)
        bottom = MARGIN
        c.line(MARGIN, bottom + FOOTER_HEIGHT - 3 * MM, width - MARGIN,
               bottom + FOOTER_HEIGHT - 3 * MM)
        c.setFont(self.regular, 7)
        c.drawString(MARGIN, bottom + 2 * MM, printable(
            f"{scope_text(self.report)} · {period_text(self.report)}", self.regular))
        c.setFont(self.bold, 8)
        c.drawRightString(width - MARGIN, bottom + 2 * MM, printable(
            gettext("Page %(page)s of %(pages)s", page=number(page), pages=number(pages)),
            self.bold))
        c.restoreState()

    # -- the story

    def story(self) -> list:
        r = self.report
        story = [self.p(self.title() + " – " + scope_text(r), "title"),
                 self.p(period_text(r), "subtitle")]
        if not r.has_data:
            story.append(self.p(gettext(
                "Nothing happened in this period: no stock was received, moved or handed "
                "out, and no request or distribution was recorded. Choose another period."),
                "subtitle"))
            return story
        if r.future_days:
            story.append(self.p(gettext(
                "This period is not over: its last %(days)s days are still to come, and "
                "are not counted yet.", days=number(r.future_days)), "body"))
            story.append(Spacer(1, 2 * MM))
        story.append(self.tiles())
        story.append(Spacer(1, 3 * MM))
        story.extend(self.first_page_details())
        story.append(CondPageBreak(80 * MM))
        warehouse = r.scope == "warehouse"
        story.append(self.p(gettext("Received and distributed, week by week") if warehouse
                            else gettext("Collected and distributed, week by week"), "h2"))
        story.append(charts.weekly_in_out_chart(
            [(_week_label(p.week), p.received, p.distributed) for p in r.weeks],
            width=self.width, height=54 * MM,
            received_label=None if warehouse else gettext("Collected")))
        story.extend(self.partner_section())
        story.extend(self.places_section())
        story.extend(self.evictions_section())
        story.extend(self.needs_section())
        story.extend(self.donations_section())
        story.extend(self.items_section())
        return story

    def tiles(self) -> Table:
        r, h, b = self.report, self.report.headline, self.report.previous
        f, fb = h.fulfilment, b.fulfilment
        before = previous_word(r)
        warehouse = r.scope == "warehouse"
        entries = [
            (gettext("Received (items)") if warehouse
             else gettext("Collected from the warehouse (items)"),
             number(h.received), change(h.received, b.received), number(b.received)),
            (gettext("Dispatched to partners (items)"), number(h.dispatched),
             change(h.dispatched, b.dispatched), number(b.dispatched)) if warehouse else
            (gettext("Returned to the warehouse (items)"), number(h.returned),
             change(h.returned, b.returned), number(b.returned)),
            (gettext("Distributed (items)"), number(h.distributed),
             change(h.distributed, b.distributed), number(b.distributed)),
            (gettext("People reached"), number(h.people.total),
             change(h.people.total, b.people.total), number(b.people.total)),
            (gettext("Requests fulfilled (dispatched ÷ requested)"),
             percent(f.dispatched_share), change(f.dispatched_share, fb.dispatched_share,
                                                 share=True), percent(fb.dispatched_share)),
            (gettext("Eviction replacements (items)"), number(h.evictions),
             change(h.evictions, b.evictions), number(b.evictions)),
        ]
        if warehouse:
            entries += [
                (gettext("Stock-outs (item-days at zero available)"),
                 number(h.stockout_item_days),
                 change(h.stockout_item_days, b.stockout_item_days),
                 number(b.stockout_item_days)),
                (gettext("Written off (items)"), number(h.written_off),
                 change(h.written_off, b.written_off), number(b.written_off)),
            ]
        cells = []
        for label, value, delta, previous in entries:
            cells.append([
                self.p(label, "tile_label"), self.p(value, "tile_value"),
                self.p(gettext("%(change)s against the %(previous)s (%(value)s)",
                               change=delta, previous=before, value=previous), "tile_note")])
        columns = 4
        rows = [cells[i:i + columns] for i in range(0, len(cells), columns)]
        while len(rows[-1]) < columns:
            rows[-1].append("")
        gap = 2.5 * MM
        width = (self.width - gap * (columns - 1)) / columns
        grid = []
        for row in rows:
            grid.append([Table([[cell[0]], [cell[1]], [cell[2]]] if cell else [[""]],
                               colWidths=[width - 2 * MM],
                               rowHeights=[2 * 9.5 + 1.2 * MM, TILE_VALUE_PT * 1.1 + 1.2 * MM,
                                           None] if cell else None,
                               style=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                                      ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                      ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                      ("TOPPADDING", (0, 0), (-1, -1), 0.6 * MM),
                                      ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6 * MM)])
                         for cell in row])
        table = Table(grid, colWidths=[width + gap] * (columns - 1) + [width])
        style = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("LEFTPADDING", (0, 0), (-1, -1), 1 * MM),
                 ("RIGHTPADDING", (0, 0), (-1, -1), gap),
                 ("TOPPADDING", (0, 0), (-1, -1), 1.5 * MM),
                 ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * MM)]
        for y, row in enumerate(rows):
            for x, cell in enumerate(row):
                if cell:
                    style.append(("LINEABOVE", (x, y), (x, y), 2, INK))
        table.setStyle(TableStyle(style))
        return table

    def first_page_details(self) -> list:
        r, h = self.report, self.report.headline
        people, f = h.people, h.fulfilment
        lines = []
        if people.distributions:
            if people.with_breakdown:
                lines.append(gettext(
                    "People reached: %(total)s in %(count)s distributions. Where recorded "
                    "(%(recorded)s of %(count)s distributions): women %(women)s, men %(men)s, "
                    "children %(children)s, unaccompanied minors %(minors)s.",
                    total=number(people.total), count=number(people.distributions),
                    recorded=number(people.with_breakdown),
                    women=number(people.women), men=number(people.men),
                    children=number(people.children),
                    minors=number(people.unaccompanied_minors)))
            else:
                lines.append(gettext(
                    "People reached: %(total)s in %(count)s distributions (no breakdown by "
                    "women, men and children was recorded).",
                    total=number(people.total), count=number(people.distributions)))
        if f.requests:
            lines.append(gettext(
                "Requests needed in the period: %(requests)s, for %(requested)s items. "
                "Allocated %(allocated)s (%(allocated_share)s), dispatched %(dispatched)s "
                "(%(dispatched_share)s); %(met)s of the requests (%(met_share)s) were "
                "fully met.",
                requests=number(f.requests), requested=number(f.requested),
                allocated=number(f.allocated), allocated_share=percent(f.allocated_share),
                dispatched=number(f.dispatched), dispatched_share=percent(f.dispatched_share),
                met=number(f.fully_met), met_share=percent(f.fully_met_share)))
        else:
            lines.append(gettext("No request was needed in this period."))
        if h.write_offs:
            lines.append(gettext("Written off, by reason: %(reasons)s.", reasons=", ".join(
                f"{_write_off_label(reason)} {number(quantity)}"
                for reason, quantity in h.write_offs)))
        if r.evictions_by_item:
            lines.append(gettext("Eviction replacements, by item: %(items)s.", items=", ".join(
                f"{row.name} {number(row.quantity)}" for row in r.evictions_by_item[:8])))
        if r.scope == "warehouse" and r.organisation_id is None and r.site_id is not None:
            lines.append(gettext(
                "Distributions and people reached are partners' figures, for every site."))
        return [self.p(line, "body") for line in lines] + [Spacer(1, 1 * MM)]

    # -- tables

    def table(self, heads: list[tuple[str, float, str]], rows: list[list], *,
              total: list | None = None, bold_rows: set[int] = frozenset()) -> Table:
        """A table over the page's width; ``heads`` are (title, share of width, align)."""
        widths = [self.width * share for _, share, _ in heads]
        data = [[self.p(title, "head_right" if align == "right" else "head")
                 for title, _, align in heads]]
        for row in rows:
            data.append([cell if not isinstance(cell, str) else
                         printable(cell, self.regular) for cell in row])
        if total:
            data.append([printable(c, self.bold) if isinstance(c, str) else c for c in total])
        table = Table(data, colWidths=widths, repeatRows=1)
        style = [
            ("FONT", (0, 1), (-1, -1), self.regular, BODY_PT),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.1 * MM),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.1 * MM),
            ("LEFTPADDING", (0, 0), (-1, -1), 1.2 * MM),
            ("RIGHTPADDING", (0, 0), (-1, -1), 1.2 * MM),
        ]
        for i, (_, _, align) in enumerate(heads):
            if align == "right":
                style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
        if total:
            style += [("FONT", (0, -1), (-1, -1), self.bold, BODY_PT),
                      ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)]
        for index in bold_rows:
            style += [("FONT", (0, index), (-1, index), self.bold, BODY_PT),
                      ("BACKGROUND", (0, index), (-1, index), SHADE)]
        table.setStyle(TableStyle(style))
        return table

    def together(self, title: str, table: Table) -> list:
        """A heading and its table on one page when the table is short enough."""
        if len(table._cellvalues) <= 25:
            return [KeepTogether([self.p(title, "h2"), table])]
        return [CondPageBreak(40 * MM), self.p(title, "h2"), table]

    def name(self, text: str) -> Paragraph:
        return self.p(text, "cell")

    def partner_section(self) -> list:
        r = self.report
        if not r.partners:
            return []
        heads = [(gettext("Partner"), 0.28, "left"), (gettext("Requested"), 0.11, "right"),
                 (gettext("Allocated"), 0.11, "right"), (gettext("Dispatched"), 0.11, "right"),
                 (gettext("Distributed"), 0.11, "right"),
                 (gettext("People reached"), 0.15, "right"),
                 (gettext("Returned"), 0.13, "right")]
        rows = [[self.name(p.name), number(p.requested), number(p.allocated),
                 number(p.dispatched), number(p.distributed), number(p.people),
                 number(p.returned)] for p in r.partners]
        total = None
        if len(r.partners) > 1:
            total = [gettext("Total")] + [number(sum(getattr(p, k) for p in r.partners))
                                           for k in ("requested", "allocated", "dispatched",
                                                     "distributed", "people", "returned")]
        title = gettext("By partner") if r.scope == "warehouse" else gettext("Your organisation")
        section = self.together(title, self.table(heads, rows, total=total))
        if r.scope == "warehouse" and any(p.distributed for p in r.partners):
            section += [Spacer(1, 3 * MM), KeepTogether([
                self.p(gettext("Items distributed, by partner"), "body"),
                charts.partner_chart([(p.name, p.distributed) for p in
                                      sorted(r.partners, key=lambda p: -p.distributed)],
                                     width=self.width)])]
        return section

    def places_section(self) -> list:
        r = self.report
        if not r.places:
            return []
        heads = [(gettext("Distribution site"), 0.31, "left"), (gettext("Town"), 0.15, "left"),
                 (gettext("Distributions"), 0.14, "right"),
                 (gettext("Distributed"), 0.12, "right"),
                 (gettext("People reached"), 0.12, "right"),
                 (gettext("Eviction replacements"), 0.16, "right")]
        rows = [[self.name(p.name), self.name(p.town), number(p.distributions),
                 number(p.distributed), number(p.people), number(p.evictions)]
                for p in r.places]
        return self.together(gettext("By distribution site"), self.table(heads, rows))

    def evictions_section(self) -> list:
        r = self.report
        if not any(p.evictions for p in r.weeks):
            return []
        section = [CondPageBreak(75 * MM),
                   self.p(gettext("Eviction replacements, week by week"), "h2"),
                   charts.evictions_chart([(_week_label(p.week), p.evictions) for p in r.weeks],
                                          width=self.width, height=50 * MM)]
        if r.evictions_by_item:
            heads = [(gettext("Item replaced after evictions"), 0.8, "left"),
                     (gettext("Items"), 0.2, "right")]
            section += [Spacer(1, 2 * MM), self.table(
                heads, [[self.name(e.name), number(e.quantity)] for e in r.evictions_by_item])]
        return section

    def needs_section(self) -> list:
        r = self.report
        if not r.top_needs:
            return []
        heads = [(gettext("Item"), 0.44, "left"), (gettext("Requested"), 0.14, "right"),
                 (gettext("Allocated"), 0.14, "right"), (gettext("Short"), 0.14, "right"),
                 (gettext("Available at the end"), 0.14, "right")]
        rows = [[self.name(n.name), number(n.requested), number(n.allocated), number(n.short),
                 number(n.available)] for n in r.top_needs]
        return self.together(gettext("Top needs: items most short against requests"),
                             self.table(heads, rows))

    def donations_section(self) -> list:
        r = self.report
        if not r.donations:
            return []
        heads = [(gettext("Source"), 0.6, "left"), (gettext("Donations"), 0.2, "right"),
                 (gettext("Items"), 0.2, "right")]
        rows = [[self.name(_donor_label(d.donor_type)), number(d.donations), number(d.items)]
                for d in r.donations]
        total = None
        if len(r.donations) > 1:
            total = [gettext("Total"), number(sum(d.donations for d in r.donations)),
                     number(sum(d.items for d in r.donations))]
        return self.together(gettext("Donations by source"),
                             self.table(heads, rows, total=total))

    def items_section(self) -> list:
        r = self.report
        warehouse = r.scope == "warehouse"
        heads = [(gettext("Item"), 0.22, "left"), (gettext("Opening"), 0.10, "right"),
                 (gettext("In"), 0.08, "right"), (gettext("Out"), 0.08, "right"),
                 (gettext("Closing"), 0.09, "right"),
                 (gettext("Reserved, not yet dispatched") if warehouse
                  else gettext("Allocated, not yet collected"), 0.13, "right"),
                 (gettext("Days of cover"), 0.11, "right")]
        if warehouse:
            heads += [(gettext("Days out of stock"), 0.09, "right"),
                      (gettext("Below minimum"), 0.10, "right")]
        else:
            heads[0] = (heads[0][0], 0.41, "left")
        rows: list[tuple[str, list[str]]] = []
        # Plain text cut to the column, drawn by ``_RowTable``: hundreds of items lay out
        # in a fraction of what platypus tables of paragraphs take.
        name_width = self.width * heads[0][1] - 2 * CELL_PAD
        for block in r.categories:
            rows.append(("heading", [fit(printable(block.name, self.bold), self.bold,
                                         BODY_PT, self.width - 2 * CELL_PAD)]))
            for line in block.items:
                row = [fit(printable(line.name, self.regular), self.regular, BODY_PT,
                           name_width), number(line.opening), number(line.received),
                       number(line.out), number(line.closing), number(line.on_the_way),
                       cover(line.days_of_cover)]
                if warehouse:
                    row += [number(line.stockout_days),
                            gettext("yes") if line.below_minimum else ""]
                rows.append(("row", row))
        totals = r.totals
        rows.append(("total", [gettext("Total"), number(totals["opening"]),
                               number(totals["received"]), number(totals["out"]),
                               number(totals["closing"]), number(totals["on_the_way"]), ""]
                     + ([""] * 2 if warehouse else [])))
        title = (gettext("Stock by category and item") if warehouse
                 else gettext("Your custody, by category and item"))
        window = r.items[0].days if r.items else 0  # the cover window, the same for all
        explain = gettext(
            "Opening + in − out = closing. In: donations, returns, transfers and count "
            "gains; out: dispatches, transfers, write-offs and count losses. Days of cover: "
            "closing stock over the average daily out of the %(days)s days up to the "
            "period's end.", days=window) if warehouse else \
            gettext("Opening + in − out = closing. In: what you collected; out: what you "
                    "distributed or returned.")
        if len(rows) == 1:
            return [self.p(title, "h2"), self.p(gettext("No stock in this period."))]
        table = _RowTable([(printable(t, self.bold), self.width * w, a) for t, w, a in heads],
                          rows, regular=self.regular, bold=self.bold)
        return [CondPageBreak(40 * MM), self.p(title, "h2"), self.p(explain, "small"),
                Spacer(1, 1.5 * MM), table]


class _RowTable(Flowable):
    """A table of one-line rows drawn straight on the canvas, split across pages with its
    column titles repeated on each. ``rows`` are ("heading" | "row" | "total", cells)."""

    def __init__(self, heads: list[tuple[str, float, str]], rows: list, *, regular: str,
                 bold: str):
        super().__init__()
        self.heads, self.rows, self.regular, self.bold = heads, rows, regular, bold
        self.row_height = BODY_PT * 1.15 + 2 * ROW_PAD
        self.title_lines = [simpleSplit(title, bold, HEAD_PT, width - 2 * CELL_PAD) or [""]
                            for title, width, _ in heads]
        self.head_height = max(len(lines) for lines in self.title_lines) * HEAD_PT * 1.15 \
            + 2 * ROW_PAD

    def wrap(self, available_width, available_height):
        self.width = sum(width for _, width, _ in self.heads)
        self.height = self.head_height + len(self.rows) * self.row_height
        return self.width, self.height

    def split(self, available_width, available_height):
        fits = int((available_height - self.head_height) // self.row_height)
        if fits >= len(self.rows):
            return [self]
        if fits > 0 and self.rows[fits - 1][0] == "heading":
            fits -= 1  # a category's title goes with its first item
        if fits < 2:
            return []
        return [_RowTable(self.heads, self.rows[:fits], regular=self.regular, bold=self.bold),
                _RowTable(self.heads, self.rows[fits:], regular=self.regular, bold=self.bold)]

    def draw(self):
        c = self.canv
        top = self.height
        c.setFillColor(SHADE)
        c.rect(0, top - self.head_height, self.width, self.head_height, stroke=0, fill=1)
        c.setFillColor(INK)
        c.setFont(self.bold, HEAD_PT)
        x = 0.0
        for (_, width, align), lines in zip(self.heads, self.title_lines):
            y = top - ROW_PAD - HEAD_PT
            for line in lines:
                if align == "right":
                    c.drawRightString(x + width - CELL_PAD, y, line)
                else:
                    c.drawString(x + CELL_PAD, y, line)
                y -= HEAD_PT * 1.15
            x += width
        c.setStrokeColor(INK)
        c.setLineWidth(0.8)
        y = top - self.head_height
        c.line(0, y, self.width, y)
        for kind, cells in self.rows:
            bottom = y - self.row_height
            if kind != "row":
                c.setFillColor(SHADE)
                c.rect(0, bottom, self.width, self.row_height, stroke=0, fill=1)
                c.setFillColor(INK)
            c.setFont(self.regular if kind == "row" else self.bold, BODY_PT)
            baseline = bottom + ROW_PAD + BODY_PT * 0.25
            x = 0.0
            for (_, width, align), text in zip(self.heads, cells):
                if text:
                    if align == "right":
                        c.drawRightString(x + width - CELL_PAD, baseline, text)
                    else:
                        c.drawString(x + CELL_PAD, baseline, text)
                x += width
            if kind == "total":
                c.setStrokeColor(INK)
                c.setLineWidth(0.8)
                c.line(0, y, self.width, y)
            else:
                c.setStrokeColor(RULE)
                c.setLineWidth(0.25)
                c.line(0, bottom, self.width, bottom)
            y = bottom


def _week_label(week: str) -> str:
    """"2026-W47" -> "W47": twelve of them fit under a chart."""
    return "W" + week.split("-W")[1]


def _write_off_label(reason: str) -> str:
    label = WRITE_OFF_REASONS.get(reason)
    if reason == "other":
        return gettext("Other")
    return str(label) if label else reason


def _donor_label(kind: str) -> str:
    return donor_type_label(kind)

