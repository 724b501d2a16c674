"""Partner requests: the catalogue, writing and following requests (coordinators, for
their own organisation), the managers' queue and review, and partners' notifications.

A new request form carries a one-time key, so sending it twice makes one request; submit,
cancel, approve and decline sent twice change nothing the second time.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from warehouse.accounts.access import get_visible_or_404, roles
from warehouse.accounts.models import Organisation, OrganisationKind, Role
from warehouse.core.archive import Part, archive_response
from warehouse.core.errors import DomainError
from warehouse.core.exports import FiltersNotValid, export_response, export_routes
from warehouse.core.fields import new_key
from warehouse.core.words import AUDIENCES
from warehouse.distributions import queries as custody
from warehouse.extensions import db
from warehouse.requests import queries, services
from warehouse.requests.forms import (
    BLANK_LINES,
    RequestForm,
    ReviewForm,
    TypedLine,
)
from warehouse.requests.models import RequestStatus, StockRequest
from warehouse.stock.models import DocumentKind

bp = Blueprint("requests", __name__)

PARTNERS = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
STAFF = (Role.MANAGER, Role.ADMIN)

def _audience_labels():
    return {value: str(label) for value, label in AUDIENCES.items()}


@bp.app_context_processor
def _unread_notifications():
    """The unread count next to "Notifications" in the menu (coordinators only)."""
    def unread():
        if not current_user.is_authenticated or current_user.role != Role.COORDINATOR:
            return 0
        return queries.unread_count(current_user)
    return {"unread_notifications": unread}


@bp.app_context_processor
def _helpers():
    """A request's status in words, for the request, dispatch and distribution pages."""
    return {"status_label": services.status_label,
            "notification_text": services.notification_text}


@bp.context_processor
def _labels():
    return {"audience_labels": _audience_labels()}


# --- the catalogue -------------------------------------------------------------------------

@bp.get("/requests/catalogue")
@roles(*PARTNERS)
def catalogue():
    args = request.args
    filters = queries.CatalogueFilters(
        text=args.get("q", "")[:80], category_id=_int(args.get("category")),
        size=args.get("size", "")[:24], audience=args.get("audience", ""))
    rows, cut = queries.catalogue(filters)
    return render_template("requests/catalogue.html", rows=rows, cut=cut, filters=filters,
                           categories=queries.categories(), sizes=queries.sizes())


# --- a partner's requests ------------------------------------------------------------------

@bp.get("/requests/", endpoint="list")
@roles(*PARTNERS)
def list_requests():
    status = request.args.get("status", "")
    return render_template("requests/list.html", summaries=queries.requests_for(
        current_user, status), status=status, statuses=[s.value for s in RequestStatus])


def _status_filter() -> str:
    """The list's status filter; a download refuses one the list does not know."""
    status = request.args.get("status", "").strip()
    if status and status not in {s.value for s in RequestStatus}:
        raise FiltersNotValid(problems=gettext(
            "%(field)s: “%(value)s” is not one of the choices.", field=gettext("Status"),
            value=status[:40]))
    return status


@export_routes(bp, "/requests/export")
@roles(*PARTNERS)
def export(fmt: str):
    """The request list (with its status filter) as CSV or XLSX, one row per line;
    coordinators get their own organisation's."""
    return export_response("requests", queries.REQUEST_COLUMNS,
                           queries.request_rows(current_user, _status_filter()), fmt)


