"""HTTP for every page and endpoint: which language and which format a request wants,
and RFC 9457 problem documents.

An error reaches a browser as the error page and a script as ``application/problem+json``,
in the language ``select_locale`` chose for the request.
"""
from datetime import datetime

from flask import current_app, g, has_request_context, jsonify, render_template, request, session
from flask_login import current_user


def select_locale() -> str:
    """The user's choice, else the browser's preference, else English."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the CLI: English unless a command chose otherwise
        return g.get("language") or languages[0]
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    # A script with a token says which language it wants with each request; the scan
    # page (signed in with the browser's session) gets the language its page is in.
    if request.path.startswith("/api/") and request.headers.get("Accept-Language") \
            and (not current_user.is_authenticated or g.get("api_token_id") is not None):
        return request.accept_languages.best_match(languages) or languages[0]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return request.accept_languages.best_match(languages) or languages[0]


def wants_json() -> bool:
    """Whether the request is the API's, or prefers JSON to a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, slug: str, message: str):
    """The error page, or a problem document to a client that wants JSON."""
    if wants_json():
        return problem(status, slug, message)
    return render_template("error.html", status=status, message=message), status


def problem(status: int, slug: str, detail: str, *, title: str | None = None, **extra):
    """An RFC 9457 problem document: ``/problems/<slug>``, a title (default: the slug's
    words) and the detail a person reads.

    ``extra`` adds members, e.g. ``errors={"quantity": ["…"]}`` or the box a rule is about.
    """
    body = {"type": f"/problems/{slug}", "title": str(title or slug.replace("-", " ")),
            "status": status, "detail": str(detail)}
    for name, value in extra.items():
        if name not in body:
            body[name] = _plain(value)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def _plain(value):
    """``value`` as JSON can hold it: dates as ISO text, anything else unknown as text."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
