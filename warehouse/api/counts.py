"""Counting a location with the scanner (stocktake): start, count lines, finish, approve.

The rules are in ``warehouse.counts.services``; these endpoints read JSON and answer it.
Counting is for warehouse staff; approving the differences is for managers and admins.
Count lines replayed offline and refused are kept as conflicts like any scanner write.
"""
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from warehouse.accounts.access import STAFF, WAREHOUSE, roles
from warehouse.api.core import API_PREFIX, ScannedAt, idempotent, ledger_key
from warehouse.api.scan_writes import box_of, location_of, record_offline_failure
from warehouse.counts import errors, services
from warehouse.counts.models import CountSession
from warehouse.extensions import db
from warehouse.scan.services import replayable

blp = Blueprint("api_counts", __name__, url_prefix=API_PREFIX,
                description="Counting a location (stocktake) and approving its differences.")


class StartSchema(Schema):
    location_code = fields.String(required=True, validate=validate.Length(min=1, max=60))
    # The scan page's outbox sends every write with when it was scanned.
    scanned_at = ScannedAt()


class LineSchema(Schema):
    box_code = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=40))
    item_id = fields.Integer(load_default=None, allow_none=True)
    # Raw: "12" and 12 are both fine; letters get the count's own message.
    quantity = fields.Raw(load_default=None, allow_none=True)
    scanned_at = ScannedAt()


class NothingSchema(Schema):
    scanned_at = ScannedAt()


class DecisionSchema(Schema):
    difference_id = fields.Integer(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(sorted(services.REASONS)))


class ApproveSchema(Schema):
    decisions = fields.List(fields.Nested(DecisionSchema), required=True,
                            validate=validate.Length(max=2000))


class DifferenceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    box = fields.String(allow_none=True)
    item = fields.String()
    item_id = fields.Integer()
    location = fields.String(metadata={"description": "Where the ledger has it."})
    expected = fields.Integer()
    counted = fields.Integer()
    reason = fields.String(allow_none=True)
    reasons = fields.List(fields.String(), metadata={"description": "Reasons that fit."})
    document_id = fields.Integer(allow_none=True)


