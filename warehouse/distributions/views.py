"""Custody and distribution pages: what a partner holds, logging what it handed out,
correcting a wrong entry, returning unused stock, and the distribution list with its CSV.
(A partner's archive of all its data is the requests blueprint's, which sees both.)

Coordinators act for their own organisation only: another partner's custody, form or
distribution is not found (404). Managers and admins act for any partner, chosen from a
list. Each form carries a one-time key made when it is shown, so sending it twice records
once.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from warehouse.accounts.access import get_visible_or_404, roles
from warehouse.accounts.models import Role
from warehouse.core.clock import local_today
from warehouse.core.errors import DomainError
from warehouse.core.exports import CSV, HXL, XLSX, export_response, export_routes, refuse_invalid
from warehouse.core.fields import new_key
from warehouse.core.words import DISTRIBUTION_REASONS
from warehouse.distributions import errors, queries, services
from warehouse.distributions.forms import (
    DistributionFilterForm,
    DistributionForm,
    ReturnForm,
)
from warehouse.distributions.models import Distribution, DistributionReason

bp = Blueprint("distributions", __name__, url_prefix="/distributions")
partner_staff = roles(Role.COORDINATOR, Role.MANAGER, Role.ADMIN, scoped=True)

# The form field each argument of a service is, where the names differ.
FIELDS = {"distributed_on": "distributed_on", "distribution_site_id": "distribution_site",
          "site_id": "site"}
@bp.context_processor
def _labels():
    return {"reason_labels": DISTRIBUTION_REASONS, "kind_label": queries.custody_kind_label,
            "reason_label": queries.reason_label}


def _partner_or_404(organisation_id: int):
    """The partner named in the URL, if the user may act for it; else 404."""
    organisation = queries.partner(organisation_id)
    if organisation is None or (current_user.role == Role.COORDINATOR
                                and current_user.organisation_id != organisation.id):
        abort(404)
    return organisation


def _show_errors(form, error: DomainError, lines) -> None:
    """Put each problem next to its field or line, or above the form."""
    for problem in getattr(error, "problems", None) or [error]:
        name = getattr(problem, "field", None)
        target = form
        line = getattr(problem, "line", None)
        if line is not None and line < len(lines):
            target = lines[line]
        field = getattr(target, FIELDS.get(name, name or ""), None) if name else None
        if field is not None and hasattr(field, "errors") and not hasattr(field, "entries"):
            field.errors = list(field.errors) + [problem.message]
        else:
            form.form_errors.append(problem.message)


# --- custody --------------------------------------------------------------------------------

@bp.get("/custody")
@partner_staff
def custody_index():
    """A coordinator's own custody; for managers, the partners to choose from."""
    if current_user.role == Role.COORDINATOR:
        return custody(current_user.organisation_id)
    return render_template("distributions/partners.html", partners=queries.partners())


@bp.get("/custody/<int:organisation_id>")
@partner_staff
def custody(organisation_id: int):
    """What a partner holds now, per item, and what went in and out of its custody."""
    organisation = _partner_or_404(organisation_id)
    history = queries.custody_history(organisation.id,
                                      page=request.args.get("page", 1, type=int))
    return render_template("distributions/custody.html", organisation=organisation,
                           held=queries.custody(organisation.id), history=history)


@export_routes(bp, "/custody/<int:organisation_id>")
@partner_staff
def custody_csv(organisation_id: int, fmt: str):
    """A partner's custody history as CSV or XLSX, newest first."""
    organisation = _partner_or_404(organisation_id)
    return export_response(f"custody-{organisation.short_name}", queries.CUSTODY_COLUMNS,
                           queries.custody_rows(organisation.id), fmt)


# --- logging a distribution -----------------------------------------------------------------

def _render_distribution_form(organisation, form: DistributionForm, status: int = 200):
    form.distribution_site.choices = [("", gettext("Choose a site…"))] + [
        (str(site.id), site.label) for site in queries.distribution_sites()]
    return render_template("distributions/distribute.html", organisation=organisation,
                           form=form, held=queries.custody(organisation.id),
                           invalid=status == 422, today=local_today()), status


@bp.route("/custody/<int:organisation_id>/distribute", methods=["GET", "POST"])
@partner_staff
def distribute(organisation_id: int):
    """Log what a partner handed out: day, site, reason, items, and how many people."""
    organisation = _partner_or_404(organisation_id)
    form = DistributionForm()
    if request.method == "GET":
        form.key.data = new_key()
        form.distributed_on.data = local_today()
        form.reason.data = DistributionReason.ROUTINE.value
        return _render_distribution_form(organisation, form)
    if "add_lines" in request.form:  # "More lines": nothing is recorded
        form.add_blank_lines()
        return _render_distribution_form(organisation, form)
    lines = form.filled_lines()
    if not form.validate():
        return _render_distribution_form(organisation, form, 422)
    try:
        recorded = services.record_distribution(
            actor=current_user, organisation_id=organisation.id,
            distribution_site_id=form.distribution_site.data,
            distributed_on=form.distributed_on.data, reason=form.reason.data,
            lines=[services.StockLine(line.item.data, line.quantity.data) for line in lines],
            people_total=form.people_total.data, women=form.women.data, men=form.men.data,
            children=form.children.data,
            unaccompanied_minors=form.unaccompanied_minors.data, note=form.note.data,
            idempotency_key=form.key.data)
    except DomainError as error:
        _show_errors(form, error, lines)
        if isinstance(error, errors.IdempotencyKeyMissing):
            form.key.data = new_key()
        return _render_distribution_form(organisation, form, 422)
    if recorded.replayed:
        flash(gettext("This form had already been sent: here is the distribution it "
                      "recorded. Nothing was recorded twice."), "info")
    else:
        flash(gettext("Distribution recorded."), "success")
    return redirect(url_for("distributions.distribution",
                            distribution_id=recorded.distribution.id), 303)


