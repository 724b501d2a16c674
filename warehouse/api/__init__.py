"""The JSON API, version 1, at ``/api/v1`` (flask-smorest: marshmallow schemas, OpenAPI 3).

The description is served at ``/api/v1/openapi.json`` and read at ``/api/v1/docs``.

Adding endpoints: write a module in this package that defines one or more
``flask_smorest.Blueprint`` objects with ``url_prefix`` under ``/api/v1`` and a function
``register(api)`` that calls ``api.register_blueprint(blp)`` for each, and list the module
in ``MODULES`` below. Every view declares its access (``@roles`` / ``@signed_in``); every
POST view is ``@idempotent`` and passes ``ledger_key()`` to the ledger
(see ``warehouse.api.core``). For example::

    from flask_smorest import Blueprint
    from warehouse.accounts.access import WAREHOUSE, roles
    from warehouse.api.core import API_PREFIX, idempotent, ledger_key

    blp = Blueprint("api_moves", __name__, url_prefix=API_PREFIX)

    @blp.route("/moves", methods=["POST"])
    @roles(*WAREHOUSE)
    @idempotent
    @blp.arguments(MoveSchema)
    @blp.response(201, WriteResultSchema)
    def moves(data): ...

    def register(api):
        api.register_blueprint(blp)

"""
from flask import Flask
from flask_smorest import Api as SmorestApi

from warehouse.api import core, counts, read, scan_writes
from warehouse.api.docs import bp as docs_bp
from warehouse.api.schemas import ProblemSchema
from warehouse.extensions import csrf, login_manager

MODULES = (read, scan_writes, counts)
API_VERSION = "1"


class Api(SmorestApi):
    """flask-smorest's Api, leaving errors to the app (problem documents, see core)."""

    def _register_error_handlers(self):
        pass

    def _register_doc_blueprint(self):
        pass  # ``warehouse.api.docs`` serves the description and its reference page

    def register_blueprint(self, blp, **options):
        """Register ``blp``; its session writes send X-CSRFToken, checked in ``core``."""
        csrf.exempt(blp)
        super().register_blueprint(blp, **options)


def init_app(app: Flask) -> Api:
    """Set up the API on ``app``: its description, its endpoints, auth and error hooks."""
    app.config.setdefault("API_TITLE", "Warehouse API")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Stock, boxes, locations and requests of the warehouse, "
                                "for the scanner page and scripts. Errors are RFC 9457 "
                                "problem documents."},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {
            "token": {"type": "http", "scheme": "bearer",
                      "description": "A personal API token from the account page."},
            "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
        "security": [{"token": []}, {"session": []}],
    })
    Api.ERROR_SCHEMA = ProblemSchema
    api = Api(app)
    app.extensions["warehouse_api"] = api
    for module in MODULES:
        module.register(api)
    app.register_blueprint(docs_bp)
    login_manager.request_loader(core.load_user_from_bearer)
    app.before_request(core.before_api_request)
    return api
