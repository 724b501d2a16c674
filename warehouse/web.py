"""Wiring of the web app: extensions, blueprints, language, error pages, CLI."""
import os

from flask import Flask, current_app, g, has_request_context, jsonify, redirect, render_template, request, session, url_for
from flask_babel import format_decimal, gettext
from werkzeug.exceptions import HTTPException

from warehouse import models  # noqa: F401  (every table registered before Alembic looks)
from warehouse.errors import DomainError
from warehouse.extensions import babel, db, migrate


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path),
                                                     "migrations"))
    babel.init_app(app, locale_selector=select_locale)

    from warehouse.stock.views import bp as stock_bp
    app.register_blueprint(stock_bp)
    app.add_url_rule("/language/<code>", "set_language", set_language)
    _register_error_handlers(app)

    from warehouse.cli import register_commands
    register_commands(app)

    app.jinja_env.filters["format_number"] = format_decimal

    @app.context_processor
    def _languages():
        return {"languages": app.config["LANGUAGES"], "current_language": select_locale()}


def select_locale() -> str:
    """The user's choice, else the browser's preference, else English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI: English unless a command chose otherwise
        return g.get("language") or languages[0]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
    target = request.args.get("next", "")
    # Only follow local paths, so the switch cannot be used to send people elsewhere.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("stock.index")
    return redirect(target)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.path.startswith("/api/")


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if wants_json():
            return problem(error.status, error.slug, error.message)
        return render_template("error.html", status=error.status,
                               message=error.message), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {
            403: gettext("You do not have access to this page."),
            404: gettext("This page does not exist, or it is not yours to see."),
            405: gettext("This action is not allowed here."),
            413: gettext("What you sent is too large."),
        }
        message = messages.get(error.code, gettext("The request could not be handled."))
        if wants_json():
            return problem(error.code, f"http-{error.code}", message)
        return render_template("error.html", status=error.code, message=message), error.code

    @app.errorhandler(500)
    def server_error(error):
        message = gettext("Something went wrong on our side. Nothing was saved; "
                          "please try again.")
        if wants_json():
            return problem(500, "server-error", message)
        return render_template("error.html", status=500, message=message), 500


def problem(status: int, slug: str, detail: str):
    """An RFC 9457 problem document."""
    response = jsonify({"type": f"/problems/{slug}", "title": slug.replace("-", " "),
                        "status": status, "detail": detail})
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
