"""The weekly report as an XLSX workbook: its tables, an HXL-tagged data sheet and charts.

    data = build_weekly_xlsx(report)   # bytes

One sheet per table of the PDF (figures as numbers, never as text), a "Weeks" sheet with
native Excel charts of the last twelve weeks and of partners' distributions, and an
"HXL" sheet: one row per partner, distribution site and item distributed, under a row of
HXL hashtags, for humanitarian data exchange. Written with the cells helpers of
``warehouse.core.exports``, so text that looks like a formula is never run.
"""
import io

from flask_babel import gettext

from warehouse.core.exports import DATE, NUMBER, Column, SheetWriter, new_workbook, sheet_title
from warehouse.reports.charts import PALETTE
from warehouse.reports.weekly import WeeklyReport
from warehouse.reports.weekly_pdf import (_donor_label, _write_off_label, period_text,
                                          previous_word, scope_text)


def build_weekly_xlsx(report: WeeklyReport) -> bytes:
    """The workbook's bytes, in the current locale (labels; names as in ``report``).

    ``report.distribution_lines`` fill the HXL sheet.
    """
    buffer = io.BytesIO()
    book = new_workbook(buffer)
    _summary(book, report)
    if report.partners:
        _table(book, gettext("Partners"), [
            Column(gettext("Partner")), Column(gettext("Requested"), type=NUMBER),
            Column(gettext("Allocated"), type=NUMBER), Column(gettext("Dispatched"), type=NUMBER),
            Column(gettext("Distributed"), type=NUMBER),
            Column(gettext("People reached"), type=NUMBER),
            Column(gettext("Returned"), type=NUMBER)],
            [(p.name, p.requested, p.allocated, p.dispatched, p.distributed, p.people,
              p.returned) for p in report.partners])
    if report.places:
        _table(book, gettext("Distribution sites"), [
            Column(gettext("Distribution site")), Column(gettext("Town")),
            Column(gettext("Region")), Column(gettext("Distributions"), type=NUMBER),
            Column(gettext("Distributed"), type=NUMBER),
            Column(gettext("People reached"), type=NUMBER),
            Column(gettext("Eviction replacements"), type=NUMBER)],
            [(p.name, p.town, p.region, p.distributions, p.distributed, p.people, p.evictions)
             for p in report.places])
    warehouse = report.scope == "warehouse"
    _table(book, gettext("Items"), [
        Column(gettext("Category")), Column(gettext("Code")), Column(gettext("Item")),
        Column(gettext("Opening"), type=NUMBER), Column(gettext("In"), type=NUMBER),
        Column(gettext("Out"), type=NUMBER), Column(gettext("Closing"), type=NUMBER),
        Column(gettext("Reserved, not yet dispatched") if warehouse
               else gettext("Allocated, not yet collected"), type=NUMBER),
        Column(gettext("Days of cover"), type=NUMBER),
        Column(gettext("Days out of stock"), type=NUMBER),
        Column(gettext("Below minimum"))],
        [(block.name, row.code, row.name, row.opening, row.received, row.out, row.closing,
          row.on_the_way,
          round(row.days_of_cover, 1) if row.days_of_cover is not None else None,
          row.stockout_days if warehouse else None,
          gettext("yes") if row.below_minimum else "")
         for block in report.categories for row in block.items])
    if report.top_needs:
        _table(book, gettext("Top needs"), [
            Column(gettext("Item")), Column(gettext("Requested"), type=NUMBER),
            Column(gettext("Allocated"), type=NUMBER), Column(gettext("Short"), type=NUMBER),
            Column(gettext("Available at the end"), type=NUMBER)],
            [(n.name, n.requested, n.allocated, n.short, n.available) for n in report.top_needs])
    if report.donations:
        _table(book, gettext("Donations"), [
            Column(gettext("Source")), Column(gettext("Donations"), type=NUMBER),
            Column(gettext("Items"), type=NUMBER)],
            [(_donor_label(d.donor_type), d.donations, d.items) for d in report.donations])
    if report.evictions_by_item:
        _table(book, gettext("Eviction replacements"), [
            Column(gettext("Item")), Column(gettext("Items"), type=NUMBER)],
            [(e.name, e.quantity) for e in report.evictions_by_item])
    _weeks(book, report)
    _hxl(book, report)
    book.close()
    return buffer.getvalue()


