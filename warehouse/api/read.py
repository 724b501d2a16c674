"""Read endpoints: items, locations, boxes, stock and requests, as the scanner needs them."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from warehouse.accounts.access import signed_in
from warehouse.api.core import API_PREFIX
from warehouse.catalogue.models import Item
from warehouse.extensions import db

blp = Blueprint("api_read", __name__, url_prefix=API_PREFIX,
                description="Items, locations, boxes, stock and requests.")


class ItemSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.String(allow_none=True)
    unit = fields.String(required=True)
    category = fields.String(required=True)
    active = fields.Boolean(required=True)


def item_json(item: Item) -> dict:
    return {"id": item.id, "code": item.code, "name": item.display_name, "size": item.size,
            "unit": item.unit.value, "category": item.category.display_name,
            "active": item.active}


@blp.route("/items")
@signed_in
@blp.response(200, ItemSchema(many=True))
def items():
    """Every active item, by name."""
    found = db.session.scalars(select(Item).where(Item.active).order_by(Item.name, Item.size))
    return [item_json(item) for item in found]


def register(api) -> None:
    api.register_blueprint(blp)
