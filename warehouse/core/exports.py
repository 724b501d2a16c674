"""CSV downloads of lists, one way for every area.

Each file starts with a byte-order mark so spreadsheet programs read it as UTF-8 (é, ç,
« »), is streamed row by row so a long list keeps the server's memory flat, and has every
text cell that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at
the start) prefixed with an apostrophe. Numbers stay numbers.
"""
import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response, stream_with_context

from warehouse.core.types import utcnow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A cell as text a spreadsheet shows rather than runs."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(header: Sequence, rows: Iterable[Sequence]) -> Iterable[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    writer.writerow([spreadsheet_cell(value) for value in header])
    for row in rows:
        writer.writerow([spreadsheet_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def csv_response(name: str, header: Sequence, rows: Iterable[Sequence]) -> Response:
    """A CSV download called ``<name>-<date>.csv``, streamed from ``rows``."""
    filename = f"{name}-{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
