"""Write endpoints of the scan page: move boxes, take, top up, fill, pick, undo; and the
offline scans that need attention ("conflicts").

Each endpoint only reads its JSON, calls one service (``warehouse.boxes.services``,
``warehouse.requests.picking``, ``warehouse.scan.services``) and answers 201 with the
document posted and a one-line message for the scan page's green banner. The work itself
is a plain function ``(user, data, key, **url values) -> dict`` registered with
``warehouse.scan.services.replayable``, so that a scan refused when it was replayed
offline can be sent again later, from the conflicts page, through the very same code.

Offline replays (header ``X-Offline-Replay: 1``) that fail with a rule the user must
look at (4xx but 401, 429 and 409 request-in-progress, which a later replay may pass;
the ledger's own 409s such as insufficient-stock are kept) are recorded as a
``SyncConflict``, and the problem document carries its ``conflict_id``.
"""
import json

from flask import current_app, request
from flask_babel import format_decimal, gettext, ngettext
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from warehouse.accounts.access import WAREHOUSE, roles, signed_in
from warehouse.api.core import API_PREFIX, ScannedAt, idempotent, ledger_key, parse_scanned_at
from warehouse.boxes import errors as box_errors
from warehouse.boxes import queries as box_queries
from warehouse.boxes import services as boxes
from warehouse.catalogue.models import Item
from warehouse.core.words import unit_word
from warehouse.extensions import db
from warehouse.intake.queries import intake_location_of
from warehouse.requests import picking
from warehouse.requests.models import StockRequest, StockRequestLine
from warehouse.scan import errors, services
from warehouse.scan.services import replayable
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import Box, BoxCondition, Location, LocationKind, Movement, Site
from warehouse.tablet.queries import device_tablet

blp = Blueprint("api_scan", __name__, url_prefix=API_PREFIX,
                description="Scanner writes: moves, take, top-up, fill, picks, undo, and "
                            "offline scans needing attention.")

#: Statuses of a refused offline replay that are NOT recorded as needing attention: not
#: signed in, too many requests — a later replay may pass.
NOT_CONFLICTS = frozenset({401, 429})
#: Problems that say nothing about the scan itself: the same request still running
#: (409, but the ledger's own 409s — not enough stock, box already picked — are kept),
#: the page must reload its CSRF token, or the user's role may not do this at all.
NOT_CONFLICT_SLUGS = frozenset({"request-in-progress", "csrf-token-missing", "forbidden"})
#: What the scan page's conditions mean in the box's two: good or worn stock is used.
CONDITIONS = {"new": BoxCondition.NEW, "used": BoxCondition.USED, "good": BoxCondition.USED,
              "worn": BoxCondition.USED}

# --- schemas ----------------------------------------------------------------------------------

class WriteResultSchema(Schema):
    document_id = fields.Integer(allow_none=True, required=True)
    message = fields.String(required=True)


class MoveSchema(Schema):
    box_codes = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                            required=True,
                            validate=validate.Length(min=1, max=boxes.MAX_BOXES_PER_MOVE))
    location_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    scanned_at = ScannedAt()


class MoveResultSchema(WriteResultSchema):
    boxes = fields.List(fields.String())
    location = fields.String()


class QuantitySchema(Schema):
    quantity = fields.Integer(required=True, strict=False)
    scanned_at = ScannedAt()


class TopUpSchema(QuantitySchema):
    from_location_code = fields.String(load_default=None, allow_none=True,
                                       validate=validate.Length(max=60))


class FillSchema(Schema):
    item_id = fields.Integer(required=True)
    quantity = fields.Integer(required=True)
    condition = fields.String(required=True, validate=validate.OneOf(sorted(CONDITIONS)))
    location_code = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=60))
    size = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=24))
    scanned_at = ScannedAt()


class BoxResultSchema(WriteResultSchema):
    box = fields.String()
    quantity = fields.Integer()
    location = fields.String(allow_none=True)


class PickSchema(Schema):
    box_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    quantity = fields.Integer(load_default=None, allow_none=True)
    scanned_at = ScannedAt()


class PickLineSchema(Schema):
    item_id = fields.Integer()
    item = fields.String()
    requested = fields.Integer()
    allocated = fields.Integer()
    picked = fields.Integer()
    left = fields.Integer()


class PickResultSchema(WriteResultSchema):
    pick_id = fields.Integer(required=True)
    quantity = fields.Integer()
    ready = fields.Boolean()
    lines = fields.List(fields.Nested(PickLineSchema))


