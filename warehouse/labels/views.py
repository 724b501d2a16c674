"""Label pages: print the labels of boxes, locations and items; manage printer profiles.

Every page that shows a code links here with what to print preselected, e.g.
``/labels/boxes?box=12&box=13`` (intake links a donation's boxes this way). The print form
chooses the format, the first free label of a part-used sheet, copies and a printer
profile; the answer is the PDF itself, shown in the browser to print. A refused job (no
labels, too many, an offset off the page) re-draws the form with the reason.
"""
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_decimal, gettext
from flask_login import current_user
from sqlalchemy import select

from warehouse.accounts.access import STAFF, WAREHOUSE, roles
from warehouse.boxes import queries as box_queries
from warehouse.catalogue.models import Item
from warehouse.core.errors import DomainError
from warehouse.extensions import db
from warehouse.intake.models import Donation
from warehouse.labels import (FORMATS, MAX_COPIES, MAX_LABELS, CopiesOutOfRange,
                              PrinterOffsetTooLarge, StartPositionOutOfRange,
                              UnknownLabelFormat, UnsupportedPrinterResolution, services)
from warehouse.labels.forms import CodesForm, PrinterForm, PrintForm
from warehouse.labels.models import PrinterProfile
from warehouse.stock.models import Location, Site

bp = Blueprint("labels", __name__, url_prefix="/labels")

# Which field of the print form a refused job is about.
PRINT_FIELD_OF_ERROR = {
    StartPositionOutOfRange: "start_at",
    CopiesOutOfRange: "copies",
    UnknownLabelFormat: "format",
    PrinterOffsetTooLarge: "printer",
    UnsupportedPrinterResolution: "printer",
    services.PrinterInactive: "printer",
    services.UnknownPrinter: "printer",
}
PRINTER_FIELD_OF_ERROR = {
    services.PrinterNameRequired: "name",
    services.PrinterNameTooLong: "name",
    services.PrinterNameUsed: "name",
    UnknownLabelFormat: "label_format",
    UnsupportedPrinterResolution: "dpi",
}


def _show_error(form, error: DomainError, fields: dict) -> None:
    field = getattr(form, fields.get(type(error), ""), None)
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _ids(values) -> list[int]:
    """Whole positive ids from request values; anything else is ignored."""
    ids = []
    for value in values:
        value = (value or "").strip()
        if value.isdigit() and len(value) <= 12:
            ids.append(int(value))
    return list(dict.fromkeys(ids))[:MAX_LABELS + 1]


# --- the hub ----------------------------------------------------------------------------

@bp.get("")
@roles(*WAREHOUSE)
def index():
    """Where to start printing: box codes, a site's locations, item cards, printers."""
    return render_template("labels/index.html", codes_form=CodesForm(formdata=None),
                           sites=box_queries.sites(), categories=box_queries.categories(),
                           can_manage=current_user.role in STAFF)


# --- print pages ------------------------------------------------------------------------

# The format a print form starts with, until the person chooses another: shelf edges take
# long strips, item cards are read from a distance.
DEFAULT_FORMATS = {"box": "L7160", "location": "L7163", "item": "L7165"}


def _print_form(kind: str, printers) -> PrintForm:
    """The print settings, starting from what this person used last for this kind."""
    form = PrintForm()
    form.set_choices(printers)
    if not form.is_submitted():
        remembered = session.get("labels_printer")
        if remembered in {p.id for p in printers}:
            form.printer.data = remembered
        form.format.data = session.get(f"labels_format_{kind}", DEFAULT_FORMATS[kind])
        if form.format.data not in FORMATS:
            form.format.data = DEFAULT_FORMATS[kind]
    return form


