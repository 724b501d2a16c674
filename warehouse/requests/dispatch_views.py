"""Picking and dispatch pages, and the pick list and dispatch note PDFs.

Volunteers, managers and admins pick an approved request on a tablet: scan or type a box
code (a scanner on the wrong keyboard layout is understood), or take loose stock from a
shelf. Managers and admins dispatch what is picked. Views parse a form, call
``warehouse.requests.picking`` and redirect; a refused pick or dispatch re-draws the page
with the rule's message (422 or 409), having written nothing.
"""
import io
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from warehouse.accounts.access import STAFF, WAREHOUSE, get_visible_or_404, roles
from warehouse.accounts.models import Role
from warehouse.boxes import errors as box_errors
from warehouse.boxes.forms import MAX_CODE_INPUT, MAX_QUANTITY_INPUT, ActionForm
from warehouse.boxes.queries import box_by_code, location_by_code_or_name
from warehouse.core.clock import local_today
from warehouse.core.errors import DomainError
from warehouse.extensions import db
from warehouse.requests import documents, errors, picking
from warehouse.requests.models import PickLine, RequestStatus, StockRequest, StockRequestLine
from warehouse.stock.models import Site

bp = Blueprint("dispatch", __name__, url_prefix="/dispatch")

_QUANTITY = {"inputmode": "numeric", "autocomplete": "off", "maxlength": MAX_QUANTITY_INPUT,
             "class": "quantity"}