def _table(book, title: str, columns: list[Column], rows: list) -> None:
    sheet = book.add_worksheet(sheet_title(title))
    writer = SheetWriter(book, sheet, columns)
    writer.header()
    for row in rows:
        writer.write(row)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    return sheet


def _summary(book, report: WeeklyReport) -> None:
    sheet = book.add_worksheet(sheet_title(gettext("Summary")))
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bottom": 1})
    share = book.add_format({"num_format": "0%"})
    sheet.set_column(0, 0, 46)
    sheet.set_column(1, 2, 16)
    sheet.write_string(0, 0, f"{gettext('Weekly report')} – {scope_text(report)}", bold)
    sheet.write_string(1, 0, period_text(report))
    h, b = report.headline, report.previous
    sheet.write_string(3, 0, gettext("Figure"), head)
    sheet.write_string(3, 1, gettext("This period"), head)
    sheet.write_string(3, 2, previous_word(report).capitalize(), head)
    f, fb = h.fulfilment, b.fulfilment
    warehouse = report.scope == "warehouse"
    rows = [
        (gettext("Received (items)") if warehouse
         else gettext("Collected from the warehouse (items)"), h.received, b.received, None),
        (gettext("Dispatched to partners (items)"), h.dispatched, b.dispatched, None)
        if warehouse else (gettext("Returned to the warehouse (items)"), h.returned,
                           b.returned, None),
        (gettext("Distributed (items)"), h.distributed, b.distributed, None),
        (gettext("People reached"), h.people.total, b.people.total, None),
        (gettext("Women"), h.people.women, b.people.women, None),
        (gettext("Men"), h.people.men, b.people.men, None),
        (gettext("Children"), h.people.children, b.people.children, None),
        (gettext("Unaccompanied minors"), h.people.unaccompanied_minors,
         b.people.unaccompanied_minors, None),
        (gettext("Requests"), f.requests, fb.requests, None),
        (gettext("Items requested"), f.requested, fb.requested, None),
        (gettext("Items allocated"), f.allocated, fb.allocated, None),
        (gettext("Items dispatched"), f.dispatched, fb.dispatched, None),
        (gettext("Allocated ÷ requested"), f.allocated_share, fb.allocated_share, share),
        (gettext("Dispatched ÷ requested"), f.dispatched_share, fb.dispatched_share, share),
        (gettext("Requests fully met"), f.fully_met_share, fb.fully_met_share, share),
        (gettext("Eviction replacements (items)"), h.evictions, b.evictions, None),
    ]
    if warehouse:
        rows += [(gettext("Stock-outs (item-days at zero available)"), h.stockout_item_days,
                  b.stockout_item_days, None),
                 (gettext("Written off (items)"), h.written_off, b.written_off, None)]
        before = dict(b.write_offs)
        for reason, quantity in h.write_offs:
            rows.append((gettext("Written off: %(reason)s", reason=_write_off_label(reason)),
                         quantity, before.get(reason, 0), None))
    for index, (label, now, then, form) in enumerate(rows, start=4):
        sheet.write_string(index, 0, label)
        for column, value in ((1, now), (2, then)):
            if value is not None:
                sheet.write_number(index, column, value, form)
    if not report.has_data:
        sheet.write_string(len(rows) + 5, 0, gettext(
            "Nothing happened in this period: no stock was received, moved or handed out, "
            "and no request or distribution was recorded."))