# --- returns --------------------------------------------------------------------------------

def _render_return_form(organisation, form: ReturnForm, status: int = 200):
    form.site.choices = [(str(site.id), site.label) for site in queries.warehouse_sites()]
    return render_template("distributions/return.html", organisation=organisation,
                           form=form, held=queries.custody(organisation.id),
                           invalid=status == 422), status


@bp.route("/custody/<int:organisation_id>/return", methods=["GET", "POST"])
@partner_staff
def return_stock(organisation_id: int):
    """Bring unused stock from a partner's custody back to a warehouse."""
    organisation = _partner_or_404(organisation_id)
    form = ReturnForm()
    if request.method == "GET":
        form.key.data = new_key()
        return _render_return_form(organisation, form)
    if "add_lines" in request.form:
        form.add_blank_lines()
        return _render_return_form(organisation, form)
    lines = form.filled_lines()
    try:
        posted = services.return_stock(
            actor=current_user, organisation_id=organisation.id, site_id=form.site.data,
            lines=[services.StockLine(line.item.data, line.quantity.data) for line in lines],
            note=form.note.data, idempotency_key=form.key.data)
    except DomainError as error:
        _show_errors(form, error, lines)
        if isinstance(error, errors.IdempotencyKeyMissing):
            form.key.data = new_key()
        return _render_return_form(organisation, form, 422)
    if posted.replayed:
        flash(gettext("This form had already been sent: the stock was returned once. "
                      "Nothing was recorded twice."), "info")
    else:
        flash(gettext("Return recorded: the stock is back at the warehouse's intake."),
              "success")
    return redirect(url_for("distributions.custody", organisation_id=organisation.id), 303)


# --- the list -------------------------------------------------------------------------------

def _filters(args):
    form = DistributionFilterForm(formdata=args)
    form.site.choices = [("", gettext("Any site"))] + [
        (str(site.id), site.label)
        for site in queries.distribution_sites(include_inactive=True)]
    form.reason.choices = [("", gettext("Any reason"))] + [
        (value, label) for value, label in DISTRIBUTION_REASONS.items()]
    staff = current_user.role != Role.COORDINATOR
    form.partner.choices = [("", gettext("Every partner"))] + [
        (str(p.id), p.label) for p in queries.partners()] if staff else []
    valid = form.validate()
    if not valid:
        return form, queries.DistributionFilters(), False
    reason = form.reason.data if form.reason.data in set(DistributionReason) else None
    filters = queries.DistributionFilters(
        date_from=form.date_from.data, date_to=form.date_to.data,
        distribution_site_id=_int(form.site.data),
        reason=DistributionReason(reason) if reason else None,
        organisation_id=_int(form.partner.data) if staff else None)
    return form, filters, True


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


@bp.get("/")
@partner_staff
def index():
    """Distributions, newest first, with filters; coordinators see their own."""
    form, filters, valid = _filters(request.args)
    found = queries.distributions(current_user, filters,
                                  page=request.args.get("page", 1, type=int))
    query_args = {key: value for key, value in request.args.items()
                  if key != "page" and value}
    return render_template("distributions/index.html", filters=form, found=found,
                           valid=valid, filtered=filters.active, query_args=query_args,
                           staff=current_user.role != Role.COORDINATOR)


@export_routes(bp, "/export", formats=(CSV, XLSX, HXL))
@partner_staff
def index_csv(fmt: str):
    """The filtered distribution list as CSV, XLSX or HXL-tagged CSV: one row per item of
    each distribution; coordinators get their own organisation's."""
    form, filters, _ = _filters(request.args)
    refuse_invalid(form, request.args)
    return export_response("distributions", queries.DISTRIBUTION_COLUMNS,
                           queries.distribution_rows(current_user, filters), fmt)


@bp.get("/<int:distribution_id>")
@partner_staff
def distribution(distribution_id: int):
    """One distribution: where, why, what, for how many people, and whether corrected."""
    get_visible_or_404(Distribution, distribution_id, current_user)
    found = queries.distribution(current_user, distribution_id)
    return render_template("distributions/distribution.html", distribution=found,
                           key=new_key())


@bp.post("/<int:distribution_id>/correct")
@partner_staff
def correct(distribution_id: int):
    """Cancel a wrong distribution: its items go back into custody; it stays, struck out."""
    get_visible_or_404(Distribution, distribution_id, current_user)
    try:
        posted = services.correct_distribution(
            actor=current_user, distribution_id=distribution_id,
            idempotency_key=request.form.get("key"))
    except DomainError as error:
        flash(error.message, "error")
    else:
        if not posted.replayed:
            flash(gettext("Distribution corrected: its items are back in custody. Log it "
                          "again with the right details if it did happen."), "success")
    return redirect(url_for("distributions.distribution", distribution_id=distribution_id),
                    303)
