"""Intake pages: log a donation, sort loose stock into boxes, make blank box codes, and
list, show and export donations. For warehouse staff (volunteers, managers, admins).

Each form carries an idempotency key made when it is shown, so sending it twice (a double
tap, a reload, the back button) records once and shows what the first send recorded.
"""
from datetime import datetime
from itertools import groupby

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_time, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from warehouse.accounts.access import WAREHOUSE, roles
from warehouse.core.errors import DomainError
from warehouse.core.exports import (DATETIME, NUMBER, Column, export_response, export_routes,
                                    refuse_invalid)
from warehouse.core.fields import new_key
from warehouse.core.types import utcnow
from warehouse.core.words import CONDITIONS, DONOR_TYPES
from warehouse.extensions import db
from warehouse.intake import errors, queries, services
from warehouse.intake.forms import (
    PRIORITY_HINTS,
    PRIORITY_LABELS,
    BlankCodesForm,
    DonationFilterForm,
    DonationForm,
    SortForm,
)
from warehouse.intake.models import DonorType, Priority
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import Location, Movement

bp = Blueprint("intake", __name__, url_prefix="/intake")
warehouse_staff = roles(*WAREHOUSE)

#: The site a tablet last logged a donation at, offered first next time.
LAST_SITE_KEY = "intake_site_id"
#: The label page takes box ids in its URL; a long batch gets several links, so that no
#: URL outgrows what servers accept (gunicorn: 4 KB for the request line).
BOXES_PER_PRINT_LINK = 250
PRINT_ENDPOINT = "labels.print_boxes"
BOX_ENDPOINT = "boxes.box"

# The form field each argument of a service is, so a refused rule shows next to it.
DONATION_FIELDS = {"site_id": "site", "intake_location_id": "intake_location",
                   "item_id": "item"}
SORT_FIELDS = {"source_location_id": "source", "target_location_id": "target",
               "item_id": "item"}
# Errors the ledger itself may raise (when stock changed between the checks and the
# post), by the field they are about.
LEDGER_ERROR_FIELDS = {
    stock_errors.InsufficientStock: "boxes",
    stock_errors.UnknownItem: "item",
    stock_errors.ItemInactive: "item",
    stock_errors.LocationInactive: "target",
}


@bp.context_processor
def _labels():
    return {"donor_type_labels": DONOR_TYPES, "priority_labels": PRIORITY_LABELS,
            "priority_hints": PRIORITY_HINTS, "condition_labels": CONDITIONS,
            "print_links": print_links, "box_url": box_url, "when": when, "clock": clock}


def when(moment: datetime) -> str:
    """A date and time as people read it: "27 Nov 2026, 14:05", without seconds."""
    return f"{format_date(moment, 'medium')}, {format_time(moment, 'short')}"


def clock(moment: datetime) -> str:
    """The time of day, local: "14:05"."""
    return format_time(moment, "short")


def box_url(code: str) -> str | None:
    """The box's own page, once the boxes area is there."""
    if BOX_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(BOX_ENDPOINT, box_code=code)


def print_links(box_ids: list[int], *, donation: int | None = None) -> list[tuple[str, str]]:
    """Links to print these boxes' labels, as (what, url); none while labels cannot print.

    A donation's boxes are named by the donation, which keeps the link short.
    """
    if not box_ids or PRINT_ENDPOINT not in current_app.view_functions:
        return []
    label = ngettext("Print its label", "Print the %(num)d labels", len(box_ids))
    if donation is not None:
        return [(label, url_for(PRINT_ENDPOINT, donation=donation))]
    if len(box_ids) <= BOXES_PER_PRINT_LINK:
        return [(label, url_for(PRINT_ENDPOINT, box=box_ids))]
    links = []
    for start in range(0, len(box_ids), BOXES_PER_PRINT_LINK):
        chunk = box_ids[start:start + BOXES_PER_PRINT_LINK]
        links.append((gettext("Print labels %(first)d to %(last)d", first=start + 1,
                              last=start + len(chunk)), url_for(PRINT_ENDPOINT, box=chunk)))
    return links


