"""The daily stock sheet and the stocktake count sheet, as PDF bytes drawn with reportlab.

    pdf = build_stock_sheet(site_id, printed_by="Claire Dubois", lang="fr")
    pdf = build_count_sheet(location_id, printed_by="Léa Martin")

Plain functions: no request needed, so the web view wraps the bytes in a response and
``flask stock sheet`` writes the same bytes to a file. Figures come from
``warehouse.reports.queries``; this module only lays them out.

Drawn with the warehouse's table engine (``warehouse.core.pdf.tables``), which lays a
2,000-item sheet out in well under a second.

Made for the office printer, in black and white: an item below its minimum level is
shaded grey, carries a black "!" box and has its on-hand figure in bold; the "Counted"
column is a white box on every row, shaded or not, to write in.
"""
from contextlib import nullcontext
from datetime import date, datetime

from flask_babel import (force_locale, format_date, format_datetime, format_decimal, gettext,
                         ngettext)
from reportlab.lib.pagesizes import A4, landscape

from warehouse.core.pdf.tables import (
    DASH,
    MM,
    NO_BREAK,
    SEPARATOR,
    Cell,
    Column,
    Heading,
    Row,
    Section,
    SheetLayout,
    number,
    printed_line,
)
from warehouse.core.types import utcnow
from warehouse.reports import queries

ZERO_GREY = 0.45  # zeros that matter less than the other figures


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


def cover(days: float | None) -> str:
    """Days of cover: one decimal under ten days, whole days above, a dash without outflow."""
    if days is None:
        return DASH
    return format_decimal(days, format="#,##0.0" if days < 10 else "#,##0")


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
        return [when], [printed_line(self.printed_by, self.printed_at), summary]

    def footer_note(self) -> str:
        return gettext(
            "! = below the item's minimum level. Available = on hand − reserved. Days of "
            "cover = on hand ÷ average daily outflow over the %(days)s days before. Moves "
            "between shelves are neither in nor out.", days=self.sheet.window_days)

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
                [printed_line(self.printed_by, self.printed_at),
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