@bp.route("/requests/new", methods=["GET", "POST"])
@roles(*PARTNERS)
def new():
    if request.method == "GET":
        form = RequestForm(client_key=new_key())
        item = _int(request.args.get("item"))
        if item:
            form.lines = [_typed_line(item)]
        form.pad()
        return _render_form(form, None)
    form = RequestForm.parse(request.form)
    if not form.client_key:
        form.client_key = new_key()
    action = request.form.get("action", "draft")
    if action == "more":
        form.pad(BLANK_LINES)
        return _render_form(form, None)
    if not form.check_day():
        form.pad(1)
        return _render_form(form, None), 422
    lines, positions = form.service_lines()
    try:
        stock_request = services.create_request(
            actor=current_user, organisation_id=_int(form.organisation),
            lines=lines, submit=action == "submit", client_key=form.client_key,
            **form.arguments())
    except DomainError as error:
        db.session.rollback()
        form.show(error, positions)
        form.pad(1)
        return _render_form(form, None), 422
    if stock_request.status == RequestStatus.SUBMITTED:
        flash(gettext("Request %(number)s is sent to the warehouse. You will be told when "
                      "it is approved.", number=stock_request.id), "success")
    else:
        flash(gettext("Request %(number)s is saved as a draft. Submit it when it is ready.",
                      number=stock_request.id), "success")
    return redirect(url_for("requests.show", request_id=stock_request.id))


