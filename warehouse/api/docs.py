"""The API's description (OpenAPI 3) and its reference page, served by the app itself."""
import copy

from flask import Blueprint, current_app, jsonify, render_template

from warehouse.accounts.access import public

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

PROBLEM_TYPE = "application/problem+json"


@bp.route("/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3 description of every endpoint."""
    return jsonify(openapi_spec())


def openapi_spec() -> dict:
    """The description, with errors documented as the problem documents they are."""
    spec = copy.deepcopy(current_app.extensions["warehouse_api"].spec.to_dict())
    for name, response in spec.get("components", {}).get("responses", {}).items():
        content = response.get("content", {})
        if "application/json" in content and name != "OK":
            content[PROBLEM_TYPE] = content.pop("application/json")
    return spec


@bp.route("/docs")
@public
def reference():
    """The API reference: Swagger UI, served from the app's own static files."""
    return render_template("api/reference.html")
