"""Read endpoints: items, locations, boxes, stock and requests, as a scanner needs them.

Coordinators see only their organisation's requests; volunteers see the approved requests
they pick, and no other partner data.
"""

from flask import abort, jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from warehouse.accounts.access import WAREHOUSE, roles, signed_in
from warehouse.accounts.models import Role
from warehouse.api.core import API_PREFIX
from warehouse.boxes import queries as boxes_queries
from warehouse.catalogue import queries as catalogue
from warehouse.catalogue.models import Item, ItemBarcode
from warehouse.core.errors import N_, DomainError
from warehouse.core.scancodes import clean, normalise_scan
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.requests import queries as requests_queries
from warehouse.requests.models import RequestStatus, StockRequest
from warehouse.requests.picking import picking_sheet
from warehouse.scan import queries as scan_queries
from warehouse.scan.errors import UnknownLocationCode
from warehouse.scan.queries import first_reading, request_code, scanned
from warehouse.stock import queries as stock_queries
from warehouse.stock.models import Box, Location

blp = Blueprint("api_read", __name__, url_prefix=API_PREFIX,
                description="Items, locations, boxes, stock and requests; looking up what "
                            "was scanned.")

MAX_CODE_LENGTH = 64
LIST_LIMIT = 2000


class UnknownCode(DomainError):
    status = 404
    template = N_("Nothing has the code %(code)s. Check the label, or type the code by hand.")


class UnknownBox(DomainError):
    status = 404
    template = N_("No box has the code %(code)s. Check the label.")


# --- schemas --------------------------------------------------------------------------------

class BarcodeSchema(Schema):
    code = fields.String(required=True)
    pack_quantity = fields.Integer(required=True)


class ItemSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "In the request's language, "
                                                                 "with the size."})
    size = fields.String(required=True, allow_none=True)
    unit = fields.String(required=True)
    category = fields.String(required=True)
    active = fields.Boolean(required=True)
    barcodes = fields.List(fields.Nested(BarcodeSchema), required=True)


class LocationSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    site_id = fields.Integer(required=True, allow_none=True)
    site = fields.String(required=True, allow_none=True)
    is_intake = fields.Boolean(required=True)
    boxes = fields.Integer(required=True, metadata={"description": "Boxes holding stock here."})


class BoxSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "stock, empty or blank"})
    item_id = fields.Integer(required=True, allow_none=True)
    item = fields.String(required=True, allow_none=True)
    unit = fields.String(required=True, allow_none=True)
    quantity = fields.Integer(required=True)
    condition = fields.String(required=True)
    expires_on = fields.Date(required=True, allow_none=True)
    location_code = fields.String(required=True, allow_none=True)
    location = fields.String(required=True, allow_none=True)
    site_id = fields.Integer(required=True, allow_none=True)


class StockRowSchema(Schema):
    site_id = fields.Integer(required=True)
    site = fields.String(required=True)
    item_id = fields.Integer(required=True)
    item_code = fields.String(required=True)
    item = fields.String(required=True)
    category = fields.String(required=True)
    unit = fields.String(required=True)
    on_hand = fields.Integer(required=True)
    minimum_level = fields.Integer(required=True)
    below_minimum = fields.Boolean(required=True)


class RequestLineSchema(Schema):
    id = fields.Integer(required=True)
    item_id = fields.Integer(required=True)
    item = fields.String(required=True)
    item_code = fields.String(required=True)
    unit = fields.String(required=True)
    requested = fields.Integer(required=True)
    allocated = fields.Integer(required=True)
    picked = fields.Integer(required=True, metadata={"description": "Picked, waiting to go."})
    dispatched = fields.Integer(required=True)
    left = fields.Integer(required=True, metadata={"description": "Allocated, still to pick."})


class RequestSummarySchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"example": "R00012"})
    organisation = fields.String(required=True)
    site_id = fields.Integer(required=True)
    site = fields.String(required=True)
    status = fields.String(required=True)
    needed_by = fields.Date(required=True)
    requested = fields.Integer(required=True)
    allocated = fields.Integer(required=True)
    dispatched = fields.Integer(required=True)


class RequestSchema(RequestSummarySchema):
    lines = fields.List(fields.Nested(RequestLineSchema), required=True)
    picked = fields.Integer(required=True)
    left = fields.Integer(required=True)


class LookupSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["box", "blank_box", "location", "item", "request"]))
    code = fields.String(required=True)
    label = fields.String(required=True)
    box = fields.Nested(BoxSchema, required=True, allow_none=True)
    location = fields.Nested(LocationSchema, required=True, allow_none=True)
    item = fields.Nested(ItemSchema, required=True, allow_none=True)
    request = fields.Nested(RequestSchema, required=True, allow_none=True)
    pack_quantity = fields.Integer(required=True, allow_none=True, metadata={
        "description": "How many of the item's unit the scanned package holds (EAN/UPC)."})
    actions = fields.List(fields.String(), required=True)


class CachedCodeSchema(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True)
    label = fields.String(required=True)
    item_id = fields.Integer(required=True, allow_none=True)
    quantity = fields.Integer(required=True, allow_none=True, metadata={
        "description": "A box's quantity, or a barcode's pack quantity."})
    location_code = fields.String(required=True, allow_none=True)


