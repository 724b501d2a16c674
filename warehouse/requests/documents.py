"""The pick list and the dispatch note of partner requests, as PDF bytes.

    pdf = build_pick_list([request], printed_by="Léa Martin")
    pdf = build_dispatch_note(request, printed_by="Max Manager", lang="fr")

Plain functions with no request needed. They share the look of the daily stock sheet
(the table engine ``warehouse.core.pdf.tables``: its header, "page x of y" footer and
the label fonts) so every paper of the warehouse reads the same way.
"""
from contextlib import nullcontext
from datetime import date, datetime

from flask_babel import force_locale, format_date, gettext, ngettext

from warehouse.core.pdf.tables import (
    DASH,
    MM,
    NO_BREAK,
    SEPARATOR,
    Cell,
    Column,
    Row,
    Section,
    SheetLayout,
    cut,
    number,
    printed_line,
    safe,
)
from warehouse.core.types import utcnow
from warehouse.requests import picking
from warehouse.requests.models import StockRequest

#: Room to write in under the lines of a pick list and above the signatures of a note.
NOTES_HEIGHT = 22 * MM
SIGNATURE_HEIGHT = 24 * MM


def build_pick_list(requests: list[StockRequest], *, printed_by: str,
                    lang: str | None = None, printed_at: datetime | None = None,
                    site_name: str | None = None, day: date | None = None) -> bytes:
    """The pick list of one request, or of several (all approved ones of a day at a site).

    Each line says what to pick and where: boxes soonest to expire first, then oldest
    first, then loose stock shelf by shelf; with a box to tick, and room for notes.
    """
    printed_at = printed_at or utcnow()
    with force_locale(lang) if lang else nullcontext():
        sheets = [picking.picking_sheet(request) for request in requests]
        return _PickListLayout(sheets, printed_by=printed_by, printed_at=printed_at,
                               site_name=site_name, day=day).pdf()


def build_dispatch_note(request: StockRequest, *, printed_by: str, lang: str | None = None,
                        printed_at: datetime | None = None) -> bytes:
    """The dispatch note of a request: what went to the partner, with signature lines."""
    printed_at = printed_at or utcnow()
    with force_locale(lang) if lang else nullcontext():
        return _DispatchNoteLayout(request, picking.dispatched_picks(request),
                                   picking.dispatch_documents(request),
                                   printed_by=printed_by, printed_at=printed_at).pdf()


def pick_list_filename(request_id: int | None = None, *, day: date | None = None) -> str:
    if request_id is not None:
        return f"pick-list-request-{request_id}.pdf"
    return f"pick-lists-{day.isoformat()}.pdf"


def dispatch_note_filename(request_id: int) -> str:
    return f"dispatch-note-request-{request_id}.pdf"


def _request_title(request: StockRequest) -> str:
    return gettext("Request %(request)s – %(partner)s – needed by %(day)s",
                   request=request.id, partner=request.organisation.name,
                   day=format_date(request.needed_by, "medium"))


class _PickListLayout(SheetLayout):
    min_row = 9 * MM  # room to tick and to write a number

    def __init__(self, sheets: list[picking.PickingSheet], *, site_name: str | None,
                 day: date | None, **kwargs):
        super().__init__(**kwargs)
        self.sheets = sheets
        self.single = sheets[0].request if len(sheets) == 1 and day is None else None
        self.site_name = site_name
        self.day = day
        if self.single is not None:
            self.title = gettext("Pick list – request %(request)s", request=self.single.id)
        else:
            self.title = gettext("Pick lists – %(site)s", site=site_name or DASH)

    def header_lines(self) -> tuple[list[str], list[str]]:
        printed = printed_line(self.printed_by, self.printed_at)
        if self.single is not None:
            request = self.single
            left = [gettext("Partner: %(partner)s", partner=request.organisation.name),
                    gettext("Needed by %(day)s · collected at %(site)s",
                            day=format_date(request.needed_by, "full"),
                            site=request.site.name)]
            lines = sum(1 for line in self.sheets[0].lines if line.allocated)
            return left, [printed, ngettext("%(count)s line", "%(count)s lines", lines,
                                            count=number(lines))]
        left = [gettext("Approved requests needed by %(day)s",
                        day=format_date(self.day, "full")) if self.day else ""]
        count = len(self.sheets)
        return left, [printed, ngettext("%(count)s request", "%(count)s requests", count,
                                        count=number(count))]

    def footer_note(self) -> str:
        return gettext("Take the boxes in the order listed (soonest use-by date, then "
                       "oldest). Tick each line when picked; write what you took if it "
                       "differs.")

    def columns(self) -> list[Column]:
        return [Column("✓", 9 * MM, "centre", write_in=True),
                Column(gettext("Item"), 50 * MM),
                Column(gettext("To pick"), 17 * MM, "right"),
                Column(gettext("Where: box or shelf, how many"), 74 * MM),
                Column(gettext("Picked"), 16 * MM, "centre", write_in=True),
                Column(gettext("Notes"), 24 * MM, write_in=True)]

    def sections(self) -> list[Section]:
        sections = []
        for sheet in self.sheets:
            columns = self.columns()
            rows = [self._row(line, columns) for line in sheet.lines if line.allocated]
            title = None if self.single is not None else _request_title(sheet.request)
            sections.append(Section(
                title, columns, rows,
                empty_note=gettext("Nothing was allocated to this request."),
                title_continued=(gettext("%(title)s (continued)", title=title)
                                 if title else None)))
        notes = Column(gettext("Notes"), 190 * MM, write_in=True)
        sections.append(Section(None, [notes], [Row([None], NOTES_HEIGHT)]))
        signature = [Column(gettext("Picked by"), 95 * MM, write_in=True),
                     Column(gettext("Checked by"), 95 * MM, write_in=True)]
        sections.append(Section(None, signature, [Row([None, None], 12 * MM)]))
        return sections

    def _row(self, line: picking.LineToPick, columns: list[Column]) -> Row:
        f = self.f
        where = self._where(line, columns[3])
        item = self.cell(line.item, columns[1], font=f["bold"], size=9.5, max_lines=3)
        item.lines.append(safe(line.item_code, f["regular"]))
        return self.row([
            None, item,
            self.cell(number(line.left), columns[2], font=f["bold"], size=12, max_lines=1),
            where, None, None])

    def _where(self, line: picking.LineToPick, column: Column) -> Cell:
        font = self.f["regular"]
        room = column.width - 2 * 1.2 * MM
        texts = []
        if line.left == 0:
            texts.append(gettext("Already picked or dispatched."))
        for suggestion in line.suggestions:
            if suggestion.box_code:
                text = gettext("Box %(box)s at %(location)s: %(quantity)s",
                               box=suggestion.box_code, location=suggestion.location,
                               quantity=number(suggestion.quantity))
                if suggestion.expires_on:
                    text += SEPARATOR + gettext("use by %(day)s", day=format_date(
                        suggestion.expires_on, "short"))
            else:
                text = gettext("Loose at %(location)s (%(code)s): %(quantity)s",
                               location=suggestion.location, code=suggestion.location_code,
                               quantity=number(suggestion.quantity))
            texts.append(text)
        if line.left and not line.suggestions:
            texts.append(gettext("None found at this site: ask a manager."))
        for pick in line.picks:
            texts.append(gettext("Already picked: %(quantity)s from %(where)s",
                                 quantity=number(pick.quantity),
                                 where=pick.box_code or pick.location))
        lines = [cut(safe(text, font), font, 8.5, room) for text in texts] or [DASH]
        return Cell(lines, font, 8.5)