class CountLineSchema(Schema):
    id = fields.Integer()
    box = fields.String(allow_none=True)
    item = fields.String(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    quantity = fields.Integer(allow_none=True)


class CountSchema(Schema):
    id = fields.Integer()
    location = fields.String()
    location_code = fields.String()
    status = fields.String()
    status_text = fields.String()
    started_by = fields.String()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    lines = fields.List(fields.Nested(CountLineSchema))
    differences = fields.List(fields.Nested(DifferenceSchema))
    message = fields.String()
    resumed = fields.Boolean()


class CountedSchema(Schema):
    id = fields.Integer()
    count_id = fields.Integer()
    box = fields.String(allow_none=True)
    item = fields.String(allow_none=True)
    quantity = fields.Integer(allow_none=True)
    elsewhere = fields.String(allow_none=True)
    message = fields.String()


class ApprovedSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    document_ids = fields.List(fields.Integer())
    message = fields.String()


def count_json(count: CountSession, **extra) -> dict:
    return {
        "id": count.id, "location": count.location.name, "location_code": count.location.code,
        "status": count.status.value, "status_text": services.status_word(count.status),
        "started_by": count.started_by.name, "started_at": count.started_at,
        "finished_at": count.finished_at,
        "lines": [line_json(line) for line in count.lines],
        "differences": [difference_json(d) for d in count.differences],
        **extra,
    }


def line_json(line) -> dict:
    item = line.item if line.box is None else line.box.item
    return {"id": line.id, "box": line.box.code if line.box else None,
            "item": item.display_name if item else None, "item_id": item.id if item else None,
            "quantity": line.quantity}


def difference_json(difference) -> dict:
    return {"id": difference.id, "kind": difference.kind.value,
            "box": difference.box.code if difference.box else None,
            "item": difference.item.display_name, "item_id": difference.item_id,
            "location": difference.location.name, "expected": difference.expected,
            "counted": difference.counted, "reason": difference.reason,
            "reasons": list(services.reasons_for(difference)),
            "document_id": difference.document_id}


def _count_or_404(count_id: int) -> CountSession:
    count = db.session.get(CountSession, count_id)
    if count is None:
        raise errors.UnknownCount(count=count_id)
    return count


# --- the work ---------------------------------------------------------------------------------

@replayable("api_counts.start", StartSchema)
def start(user, data: dict, key: str | None) -> dict:
    location = location_of(data["location_code"])
    count, resumed = services.start_count(location=location, actor=user)
    message = (gettext("Joined the count of %(location)s already under way.",
                       location=location.name) if resumed else
               gettext("Counting %(location)s: scan every box there, then count what lies "
                       "loose.", location=location.name))
    return count_json(count, message=message, resumed=resumed)


@replayable("api_counts.lines", LineSchema)
def add_line(user, data: dict, key: str | None, *, count_id: int) -> dict:
    count = _count_or_404(count_id)
    if data.get("box_code") and data.get("item_id") is not None:
        raise errors.CountLineBoxOrItem()
    if data.get("box_code"):
        box = box_of(data["box_code"])
        counted = services.count_box(count, box=box, quantity=data.get("quantity"), actor=user)
        quantity = counted.line.quantity
        if counted.elsewhere is not None:
            message = gettext("Box %(box)s counted here; the records put it at %(location)s.",
                              box=box.code, location=counted.elsewhere.name)
        elif quantity is None:
            message = gettext("Box %(box)s counted: %(item)s, as labelled.", box=box.code,
                              item=counted.item.display_name)
        else:
            message = gettext("Box %(box)s counted: %(quantity)s of %(item)s.", box=box.code,
                              quantity=quantity, item=counted.item.display_name)
        return {"id": counted.line.id, "count_id": count_id, "box": box.code,
                "item": counted.item.display_name, "quantity": quantity,
                "elsewhere": counted.elsewhere.name if counted.elsewhere else None,
                "message": message}
    if data.get("item_id") is not None:
        counted = services.count_loose(count, item_id=data["item_id"],
                                       quantity=data.get("quantity"), actor=user)
        quantity = counted.line.quantity
        return {"id": counted.line.id, "count_id": count_id, "box": None,
                "item": counted.item.display_name, "quantity": quantity, "elsewhere": None,
                "message": gettext("Loose %(item)s counted: %(quantity)s.",
                                   item=counted.item.display_name, quantity=quantity)}
    raise errors.CountLineNeedsSomething()


@replayable("api_counts.finish", NothingSchema)
def finish(user, data: dict, key: str | None, *, count_id: int) -> dict:
    count = _count_or_404(count_id)
    differences = services.finish_count(count, actor=user)
    count = db.session.get(CountSession, count_id)
    if differences:
        message = ngettext("Count finished: %(num)d difference waits for a manager.",
                           "Count finished: %(num)d differences wait for a manager.",
                           len(differences))
    else:
        message = gettext("Count finished: everything matches the records.")
    return count_json(count, message=message)


@replayable("api_counts.approve", ApproveSchema)
def approve(user, data: dict, key: str | None, *, count_id: int) -> dict:
    count = _count_or_404(count_id)
    decisions = {}
    for decision in data["decisions"]:
        decisions[decision["difference_id"]] = decision["reason"]
    documents = services.approve_count(count, decisions=decisions, actor=user)
    count = db.session.get(CountSession, count_id)
    return {"id": count_id, "status": count.status.value, "document_ids": documents,
            "message": ngettext("Approved: %(num)d adjustment posted.",
                                "Approved: %(num)d adjustments posted.", len(documents))}


# --- the endpoints ----------------------------------------------------------------------------

@blp.route("/counts", methods=["POST"])
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(StartSchema)
@blp.response(201, CountSchema)
def start_view(data):
    """Start counting a location (or join the count open there)."""
    return start(current_user, data, ledger_key())


@blp.route("/counts/<int:count_id>", methods=["GET"], endpoint="show")
@roles(*WAREHOUSE)
@blp.response(200, CountSchema)
def show_view(count_id):
    """A count: its lines and, once finished, its differences."""
    return count_json(_count_or_404(count_id))


@blp.route("/counts/<int:count_id>/lines", methods=["POST"], endpoint="lines")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(LineSchema)
@blp.response(201, CountedSchema)
def lines_view(data, count_id):
    """Count a box ({box_code}, {box_code, quantity}) or loose stock ({item_id, quantity})."""
    return add_line(current_user, data, ledger_key(), count_id=count_id)


@blp.route("/counts/<int:count_id>/finish", methods=["POST"], endpoint="finish")
@roles(*WAREHOUSE)
@idempotent
@blp.arguments(NothingSchema)
@blp.response(200, CountSchema)
def finish_view(data, count_id):
    """Finish counting: the differences with the records are worked out."""
    return finish(current_user, data, ledger_key(), count_id=count_id)


@blp.route("/counts/<int:count_id>/approve", methods=["POST"], endpoint="approve")
@roles(*STAFF)
@idempotent
@blp.arguments(ApproveSchema)
@blp.response(201, ApprovedSchema)
def approve_view(data, count_id):
    """Approve every difference with a reason: the adjustments are posted (managers)."""
    return approve(current_user, data, ledger_key(), count_id=count_id)


blp.after_request(record_offline_failure)


def register(api) -> None:
    api.register_blueprint(blp)