class EmptySchema(Schema):
    scanned_at = ScannedAt()


class ConflictSchema(Schema):
    id = fields.Integer()
    user = fields.String()
    user_id = fields.Integer()
    method = fields.String()
    path = fields.String()
    body = fields.Raw(allow_none=True)
    problem = fields.Raw()
    scanned_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


class ResolveSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(["retry", "dismiss"]))


class ResolveResultSchema(Schema):
    id = fields.Integer()
    resolution = fields.String()
    message = fields.String()
    result = fields.Raw(allow_none=True)


# --- looking things up ------------------------------------------------------------------------

def box_of(code: str) -> Box:
    """The box a scanned code names; a location's code gets its own clear message."""
    box = box_queries.box_by_code(code)
    if box is not None:
        return box
    if box_queries.location_by_code_or_name(code) is not None:
        raise errors.LocationScannedForBox(code=code.strip()[:40])
    raise box_errors.UnknownBoxCode(code=code.strip()[:40])


def boxes_of(codes: list[str]) -> list[Box]:
    """The boxes scanned, in order and with any repeats, found in one query."""
    wanted = [box_queries.normalise_code(code) for code in codes]
    found = {box.code: box for box in db.session.scalars(
        select(Box).where(Box.code.in_(set(wanted))))}
    return [found.get(code) or box_of(text) for code, text in zip(wanted, codes)]


def location_of(code: str) -> Location:
    """The warehouse location a scanned code (or typed name) names."""
    exact = db.session.scalar(select(Location).where(
        Location.code == code.strip().upper(), Location.kind == LocationKind.INTERNAL))
    location = exact or box_queries.location_by_code_or_name(code)
    if location is not None:
        return location
    if box_queries.box_by_code(code) is not None:
        raise errors.BoxScannedForLocation(code=code.strip()[:40])
    raise errors.UnknownLocationCode(code=code.strip()[:40])


def quantity_text(quantity: int, unit) -> str:
    """"12 pairs", in the reader's language."""
    return f"{format_decimal(quantity)} {unit_word(unit, quantity)}"


def _first_line(document_id: int) -> Movement:
    return db.session.scalar(select(Movement).where(Movement.document_id == document_id)
                             .order_by(Movement.line_no).limit(1))


def _box_result(document_id: int, box_id: int, message: str) -> dict:
    box = db.session.get(Box, box_id)
    return {"document_id": document_id, "message": message, "box": box.code,
            "quantity": box.quantity, "location": box.location.name if box.location else None}


# --- the work, one function per endpoint ------------------------------------------------------

@replayable("api_scan.moves", MoveSchema)
def move(user, data: dict, key: str | None) -> dict:
    found = boxes_of(data["box_codes"])
    target = location_of(data["location_code"])
    codes, place = [box.code for box in found], target.name  # read before the post commits
    posted = boxes.move_boxes(found, to_location=target, actor=user, idempotency_key=key,
                              occurred_at=data.get("scanned_at"))
    return {"document_id": posted.document_id, "boxes": codes, "location": place,
            "message": ngettext("%(num)d box moved to %(location)s",
                                "%(num)d boxes moved to %(location)s", len(codes),
                                location=place)}


@replayable("api_scan.take", QuantitySchema)
def take(user, data: dict, key: str | None, *, box_code: str) -> dict:
    box = box_of(box_code)
    posted = boxes.take_from_box(box, quantity=data["quantity"], actor=user,
                                 idempotency_key=key, occurred_at=data.get("scanned_at"))
    line = _first_line(posted.document_id)
    return _box_result(posted.document_id, box.id, gettext(
        "Taken out of box %(box)s: %(quantity)s.", box=box.code,
        quantity=quantity_text(line.quantity, line.item.unit)))


@replayable("api_scan.top_up", TopUpSchema)
def top_up(user, data: dict, key: str | None, *, box_code: str) -> dict:
    box = box_of(box_code)
    source = location_of(data["from_location_code"]) if data.get("from_location_code") \
        else None
    posted = boxes.top_up_box(box, quantity=data["quantity"], from_location=source,
                              actor=user, idempotency_key=key,
                              occurred_at=data.get("scanned_at"))
    line = _first_line(posted.document_id)
    return _box_result(posted.document_id, box.id, gettext(
        "Put into box %(box)s: %(quantity)s.", box=box.code,
        quantity=quantity_text(line.quantity, line.item.unit)))