@bp.get("/requests/<int:request_id>")
@roles(*PARTNERS, scoped=True)
def show(request_id: int):
    stock_request = get_visible_or_404(StockRequest, request_id, current_user)
    return render_template("requests/show.html", stock_request=stock_request,
                           lines=queries.lines_of(stock_request),
                           editable=stock_request.status in services.EDITABLE)


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@roles(*PARTNERS, scoped=True)
def edit(request_id: int):
    stock_request = get_visible_or_404(StockRequest, request_id, current_user)
    if stock_request.status not in services.EDITABLE:
        flash(gettext("Request %(number)s is %(status)s: it can no longer be changed.",
                      number=request_id, status=services.status_label(stock_request.status)),
              "error")
        return redirect(url_for("requests.show", request_id=request_id))
    if request.method == "GET":
        return _render_form(RequestForm.from_request(stock_request), stock_request)
    form = RequestForm.parse(request.form)
    action = request.form.get("action", "save")
    if action == "more":
        form.pad(BLANK_LINES)
        return _render_form(form, stock_request)
    if not form.check_day():
        form.pad(1)
        return _render_form(form, stock_request), 422
    lines, positions = form.service_lines()
    try:
        services.update_request(request_id, actor=current_user, lines=lines,
                                **form.arguments())
        if action == "submit":
            services.submit_request(request_id, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        form.show(error, positions)
        form.pad(1)
        return _render_form(form, stock_request), 422
    flash(gettext("Request %(number)s is saved.", number=request_id), "success")
    return redirect(url_for("requests.show", request_id=request_id))


@bp.post("/requests/<int:request_id>/submit")
@roles(*PARTNERS, scoped=True)
def submit(request_id: int):
    get_visible_or_404(StockRequest, request_id, current_user)
    return _act(request_id, services.submit_request,
                gettext("Request %(number)s is sent to the warehouse.", number=request_id))


@bp.post("/requests/<int:request_id>/cancel")
@roles(*PARTNERS, scoped=True)
def cancel(request_id: int):
    get_visible_or_404(StockRequest, request_id, current_user)
    return _act(request_id, services.cancel_request,
                gettext("Request %(number)s is cancelled.", number=request_id))


def _act(request_id, service, done: str):
    try:
        service(request_id, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("requests.show", request_id=request_id))


def _render_form(form: RequestForm, stock_request):
    organisations = []
    if current_user.role in STAFF:
        organisations = db.session.scalars(
            db.select(Organisation).where(Organisation.active.is_(True),
                                          Organisation.kind == OrganisationKind.PARTNER)
            .order_by(Organisation.name)).all()
    return render_template(
        "requests/form.html", form=form, stock_request=stock_request,
        sites=queries.open_sites(), places=queries.open_distribution_sites(),
        items=queries.requestable_items(), organisations=organisations)


def _typed_line(item_id: int):
    return TypedLine(str(item_id), "")


# --- managers: the queue and the review ----------------------------------------------------

@bp.get("/requests/queue")
@roles(*STAFF)
def queue():
    return render_template("requests/queue.html", summaries=queries.queue())


@bp.route("/requests/<int:request_id>/review", methods=["GET", "POST"])
@roles(*STAFF)
def review(request_id: int):
    stock_request = get_visible_or_404(StockRequest, request_id, current_user)
    proposals = queries.proposals(stock_request)
    if request.method == "GET" or request.form.get("action") != "approve":
        return _render_review(stock_request, proposals, ReviewForm.proposed(proposals))
    form = ReviewForm.parse(request.form, [line.id for line in stock_request.lines])
    try:
        services.approve_request(request_id, actor=current_user,
                                 allocations=form.service_allocations(),
                                 decision_note=form.decision_note)
    except DomainError as error:
        db.session.rollback()
        form.show(error)
        stock_request = get_visible_or_404(StockRequest, request_id, current_user)
        return _render_review(stock_request, queries.proposals(stock_request), form), 422
    flash(gettext("Request %(number)s is approved and its stock reserved.",
                  number=request_id), "success")
    return redirect(url_for("requests.queue"))


@bp.post("/requests/<int:request_id>/decline")
@roles(*STAFF)
def decline(request_id: int):
    stock_request = get_visible_or_404(StockRequest, request_id, current_user)
    form = ReviewForm.parse(request.form, [line.id for line in stock_request.lines])
    try:
        services.decline_request(request_id, actor=current_user, reason=form.reason)
    except DomainError as error:
        db.session.rollback()
        form.reason_errors.append(error.message)
        proposals = queries.proposals(stock_request)
        if not form.allocations or not any(form.allocations.values()):
            form.allocations = ReviewForm.proposed(proposals).allocations
        return _render_review(stock_request, proposals, form), 422
    flash(gettext("Request %(number)s is declined; the partner is told why.",
                  number=request_id), "success")
    return redirect(url_for("requests.queue"))


def _render_review(stock_request, proposals, form: ReviewForm):
    return render_template("requests/review.html", stock_request=stock_request,
                           proposals=proposals, form=form,
                           minimum=queries.fair_split_minimum(),
                           submitted=stock_request.status == RequestStatus.SUBMITTED)


# --- notifications -------------------------------------------------------------------------

@bp.get("/notifications")
@roles(Role.COORDINATOR)
def notifications():
    return render_template("requests/notifications.html",
                           notifications=queries.notifications_for(current_user))


@bp.post("/notifications/read")
@roles(Role.COORDINATOR)
def mark_read():
    ids = [n for n in (_int(v) for v in request.form.getlist("notification")) if n]
    services.mark_read(actor=current_user, notification_ids=ids or None)
    return redirect(url_for("requests.notifications"))


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


# --- a partner's archive: its requests, custody, distributions and returns ------------------

@bp.get("/distributions/custody/<int:organisation_id>/archive.zip")
@roles(*PARTNERS, scoped=True)
def partner_archive(organisation_id: int):
    """Everything of one partner's own, as CSV files in one ZIP with a README.txt: its
    requests and their lines, its custody history, distributions and returns.

    A coordinator gets their own organisation's (another's is not found); managers and
    admins any partner's.
    """
    organisation = custody.partner(organisation_id)
    if organisation is None or (current_user.role == Role.COORDINATOR
                                and current_user.organisation_id != organisation.id):
        abort(404)
    parts = [
        Part("requests.csv", _l("Requests"),
             _l("One row per line of each request: what was requested, allocated and "
                "dispatched."), queries.REQUEST_COLUMNS,
             queries.request_rows(current_user, organisation_id=organisation.id)),
        Part("custody.csv", _l("Custody history"),
             _l("One row per item moved into or out of the organisation's custody: "
                "dispatches received, distributions, returns, corrections."),
             custody.CUSTODY_COLUMNS, custody.custody_rows(organisation.id)),
        Part("distributions.csv", _l("Distributions"),
             _l("One row per item of each distribution, with the people reached."),
             custody.DISTRIBUTION_COLUMNS,
             custody.distribution_rows(current_user, custody.DistributionFilters(
                 organisation_id=organisation.id))),
        Part("returns.csv", _l("Returns"),
             _l("One row per item returned to the warehouse."), custody.CUSTODY_COLUMNS,
             custody.custody_rows(organisation.id, kinds={DocumentKind.RETURN})),
    ]
    return archive_response(f"data-{organisation.short_name}", organisation.name, parts)
