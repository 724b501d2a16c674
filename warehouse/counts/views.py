"""Managers' pages of counts: counts waiting for approval, under way and decided, and the
reconciliation screen of one count.

Thin: read the form, call ``warehouse.counts.services``, flash the outcome and go back.
A refused action (a reason missing, stock that moved since the count) says why and posts
nothing.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from warehouse.accounts.access import STAFF, roles
from warehouse.core.errors import DomainError
from warehouse.counts import queries, services
from warehouse.counts.models import CountSession, CountStatus, DifferenceKind
from warehouse.extensions import db
from warehouse.scan.queries import unresolved_conflicts_count

bp = Blueprint("counts", __name__, url_prefix="/scan")

KIND_WORDS = {
    DifferenceKind.MISSING_BOX: _l("Box missing"),
    DifferenceKind.FOUND_BOX: _l("Box found here"),
    DifferenceKind.QUANTITY: _l("Different quantity"),
}


@bp.get("/counts")
@roles(*STAFF)
def index():
    """Counts waiting for approval, counts under way, and the last ones decided."""
    return render_template("counts/index.html", waiting=queries.counts_waiting(),
                           under_way=queries.counts_open(), decided=queries.counts_decided(),
                           status_word=services.status_word,
                           conflicts_waiting=unresolved_conflicts_count())


@bp.get("/counts/<int:count_id>")
@roles(*STAFF)
def count(count_id: int):
    """The reconciliation screen: each difference with the reasons that fit it."""
    found = db.session.get(CountSession, count_id) or abort(404)
    return _render_count(found)


def _render_count(found: CountSession, *, chosen: dict | None = None, status: int = 200):
    differences = queries.differences_of(found.id)
    return render_template(
        "counts/count.html", count=found, differences=differences,
        reasons=services.REASONS, reasons_for=services.reasons_for, kind_words=KIND_WORDS,
        chosen=chosen or {}, status_word=services.status_word,
        waiting=found.status == CountStatus.FINISHED), status


@bp.post("/counts/<int:count_id>/approve")
@roles(*STAFF)
def approve(count_id: int):
    """Post every difference of the count with the reason chosen for it."""
    found = db.session.get(CountSession, count_id) or abort(404)
    decisions = {}
    for name, value in request.form.items():
        if name.startswith("reason-") and name[7:].isdigit() and value:
            decisions[int(name[7:])] = value
    try:
        documents = services.approve_count(found, decisions=decisions, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        found = db.session.get(CountSession, count_id)
        return _render_count(found, chosen=decisions, status=error.status)
    flash(ngettext("Count approved: %(num)d adjustment posted.",
                   "Count approved: %(num)d adjustments posted.", len(documents)), "success")
    return redirect(url_for("counts.index"), 303)


@bp.post("/counts/<int:count_id>/cancel")
@roles(*STAFF)
def cancel(count_id: int):
    """Discard a count: nothing is posted (count the location again)."""
    found = db.session.get(CountSession, count_id) or abort(404)
    try:
        services.cancel_count(found, actor=current_user)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("counts.count", count_id=count_id), 303)
    flash(gettext("Count %(count)s discarded: nothing was posted.", count=count_id), "info")
    return redirect(url_for("counts.index"), 303)