class CodeCacheSchema(Schema):
    generated_at = fields.DateTime(required=True)
    codes = fields.List(fields.Nested(CachedCodeSchema), required=True)


class SiteArgs(Schema):
    site_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class BoxesArgs(Schema):
    location = fields.String(required=True, validate=validate.Length(min=1, max=MAX_CODE_LENGTH),
                             metadata={"description": "A location's code, as scanned."})


class RequestsArgs(SiteArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(
        [status.value for status in RequestStatus]))


# --- items ----------------------------------------------------------------------------------

def item_json(item: Item, barcodes: list[ItemBarcode] | None = None) -> dict:
    if barcodes is None:
        barcodes = catalogue.barcodes_by_item([item.id]).get(item.id, [])
    return {"id": item.id, "code": item.code, "name": item.display_name, "size": item.size,
            "unit": item.unit.value, "category": item.category.display_name,
            "active": item.active,
            "barcodes": [{"code": b.code, "pack_quantity": b.pack_quantity} for b in barcodes]}


@blp.route("/items")
@signed_in
@blp.response(200, ItemSchema(many=True))
def items():
    """Every active item, by name, with its manufacturers' barcodes."""
    found = catalogue.active_items()
    barcodes = catalogue.barcodes_by_item([item.id for item in found])
    return [item_json(item, barcodes.get(item.id, [])) for item in found]


@blp.route("/items/<int:item_id>")
@signed_in
@blp.response(200, ItemSchema)
def item(item_id: int):
    """One item."""
    found = db.session.get(Item, item_id)
    if found is None:
        abort(404)
    return item_json(found)


# --- locations and boxes -------------------------------------------------------------------------

def location_json(location: Location, boxes: int | None = None) -> dict:
    if boxes is None:
        boxes = stock_queries.boxes_holding_stock([location.id]).get(location.id, 0)
    return {"id": location.id, "code": location.code, "name": location.name,
            "site_id": location.site_id, "site": location.site.name if location.site else None,
            "is_intake": location.is_intake, "boxes": boxes}


@blp.route("/locations")
@roles(*WAREHOUSE)
@blp.arguments(SiteArgs, location="query")
@blp.response(200, LocationSchema(many=True))
def locations(args):
    """The open warehouse locations (of one site with site_id), in walking order."""
    found = stock_queries.open_locations(args["site_id"], limit=LIST_LIMIT)
    counts = stock_queries.boxes_holding_stock([loc.id for loc in found])
    return [location_json(loc, counts.get(loc.id, 0)) for loc in found]


def box_json(box: Box) -> dict:
    item_ = box.item
    location = box.location
    state = "blank" if box.item_id is None else ("stock" if box.quantity > 0 else "empty")
    return {"id": box.id, "code": box.code, "state": state, "item_id": box.item_id,
            "item": item_.display_name if item_ else None,
            "unit": item_.unit.value if item_ else None, "quantity": box.quantity,
            "condition": box.condition.value, "expires_on": box.expires_on,
            "location_code": location.code if location else None,
            "location": location.name if location else None,
            "site_id": location.site_id if location else None}


@blp.route("/boxes")
@roles(*WAREHOUSE)
@blp.arguments(BoxesArgs, location="query")
@blp.response(200, BoxSchema(many=True))
def boxes(args):
    """The boxes at a location, by code."""
    location = first_reading(args["location"][:MAX_CODE_LENGTH],
                             stock_queries.internal_location_by_code)
    if location is None:
        raise UnknownLocationCode(code=normalise_scan(args["location"]))
    return [box_json(box) for box in boxes_queries.boxes_at(location.id, limit=LIST_LIMIT)]


@blp.route("/boxes/<box_code>")
@roles(*WAREHOUSE)
@blp.response(200, BoxSchema)
def box(box_code: str):
    """One box, by its code (as scanned: a mangled code is corrected)."""
    found = first_reading(box_code[:MAX_CODE_LENGTH], boxes_queries.box_with_code)
    if found is None:
        raise UnknownBox(code=normalise_scan(box_code[:MAX_CODE_LENGTH]))
    return box_json(found)


# --- stock ----------------------------------------------------------------------------------

@blp.route("/stock")
@signed_in
@blp.arguments(SiteArgs, location="query")
@blp.response(200, StockRowSchema(many=True))
def stock(args):
    """On-hand stock per site and item (of one site with site_id)."""
    return [{"site_id": row.site_id, "site": row.site_name, "item_id": row.item_id,
             "item_code": row.item_code, "item": row.item, "category": row.category,
             "unit": row.unit, "on_hand": row.on_hand, "minimum_level": row.minimum_level,
             "below_minimum": row.below_minimum}
            for row in stock_queries.stock_by_site(args["site_id"])]


# --- requests -------------------------------------------------------------------------------

def _visible_request_or_404(request_id: int) -> StockRequest:
    found = requests_queries.visible_request(current_user, request_id)
    if found is None:
        abort(404)
    return found