@replayable("api_scan.fill", FillSchema)
def fill(user, data: dict, key: str | None, *, box_code: str) -> dict:
    """Receive into a blank box: at ``location_code``, else the intake area of the site of
    the user's tablet (or of the user's only site)."""
    box = box_of(box_code)
    item = db.session.get(Item, data["item_id"])
    if item is None:
        raise stock_errors.UnknownItem(item_id=data["item_id"])
    size = (data.get("size") or "").strip()
    if size and (item.size or "").casefold() != size.casefold():
        raise box_errors.SizeDoesNotMatch(item=item.display_name, item_size=item.size or "—",
                                          size=size)
    if data.get("location_code"):
        location = location_of(data["location_code"])
    else:
        location_id = intake_location_of(_site_of(user)) if _site_of(user) else None
        if location_id is None:
            raise errors.FillNeedsLocation(box=box.code)
        location = db.session.get(Location, location_id)
    posted = boxes.fill_blank_box(box, item=item, quantity=data["quantity"],
                                  condition=CONDITIONS[data["condition"]], location=location,
                                  actor=user, idempotency_key=key,
                                  occurred_at=data.get("scanned_at"))
    line = _first_line(posted.document_id)
    return _box_result(posted.document_id, box.id, gettext(
        "Box %(box)s now holds %(quantity)s at %(location)s.", box=box.code,
        location=location.name, quantity=quantity_text(line.quantity, item.unit)))


def _site_of(user) -> int | None:
    """The site a user scans at: their tablet's, else the only open site there is."""
    tablet_site = _tablet_site()
    if tablet_site is not None:
        return tablet_site
    sites = db.session.scalars(select(Site.id).where(Site.active.is_(True)).limit(2)).all()
    return sites[0] if len(sites) == 1 else None


def _tablet_site() -> int | None:
    try:
        tablet = device_tablet()
    except RuntimeError:  # no request: a retry from the conflicts page
        return None
    return tablet.site_id if tablet is not None else None


@replayable("api_scan.picks", PickSchema)
def pick(user, data: dict, key: str | None, *, request_id: int) -> dict:
    stock_request = db.session.get(StockRequest, request_id)
    if stock_request is None:
        raise errors.UnknownRequest(request=request_id)
    box = box_of(data["box_code"])
    picked = picking.pick_box(stock_request, box=box.id, quantity=data.get("quantity"),
                              actor=user, key=key)
    item = db.session.get(Item, box.item_id)
    lines = pick_lines(request_id)
    ready = all(line["left"] <= 0 for line in lines)
    message = gettext("Picked %(quantity)s of %(item)s from box %(box)s for request "
                      "%(request)s.", quantity=quantity_text(picked.quantity, item.unit),
                      item=item.display_name, box=box.code, request=request_id)
    if ready:
        message += " " + gettext("Everything is picked: the request is ready to dispatch.")
    return {"document_id": None, "pick_id": picked.pick_line_id, "quantity": picked.quantity,
            "ready": ready, "message": message, "lines": lines}


def pick_lines(request_id: int) -> list[dict]:
    """Each line of a request: requested, allocated, picked (and dispatched) so far, left."""
    with db.engine.connect() as conn:
        states = picking._line_states(conn, request_id)
    requested = dict(db.session.execute(select(StockRequestLine.id, StockRequestLine.requested)
                                        .where(StockRequestLine.request_id == request_id)).all())
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_({s.item_id for s in states})))}
    return [{"item_id": s.item_id, "item": items[s.item_id].display_name,
             "requested": requested[s.id], "allocated": s.allocated,
             "picked": s.dispatched + s.picked, "left": max(s.left, 0)} for s in states]


@replayable("api_scan.undo", EmptySchema)
def undo(user, data: dict, key: str | None, *, document_id: int) -> dict:
    posted = services.undo_document(document_id, actor=user, idempotency_key=key)
    return {"document_id": posted.document_id, "message": gettext(
        "Undone: document %(document)s is cancelled by document %(reversal)s.",
        document=document_id, reversal=posted.document_id)}


# --- the endpoints ----------------------------------------------------------------------------

@blp.route("/moves", methods=["POST"])
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(MoveSchema)
@blp.response(201, MoveResultSchema)
def moves(data):
    """Move several boxes to one location, in one document (all or none)."""
    return move(current_user, data, ledger_key())


@blp.route("/boxes/<box_code>/take", methods=["POST"], endpoint="take")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(QuantitySchema)
@blp.response(201, BoxResultSchema)
def take_view(data, box_code):
    """Take some stock out of a box; it stays loose where the box is."""
    return take(current_user, data, ledger_key(), box_code=box_code)


