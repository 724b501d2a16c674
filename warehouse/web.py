"""Wiring of the web app: extensions, blueprints, language, security, error pages, CLI."""
import os

from flask import (
    Flask,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import format_date, format_datetime, format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from warehouse import models  # noqa: F401  (every table registered before Alembic looks)
from warehouse.accounts.access import STAFF, WAREHOUSE, enforce_access, public, signed_in
from warehouse.accounts.models import User
from warehouse.accounts.services import set_locale
from warehouse.accounts.views import bp as accounts_bp
from warehouse.accounts.views import safe_next
from warehouse.admin.views import bp as admin_bp
from warehouse.api import init_app as init_api
from warehouse.api.core import (domain_problem, http_problem, load_user_from_bearer,
                                unauthorized_problem)
from warehouse.boxes.views import bp as boxes_bp
from warehouse.catalogue.views import bp as catalogue_bp
from warehouse.cli import register_commands
from warehouse.core.errors import DomainError
from warehouse.core.http import error_response, problem, select_locale, wants_json
from warehouse.counts.views import bp as counts_bp
from warehouse.dashboard.views import bp as dashboard_bp
from warehouse.distributions.views import bp as distributions_bp
from warehouse.extensions import babel, csrf, db, limiter, login_manager, migrate
from warehouse.intake.views import bp as intake_bp
from warehouse.labels.views import bp as labels_bp
from warehouse.lan_tls import ca_certificate
from warehouse.navigation import menu_for
from warehouse.needs.views import bp as needs_bp
from warehouse.reports.views import bp as reports_bp
from warehouse.requests.dispatch_views import bp as dispatch_bp
from warehouse.requests.views import bp as requests_bp
from warehouse.scan.conflict_views import bp as conflicts_bp
from warehouse.scan.offline import bp as offline_bp
from warehouse.scan.views import bp as scan_bp
from warehouse.stock.views import bp as stock_bp
from warehouse.tablet.views import bp as tablet_bp
from warehouse.tablet.views import end_idle_tablet_session

# Pages may load only what this app serves: no inline script, no third party.
# 'wasm-unsafe-eval' lets the scan page compile its self-hosted barcode reader (WebAssembly);
# it allows no JavaScript eval.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: Every page's blueprint, in the order they are registered.
BLUEPRINTS = (accounts_bp, stock_bp, admin_bp, boxes_bp, labels_bp, intake_bp, distributions_bp,
              dispatch_bp, requests_bp, offline_bp, scan_bp, counts_bp, conflicts_bp, dashboard_bp,
              needs_bp, reports_bp, catalogue_bp, tablet_bp)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path),
                                                     "migrations"))
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.add_url_rule("/", "home", home)
    app.add_url_rule("/language/<code>", "set_language", set_language, methods=["POST"])
    app.add_url_rule("/tls/ca.crt", "lan_ca_certificate", ca_certificate)
    # Tablet mode: an idle or retired tablet's session ends before any access check.
    app.before_request(end_idle_tablet_session)
    app.before_request(enforce_access)
    app.after_request(_security_headers)
    _register_error_handlers(app)
    init_api(app)  # after enforce_access: the API's own checks run after it
    register_commands(app)

    app.jinja_env.filters["format_number"] = format_decimal
    app.jinja_env.filters["format_date"] = format_date
    app.jinja_env.filters["format_datetime"] = format_datetime

    @app.context_processor
    def _layout():
        return {"languages": app.config["LANGUAGES"], "current_language": select_locale(),
                "menu": menu_for(current_user)}


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        if request.path.startswith("/api/") and "Authorization" in request.headers:
            # A request that brings an API token is that token's, whatever the cookies.
            return load_user_from_bearer(request)
        user_id, _, version = session_id.partition(".")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A deactivated user, or one whose password or role changed since this session
        # began, is signed out here, at their next request.
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return unauthorized_problem()
        if wants_json():
            return problem(401, "not-signed-in", gettext("Sign in first."))
        flash(gettext("Please sign in to see this page."), "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


@signed_in
def home():
    """Each role's starting page: on a shared tablet the scan page (that is what tablets
    are for, and scans waiting to be sent go out when it opens); elsewhere the dashboard
    for managers and admins, else stock."""
    if session.get("tablet_id") and current_user.role in WAREHOUSE:
        return redirect(url_for("scan.index"))
    if current_user.role in STAFF:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("stock.index"))


@public
def set_language(code: str):
    """Switch the interface language, remembering it for a signed-in user."""
    if code in current_app.config["LANGUAGES"]:
        session["language"] = code
        if current_user.is_authenticated:
            set_locale(current_user, code)
    return redirect(safe_next(request.form.get("next")))


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security",
                                    "max-age=31536000; includeSubDomains")
    return response


def _register_error_handlers(app: Flask) -> None:
    messages = {
        400: _l("The request could not be understood. Go back and try again."),
        401: _l("Sign in first."),
        403: _l("You do not have access to this page."),
        404: _l("This page does not exist, or it is not yours to see."),
        405: _l("This action is not allowed here."),
        413: _l("What you sent is too large."),
        429: _l("Too many attempts. Wait a minute, then try again."),
    }

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if request.path.startswith("/api/"):
            return domain_problem(error)
        return error_response(error.status, error.slug, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, "form-expired", gettext(
            "This form has expired or was sent from elsewhere. Nothing was saved: "
            "reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if request.path.startswith("/api/"):
            return http_problem(error)
        message = messages.get(error.code, _l("The request could not be handled."))
        return error_response(error.code, f"http-{error.code}", str(message))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return error_response(500, "server-error", gettext(
            "Something went wrong on our side. Nothing was saved; please try again."))


