"""The managers' page of offline scans that need attention: what was scanned, what went
wrong, and one-tap buttons to send it again or let it go.

Thin: read the form, call ``warehouse.scan.services``, flash the outcome and go back.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from warehouse.accounts.access import STAFF, roles
from warehouse.core.errors import DomainError
from warehouse.extensions import db
from warehouse.scan import queries, services

bp = Blueprint("conflicts", __name__, url_prefix="/scan")


@bp.get("/conflicts")
@roles(*STAFF)
def index():
    """Offline scans the server refused, with what happened and one-tap resolve buttons."""
    found = queries.open_conflicts()
    return render_template("scan/conflicts.html", conflicts=found,
                           what=queries.what_was_scanned)


@bp.post("/conflicts/<int:conflict_id>/resolve")
@roles(*STAFF)
def resolve(conflict_id: int):
    """Send a refused scan again, or dismiss it."""
    action = request.form.get("action", "")
    try:
        result = services.resolve_conflict(conflict_id, action=action, actor=current_user,
                                           retry=services.retry)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("conflicts.index"), 303)
    if action == "retry":
        flash(gettext("Sent again: %(message)s", message=(result or {}).get("message", "")),
              "success")
    else:
        flash(gettext("Dismissed: this scan was not recorded."), "info")
    return redirect(url_for("conflicts.index"), 303)
