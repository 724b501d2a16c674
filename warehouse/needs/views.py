"""The public needs list: what to donate now, for donors and collection drives.

Four stable URLs, open to anyone without signing in, in English or French
(``?lang=fr``, else the visitor's choice or browser language):

- ``/needs``: the page, by category, most urgent first;
- ``/needs/poster``: the same list in large type for an A4 collection-drive poster
  (the browser prints it; the print stylesheet hides everything else);
- ``/needs.csv`` and ``/needs.json``: the same figures for spreadsheets and other sites.

An admin can stop publishing it (``warehouse.admin.settings.PUBLIC_NEEDS_LIST``): the page
then says it is not published, and every URL answers 404.
"""
import json
from contextlib import nullcontext

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale, format_date, format_decimal, gettext, ngettext

from warehouse.accounts.access import public
from warehouse.admin.settings import PUBLIC_NEEDS_LIST, setting
from warehouse.core.exports import csv_lines
from warehouse.core.http import error_response, problem, select_locale
from warehouse.needs import queries

bp = Blueprint("needs", __name__)

#: How long a browser or proxy may keep the CSV or JSON: the list moves by the hour, and
#: a list switched off should disappear soon. The pages are not cached: they carry the
#: visitor's session (the language switch's CSRF token).
CACHE_SECONDS = 60


def _language() -> str | None:
    lang = request.args.get("lang", "")
    return lang if lang in current_app.config["LANGUAGES"] else None


def _in_language():
    lang = _language()
    return force_locale(lang) if lang else nullcontext()


def _current_language() -> str:
    return _language() or select_locale()


def _published() -> bool:
    return bool(setting(PUBLIC_NEEDS_LIST))


def _cached(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def quantity_words(need: queries.Need) -> str:
    """``30``, ``30 pairs``, ``12 kits``: the number, with the unit when it is not pieces."""
    num = format_decimal(need.needed)
    unit = need.unit
    if unit == "pair":
        return ngettext("%(count)s pair", "%(count)s pairs", need.needed, count=num)
    if unit == "bag":
        return ngettext("%(count)s bag", "%(count)s bags", need.needed, count=num)
    if unit == "kit":
        return ngettext("%(count)s kit", "%(count)s kits", need.needed, count=num)
    if unit == "pack":
        return ngettext("%(count)s pack", "%(count)s packs", need.needed, count=num)
    if unit == "roll":
        return ngettext("%(count)s roll", "%(count)s rolls", need.needed, count=num)
    if unit == "bottle":
        return ngettext("%(count)s bottle", "%(count)s bottles", need.needed, count=num)
    return num


def urgency_words() -> dict[str, str]:
    return {queries.URGENT: gettext("Urgent"), queries.SOON: gettext("Needed soon"),
            queries.WANTED: gettext("Useful")}


def _page(template: str, **context):
    if not _published():
        return render_template("needs/off.html",
                               current_language=_current_language()), 404
    lang = _current_language()
    needs = queries.needs_list()
    response = Response(render_template(
        template, needs=needs, lang=lang, current_language=lang,
        quantity_words=quantity_words, urgency_words=urgency_words(),
        updated=format_date(needs.generated_at, "long"),
        other_language="en" if lang == "fr" else "fr",
        page_url=url_for("needs.index", lang=lang, _external=True), **context))
    return response


@bp.get("/needs")
@public
def index():
    """What to donate now: items below their target, by category, most urgent first."""
    with _in_language():
        return _page("needs/index.html")


@bp.get("/needs/poster")
@public
def poster():
    """The most urgent needs in large type, to print on A4 for a collection drive."""
    with _in_language():
        return _page("needs/poster.html", limit=queries.POSTER_ITEMS)


@bp.get("/needs.json")
@public
def as_json():
    """The needs list as JSON: fixed keys, names in the chosen language."""
    with _in_language():
        if not _published():
            return problem(404, "needs-list-not-published",
                           gettext("The needs list is not published at the moment."))
        needs = queries.needs_list()
        body = {
            "generated_at": needs.generated_at.isoformat(timespec="seconds"),
            "language": _current_language(),
            "categories": [
                {"category": category.name,
                 "items": [{"code": need.code, "item": need.item, "unit": need.unit,
                            "needed": need.needed, "urgency": need.urgency,
                            "days_of_cover": need.days_of_cover}
                           for need in category.needs]}
                for category in needs.categories],
        }
        response = Response(json.dumps(body, ensure_ascii=False, indent=1),
                            mimetype="application/json")
        response.headers["Access-Control-Allow-Origin"] = "*"
        return _cached(response)


@bp.get("/needs.csv")
@public
def as_csv():
    """The needs list as CSV, one row per item, headers in the chosen language."""
    with _in_language():
        if not _published():
            return error_response(404, "needs-list-not-published",
                                  gettext("The needs list is not published at the moment."))
        needs = queries.needs_list()
        header = [gettext("Category"), gettext("Item"), gettext("Unit"), gettext("Needed"),
                  gettext("Urgency"), gettext("Days of cover")]
        rows = [[category.name, need.item, need.unit, need.needed, need.urgency,
                 need.days_of_cover if need.days_of_cover is not None else ""]
                for category in needs.categories for need in category.needs]
        # Built whole rather than streamed: the list is short, and the language must
        # still be the chosen one while it is written.
        body = "".join(csv_lines(header, rows))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="needs-{needs.generated_at:%Y-%m-%d}.csv"')
        return _cached(response)