def _print(kind: str, rows: list, make_labels, *, template_args: dict, filename: str):
    """The print page of ``rows`` (GET), or their PDF (POST), or the page with the reason
    the job was refused (422)."""
    printers = services.printers(active_only=True)
    form = _print_form(kind, printers)
    chosen = None
    if form.is_submitted():
        chosen = set(_ids(request.form.getlist(kind)))
        if form.validate():
            try:
                printer = None
                if form.printer.data:
                    printer = db.session.get(PrinterProfile, form.printer.data)
                    if printer is None:
                        raise services.UnknownPrinter(printer_id=form.printer.data)
                settings = services.settings_for(
                    format=form.format.data, start_at=form.start_at.data,
                    copies=form.copies.data, printer=printer)
                labels = make_labels([row for row in rows if row.id in chosen])
                pdf = services.print_labels(labels, settings)
            except DomainError as error:
                _show_error(form, error, PRINT_FIELD_OF_ERROR)
            else:
                session["labels_printer"] = printer.id if printer else None
                if printer is None:
                    session[f"labels_format_{kind}"] = settings.format
                return _pdf(pdf, filename)
    status = 422 if form.is_submitted() else 200
    return render_template("labels/print.html", form=form, rows=rows, kind=kind,
                           chosen=chosen, max_copies=MAX_COPIES, printers=printers,
                           can_manage=current_user.role in STAFF, **template_args), status


def _pdf(pdf: bytes, filename: str):
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/boxes", methods=["GET", "POST"])
@roles(*WAREHOUSE)
def print_boxes():
    """Labels for boxes: ``?box=<id>`` (repeated), ``?code=B00123 B00124`` or
    ``?donation=<id>`` preselect them."""
    ids = _ids(request.form.getlist("offered") if request.method == "POST"
               else request.args.getlist("box"))
    boxes = box_queries.boxes_by_ids(ids)
    # ``code`` from links, ``codes`` from the field codes are scanned into.
    codes = [c for text in request.args.getlist("code") + request.args.getlist("codes")
             for c in re.split(r"[\s,;]+", text) if c]
    unknown = []
    if codes:
        found, unknown = box_queries.boxes_by_codes(codes[:MAX_LABELS])
        boxes = list({b.id: b for b in boxes + found}.values())
    donation = None
    donation_id = request.args.get("donation", type=int)
    if donation_id:
        donation = db.session.get(Donation, donation_id)
        if donation is None:
            abort(404)
        boxes = list({b.id: b for b in boxes + box_queries.boxes_of_donation(donation_id)}
                     .values())
    donation_link = None
    if donation is not None and "intake.donation" in current_app.view_functions:
        donation_link = url_for("intake.donation", donation_id=donation.id)
    return _print("box", boxes[:MAX_LABELS], services.box_labels, filename="box-labels.pdf",
                  template_args={"unknown": unknown, "donation": donation,
                                 "donation_link": donation_link,
                                 "codes_form": CodesForm(formdata=None)})


@bp.route("/locations", methods=["GET", "POST"])
@roles(*WAREHOUSE)
def print_locations():
    """Shelf and bay labels: ``?location=<id>`` (repeated) or ``?site=<id>`` for all of a
    site's."""
    if request.method == "POST":
        ids = _ids(request.form.getlist("offered"))
    else:
        ids = _ids(request.args.getlist("location"))
        site_id = request.args.get("site", type=int)
        if site_id:
            ids += [loc.id for loc in box_queries.warehouse_locations(site_id)]
    found = {loc.id: loc for loc in db.session.scalars(
        select(Location).where(Location.id.in_(ids)))} if ids else {}
    locations = [found[i] for i in dict.fromkeys(ids) if i in found]
    return _print("location", locations[:MAX_LABELS], services.location_labels,
                  filename="location-labels.pdf",
                  template_args={"sites": box_queries.sites()})


@bp.route("/items", methods=["GET", "POST"])
@roles(*WAREHOUSE)
def print_items():
    """Item cards: ``?item=<id>`` (repeated) or ``?category=<id>`` for a whole category."""
    if request.method == "POST":
        ids = _ids(request.form.getlist("offered"))
    else:
        ids = _ids(request.args.getlist("item"))
        category_id = request.args.get("category", type=int)
        if category_id:
            ids += list(db.session.scalars(
                select(Item.id).where(Item.category_id == category_id,
                                      Item.active.is_(True))
                .order_by(Item.name, Item.size)))
    found = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_(ids)))} if ids else {}
    items = [found[i] for i in dict.fromkeys(ids) if i in found]
    return _print("item", items[:MAX_LABELS], services.item_labels,
                  filename="item-cards.pdf",
                  template_args={"categories": box_queries.categories()})


# --- printer profiles -------------------------------------------------------------------