def _show_errors(form, error: DomainError, fields: dict, *, lines=None,
                 fallback: dict | None = None) -> None:
    """Put each problem of a refused form next to its field, or above the form.

    Services say which argument a problem is about (``.field``, and ``.line`` for a
    donation line); ``fields`` maps an argument to its form field where the names differ.
    """
    for problem in getattr(error, "problems", None) or [error]:
        name = getattr(problem, "field", None) or (fallback or {}).get(type(problem))
        target = form
        line = getattr(problem, "line", None)
        if line is not None and lines is not None:
            target = lines[line]
        field = getattr(target, fields.get(name, name or ""), None) if name else None
        if field is not None and hasattr(field, "errors") and not hasattr(field, "entries"):
            field.errors = list(field.errors) + [problem.message]
        else:
            form.form_errors.append(problem.message)


def _int_arg(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


# --- the hub and the list -------------------------------------------------------------------

def _filters(args) -> tuple[DonationFilterForm, queries.DonationFilters, bool]:
    form = DonationFilterForm(formdata=args)
    form.site.choices = [("", gettext("Any site"))] + [
        (str(s.id), s.label) for s in queries.sites()]
    form.donor_type.choices = [("", gettext("Anyone"))] + [
        (value, label) for value, label in DONOR_TYPES.items()]
    form.priority.choices = [("", gettext("Any priority"))] + [
        (value.value, label) for value, label in PRIORITY_LABELS.items()]
    form.category.choices = [("", gettext("Any category"))] + [
        (str(c.id), c.label) for c in queries.categories()]
    form.item.choices = {"": [("", gettext("Any item"))]} | {
        group: [(str(c.id), c.label) for c in choices]
        for group, choices in queries.item_groups(include_inactive=True)}
    valid = form.validate()
    if not valid:
        return form, queries.DonationFilters(), False
    donor_type = form.donor_type.data if form.donor_type.data in set(DonorType) else None
    priority = form.priority.data if form.priority.data in set(Priority) else None
    filters = queries.DonationFilters(
        date_from=form.date_from.data, date_to=form.date_to.data,
        item_id=_int_arg(form.item.data), category_id=_int_arg(form.category.data),
        donor_type=DonorType(donor_type) if donor_type else None,
        priority=Priority(priority) if priority else None, site_id=_int_arg(form.site.data))
    return form, filters, True


@bp.get("/donations")
@warehouse_staff
def donations():
    """Donations, newest first, with filters; and the way to every intake task."""
    form, filters, valid = _filters(request.args)
    found = queries.donations(filters, page=request.args.get("page", 1, type=int))
    query_args = {key: value for key, value in request.args.items()
                  if key != "page" and value}
    return render_template("intake/donations.html", filters=form, found=found, valid=valid,
                           filtered=filters.active, query_args=query_args)


DONATION_COLUMNS = [
    Column(_l("Donation"), None, NUMBER), Column(_l("Received"), "#date", DATETIME),
    Column(_l("Site"), "#loc+name"), Column(_l("Intake location"), None),
    Column(_l("From whom"), "#org+type", safe=True), Column(_l("Donor"), "#org+name"),
    Column(_l("Origin"), "#loc+origin"), Column(_l("Priority"), None, safe=True),
    Column(_l("Condition"), None, safe=True), Column(_l("Item code"), "#item+code", safe=True),
    Column(_l("Item"), "#item+name"), Column(_l("Category"), "#item+category"),
    Column(_l("Unit"), "#item+unit"), Column(_l("Quantity"), "#output+num", NUMBER),
    Column(_l("New boxes"), None, NUMBER), Column(_l("Reason written off"), None),
    Column(_l("Note"), "#description+note"), Column(_l("Recorded by"), "#contact+name"),
]


@export_routes(bp, "/donations")
@warehouse_staff
def donations_csv(fmt: str):
    """The filtered donation list as CSV or XLSX: one row per item of each donation."""
    form, filters, _ = _filters(request.args)
    refuse_invalid(form, request.args)
    found = queries.donations(filters)
    rows = ([row.id, row.received_at, row.site, row.intake_location,
             str(DONOR_TYPES[row.donor_type]), row.donor_name, row.origin,
             str(PRIORITY_LABELS[row.priority]),
             str(CONDITIONS.get(row.condition, row.condition)), line.item_code,
             line.item, line.category, line.unit, line.quantity, line.boxes,
             row.not_needed_reason, row.note, row.recorded_by]
            for row in found.rows for line in row.lines)
    return export_response("donations", DONATION_COLUMNS, rows, fmt)


@bp.get("/donations/<int:donation_id>")
@warehouse_staff
def donation(donation_id: int):
    """One donation: where it came from, what it brought, and the boxes it arrived in."""
    found = queries.donation(donation_id)
    if found is None:
        abort(404)
    boxes = queries.boxes_of_donation(donation_id)
    return render_template("intake/donation.html", donation=found, boxes=boxes)


# --- logging a donation ---------------------------------------------------------------------

def _donation_choices() -> dict:
    return {"item_groups": queries.item_groups(), "sites": queries.sites(),
            "places": queries.warehouse_places()}


def _render_donation_form(form: DonationForm, status: int = 200):
    return render_template("intake/receive.html", form=form, invalid=status == 422,
                           **_donation_choices()), status


@bp.route("/donations/new", methods=["GET", "POST"])
@warehouse_staff
def receive():
    """Log a donation: when, from whom, how needed, where it goes, and what arrived."""
    form = DonationForm()
    if request.method == "GET":
        form.key.data = new_key()
        form.received_at.set(utcnow())
        sites = queries.sites()
        site_id = session.get(LAST_SITE_KEY)
        if site_id not in {s.id for s in sites}:
            site_id = sites[0].id if sites else None
        if site_id is not None:
            form.site.data = str(site_id)
            form.intake_location.data = str(queries.intake_location_of(site_id) or "")
        return _render_donation_form(form)

    if "add_lines" in request.form:  # "More lines" without script: nothing is recorded
        form.add_blank_lines()
        return _render_donation_form(form)
    lines = [entry.form for entry in form.lines if not entry.form.blank]
    if not form.validate():
        return _render_donation_form(form, 422)
    try:
        received = services.receive_donation(
            actor=current_user, site_id=form.site.data, received_at=form.received_at.moment,
            donor_type=form.donor_type.data, donor_name=form.donor_name.data,
            origin=form.origin.data, priority=form.priority.data,
            condition=form.condition.data, intake_location_id=form.intake_location.data,
            lines=[services.DonationLine(line.item.data, line.quantity.data, line.boxes.data)
                   for line in lines],
            note=form.note.data,
            reason=form.reason.data if form.priority.data == Priority.NOT_NEEDED else None,
            idempotency_key=form.key.data)
    except DomainError as error:
        _show_errors(form, error, DONATION_FIELDS, lines=lines)
        if isinstance(error, errors.IdempotencyKeyMissing):
            form.key.data = new_key()
        return _render_donation_form(form, 422)
    donation = received.donation
    session[LAST_SITE_KEY] = donation.site_id
    if received.replayed:
        flash(gettext("This form had already been sent: here is the donation it recorded. "
                      "Nothing was recorded twice."), "info")
    elif donation.priority == Priority.NOT_NEEDED:
        flash(gettext("Donation recorded and written off."), "success")
    else:
        flash(gettext("Donation recorded."), "success")
    return redirect(url_for("intake.donation", donation_id=donation.id), 303)


# --- sorting --------------------------------------------------------------------------------

def _loose_by_place() -> list[tuple[str, list[queries.LooseStock]]]:
    """Loose stock per intake place, those of the site this tablet works at first."""
    rows = queries.loose_stock_at_intake()
    here = session.get(LAST_SITE_KEY)
    rows.sort(key=lambda row: row.site_id != here)  # stable: keeps the query's order
    return [(f"{place_rows[0].location} · {place_rows[0].site}", place_rows)
            for place_rows in (list(group) for _, group in
                               groupby(rows, key=lambda row: row.location_id))]


def _render_sort_form(form: SortForm, status: int = 200):
    return render_template(
        "intake/sort.html", form=form, invalid=status == 422, loose=_loose_by_place(),
        item_groups=queries.item_groups(), sources=queries.warehouse_places(intake_only=True),
        places=queries.warehouse_places()), status


@bp.route("/sort", methods=["GET", "POST"])
@warehouse_staff
def sort():
    """Sort loose stock into new boxes, placed on a shelf or left at intake."""
    form = SortForm()
    if request.method == "GET":
        form.key.data = new_key()
        form.source.data = request.args.get("source", "")
        form.item.data = request.args.get("item", "")
        if not form.source.data:
            places = [place for _, group in queries.warehouse_places(intake_only=True)
                      for place in group]
            here = [place for place in places if place.site_id == session.get(LAST_SITE_KEY)]
            form.source.data = str((here or places)[0].id) if places else ""
        return _render_sort_form(form)

    if not form.validate():
        return _render_sort_form(form, 422)
    try:
        made = services.sort_into_boxes(
            actor=current_user, source_location_id=form.source.data, item_id=form.item.data,
            per_box=form.per_box.data, boxes=form.boxes.data,
            target_location_id=form.target.data or None, condition=form.condition.data,
            expires_on=form.expires_on.data, idempotency_key=form.key.data)
    except DomainError as error:
        _show_errors(form, error, SORT_FIELDS, fallback=LEDGER_ERROR_FIELDS)
        if isinstance(error, errors.IdempotencyKeyMissing):
            form.key.data = new_key()
        return _render_sort_form(form, 422)
    source = db.session.get(Location, int(form.source.data))
    session[LAST_SITE_KEY] = source.site_id
    if made.replayed:
        flash(gettext("This form had already been sent: here are the boxes it made. "
                      "Nothing was recorded twice."), "info")
    else:
        flash(ngettext("%(num)d box made. Print its label and stick it on the box.",
                       "%(num)d boxes made. Print their labels and stick one on each box.",
                       len(made.box_ids)), "success")
    return redirect(url_for("intake.new_boxes", document=made.document_id), 303)


# --- blank codes ----------------------------------------------------------------------------

@bp.route("/blank-codes", methods=["GET", "POST"])
@warehouse_staff
def blank_codes():
    """Make empty boxes with new codes, so their labels can be printed before sorting."""
    form = BlankCodesForm()
    if request.method == "GET":
        form.key.data = new_key()
        return render_template("intake/blank_codes.html", form=form)
    try:
        made = services.create_blank_boxes(actor=current_user, count=form.count.data,
                                           idempotency_key=form.key.data)
    except DomainError as error:
        form.count.errors = [error.message]
        if isinstance(error, errors.IdempotencyKeyMissing):
            form.key.data = new_key()
        return render_template("intake/blank_codes.html", form=form), 422
    boxes = queries.boxes_by_id(made.box_ids)
    if made.replayed:
        flash(gettext("This form had already been sent: here are the codes it made. "
                      "Nothing was recorded twice."), "info")
    else:
        flash(ngettext("%(num)d blank code made.", "%(num)d blank codes made.",
                       len(boxes)), "success")
    return redirect(url_for("intake.new_boxes", first=boxes[0].code, last=boxes[-1].code), 303)


# --- boxes just made ------------------------------------------------------------------------

@bp.get("/boxes")
@warehouse_staff
def new_boxes():
    """Boxes just made by sorting (``?document=``) or as blank codes (``?first=&last=``),
    with the links that print their labels."""
    box_ids: list[int] = []
    sort_more = url_for("intake.sort")
    document_id = _int_arg(request.args.get("document"))
    first, last = request.args.get("first", ""), request.args.get("last", "")
    if document_id is not None:
        lines = db.session.execute(
            select(Movement.to_box_id, Movement.from_location_id, Movement.item_id)
            .where(Movement.document_id == document_id, Movement.to_box_id.is_not(None))
            .order_by(Movement.line_no)).all()
        box_ids = [line.to_box_id for line in lines]
        if lines:  # the rest of the same loose stock, most likely next
            sort_more = url_for("intake.sort", source=lines[0].from_location_id,
                                item=lines[0].item_id)
    elif first and last:
        box_ids = queries.box_ids_between(first, last, limit=services.MAX_BLANK_CODES)
    boxes = queries.boxes_by_id(box_ids)
    return render_template("intake/new_boxes.html", boxes=boxes,
                           blank=document_id is None, sort_more=sort_more,
                           box_ids=[box.id for box in boxes])
