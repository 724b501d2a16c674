"""Box pages: the list, one page per box with its operations and history, the CSV export.

Views parse a form, call ``warehouse.boxes.services`` and redirect; a refused operation
re-draws the box page with the rule's message next to the field it is about (422), having
written nothing. Warehouse staff (volunteers, managers, admins) work with boxes; writing
off and undoing are for managers and admins.
"""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from warehouse.accounts.access import STAFF, WAREHOUSE, roles
from warehouse.boxes import errors, queries, services
from warehouse.boxes.forms import (
    BoxFilterForm,
    EmptyForm,
    FillForm,
    MergeForm,
    MoveForm,
    SplitForm,
    TakeForm,
    TopUpForm,
    UndoForm,
    WriteOffForm,
)
from warehouse.core.errors import DomainError
from warehouse.core.exports import (DATE, NUMBER, Column, export_response, export_routes,
                                    refuse_invalid)
from warehouse.core.http import wants_json
from warehouse.core.words import (
    CONDITIONS,
    STATES,
    history_reason,
    history_text,
    kind_label,
    reason_label,
    unit_word,
)
from warehouse.extensions import db
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import Box, LocationKind, Movement

bp = Blueprint("boxes", __name__, url_prefix="/boxes")

#: The operations of the box page, in the order it shows them, with their forms.
ACTIONS = {
    "move": MoveForm,
    "take": TakeForm,
    "top_up": TopUpForm,
    "split": SplitForm,
    "merge": MergeForm,
    "empty": EmptyForm,
    "write_off": WriteOffForm,
    "fill": FillForm,
    "undo": UndoForm,
}
STAFF_ONLY = {"write_off", "undo"}

# What a refused rule is about, so its message shows next to the right field of the form.
TOPIC_OF_ERROR = {
    stock_errors.QuantityMustBePositive: "quantity",
    stock_errors.QuantityMustBeWhole: "quantity",
    stock_errors.QuantityTooLarge: "quantity",
    stock_errors.InsufficientStockInBox: "quantity",
    stock_errors.InsufficientStock: "quantity",
    stock_errors.BoxMustMoveWhole: "quantity",
    errors.SplitNeedsPartOfBox: "quantity",
    stock_errors.BoxAlreadyThere: "location",
    stock_errors.LocationOfAnotherSite: "location",
    stock_errors.LocationInactive: "location",
    stock_errors.UnknownLocation: "location",
    stock_errors.BoxNotInStock: "location",
    errors.LocationNotInWarehouse: "location",
    errors.MergeNeedsTwoBoxes: "box",
    errors.MergeNeedsSameItem: "box",
    errors.MergeNeedsSameLocation: "box",
    errors.MergeNeedsSameCondition: "box",
    errors.UnknownBoxCode: "box",
    errors.WriteOffNeedsReason: "reason",
    errors.UnknownWriteOffReason: "reason",
    errors.WriteOffNeedsNote: "note",
    errors.NoteTooLong: "note",
    stock_errors.UnknownItem: "item",
    stock_errors.ItemInactive: "item",
}


@bp.context_processor
def _words():
    return {"state_labels": STATES, "condition_labels": CONDITIONS, "unit_word": unit_word,
            "kind_label": kind_label, "reason_label": reason_label,
            "history_text": history_text, "history_reason": history_reason}


# --- the list ---------------------------------------------------------------------------

def _filters_from_request() -> tuple[BoxFilterForm, queries.BoxFilters, dict]:
    form = BoxFilterForm(formdata=request.args)
    sites = queries.sites()
    form.set_choices(sites=sites, locations=queries.warehouse_locations(),
                     categories=queries.categories(), items=queries.active_items())
    valid = form.validate()
    state = form.state.data if valid and form.state.data in STATES else None
    if "state" not in request.args:
        state = "stock"  # a list of every empty and blank box is rarely what is wanted
    filters = queries.BoxFilters(
        q=form.q.data if valid else None, item_id=form.item.data if valid else None,
        category_id=form.category.data if valid else None,
        location_id=form.location.data if valid else None,
        site_id=form.site.data if valid else None, state=state,
        condition=form.condition.data if valid and form.condition.data in CONDITIONS
        else None)
    query_args = {key: value for key, value in request.args.items()
                  if key != "page" and value}
    return form, filters, query_args


@bp.get("", endpoint="list")
@roles(*WAREHOUSE)
def list_boxes():
    """Boxes shelf by shelf, filtered by item, category, place, state and condition."""
    form, filters, query_args = _filters_from_request()
    page = queries.boxes(filters, page=request.args.get("page", 1, type=int))
    return render_template("boxes/list.html", filters=form, page=page, query_args=query_args)