def _printer_or_404(printer_id: int) -> PrinterProfile:
    return db.get_or_404(PrinterProfile, printer_id)


@bp.get("/printers")
@roles(*STAFF)
def printers():
    """The printer profiles: each a label format and the offset that makes it fit."""
    return render_template("labels/printers.html", printers=services.printers(),
                           formats=FORMATS)


def _save_printer(form: PrinterForm, printer: PrinterProfile | None):
    """Parse the offsets next to their fields, then create or update; None if refused."""
    offsets = {}
    for name in ("offset_x_mm", "offset_y_mm"):
        try:
            offsets[name] = services.parse_millimetres(getattr(form, name).data)
        except DomainError as error:
            getattr(form, name).errors = [*getattr(form, name).errors, error.message]
    if len(offsets) < 2:
        return None
    site = db.session.get(Site, form.site.data) if form.site.data else None
    values = dict(name=form.name.data, label_format=form.label_format.data,
                  dpi=form.dpi.data, site=site, actor=current_user, **offsets)
    try:
        if printer is None:
            return services.create_printer(**values)
        services.update_printer(printer, **values)
        return printer
    except DomainError as error:
        db.session.rollback()
        _show_error(form, error, PRINTER_FIELD_OF_ERROR)
        return None


@bp.route("/printers/new", methods=["GET", "POST"])
@roles(*STAFF)
def new_printer():
    """Add a printer profile."""
    form = PrinterForm()
    form.set_choices(box_queries.sites())
    if form.validate_on_submit():
        printer = _save_printer(form, None)
        if printer is not None:
            flash(gettext("Added the printer %(name)s. Print its calibration page to check "
                          "the offset.", name=printer.name), "success")
            return redirect(url_for("labels.printer", printer_id=printer.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("labels/printer.html", form=form, printer=None,
                           formats=FORMATS), status


@bp.route("/printers/<int:printer_id>", methods=["GET", "POST"])
@roles(*STAFF)
def printer(printer_id: int):
    """Change a printer profile; print its calibration page; take it out of use."""
    found = _printer_or_404(printer_id)
    form = PrinterForm(obj=found if request.method == "GET" else None)
    form.set_choices(box_queries.sites())
    if request.method == "GET":
        form.site.data = found.site_id
        form.offset_x_mm.data = _mm(found.offset_x_mm)
        form.offset_y_mm.data = _mm(found.offset_y_mm)
    if form.validate_on_submit():
        if _save_printer(form, found) is not None:
            flash(gettext("Saved the printer %(name)s.", name=found.name), "success")
            return redirect(url_for("labels.printer", printer_id=found.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("labels/printer.html", form=form, printer=found,
                           formats=FORMATS), status


def _mm(value: float) -> str:
    return format_decimal(value, "0.##")


@bp.post("/printers/<int:printer_id>/deactivate")
@roles(*STAFF)
def deactivate_printer(printer_id: int):
    """Take a printer out of the print forms (its profile is kept)."""
    found = _printer_or_404(printer_id)
    if services.set_printer_active(found, active=False, actor=current_user):
        flash(gettext("The printer %(name)s is no longer offered when printing.",
                      name=found.name), "success")
    return redirect(url_for("labels.printers"), 303)


@bp.post("/printers/<int:printer_id>/reactivate")
@roles(*STAFF)
def reactivate_printer(printer_id: int):
    """Offer a printer again when printing."""
    found = _printer_or_404(printer_id)
    if services.set_printer_active(found, active=True, actor=current_user):
        flash(gettext("The printer %(name)s is offered again when printing.",
                      name=found.name), "success")
    return redirect(url_for("labels.printers"), 303)


@bp.get("/printers/<int:printer_id>/calibration.pdf")
@roles(*STAFF)
def calibration(printer_id: int):
    """The printer's calibration page, with its offset applied."""
    found = _printer_or_404(printer_id)
    return _pdf(services.calibration_page(found), f"calibration-{found.label_format}.pdf")


@bp.get("/calibration.pdf")
@roles(*STAFF)
def format_calibration():
    """A format's calibration page with no offset, to measure a new printer."""
    return _pdf(services.calibration_page(format=request.args.get("format", "L7160")),
                "calibration.pdf")
