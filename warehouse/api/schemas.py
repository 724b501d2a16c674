"""Schemas shared by the API's endpoints."""
from marshmallow import Schema, fields


class ProblemSchema(Schema):
    """An RFC 9457 problem document; validation problems add ``errors`` per field."""

    type = fields.String(required=True, metadata={"example": "/problems/invalid-input"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))

    class Meta:
        #: Rules add what they are about (the box, the item, what is available...).
        unknown = "include"
