"""Downloads of lists, one way for every area: CSV, XLSX and HXL-tagged CSV.

Every CSV starts with a byte-order mark so spreadsheet programs read it as UTF-8 (é, ç,
« »), and is streamed in chunks of about 64 KB so a list of a million rows keeps the
server's memory flat. Every text cell that a spreadsheet would run as a formula (=, +, -,
@, tab, carriage return at the start) is defused: in CSV it is prefixed with an
apostrophe, in XLSX it is written as text with the "quote prefix" flag (what a
spreadsheet stores when one types an apostrophe first), so it shows exactly as recorded
and is never evaluated, even when edited. Numbers stay numbers.

An export is described once, as ``Column``s (a translatable label, an optional HXL
hashtag and a type) and rows of plain values (``int``, ``str``, ``date``, aware
``datetime`` or None); ``export_response`` writes it in the format asked for. Times are
written in the reader's time zone, as the pages show them.

XLSX is written by XlsxWriter in ``constant_memory`` mode (each row flushed to disk as it
is written) into a temporary file, which is then streamed and deleted, whatever the size
of the list.
"""
import csv
import functools
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Response, stream_with_context
from flask_babel import get_timezone, gettext
from wtforms import SelectField

from warehouse.core.errors import N_, DomainError
from warehouse.core.types import utcnow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: The formats a list can be downloaded in, as named in URLs.
CSV, XLSX, HXL = "csv", "xlsx", "hxl"
FORMATS = (CSV, XLSX, HXL)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A streamed CSV is sent in pieces of about this many characters.
CHUNK_CHARACTERS = 64 * 1024
FILE_CHUNK_BYTES = 64 * 1024
#: Column types: how a value is written in each format.
TEXT, NUMBER, DATE, DATETIME = "text", "number", "date", "datetime"
#: Excel cannot show more than this many rows on a sheet (the header included).
XLSX_MAX_ROWS = 1_048_576
XLSX_COLUMN_WIDTH = {TEXT: 22, NUMBER: 11, DATE: 11, DATETIME: 16}


def spreadsheet_cell(value):
    """A cell as text a spreadsheet shows rather than runs."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an export: its header (translated when written), HXL hashtag, type."""

    label: object  # a str or a lazy translation (``_l``)
    hxl: str | None = None
    type: str = TEXT
    #: Its text can never start like a formula (codes, the app's own words), so a long
    #: export need not check it.
    safe: bool = False


def local_zone() -> ZoneInfo:
    """The reader's time zone (Flask-Babel's choice), as a ``zoneinfo`` zone."""
    return ZoneInfo(str(get_timezone()))


def _time_writers(columns: Sequence[Column]) -> list[tuple[int, Callable]]:
    """(column index, function) turning a date or time into the text CSV carries."""
    zone = None
    writers = []
    for index, column in enumerate(columns):
        if column.type == DATE:
            writers.append((index, _iso_day))
        elif column.type == DATETIME:
            zone = zone or local_zone()
            writers.append((index, LocalMinute(zone)))
    return writers


def _iso_day(value) -> str:
    return value.isoformat() if value is not None else ""


_MINUTES = [f":{minute:02d}" for minute in range(60)]