class PickBoxForm(ActionForm):
    code = StringField(_l("Box code"), validators=[
        InputRequired(_l("Scan the box label, or type its code.")),
        Length(max=MAX_CODE_INPUT, message=_l("That is too long for a box code."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters",
                   "spellcheck": "false", "autofocus": True, "class": "scan"})
    quantity = StringField(_l("How many (empty: the whole box)"),
                           validators=[Length(max=MAX_QUANTITY_INPUT)], render_kw=_QUANTITY)


class PickLooseForm(ActionForm):
    line = SelectField(_l("Item"), coerce=int, validate_choice=False)
    location = StringField(_l("Shelf"), validators=[
        InputRequired(_l("Scan the shelf label, or type its code or name.")),
        Length(max=MAX_CODE_INPUT * 3, message=_l("That is too long for a shelf."))],
        render_kw={"autocomplete": "off"})
    quantity = StringField(_l("How many"), validators=[
        InputRequired(_l("Enter how many.")), Length(max=MAX_QUANTITY_INPUT)],
        render_kw=_QUANTITY)


class UnpickForm(FlaskForm):
    pick_line_id = HiddenField(validators=[InputRequired()])


class DispatchForm(ActionForm):
    remainder = RadioField(_l("What is not picked yet"), default="keep", choices=[
        SelectChoice("keep", _l("Keep it reserved: the request stays open for the rest")),
        SelectChoice("close", _l("Close the request: release what is not picked"))])


# --- pages --------------------------------------------------------------------------------

@bp.get("/")
@roles(*WAREHOUSE)
def index():
    """Approved requests to pick and dispatch, soonest needed first."""
    sites = db.session.scalars(select(Site).where(Site.active.is_(True))
                               .order_by(Site.name)).all()
    return render_template("dispatch/index.html", requests=picking.approved_requests(),
                           sites=sites, today=local_today())


@bp.get("/requests/<int:request_id>/pick")
@roles(*WAREHOUSE)
def pick(request_id: int):
    """The picking page of a request: what is left, what is picked, where to find it."""
    stock_request = db.get_or_404(StockRequest, request_id)
    return _render_pick(stock_request)


def _render_pick(stock_request: StockRequest, *, box_form=None, loose_form=None,
                 dispatch_form=None, problem: str | None = None, status: int = 200):
    sheet = picking.picking_sheet(stock_request)
    box_form = box_form or PickBoxForm(prefix="box", formdata=None).with_new_key()
    loose_form = loose_form or PickLooseForm(prefix="loose", formdata=None).with_new_key()
    loose_form.line.choices = [SelectChoice(line.id, f"{line.item} ({line.left})")
                               for line in sheet.lines if line.allocated]
    dispatch_form = dispatch_form or DispatchForm(prefix="dispatch",
                                                  formdata=None).with_new_key()
    return render_template(
        "dispatch/pick.html", request_=stock_request, sheet=sheet, box_form=box_form,
        loose_form=loose_form, dispatch_form=dispatch_form, problem=problem,
        approved=stock_request.status == RequestStatus.APPROVED,
        status_word=picking.status_word(stock_request.status),
        may_dispatch=current_user.role in STAFF, unpick_form=UnpickForm()), status


@bp.post("/requests/<int:request_id>/pick/box")
@roles(*WAREHOUSE)
def pick_box(request_id: int):
    """Pick a scanned box; a box holding more than is needed asks how many."""
    stock_request = db.get_or_404(StockRequest, request_id)
    form = PickBoxForm(prefix="box")
    if not form.validate_on_submit():
        return _render_pick(stock_request, box_form=form, status=422)
    box = box_by_code(form.code.data)
    try:
        if box is None:
            raise box_errors.UnknownBoxCode(code=form.code.data.strip()[:40])
        picked = picking.pick_box(stock_request, box=box, quantity=form.quantity.data or None,
                                  actor=current_user, key=form.idempotency_key.data)
    except errors.PickRepeated as repeated:
        return _done(request_id, repeated.message, "info")
    except errors.PartialBoxNeedsQuantity as partial:
        db.session.rollback()
        form.code.data = box.code  # canonical, however the scanner typed it
        form.quantity.errors = [partial.message]
        return _render_pick(db.session.get(StockRequest, request_id), box_form=form,
                            status=422)
    except DomainError as error:
        db.session.rollback()
        form.code.errors = [error.message]
        return _render_pick(db.session.get(StockRequest, request_id), box_form=form,
                            status=error.status)
    code = box.code
    if picked.whole_box:
        message = gettext("Box %(box)s picked whole (%(quantity)s).", box=code,
                          quantity=picked.quantity)
    else:
        message = gettext("%(quantity)s taken from box %(box)s.", box=code,
                          quantity=picked.quantity)
    return _done(request_id, message, "success")


@bp.post("/requests/<int:request_id>/pick/loose")
@roles(*WAREHOUSE)
def pick_loose(request_id: int):
    """Pick loose stock of one line's item from a shelf."""
    stock_request = db.get_or_404(StockRequest, request_id)
    form = PickLooseForm(prefix="loose")
    if not form.validate_on_submit():
        return _render_pick(stock_request, loose_form=form, status=422)
    line = db.session.get(StockRequestLine, form.line.data) if form.line.data else None
    if line is None or line.request_id != stock_request.id:
        form.line.errors = [gettext("Choose one of this request's items.")]
        return _render_pick(stock_request, loose_form=form, status=422)
    location = location_by_code_or_name(form.location.data, site_id=stock_request.site_id)
    if location is None:
        form.location.errors = [gettext(
            "No warehouse shelf has the code or name “%(text)s”. Scan the shelf label, or "
            "type its code.", text=form.location.data.strip()[:60])]
        return _render_pick(stock_request, loose_form=form, status=422)
    try:
        picked = picking.pick_loose(line, location=location, quantity=form.quantity.data,
                                    actor=current_user, key=form.idempotency_key.data)
    except errors.PickRepeated as repeated:
        return _done(request_id, repeated.message, "info")
    except DomainError as error:
        db.session.rollback()
        field = form.location if isinstance(error, errors.LocationOfAnotherSite) \
            else form.quantity
        field.errors = [error.message]
        return _render_pick(db.session.get(StockRequest, request_id), loose_form=form,
                            status=error.status)
    return _done(request_id, gettext("%(quantity)s picked from %(location)s.",
                                     quantity=picked.quantity, location=location.name),
                 "success")


@bp.post("/requests/<int:request_id>/unpick")
@roles(*WAREHOUSE)
def unpick(request_id: int):
    """Undo a pick not yet dispatched."""
    stock_request = db.get_or_404(StockRequest, request_id)
    form = UnpickForm()
    pick_id = _int(form.pick_line_id.data) if form.validate_on_submit() else None
    pick_line = db.session.get(PickLine, pick_id) if pick_id else None
    if pick_line is None or pick_line.request_line.request_id != stock_request.id:
        return _render_pick(stock_request, problem=gettext(
            "That pick is not part of this request: reload the page."), status=422)
    try:
        picking.unpick(pick_line.id, actor=current_user)
    except DomainError as error:
        return _done(request_id, error.message, "info")
    return _done(request_id, gettext("Pick undone: put the stock back where it was."),
                 "success")


@bp.post("/requests/<int:request_id>/dispatch")
@roles(*STAFF)
def dispatch(request_id: int):
    """Dispatch every waiting pick to the partner's custody, in one ledger document."""
    stock_request = db.get_or_404(StockRequest, request_id)
    form = DispatchForm(prefix="dispatch")
    if not form.validate_on_submit():
        return _render_pick(stock_request, dispatch_form=form, status=422)
    try:
        done = picking.dispatch_request(stock_request, actor=current_user,
                                        close=form.remainder.data == "close",
                                        idempotency_key=form.idempotency_key.data)
    except DomainError as error:
        db.session.rollback()
        return _render_pick(db.session.get(StockRequest, request_id), dispatch_form=form,
                            problem=error.message, status=error.status)
    if done.replayed:
        return _done(request_id, gettext("This dispatch was already recorded (the form was "
                                         "sent twice): nothing more was changed."), "info")
    if done.closed:
        message = gettext("Request %(request)s dispatched. Print the dispatch note for the "
                          "partner to sign.", request=request_id)
    else:
        message = gettext("Picked stock of request %(request)s dispatched; the rest stays "
                          "reserved and can be picked later.", request=request_id)
    return _done(request_id, message, "success")


def _done(request_id: int, message: str, category: str):
    flash(message, category)
    return redirect(url_for("dispatch.pick", request_id=request_id), 303)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- PDFs ---------------------------------------------------------------------------------

@bp.get("/requests/<int:request_id>/pick-list.pdf")
@roles(*WAREHOUSE)
def pick_list(request_id: int):
    """The pick list of one request."""
    stock_request = db.get_or_404(StockRequest, request_id)
    pdf = documents.build_pick_list([stock_request], printed_by=current_user.name)
    return _inline_pdf(pdf, documents.pick_list_filename(stock_request.id))


@bp.get("/pick-lists.pdf")
@roles(*WAREHOUSE)
def pick_lists():
    """The pick lists of every approved request of a site needed by a day.

    ``?site=<id>`` (optional when there is one site) and ``?day=YYYY-MM-DD`` (default
    today).
    """
    text = (request.args.get("day") or "").strip()
    try:
        day = date.fromisoformat(text) if text else local_today()
    except ValueError:
        raise errors.UnknownDay(day=text[:20]) from None
    site_id = _int(request.args.get("site"))
    if site_id is None:
        sites = db.session.scalars(select(Site).where(Site.active.is_(True)).limit(2)).all()
        if len(sites) != 1:
            raise errors.SiteNeeded()
        site = sites[0]
    else:
        site = db.get_or_404(Site, site_id)
    requests = picking.approved_requests(site_id=site.id, day=day)
    pdf = documents.build_pick_list(requests, printed_by=current_user.name,
                                    site_name=site.name, day=day)
    return _inline_pdf(pdf, documents.pick_list_filename(day=day))


@bp.get("/requests/<int:request_id>/note.pdf")
@roles(Role.ADMIN, Role.MANAGER, Role.COORDINATOR, scoped=True)
def note(request_id: int):
    """The dispatch note of a request; ``?lang=en|fr`` prints it in either language."""
    stock_request = get_visible_or_404(StockRequest, request_id, current_user)
    lang = request.args.get("lang")
    lang = lang if lang in ("en", "fr") else None
    pdf = documents.build_dispatch_note(stock_request, printed_by=current_user.name,
                                        lang=lang)
    return _inline_pdf(pdf, documents.dispatch_note_filename(stock_request.id))


def _inline_pdf(pdf: bytes, filename: str):
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                         download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
