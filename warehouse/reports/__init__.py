"""Printed reports: the daily stock sheet and the stocktake count sheet, as PDF bytes.

    from warehouse.reports import build_stock_sheet
    pdf = build_stock_sheet(site.id, printed_by=user.name, lang="fr")

The figures come from ``warehouse.reports.queries``, which the CLI and the tests read too.
"""
from warehouse.reports.errors import SheetDateInFuture, SheetDateNotUnderstood, SheetDateTooOld
from warehouse.reports.stock_sheet import (build_count_sheet, build_stock_sheet,
                                           count_sheet_filename, stock_sheet_filename)

__all__ = [
    "SheetDateInFuture", "SheetDateNotUnderstood", "SheetDateTooOld", "build_count_sheet",
    "build_stock_sheet", "count_sheet_filename", "stock_sheet_filename",
]
