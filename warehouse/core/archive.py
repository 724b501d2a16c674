"""One partner's own data as one ZIP: a CSV per part and a README describing each column.

The view gathers the parts (each area's own export rows, scoped to the organisation), so
the archive holds exactly what that partner's coordinator can see page by page, and
nothing of any other partner. The ZIP is written to a temporary file (spooled: kept in
memory while small) and streamed from it.
"""
import io
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Response
from flask_babel import format_datetime, gettext, ngettext

from warehouse.core.exports import (
    FILE_CHUNK_BYTES,
    Column,
    attachment_headers,
    csv_lines,
    download_name,
)
from warehouse.core.types import utcnow

#: Kept in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class Part:
    """One CSV file of the archive."""

    filename: str
    title: object  # translatable
    about: object  # translatable: what a row is
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def readme(organisation_name: str, parts: Sequence[Part], counts: dict[str, int]) -> str:
    """The README.txt: what the archive is, and each file's columns."""
    lines = [
        gettext("Data of %(organisation)s", organisation=organisation_name),
        gettext("Exported on %(when)s.", when=format_datetime(utcnow(), "yyyy-MM-dd HH:mm")),
        "",
        gettext("Each file is a CSV table in UTF-8, one header row, commas between "
                "columns. Dates are written 2026-11-27, times 2026-11-27 14:05 (local "
                "time). A text cell that a spreadsheet would run as a formula starts with "
                "an apostrophe."),
        "",
    ]
    for part in parts:
        rows = ngettext("%(num)d row", "%(num)d rows", counts.get(part.filename, 0))
        lines.append(f"{part.filename} — {part.title} ({rows})")
        lines.append(f"  {part.about}")
        for column in part.columns:
            tag = f"  [{column.hxl}]" if column.hxl else ""
            lines.append(f"  - {column.label}{tag}")
        lines.append("")
    return "\r\n".join(lines)


def write_archive(target, organisation_name: str, parts: Sequence[Part]) -> dict[str, int]:
    """Write the ZIP of ``parts`` and its README to ``target``; return rows per file."""
    counts = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for part in parts:
            count = 0

            def counted(rows):
                nonlocal count
                for row in rows:
                    count += 1
                    yield row

            with archive.open(part.filename, "w") as member, \
                    io.TextIOWrapper(member, encoding="utf-8", newline="") as text:
                for piece in csv_lines([str(c.label) for c in part.columns],
                                       counted(part.rows), columns=part.columns):
                    text.write(piece)
            counts[part.filename] = count
        archive.writestr("README.txt", readme(organisation_name, parts, counts))
    return counts


def archive_response(name: str, organisation_name: str, parts: Sequence[Part]) -> Response:
    """The archive as a download called ``<name>-<date>.zip``."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    write_archive(spool, organisation_name, parts)
    spool.seek(0)

    def chunks():
        try:
            while chunk := spool.read(FILE_CHUNK_BYTES):
                yield chunk
        finally:
            spool.close()

    return Response(chunks(), mimetype="application/zip",
                    headers=attachment_headers(download_name(name, "zip")))
