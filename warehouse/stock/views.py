"""Stock pages, and the stock and count sheets printed from them."""
import io
from datetime import date
from itertools import groupby

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from warehouse.accounts.access import WAREHOUSE, roles, signed_in
from warehouse.extensions import db
from warehouse.reports import (SheetDateNotUnderstood, build_count_sheet, build_stock_sheet,
                               count_sheet_filename, stock_sheet_filename)
from warehouse.core.clock import local_today
from warehouse.reports.queries import printable_locations
from warehouse.stock.models import Location, Site
from warehouse.stock.queries import stock_by_site

bp = Blueprint("stock", __name__)


@bp.get("/stock")
@signed_in
def index():
    """Stock on hand by site, category and item; warehouse staff print sheets from here."""
    rows = stock_by_site()
    sites = [
        (site_id, site_name, [(category, list(items))
                              for category, items in groupby(site_rows, key=lambda r: r.category)])
        for (site_id, site_name), site_rows in groupby(rows, key=lambda r: (r.site_id, r.site_name))
    ]
    can_print = current_user.role in WAREHOUSE
    locations = printable_locations([site[0] for site in sites]) if can_print else {}
    return render_template("stock/index.html", sites=sites, can_print=can_print,
                           locations=locations)


@bp.get("/stock/sheet/<int:site_id>.pdf")
@roles(*WAREHOUSE)
def sheet(site_id: int):
    """The daily stock sheet of a site as a PDF; ``?date=YYYY-MM-DD`` for a past day."""
    site = db.get_or_404(Site, site_id)
    day = _sheet_date(request.args.get("date"))
    pdf = build_stock_sheet(site.id, day=day, printed_by=current_user.name)
    return _inline_pdf(pdf, stock_sheet_filename(site.code, day or local_today()))


@bp.get("/stock/count-sheet/<int:location_id>.pdf")
@roles(*WAREHOUSE)
def count_sheet(location_id: int):
    """The stocktake count sheet of a shelf or bay as a PDF."""
    location = db.get_or_404(Location, location_id)
    pdf = build_count_sheet(location.id, printed_by=current_user.name)
    return _inline_pdf(pdf, count_sheet_filename(location.code, local_today()))


def _sheet_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SheetDateNotUnderstood(value=value[:40],
                                     example=local_today().isoformat()) from None


def _inline_pdf(pdf: bytes, filename: str):
    """Open in the browser's viewer (to print), saved under ``filename`` if downloaded."""
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                         download_name=filename, max_age=0)
    # Figures of the moment it was printed: never show a cached copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