BOX_COLUMNS = [
    Column(_l("Code"), safe=True), Column(_l("Item code"), "#item+code", safe=True),
    Column(_l("Item"), "#item+name"), Column(_l("Category"), "#item+category"),
    Column(_l("Quantity"), "#output+num", NUMBER), Column(_l("Unit"), "#item+unit"),
    Column(_l("State"), safe=True), Column(_l("Condition"), safe=True),
    Column(_l("Location code"), safe=True), Column(_l("Location"), "#loc+name"),
    Column(_l("Site"), "#loc+site"), Column(_l("Use by"), "#date+expiry", DATE),
    Column(_l("Donation"), None, NUMBER), Column(_l("Labelled on"), "#date", DATE),
]


@export_routes(bp, "/export")
@roles(*WAREHOUSE)
def export(fmt: str):
    """The filtered box list as CSV or XLSX, with cells a spreadsheet would run as
    formulas defused."""
    form, filters, _ = _filters_from_request()
    refuse_invalid(form, request.args)
    rows = ([row.code, row.item_code, row.item, row.category, row.quantity,
             unit_word(row.unit, row.quantity) if row.unit else "",
             str(STATES[row.state]), str(CONDITIONS[row.condition]),
             row.location_code, row.location, row.site, row.expires_on,
             row.donation_id, row.created_at.date()]
            for row in queries.box_rows(filters))
    return export_response("boxes", BOX_COLUMNS, rows, fmt)


@bp.get("/find")
@roles(*WAREHOUSE)
def find():
    """Open the box whose code was typed or scanned."""
    code = request.args.get("code", "")
    if not code.strip():
        flash(gettext("Type or scan a box code to open it."), "info")
        return redirect(url_for("boxes.list"), 303)
    box = queries.box_by_code(code)
    if box is None:
        return _not_found(errors.UnknownBoxCode(code=code.strip()[:40]), code)
    return redirect(url_for("boxes.box", box_code=box.code), 303)


# --- one box ----------------------------------------------------------------------------

def _box_or_404(box_code: str) -> Box:
    box = queries.box_by_code(box_code)
    if box is None:
        raise errors.UnknownBoxCode(code=box_code.strip()[:40])
    return box


def _may(action: str) -> bool:
    return action not in STAFF_ONLY or current_user.role in STAFF


def _render_box(box: Box, *, submitted: tuple[str, object] | None = None, status: int = 200):
    """The box page; ``submitted`` is (action, form) of a refused form, shown open."""
    forms = {name: form_class(prefix=name, formdata=None).with_new_key()
             for name, form_class in ACTIONS.items() if _may(name)}
    if submitted is not None:
        forms[submitted[0]] = submitted[1]
    in_warehouse = box.location is not None and box.location.kind == LocationKind.INTERNAL
    site_id = box.location.site_id if in_warehouse else None
    history = queries.history(box.id)
    last_id = queries.last_document_id(box.id) if _may("undo") else None
    last = next((entry for entry in history if entry.document_id == last_id), None)
    can_undo = last is not None and last.reverses_id is None and last.reversed_by_id is None
    if can_undo:
        forms["undo"].document_id.data = last.document_id
    visible = _visible_actions(queries.state_of(box.item_id, box.quantity), in_warehouse,
                               can_undo)
    # A form refused on a page that no longer offers it (the box changed meanwhile): its
    # messages go above the page instead.
    stray_errors = []
    if submitted is not None and submitted[0] not in visible:
        form = submitted[1]
        stray_errors = [*form.form_errors,
                        *(error for field in form for error in field.errors)]
    donation_link = None
    if box.donation_id and "intake.donation" in current_app.view_functions:
        donation_link = url_for("intake.donation", donation_id=box.donation_id)
    return render_template(
        "boxes/box.html", box=box, state=queries.state_of(box.item_id, box.quantity),
        forms=forms, open_action=submitted[0] if submitted else None,
        in_warehouse=in_warehouse, history=history, can_undo=can_undo, last=last,
        history_limit=queries.HISTORY_LIMIT, donation_link=donation_link,
        locations=queries.warehouse_locations(site_id),
        items=queries.active_items() if box.item_id is None else [],
        stray_errors=stray_errors), status


def _visible_actions(state: str, in_warehouse: bool, can_undo: bool) -> set[str]:
    """The operations the box page offers for a box in this state."""
    if state == "blank":
        visible = {"fill"}
    elif not in_warehouse:
        visible = set()
    elif state == "empty":
        visible = {"top_up"}
    else:
        visible = {"move", "take", "top_up", "split", "merge", "empty", "write_off"}
    if can_undo:
        visible.add("undo")
    return {action for action in visible if _may(action)}


