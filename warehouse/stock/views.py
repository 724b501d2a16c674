"""Stock pages (the stock and count sheets they print are the reports'); the ledger's
movements and write-offs, line by line, with their downloads."""
from itertools import groupby

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from warehouse.accounts.access import STAFF, WAREHOUSE, roles, signed_in
from warehouse.catalogue.models import Item, Unit
from warehouse.core.exports import (CSV, DATETIME, HXL, NUMBER, XLSX, Column, export_response,
                                    export_routes, refuse_invalid, spreadsheet_cell)
from warehouse.core.words import DOCUMENT_KINDS, REASONS, unit_word
from warehouse.extensions import db
from warehouse.stock import queries
from warehouse.stock.forms import MovementFilterForm
from warehouse.stock.models import DocumentKind, Site
from warehouse.stock.queries import printable_locations, stock_by_site

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


# --- downloads of the stock list -------------------------------------------------------------

STOCK_COLUMNS = [
    Column(_l("Site"), "#loc+name"), Column(_l("Region"), "#adm1+name"),
    Column(_l("Category"), "#item+category"), Column(_l("Item code"), "#item+code"),
    Column(_l("Item"), "#item+name"), Column(_l("Unit"), "#item+unit"),
    Column(_l("On hand"), "#output+num", NUMBER),
    Column(_l("Minimum"), "#indicator+num+minimum", NUMBER),
    Column(_l("Below minimum"), None),
]


@export_routes(bp, "/stock/export", formats=(CSV, XLSX, HXL))
@signed_in
def export(fmt: str):
    """Stock on hand per site and item, as the stock page shows it, as CSV, XLSX or HXL."""
    regions = dict(db.session.execute(select(Site.id, Site.region)).all())
    yes = str(_l("yes"))
    rows = ([row.site_name, regions.get(row.site_id), row.category, row.item_code, row.item,
             row.unit, row.on_hand, row.minimum_level, yes if row.below_minimum else ""]
            for row in stock_by_site())
    return export_response("stock", STOCK_COLUMNS, rows, fmt)


# --- the ledger, line by line ----------------------------------------------------------------

# Names (of places, items, people) are defused by the query, once each: only the note is
# checked row by row (see ``_export_movements``).
MOVEMENT_COLUMNS = [
    Column(_l("When"), "#date", DATETIME), Column(_l("Line"), None, NUMBER),
    Column(_l("Document"), "#activity+code", NUMBER),
    Column(_l("What happened"), "#activity+type", safe=True),
    Column(_l("Reason"), "#description+reason", safe=True),
    Column(_l("Site"), "#loc+name", safe=True), Column(_l("Region"), "#adm1+name", safe=True),
    Column(_l("Item code"), "#item+code", safe=True),
    Column(_l("Item"), "#item+name", safe=True),
    Column(_l("Quantity"), "#output+num", NUMBER),
    Column(_l("Unit"), "#item+unit", safe=True),
    Column(_l("From"), "#loc+origin", safe=True), Column(_l("To"), "#loc+dest", safe=True),
    Column(_l("Partner"), "#org+name", safe=True), Column(_l("From box"), None, safe=True),
    Column(_l("Into box"), None, safe=True),
    Column(_l("Recorded by"), "#contact+name", safe=True),
    Column(_l("Note"), "#description+note"),
]


def _movement_filters(args, *, kind: DocumentKind | None = None):
    """The movements list's filters from the query string: (form, filters, valid).

    ``kind`` fixes what happened (the write-off list), and the form does not offer it.
    """
    form = MovementFilterForm(formdata=args)
    form.set_choices(sites=_sites(), items=_items(), kinds=DOCUMENT_KINDS)
    valid = form.validate()
    if not valid:
        return form, queries.MovementFilters(kind=kind), False
    chosen = form.kind.data if form.kind.data in {k.value for k in DocumentKind} else None
    filters = queries.MovementFilters(
        date_from=form.date_from.data, date_to=form.date_to.data,
        site_id=_int(form.site.data), item_id=_int(form.item.data),
        kind=kind or (DocumentKind(chosen) if chosen else None))
    return form, filters, True


def _sites() -> list[Site]:
    return list(db.session.scalars(select(Site).order_by(Site.name)))


def _items() -> list[Item]:
    return list(db.session.scalars(select(Item).order_by(Item.name, Item.size, Item.code)))


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _words() -> queries.Words:
    """The reader's words for kinds, reasons and units, looked up once per list."""
    return queries.Words(
        kinds={kind: str(label) for kind, label in DOCUMENT_KINDS.items()},
        reasons={None: ""} | {key: str(label) for key, label in REASONS.items()},
        units={unit.value: (unit_word(unit, 1), unit_word(unit, 2)) for unit in Unit})


def _render_movements(template_kind: DocumentKind | None, endpoint: str):
    form, filters, valid = _movement_filters(request.args, kind=template_kind)
    before = _int(request.args.get("before"))
    rows, older = queries.movements(filters, before=before)
    words = _words()
    query_args = {key: value for key, value in request.args.items()
                  if key != "before" and value}
    return render_template("stock/movements.html", filters=form, rows=rows, older=older,
                           before=before, valid=valid, filtered=filters.active,
                           query_args=query_args, words=words, endpoint=endpoint,
                           write_offs=template_kind == DocumentKind.WRITE_OFF)


def _export_movements(name: str, kind: DocumentKind | None, fmt: str):
    form, filters, _ = _movement_filters(request.args, kind=kind)
    refuse_invalid(form, request.args)
    # Names are defused once each here, so the CSV writer checks only the note per row.
    rows = queries.movement_rows(filters, words=_words(), raw_times=fmt != XLSX,
                                 cell=spreadsheet_cell if fmt != XLSX else None)
    return export_response(name, MOVEMENT_COLUMNS, rows, fmt)


@bp.get("/stock/movements")
@roles(*WAREHOUSE)
def movements():
    """Every line of the ledger, newest recorded first, filtered by day, site, item, kind."""
    return _render_movements(None, "stock.movements")


@export_routes(bp, "/stock/movements", formats=(CSV, XLSX, HXL))
@roles(*WAREHOUSE)
def movements_export(fmt: str):
    """The filtered movements, all of them, streamed as CSV (or XLSX, or HXL-tagged CSV)."""
    return _export_movements("movements", None, fmt)


@bp.get("/stock/write-offs")
@roles(*STAFF)
def write_offs():
    """Stock written off (damaged, expired, mouldy, lost), newest first, filtered."""
    return _render_movements(DocumentKind.WRITE_OFF, "stock.write_offs")


@export_routes(bp, "/stock/write-offs")
@roles(*STAFF)
def write_offs_export(fmt: str):
    """The filtered write-offs as CSV or XLSX."""
    return _export_movements("write-offs", DocumentKind.WRITE_OFF, fmt)