def _summary_json(stock_request: StockRequest, lines: list) -> dict:
    return {"id": stock_request.id, "code": request_code(stock_request.id),
            "organisation": stock_request.organisation.name,
            "site_id": stock_request.site_id, "site": stock_request.site.name,
            "status": stock_request.status.value, "needed_by": stock_request.needed_by,
            "requested": sum(line.requested for line in lines),
            "allocated": sum(line.allocated for line in lines),
            "dispatched": sum(line.dispatched for line in lines)}


def request_json(stock_request: StockRequest) -> dict:
    sheet = picking_sheet(stock_request, suggest=False)
    lines = [{"id": line.id, "item_id": line.item_id, "item": line.item,
              "item_code": line.item_code, "unit": line.unit, "requested": line.requested,
              "allocated": line.allocated, "picked": line.picked,
              "dispatched": line.dispatched, "left": line.left}
             for line in sheet.lines]
    return _summary_json(stock_request, stock_request.lines) | {
        "lines": lines, "picked": sum(line["picked"] for line in lines),
        "left": sum(line["left"] for line in lines)}


@blp.route("/requests")
@roles(*WAREHOUSE, Role.COORDINATOR, scoped=True)
@blp.arguments(RequestsArgs, location="query")
@blp.response(200, RequestSummarySchema(many=True))
def requests_list(args):
    """Requests, newest first: status=approved&site_id=N are the ones to pick there."""
    found = requests_queries.requests_to_list(current_user, status=args["status"],
                                              site_id=args["site_id"], limit=LIST_LIMIT)
    lines = requests_queries.lines_by_request([r.id for r in found])
    return [_summary_json(r, lines.get(r.id, [])) for r in found]


@blp.route("/requests/<int:request_id>")
@roles(*WAREHOUSE, Role.COORDINATOR, scoped=True)
@blp.response(200, RequestSchema)
def request_detail(request_id: int):
    """One request with its lines: requested, allocated, picked, dispatched, left to pick."""
    return request_json(_visible_request_or_404(request_id))


# --- looking up what was scanned -------------------------------------------------------------

def box_actions(box: Box) -> list[str]:
    if box.item_id is None:
        return ["fill"]
    if box.quantity > 0:
        return ["move", "take", "top_up", "pick", "count"]
    return ["top_up", "move", "count"]


def lookup(text: str, user) -> dict:
    """What a scanned text names, with what can be done with it; raises ``UnknownCode``."""
    text = clean(text)[:MAX_CODE_LENGTH]
    found = scanned(text, user)
    empty = {"box": None, "location": None, "item": None, "request": None,
             "pack_quantity": None}
    if found is None:
        raise UnknownCode(code=normalise_scan(text) or "—")
    if (box_ := found.box) is not None:
        kind = "blank_box" if box_.item_id is None else "box"
        label = box_.code if box_.item_id is None else \
            f"{box_.code} · {box_.quantity} × {box_.item.display_name}"
        return empty | {"kind": kind, "code": box_.code, "label": label,
                        "box": box_json(box_), "actions": box_actions(box_)}
    if (location := found.location) is not None:
        return empty | {"kind": "location", "code": location.code,
                        "label": f"{location.code} · {location.name}",
                        "location": location_json(location), "actions": ["move", "count"]}
    if (barcode := found.barcode) is not None:
        label = barcode.item.display_name if barcode.pack_quantity == 1 else \
            f"{barcode.pack_quantity} × {barcode.item.display_name}"
        return empty | {"kind": "item", "code": barcode.code, "label": label,
                        "item": item_json(barcode.item), "pack_quantity": barcode.pack_quantity,
                        "actions": ["fill", "count"]}
    if (item_ := found.item) is not None:
        return empty | {"kind": "item", "code": item_.code, "label": item_.display_name,
                        "item": item_json(item_), "actions": ["fill", "count"]}
    request_ = found.request
    return empty | {"kind": "request", "code": request_code(request_.id),
                    "label": f"{request_code(request_.id)} · {request_.organisation.name}",
                    "request": request_json(request_),
                    "actions": ["pick"] if request_.status == RequestStatus.APPROVED else []}


@blp.route("/codes/<code>")
@roles(*WAREHOUSE)
@blp.response(200, LookupSchema)
def lookup_code(code: str):
    """Whatever was scanned: a box, a blank box, a location, an item (its code or its
    EAN/UPC barcode) or a request, with the actions that fit it.

    Text mangled by a scanner on the wrong keyboard layout is corrected first.
    """
    return lookup(code, current_user)


@blp.route("/codes")
@roles(*WAREHOUSE)
@blp.arguments(SiteArgs, location="query")
@blp.response(200, CodeCacheSchema)
def code_cache(args):
    """Every code a scanner may meet at a site, for looking codes up without network:
    boxes there (and blank boxes), its locations, every item with its barcodes."""
    codes = scan_queries.code_cache(args["site_id"])
    # Built as JSON directly: a site has thousands of codes, and they are plain already.
    return jsonify({"generated_at": utcnow().isoformat(), "codes": codes})


def register(api) -> None:
    api.register_blueprint(blp)