@blp.route("/boxes/<box_code>/top-up", methods=["POST"], endpoint="top_up")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(TopUpSchema)
@blp.response(201, BoxResultSchema)
def top_up_view(data, box_code):
    """Put more of the box's item into it, from the loose stock where it is."""
    return top_up(current_user, data, ledger_key(), box_code=box_code)


@blp.route("/boxes/<box_code>/fill", methods=["POST"], endpoint="fill")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(FillSchema)
@blp.response(201, BoxResultSchema)
def fill_view(data, box_code):
    """Receive stock into a pre-printed blank box (default place: the site's intake area).

    ``condition`` good and worn are recorded as used.
    """
    return fill(current_user, data, ledger_key(), box_code=box_code)


@blp.route("/requests/<int:request_id>/picks", methods=["POST"], endpoint="picks")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(PickSchema)
@blp.response(201, PickResultSchema)
def picks_view(data, request_id):
    """Pick a box (or ``quantity`` out of it) for an approved request."""
    return pick(current_user, data, ledger_key(), request_id=request_id)


@blp.route("/documents/<int:document_id>/undo", methods=["POST"], endpoint="undo")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(EmptySchema)
@blp.response(201, WriteResultSchema)
def undo_view(data, document_id):
    """Undo a scan: your own within the hour; managers any document."""
    return undo(current_user, data, ledger_key(), document_id=document_id)


@blp.route("/conflicts", methods=["GET"])
@signed_in
@blp.response(200, ConflictSchema(many=True))
def conflicts():
    """Offline scans that need attention: your own; managers and admins see everyone's."""
    return [conflict_json(c) for c in services.conflicts_for(current_user)]


@blp.route("/conflicts/<int:conflict_id>/resolve", methods=["POST"], endpoint="resolve")
@signed_in
@idempotent
@blp.arguments(ResolveSchema)
@blp.response(200, ResolveResultSchema)
def resolve_view(data, conflict_id):
    """Send a refused offline scan again (``retry``) or let it go (``dismiss``)."""
    result = services.resolve_conflict(conflict_id, action=data["action"],
                                       actor=current_user, retry=services.retry)
    if data["action"] == "retry":
        message = gettext("Sent again: %(message)s", message=(result or {}).get("message", ""))
    else:
        message = gettext("Dismissed: this scan was not recorded.")
    return {"id": conflict_id, "resolution": "retried" if data["action"] == "retry"
            else "dismissed", "message": message, "result": result}


def conflict_json(conflict) -> dict:
    return {"id": conflict.id, "user": conflict.user.name, "user_id": conflict.user_id,
            "method": conflict.method, "path": conflict.path, "body": conflict.body,
            "problem": conflict.problem, "scanned_at": conflict.scanned_at,
            "created_at": conflict.created_at, "resolved_at": conflict.resolved_at,
            "resolution": conflict.resolution}


# --- offline replays that fail, and sending them again ----------------------------------------

def record_offline_failure(response):
    """``after_request`` of the scanner's blueprints: keep a refused offline replay."""
    if request.headers.get("X-Offline-Replay") != "1" or request.method != "POST":
        return response
    status = response.status_code
    if not 400 <= status < 500 or status in NOT_CONFLICTS:
        return response
    if not current_user.is_authenticated:
        return response
    try:
        problem = json.loads(response.get_data(as_text=True))
    except ValueError:
        problem = {"status": status, "detail": response.get_data(as_text=True)[:500]}
    slug = str(problem.get("type", "")).rsplit("/", 1)[-1]
    if slug in NOT_CONFLICT_SLUGS:
        return response
    body = request.get_json(silent=True)
    scanned_at = None
    if isinstance(body, dict) and body.get("scanned_at"):
        try:
            scanned_at = parse_scanned_at(body["scanned_at"])
        except ValidationError:
            scanned_at = None
    key = (request.headers.get("Idempotency-Key") or "").strip()[:120] or None
    try:
        conflict_id = services.record_conflict(
            user_id=current_user.id, idempotency_key=key, method=request.method,
            path=request.path, body=body if isinstance(body, (dict, list)) else None,
            problem=problem, scanned_at=scanned_at)
    except Exception:  # noqa: BLE001 (the refusal itself must still reach the tablet)
        current_app.logger.exception("could not keep a refused offline scan")
        return response
    if isinstance(problem, dict):
        problem["conflict_id"] = conflict_id
        response.set_data(json.dumps(problem, ensure_ascii=False))
    return response


blp.after_request(record_offline_failure)


def register(api) -> None:
    api.register_blueprint(blp)