@bp.get("/<box_code>")
@roles(*WAREHOUSE)
def box(box_code: str):
    """One box: what it holds and where, what can be done with it, and its history.

    A blank (pre-printed, never used) box opens on the form that fills it; a code that is
    not ours answers 404 with a field to type it again.
    """
    try:
        found = _box_or_404(box_code)
    except errors.UnknownBoxCode as error:
        return _not_found(error, box_code)
    return _render_box(found)


def _not_found(error: errors.UnknownBoxCode, code: str):
    if wants_json():
        raise error
    return render_template("boxes/not_found.html", message=error.message,
                           code=code.strip()[:40]), 404


def _run(box: Box, action: str, call):
    """Validate the action's form, run ``call(form)``, then redirect or re-draw the page.

    ``call`` returns (message, category, redirect URL or None for the box page).
    """
    form = ACTIONS[action](prefix=action)
    if form.validate_on_submit():
        try:
            message, category, target = call(form)
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            flash(message, category)
            return redirect(target or url_for("boxes.box", box_code=box.code), 303)
    db.session.rollback()
    return _render_box(_reloaded(box), submitted=(action, form), status=422)


def _reloaded(box: Box) -> Box:
    db.session.expire_all()
    return db.session.get(Box, box.id)


def _show_error(form, error: DomainError) -> None:
    """Put ``error`` next to the field it is about, or above the form."""
    if isinstance(error, _FieldProblem):
        error.field.errors = [*error.field.errors, error.message]
        return
    topic = TOPIC_OF_ERROR.get(type(error))
    field = getattr(form, form.error_fields.get(topic, ""), None) if topic else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _location(form, field_name: str, *, site_id: int | None):
    """The location a field names (scanned code or name), None if blank.

    One we do not know is refused next to its field.
    """
    field = getattr(form, field_name)
    text = (field.data or "").strip()
    if not text:
        return None
    found = queries.location_by_code_or_name(text, site_id=site_id)
    if found is None:
        raise _FieldProblem(field, gettext(
            "No warehouse location has the code or name “%(text)s”. Scan the shelf label, "
            "or choose a location from the list.", text=text[:60]))
    return found


class _FieldProblem(DomainError):
    """Input that names nothing we know, shown next to its field."""

    def __init__(self, field, message: str):
        self.field, self._message = field, message
        super().__init__()

    @property
    def message(self) -> str:
        return self._message


def _outcome(posted, message: str, target: str | None = None):
    """What ``_run`` shows after a post: the message, or that it was a replay."""
    if posted.replayed:
        return (gettext("This was already recorded (the form was sent twice): nothing more "
                        "was changed."), "info", None)
    return message, "success", target


def _quantity_text(quantity: int, unit) -> str:
    return f"{format_decimal(quantity)} {unit_word(unit, quantity)}"


def _moved(posted) -> str:
    """How much the posted document moved, with its unit: "12 pairs"."""
    movement = db.session.scalar(select(Movement).where(
        Movement.document_id == posted.document_id).order_by(Movement.line_no).limit(1))
    return _quantity_text(movement.quantity, movement.item.unit)


def _site_of(box: Box) -> int | None:
    return box.location.site_id if box.location else None


@bp.post("/<box_code>/move")
@roles(*WAREHOUSE)
def move(box_code: str):
    """Move the whole box to another shelf of its site."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        target = _location(form, "location", site_id=_site_of(box))
        if target is None:
            raise _FieldProblem(form.location, gettext(
                "Scan the shelf label, or type its code or name."))
        posted = services.move_box(box, to_location=target, actor=current_user,
                                   idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext("Box %(box)s is now at %(location)s.", box=code,
                                        location=target.name))

    return _run(box, "move", call)


@bp.post("/<box_code>/take")
@roles(*WAREHOUSE)
def take(box_code: str):
    """Take some of the box's stock out, as loose stock here or elsewhere."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        target = _location(form, "to_location", site_id=_site_of(box))
        posted = services.take_from_box(box, quantity=form.quantity.data, to_location=target,
                                        actor=current_user,
                                        idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext("Taken out of box %(box)s: %(quantity)s.", box=code,
                                        quantity=_moved(posted)))

    return _run(box, "take", call)