def _weeks(book, report: WeeklyReport) -> None:
    sheet = _table(book, gettext("Weeks"), [
        Column(gettext("Week")), Column(gettext("Week starting"), type=DATE),
        Column(gettext("Received"), type=NUMBER), Column(gettext("Distributed"), type=NUMBER),
        Column(gettext("Eviction replacements"), type=NUMBER)],
        [(p.week, p.start, p.received, p.distributed, p.evictions) for p in report.weeks])
    name = sheet.get_name()
    count = len(report.weeks)
    chart = book.add_chart({"type": "column"})
    for column, key, pattern in ((2, "received", None), (3, "distributed", 6)):
        series = {"name": [name, 0, column], "categories": [name, 1, 0, count, 0],
                  "values": [name, 1, column, count, column],
                  "border": {"color": PALETTE["ink"].hexval().replace("0x", "#")}}
        colour = PALETTE[key].hexval().replace("0x", "#")
        if pattern:  # hatched, so it tells itself apart in black and white too
            series["pattern"] = {"pattern": "wide_upward_diagonal",
                                 "fg_color": PALETTE["hatch"].hexval().replace("0x", "#"),
                                 "bg_color": colour}
        else:
            series["fill"] = {"color": colour}
        chart.add_series(series)
    chart.set_title({"name": gettext("Received and distributed, week by week")})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 720, "height": 320})
    sheet.insert_chart(1, 6, chart)
    evictions = book.add_chart({"type": "column"})
    evictions.add_series({
        "name": [name, 0, 4], "categories": [name, 1, 0, count, 0],
        "values": [name, 1, 4, count, 4],
        "pattern": {"pattern": "small_grid",
                    "fg_color": PALETTE["ink"].hexval().replace("0x", "#"),
                    "bg_color": PALETTE["evictions"].hexval().replace("0x", "#")}})
    evictions.set_title({"name": gettext("Eviction replacements, week by week")})
    evictions.set_legend({"none": True})
    evictions.set_size({"width": 720, "height": 280})
    sheet.insert_chart(18, 6, evictions)
    if report.partners and any(p.distributed for p in report.partners):
        partners = book.get_worksheet_by_name(sheet_title(gettext("Partners")))
        if partners is not None:
            bar = book.add_chart({"type": "bar"})
            rows = len(report.partners)
            bar.add_series({
                "name": [partners.get_name(), 0, 4],
                "categories": [partners.get_name(), 1, 0, rows, 0],
                "values": [partners.get_name(), 1, 4, rows, 4],
                "fill": {"color": PALETTE["partner"].hexval().replace("0x", "#")},
                "data_labels": {"value": True}})
            bar.set_title({"name": gettext("Items distributed, by partner")})
            bar.set_legend({"none": True})
            bar.set_y_axis({"reverse": True})
            bar.set_size({"width": 620, "height": 60 + 28 * rows})
            partners.insert_chart(rows + 3, 0, bar)


def _hxl(book, report: WeeklyReport) -> None:
    """One row per partner, distribution site and item distributed, tagged for HXL."""
    columns = [
        Column(gettext("Period start"), hxl="#date+start", type=DATE),
        Column(gettext("Period end"), hxl="#date+end", type=DATE),
        Column(gettext("Partner"), hxl="#org+name"),
        Column(gettext("Distribution site"), hxl="#loc+name"),
        Column(gettext("Town"), hxl="#adm2+name"),
        Column(gettext("Region"), hxl="#adm1+name"),
        Column(gettext("Item code"), hxl="#item+code"),
        Column(gettext("Item"), hxl="#item+name"),
        Column(gettext("Distributed"), hxl="#output+num", type=NUMBER),
        Column(gettext("People reached at the site"), hxl="#reached+total", type=NUMBER),
    ]
    sheet = book.add_worksheet("HXL")
    writer = SheetWriter(book, sheet, columns)
    writer.header()
    writer.header([c.hxl for c in columns])
    for line in report.distribution_lines:
        writer.write((report.period.start, report.period.end, line.partner, line.place,
                      line.town, line.region, line.item_code, line.item, line.quantity,
                      line.people))
