"""The writers every list's download goes through."""
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl

from warehouse.core.exports import (
    DATE,
    DATETIME,
    NUMBER,
    Column,
    LocalMinute,
    csv_lines,
    spreadsheet_cell,
    write_xlsx,
)

PARIS = ZoneInfo("Europe/Paris")


def test_spreadsheet_cell_defuses_formulas_and_leaves_numbers_alone():
    for text in ("=1+1", "+33 6", "-wet", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_cell(text) == "'" + text
    assert spreadsheet_cell(-5) == -5 and spreadsheet_cell(None) == ""
    assert spreadsheet_cell("Tent") == "Tent"


def test_csv_without_columns_defuses_every_text_cell_as_before():
    text = "".join(csv_lines(["=Header", "n"], [["=cmd", -3], ["ok", None]]))
    assert text == "\ufeff'=Header,n\r\n'=cmd,-3\r\nok,\r\n"


def test_csv_with_columns_writes_local_times_and_days():
    columns = [Column("When", "#date", DATETIME), Column("Day", None, DATE),
               Column("Note"), Column("N", "#output+num", NUMBER)]
    winter = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    summer_text = "2026-07-01 22:05:09.000001"  # SQLite's stored UTC text
    with_tags = "".join(csv_lines([c.label for c in columns], [
        [winter, date(2026, 1, 16), "+1", 7], [summer_text, None, None, -2]],
        hxl_tags=[c.hxl for c in columns], columns=columns)).splitlines()
    assert with_tags[1] == "#date,,,#output+num"
    assert with_tags[2] == "2026-01-16 00:30,2026-01-16,'+1,7"
    assert with_tags[3] == "2026-07-02 00:05,,,-2"


def test_local_minute_follows_daylight_saving_and_reads_text_or_datetime():
    write = LocalMinute(PARIS)
    # The night the clocks went back: 00:59 and 01:00 UTC are 02:59 and 02:00 in Paris.
    assert write("2026-10-25 00:59:00") == "2026-10-25 02:59"
    assert write("2026-10-25 01:00:00") == "2026-10-25 02:00"
    assert write(datetime(2026, 10, 25, 1, 0, tzinfo=UTC)) == "2026-10-25 02:00"
    assert write(None) == ""
    india = LocalMinute(ZoneInfo("Asia/Kolkata"))  # +05:30: converted row by row
    assert india("2026-10-25 01:00:00") == "2026-10-25 06:30"


def test_xlsx_keeps_types_and_shows_formula_text_as_typed(tmp_path):
    path = tmp_path / "list.xlsx"
    columns = [Column("When", type=DATETIME), Column("Day", type=DATE), Column("Note"),
               Column("N", type=NUMBER)]
    write_xlsx(str(path), columns, [
        [datetime(2026, 1, 15, 23, 30, tzinfo=UTC), date(2026, 1, 16), "=1+1", -4]])
    sheet = openpyxl.load_workbook(path).active
    when, day, note, number = sheet[2]
    assert when.value == datetime(2026, 1, 16, 0, 30) and when.is_date
    assert day.value == datetime(2026, 1, 16) and day.number_format == "yyyy-mm-dd"
    assert note.value == "=1+1" and note.data_type == "s" and note.quotePrefix
    assert number.value == -4 and number.data_type == "n"
    assert [c.value for c in sheet[1]] == ["When", "Day", "Note", "N"]


def test_xlsx_writes_to_memory_too():
    target = io.BytesIO()
    write_xlsx(target, [Column("A")], [["x"]])
    assert openpyxl.load_workbook(io.BytesIO(target.getvalue())).active["A2"].value == "x"