@bp.post("/<box_code>/top-up")
@roles(*WAREHOUSE)
def top_up(box_code: str):
    """Put more of the box's item into it, from loose stock."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        source = _location(form, "from_location", site_id=_site_of(box))
        posted = services.top_up_box(box, quantity=form.quantity.data, from_location=source,
                                     actor=current_user,
                                     idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext("Put into box %(box)s: %(quantity)s.", box=code,
                                        quantity=_moved(posted)))

    return _run(box, "top_up", call)


@bp.post("/<box_code>/split")
@roles(*WAREHOUSE)
def split(box_code: str):
    """Put part of the box into a new box, then print both labels."""
    box = _box_or_404(box_code)
    code, box_id = box.code, box.id

    def call(form):
        new_box = services.split_box(box, quantity=form.quantity.data, actor=current_user,
                                     idempotency_key=form.idempotency_key.data)
        return (gettext("New box %(new)s holds %(quantity)s taken from box %(box)s. Print "
                        "both labels: their quantities changed.", new=new_box.code, box=code,
                        quantity=_quantity_text(new_box.quantity, new_box.item.unit)),
                "success", url_for("labels.print_boxes", box=[new_box.id, box_id]))

    return _run(box, "split", call)


@bp.post("/<box_code>/merge")
@roles(*WAREHOUSE)
def merge(box_code: str):
    """Put everything in this box into another box of the same item, here."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        target = queries.box_by_code(form.target.data)
        if target is None:
            raise _FieldProblem(form.target, errors.UnknownBoxCode(
                code=form.target.data.strip()[:40]).message)
        target_code, target_id = target.code, target.id
        posted = services.merge_boxes(source=box, target=target, actor=current_user,
                                      idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext(
            "Everything in box %(source)s is now in box %(target)s. Print the label of "
            "%(target)s again: its quantity changed.", source=code, target=target_code),
            url_for("labels.print_boxes", box=target_id))

    return _run(box, "merge", call)


@bp.post("/<box_code>/empty")
@roles(*WAREHOUSE)
def empty(box_code: str):
    """Take everything out of the box as loose stock; the box keeps its code and item."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        target = _location(form, "to_location", site_id=_site_of(box))
        posted = services.empty_box(box, to_location=target, actor=current_user,
                                    idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext("Box %(box)s is empty: %(quantity)s are loose now.",
                                        box=code, quantity=_moved(posted)))

    return _run(box, "empty", call)


@bp.post("/<box_code>/write-off")
@roles(*STAFF)
def write_off(box_code: str):
    """Write off some or all of the box, with a reason (managers and admins)."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        quantity = (form.quantity.data or "").strip() or None
        posted = services.write_off_box(box, quantity=quantity, reason=form.reason.data,
                                        note=form.note.data, actor=current_user,
                                        idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext("Written off from box %(box)s: %(quantity)s.",
                                        box=code, quantity=_moved(posted)))

    return _run(box, "write_off", call)


@bp.post("/<box_code>/fill")
@roles(*WAREHOUSE)
def fill(box_code: str):
    """Say what goes in a blank box, how many, in what condition, and where it goes."""
    box = _box_or_404(box_code)
    code = box.code

    def call(form):
        item = queries.item_by_code_or_name(form.item.data)
        if item is None:
            raise _FieldProblem(form.item, gettext(
                "No item is called “%(text)s”. Choose one from the list, or scan its item "
                "card.", text=form.item.data.strip()[:60]))
        location = _location(form, "location", site_id=None)
        if location is None:
            raise _FieldProblem(form.location, gettext(
                "Scan the shelf label, or type its code or name."))
        source = None
        if form.source.data == "loose":
            source = _location(form, "from_location", site_id=location.site_id)
            if source is None:
                raise _FieldProblem(form.from_location, gettext(
                    "Say where the loose stock is: scan or type the location."))
        posted = services.fill_blank_box(
            box, item=item, quantity=form.quantity.data, condition=form.condition.data,
            location=location, from_location=source, expires_on=form.expires_on.data,
            actor=current_user, idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext("Box %(box)s now holds %(quantity)s at %(location)s.",
                                        box=code, location=location.name,
                                        quantity=_moved(posted)))

    return _run(box, "fill", call)


@bp.post("/<box_code>/undo")
@roles(*STAFF)
def undo(box_code: str):
    """Undo the last movement of the box by posting its mirror image (managers, admins)."""
    box = _box_or_404(box_code)

    def call(form):
        document_id = form.document_id.data
        posted = services.undo_last_movement(box, document_id=document_id,
                                             actor=current_user,
                                             idempotency_key=form.idempotency_key.data)
        return _outcome(posted, gettext(
            "Undone: document %(document)s is cancelled by document %(reversal)s.",
            document=document_id, reversal=posted.document_id))

    return _run(box, "undo", call)