class LocalMinute:
    """Writes a moment as the local ``2026-11-27 14:05``, fast enough for a million rows.

    Takes an aware ``datetime``, or a UTC time as text (``2026-11-27 13:05:09.123``, how
    SQLite stores it, read without conversion). A zone's offset holds for a whole UTC hour
    in practice, so the local date and hour are worked out once per hour (the last one is
    kept: rows come roughly in time order) and only the minute is added per row. Zones
    whose offset is not whole hours are converted row by row.
    """

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.hour_key = None
        self.hour_text = ""

    def __call__(self, value) -> str:
        if value is None:
            return ""
        if value.__class__ is str:
            key = value[:13]
            if key != self.hour_key and not self._learn(
                    key, datetime.fromisoformat(value).replace(tzinfo=UTC)):
                return self._convert(datetime.fromisoformat(value).replace(tzinfo=UTC))
            return self.hour_text + value[13:16]
        if not isinstance(value, datetime):
            return str(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        seconds = value.timestamp()
        key = seconds // 3600
        if key != self.hour_key and not self._learn(key, value):
            return self._convert(value)
        return self.hour_text + _MINUTES[int(seconds // 60 % 60)]

    def _learn(self, key, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        if local.utcoffset().total_seconds() % 3600:
            return False
        self.hour_key = key
        self.hour_text = local.strftime("%Y-%m-%d %H")
        return True

    def _convert(self, value: datetime) -> str:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


# --- CSV ------------------------------------------------------------------------------------

def csv_lines(header: Sequence, rows: Iterable[Sequence], *,
              hxl_tags: Sequence[str] | None = None,
              columns: Sequence[Column] | None = None) -> Iterator[str]:
    """The CSV text of ``header`` and ``rows`` in pieces, formulas defused.

    ``hxl_tags`` adds HXL's second header row of hashtags; ``columns`` says which cells
    are dates and times (written as ``2026-11-27`` and local ``2026-11-27 14:05``).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writerow = writer.writerow
    yield "\ufeff"
    writerow([spreadsheet_cell(str(value)) for value in header])
    if hxl_tags is not None:
        writerow([tag or "" for tag in hxl_tags])
    starts = FORMULA_STARTS
    if columns:
        # Only text columns can hold a formula; dates and times become text here.
        times = _time_writers(columns)
        texts = [i for i, column in enumerate(columns)
                 if column.type == TEXT and not column.safe]
        rows = _typed(rows, times, texts)
    for row in rows:
        if columns is None:
            # Inlined spreadsheet_cell: this runs once per cell of a long list. csv
            # writes None as an empty cell by itself.
            row = [("'" + value if value.startswith(starts) else value)
                   if value.__class__ is str else value for value in row]
        writerow(row)
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _typed(rows, times, texts) -> Iterator[list]:
    """Rows with their dates and times as text and their formulas defused."""
    starts = FORMULA_STARTS
    for row in rows:
        if row.__class__ is not list:
            row = list(row)
        for index, write in times:
            row[index] = write(row[index])
        for index in texts:
            value = row[index]
            if value.__class__ is str and value.startswith(starts):
                row[index] = "'" + value
        yield row


def download_name(name: str, extension: str) -> str:
    return f"{name}-{utcnow():%Y-%m-%d}.{extension}"


def attachment_headers(filename: str) -> dict:
    """Headers of a download saved as ``filename``, never cached."""
    return {"Content-Disposition": f'attachment; filename="{filename}"',
            # A list of the moment it was asked for: never a cached copy.
            "Cache-Control": "private, no-store"}


def csv_response(name: str, header: Sequence, rows: Iterable[Sequence], *,
                 hxl_tags: Sequence[str] | None = None,
                 columns: Sequence[Column] | None = None) -> Response:
    """A CSV download called ``<name>-<date>.csv``, streamed from ``rows``.

    ``rows`` is read while the response is sent (inside the request's context), so a
    generator over a server-side cursor streams straight from the database.
    """
    extension = "hxl.csv" if hxl_tags is not None else "csv"
    body = csv_lines(header, rows, hxl_tags=hxl_tags, columns=columns)
    return Response(stream_with_context(_encoded(body)), mimetype="text/csv",
                    headers=attachment_headers(download_name(name, extension)))


def _encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    for piece in pieces:
        yield piece.encode("utf-8")


# --- XLSX -----------------------------------------------------------------------------------

class SheetWriter:
    """Writes typed rows to one XlsxWriter worksheet: numbers as numbers, dates as dates,
    text as text (formula-looking text flagged so it is never run).

    Usable on any workbook made with ``new_workbook``, e.g. by a report adding sheets.
    """

    def __init__(self, workbook, worksheet, columns: Sequence[Column]):
        self.worksheet = worksheet
        self.columns = list(columns)
        self.row = 0
        self.header_format = workbook.add_format({"bold": True, "bottom": 1,
                                                  "text_wrap": True, "valign": "top"})
        self.quoted = workbook.add_format({"quote_prefix": True})
        self.day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.minute = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.zone = local_zone() if any(c.type == DATETIME for c in self.columns) else None
        for index, column in enumerate(self.columns):
            worksheet.set_column(index, index, XLSX_COLUMN_WIDTH.get(column.type, 18))

    def header(self, labels: Sequence | None = None) -> None:
        labels = labels if labels is not None else [c.label for c in self.columns]
        for index, label in enumerate(labels):
            self.worksheet.write_string(self.row, index, str(label), self.header_format)
        self.worksheet.freeze_panes(self.row + 1, 0)
        self.row += 1

    def write(self, values: Sequence) -> None:
        sheet, row = self.worksheet, self.row
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(row, index, value)
            elif isinstance(value, (int, float)):
                sheet.write_number(row, index, value)
            elif isinstance(value, datetime):
                moment = value.astimezone(self.zone or local_zone()) \
                    if value.tzinfo is not None else value
                sheet.write_datetime(row, index, moment.replace(tzinfo=None), self.minute)
            elif isinstance(value, date):
                sheet.write_datetime(row, index, datetime(value.year, value.month, value.day),
                                     self.day)
            else:
                text = str(value)
                if text.startswith(FORMULA_STARTS):
                    sheet.write_string(row, index, text, self.quoted)
                else:
                    sheet.write_string(row, index, text)
        self.row += 1


def new_workbook(target):
    """An XlsxWriter workbook that writes rows to disk as it goes and never runs text.

    ``target`` is a file name (constant memory needs one) or a file-like object.
    """
    import xlsxwriter
    options = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    if isinstance(target, (str, os.PathLike)):
        options["constant_memory"] = True
    else:
        options["in_memory"] = True
    return xlsxwriter.Workbook(target, options)


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in str(text)).strip("'")
    return (cleaned or "Sheet")[:31]


def write_xlsx(target, columns: Sequence[Column], rows: Iterable[Sequence], *,
               title: str = "Sheet") -> int:
    """Write one sheet of ``columns`` and ``rows`` to ``target``; return the rows written.

    Rows beyond what Excel can show are left out (CSV has no such limit).
    """
    workbook = new_workbook(target)
    worksheet = workbook.add_worksheet(sheet_title(title))
    writer = SheetWriter(workbook, worksheet, columns)
    writer.header()
    count = 0
    for row in rows:
        if writer.row >= XLSX_MAX_ROWS:
            break
        writer.write(row)
        count += 1
    if count:
        worksheet.autofilter(0, 0, count, len(columns) - 1)
    workbook.close()
    return count


def xlsx_response(name: str, columns: Sequence[Column], rows: Iterable[Sequence], *,
                  title: str | None = None) -> Response:
    """An XLSX download called ``<name>-<date>.xlsx``.

    The workbook is written to a temporary file first (an XLSX file is a ZIP, whose
    directory comes last), then streamed from it; the file is deleted as soon as it is
    opened, so nothing is left behind even if the download is cut.
    """
    handle, path = tempfile.mkstemp(prefix="export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(path, columns, rows, title=title or name)
        stream = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        os.unlink(path)
    return Response(_file_chunks(stream), mimetype=XLSX_MIMETYPE,
                    headers=attachment_headers(download_name(name, "xlsx")))


def _file_chunks(stream) -> Iterator[bytes]:
    try:
        while chunk := stream.read(FILE_CHUNK_BYTES):
            yield chunk
    finally:
        stream.close()


# --- one way in for every list ---------------------------------------------------------------

def export_response(name: str, columns: Sequence[Column], rows: Iterable[Sequence],
                    fmt: str = CSV) -> Response:
    """A list as ``fmt``: ``csv``, ``xlsx`` or ``hxl`` (CSV with a row of HXL hashtags).

    Headers are translated now, in the reader's language.
    """
    header = [str(column.label) for column in columns]
    if fmt == XLSX:
        return xlsx_response(name, columns, rows)
    if fmt == HXL:
        return csv_response(name, header, rows, columns=columns,
                            hxl_tags=[column.hxl or "" for column in columns])
    return csv_response(name, header, rows, columns=columns)


def has_hxl(columns: Sequence[Column]) -> bool:
    return any(column.hxl for column in columns)


# --- refusing a download whose filters are not valid, and the routes of downloads ------------
#
# Each list's view parses its filters once (the same function for the page and the
# download): the page shows filters that are not valid next to their fields and ignores
# them; a download must not silently export something else, so it refuses them.

class FiltersNotValid(DomainError):
    """The filters of a download could not be read: nothing is exported."""

    status = 400
    template = N_("Nothing was exported, because some filters are not valid: %(problems)s "
                  "Correct them on the list's page, filter, and download again.")


def _value(choice) -> str:
    value = getattr(choice, "value", None)
    return str(value if value is not None or not isinstance(choice, (tuple, list))
               else choice[0])


def _choice_values(choices) -> set[str]:
    if isinstance(choices, dict):  # grouped choices
        return {_value(choice) for group in choices.values() for choice in group}
    return {_value(choice) for choice in choices or ()}


def filter_problems(form, args) -> list[str]:
    """What is wrong with the filters ``args`` gave ``form``, one sentence per field.

    Besides the form's own errors (a date it cannot read), a choice the list does not
    offer (an unknown site, a mistyped status) is a problem: the page would show the
    unfiltered list, which a download must not pass off as the filtered one.
    """
    problems = []
    for field in form:
        raw = (args.get(field.name) or "").strip()
        if field.errors:
            problems.append(gettext("%(field)s: %(error)s", field=field.label.text,
                                    error=" ".join(str(e) for e in field.errors)))
        elif raw and isinstance(field, SelectField) and field.choices is not None \
                and raw not in _choice_values(field.choices):
            problems.append(gettext("%(field)s: “%(value)s” is not one of the choices.",
                                    field=field.label.text, value=raw[:40]))
    return problems


def refuse_invalid(form, args) -> None:
    """Raise ``FiltersNotValid`` naming every filter of ``form`` that ``args`` got wrong."""
    problems = filter_problems(form, args)
    if problems:
        raise FiltersNotValid(problems=" ".join(
            p if p.endswith(".") else p + "." for p in problems))


#: How a format's URL ends, and what its endpoint adds to the list's CSV endpoint.
EXTENSIONS = {CSV: ".csv", XLSX: ".xlsx", HXL: ".hxl.csv"}
ENDPOINT_SUFFIXES = {CSV: "", XLSX: "_xlsx", HXL: "_hxl"}


def export_routes(blueprint, path: str, *, formats=(CSV, XLSX), endpoint: str | None = None):
    """Register ``view(fmt=…, **url_arguments)`` once per format: ``path`` + ``.csv``,
    ``.xlsx``, ``.hxl.csv``, as endpoints ``<name>``, ``<name>_xlsx``, ``<name>_hxl``.

    Put it above the view's access decorator: each route keeps the view's declared
    access. One endpoint per format (rather than a format argument) lets every download
    be linked to by name and walked by the route-access test like any page.
    """
    def decorator(view):
        name = endpoint or view.__name__
        for fmt in formats:
            blueprint.add_url_rule(path + EXTENSIONS[fmt], name + ENDPOINT_SUFFIXES[fmt],
                                   _bound(view, fmt), methods=["GET"])
        return view
    return decorator


def _bound(view, fmt: str):
    def export(**arguments):
        return view(fmt=fmt, **arguments)
    functools.update_wrapper(export, view)  # its docstring and declared access too
    return export