class _DispatchNoteLayout(SheetLayout):
    min_row = 8 * MM

    def __init__(self, request: StockRequest, lines, dispatches, **kwargs):
        super().__init__(**kwargs)
        self.request = request
        self.lines = lines
        self.dispatches = dispatches
        self.title = gettext("Dispatch note – request %(request)s", request=request.id)

    def header_lines(self) -> tuple[list[str], list[str]]:
        request = self.request
        # A request dispatched in parts lists each dispatch: its ledger number and day.
        when = SEPARATOR.join(
            gettext("no. %(document)s of %(day)s", document=document_id,
                    day=format_date(occurred_at, "long"))
            for document_id, occurred_at in self.dispatches) or DASH
        left = [gettext("To: %(partner)s", partner=request.organisation.name),
                gettext("From: %(site)s · dispatch %(when)s", site=request.site.name,
                        when=when)]
        if request.distribution_site is not None:
            left.append(gettext("For distribution at %(place)s",
                                place=request.distribution_site.name))
        return left, [printed_line(self.printed_by, self.printed_at),
                      gettext("Needed by %(day)s", day=format_date(request.needed_by,
                                                                    "medium"))]

    def footer_note(self) -> str:
        return gettext("The partner signs on collection. Quantities are in the unit of each "
                       "item; boxes are listed by the code on their label.")

    def sections(self) -> list[Section]:
        f = self.f
        columns = [Column(gettext("Code"), 20 * MM), Column(gettext("Item"), 66 * MM),
                   Column(gettext("Boxes"), 62 * MM),
                   Column(gettext("Quantity"), 20 * MM, "right"),
                   Column(gettext("Allocated"), 22 * MM, "right")]
        rows = []
        for line, picks in self.lines:
            if not line.dispatched:
                continue
            boxes = [f"{p.box_code}{NO_BREAK}({number(p.quantity)})" for p in picks
                     if p.box_code]
            loose = sum(p.quantity for p in picks if not p.box_code)
            if loose:
                boxes.append(gettext("loose: %(quantity)s", quantity=number(loose)))
            rows.append(self.row([
                self.cell(line.item_code, columns[0], font=f["code"], size=8, max_lines=1),
                self.cell(line.item, columns[1], font=f["bold"]),
                self.cell("", columns[2], words=boxes or [DASH], joiner=SEPARATOR,
                          max_lines=6),
                self.cell(number(line.dispatched), columns[3], font=f["bold"], size=11,
                          max_lines=1),
                self.cell(number(line.allocated), columns[4], size=9, max_lines=1)]))
        signatures = [
            Column(gettext("For the warehouse: name, date and signature"), 95 * MM,
                   write_in=True),
            Column(gettext("For the partner: name, date and signature"), 95 * MM,
                   write_in=True)]
        return [
            Section(gettext("Dispatched"), columns, rows,
                    empty_note=gettext("Nothing has been dispatched for this request yet."),
                    title_continued=gettext("Dispatched (continued)")),
            Section(None, signatures, [Row([None, None], SIGNATURE_HEIGHT)]),
        ]
