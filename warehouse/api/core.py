"""What every endpoint of the JSON API shares: who is calling, errors, idempotent writes.

- **Who**: the browser's session (a write also sends the ``X-CSRFToken`` header) or a
  personal token in ``Authorization: Bearer wh_…``, acting as its user. Access is declared
  on each view with ``@roles`` / ``@signed_in`` as everywhere else in the app.
- **Errors**: every error under ``/api/`` is an RFC 9457 problem document
  (``application/problem+json``) in the request's language, see ``problem``. Validation
  errors name each field that is wrong.
- **Idempotent writes**: ``@idempotent`` on a POST view makes a request sent again with
  the same ``Idempotency-Key`` header answer the first response without doing anything.
  The view passes ``ledger_key()`` to the stock ledger, so the document and its key are
  written with the movements in one transaction: even a worker that died after posting
  cannot post twice.
"""
import functools
import hashlib
import json
import re
from datetime import datetime, timedelta

from flask import Response, current_app, g, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError, fields
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import HTTPException

from warehouse.accounts.api_tokens import user_for_secret
from warehouse.api.models import ApiIdempotency, IdempotencyState
from warehouse.core import http
from warehouse.core.errors import N_, DomainError, IdempotencyKeyReused
from warehouse.core.transactions import side_transaction, write_transaction
from warehouse.core.types import utcnow
from warehouse.extensions import csrf, db
from warehouse.scan.services import scanner_key

API_PREFIX = "/api/v1"
#: A scan or a count line is a few hundred bytes; nothing the API takes comes near this.
MAX_BODY_BYTES = 64 * 1024
#: A ``running`` idempotency row older than this belongs to a worker that died.
STALE_RUNNING_AFTER = timedelta(minutes=2)
#: How far back an offline scan may be replayed, and how far ahead of the server's clock
#: a device's clock may run.
SCANNED_AT_MAX_AGE = timedelta(days=7)
SCANNED_AT_CLOCK_SKEW = timedelta(minutes=5)
MAX_KEY_LENGTH = 100
MAX_ID = 2**31 - 1
_KEY_PATTERN = re.compile(r"[A-Za-z0-9._:\-]{1,%d}" % MAX_KEY_LENGTH)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

TITLES = {
    400: _l("Bad request"),
    401: _l("Not signed in"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    415: _l("Not JSON"),
    422: _l("Not valid"),
    429: _l("Too many requests"),
    500: _l("Server error"),
}
DETAILS = {
    400: _l("The request could not be understood. Check it and send it again."),
    401: _l("Sign in first, or send a valid API token in the Authorization header."),
    403: _l("Your role does not allow this."),
    404: _l("There is nothing at this address, or it is not yours to see."),
    405: _l("This method is not allowed at this address."),
    413: _l("What you sent is too large: the API takes at most 64 KB per request."),
    429: _l("Too many attempts. Wait a minute, then try again."),
}
SLUGS = {400: "bad-request", 401: "not-signed-in", 403: "forbidden", 404: "not-found",
         405: "method-not-allowed", 413: "too-large", 415: "not-json", 429: "too-many-requests"}


def is_api_request() -> bool:
    return request.path.startswith("/api/")


# --- problems ------------------------------------------------------------------------------

def problem(status: int, slug: str, detail: str, **extra) -> Response:
    """An RFC 9457 problem document in the request's language, titled by its status."""
    return http.problem(status, slug, detail, title=TITLES.get(status), **extra)


def domain_problem(error: DomainError) -> Response:
    """A domain rule broken: its status, slug and message, and what the message names."""
    return problem(error.status, error.slug, error.message, **error.params)


def http_problem(error: HTTPException) -> Response:
    """Any HTTP error under /api/ (webargs' validation errors included) as a problem."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if error.code == 400 and messages and _is_invalid_json(messages):
        return problem(400, "malformed-json", gettext(
            "The body is not valid JSON. Send a JSON object, e.g. {\"quantity\": 2}."))
    if error.code == 422 and messages:
        return validation_problem(_flatten(messages))
    detail = data.get("message") or DETAILS.get(error.code) or error.description
    response = problem(error.code, SLUGS.get(error.code, f"http-{error.code}"), detail)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def validation_problem(errors: dict[str, list[str]]) -> Response:
    """422 ``invalid-input`` naming each wrong field, each message in the request's language."""
    errors = {field: [translate_validation_message(m) for m in messages]
              for field, messages in errors.items()}
    names = ", ".join(sorted(errors))
    return problem(422, "invalid-input", gettext(
        "Some fields are not valid: %(fields)s. Correct them and send the request again.",
        fields=names), errors=errors)


def _is_invalid_json(messages) -> bool:
    body = messages.get("json") if isinstance(messages, dict) else None
    return isinstance(body, list) and any("Invalid JSON" in str(m) for m in body)


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs' ``{"json": {"lines": {0: {"quantity": [..]}}}}`` -> ``{"lines.0.quantity": [..]}``.

    The location (json, query, path) is dropped: a field name says enough.
    """
    flat: dict[str, list[str]] = {}
    if not prefix and isinstance(messages, dict) and set(messages) <= {
            "json", "query", "path", "form", "headers", "files", "cookies", "view_args"}:
        for part in messages.values():
            for name, found in _flatten(part, "").items():
                flat.setdefault(name, []).extend(found)
        return flat
    if isinstance(messages, dict):
        for name, part in messages.items():
            key = f"{prefix}.{name}" if prefix else str(name)
            if name == "_schema":
                key = prefix or "_schema"
            for found_name, found in _flatten(part, key).items():
                flat.setdefault(found_name, []).extend(found)
    elif isinstance(messages, (list, tuple)):
        flat[prefix or "_schema"] = [str(m) for m in messages]
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


# marshmallow's messages are English; these are the ones our schemas can produce, with the
# placeholders marshmallow fills in. Messages our own validators raise are already
# translated and pass through unchanged.
_MARSHMALLOW_MESSAGES = [
    ("Missing data for required field.", N_("This field is required.")),
    ("Field may not be null.", N_("This field may not be empty (null).")),
    ("Unknown field.", N_("Unknown field: remove it.")),
    ("Not a valid integer.", N_("Not a whole number.")),
    ("Not a valid number.", N_("Not a number.")),
    ("Not a valid string.", N_("Not text.")),
    ("Not a valid boolean.", N_("Not true or false.")),
    ("Not a valid list.", N_("Not a list.")),
    ("Not a valid mapping type.", N_("Not an object.")),
    ("Invalid input type.", N_("Not an object.")),
    ("Invalid value.", N_("Not a valid value.")),
    ("Not a valid datetime.", N_("Not a date and time: use ISO 8601, e.g. "
                                 "2026-11-27T14:30:00+01:00.")),
    ("Not a valid aware datetime.", N_("Give the time zone too, e.g. "
                                       "2026-11-27T14:30:00+01:00.")),
    ("Not a valid date.", N_("Not a date: use YYYY-MM-DD.")),
    ("Field cannot be blank.", N_("This field may not be blank.")),
    ("Must be greater than or equal to {min}.", N_("Must be at least %(min)s.")),
    ("Must be less than or equal to {max}.", N_("Must be at most %(max)s.")),
    ("Must be greater than or equal to {min} and less than or equal to {max}.",
     N_("Must be between %(min)s and %(max)s.")),
    ("Must be greater than {min}.", N_("Must be more than %(min)s.")),
    ("Shorter than minimum length {min}.", N_("Too short: at least %(min)s characters.")),
    ("Longer than maximum length {max}.", N_("Too long: at most %(max)s characters.")),
    ("Length must be between {min} and {max}.",
     N_("Must have between %(min)s and %(max)s characters or entries.")),
    ("Must be one of: {choices}.", N_("Must be one of: %(choices)s.")),
    ("Must be one of: {choices}", N_("Must be one of: %(choices)s.")),
    ("Not a valid integer; numbers this large are not accepted.", N_("Number too large.")),
]


def _template_pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                    for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


# Longest first, so "… {min} and … {max}." is not read as "… {min}." with a long min.
_PATTERNS = [(_template_pattern(english), ours) for english, ours in
             sorted(_MARSHMALLOW_MESSAGES, key=lambda pair: -len(pair[0]))]


def translate_validation_message(message: str) -> str:
    """marshmallow's English message in the request's language (others unchanged)."""
    message = str(message)
    for pattern, ours in _PATTERNS:
        found = pattern.match(message)
        if found:
            return gettext(ours, **found.groupdict())
    return message


# --- who is calling ---------------------------------------------------------------------------

def load_user_from_bearer(req):
    """Flask-Login's request loader: the user of a valid ``Authorization: Bearer`` token."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    found = user_for_secret(secret.strip())
    if found is None:
        g.api_token_refused = True
        return None
    token, user = found
    g.api_token_id = token.id
    return user


def signed_in_with_token() -> bool:
    return g.get("api_token_id") is not None


def unauthorized_problem() -> Response:
    """401 for the API: a refused token says so."""
    if g.get("api_token_refused"):
        return problem(401, "invalid-token", gettext(
            "This API token is not valid: it is mistyped, revoked, or its user was "
            "deactivated. Create a new token on your account page."))
    return problem(401, "not-signed-in", DETAILS[401])


def before_api_request():
    """``before_request`` after the access check: body size, JSON bodies, CSRF for sessions."""
    if not is_api_request():
        return None
    request.max_content_length = MAX_BODY_BYTES
    # Ids in URLs are database integers: a larger number names nothing (and would overflow).
    if any(isinstance(value, int) and not 0 <= value <= MAX_ID
           for value in (request.view_args or {}).values()):
        return problem(404, "not-found", DETAILS[404])
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return problem(413, "too-large", DETAILS[413])
    if request.method not in WRITE_METHODS or request.endpoint is None:
        return None
    if request.content_length and not request.is_json:
        return problem(415, "not-json", gettext(
            "Send the body as JSON, with the header Content-Type: application/json."))
    if current_user.is_authenticated and not signed_in_with_token():
        try:
            csrf.protect()
        except CSRFError:
            return problem(400, "csrf-token-missing", gettext(
                "This request came without a valid X-CSRFToken header. Reload the page "
                "and try again; a script should use an API token instead."))
    return None


# --- idempotent writes -------------------------------------------------------------------------

class RequestInProgress(DomainError):
    status = 409
    template = N_("The same request is still being handled. Wait a moment, then send it "
                  "again with the same Idempotency-Key.")


def idempotency_key() -> str | None:
    """The request's ``Idempotency-Key`` header, checked, or ``None``."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not _KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            gettext("Use 1 to %(maximum)s letters, digits, dots, colons, dashes or "
                    "underscores, e.g. a UUID.", maximum=MAX_KEY_LENGTH),
            field_name="Idempotency-Key")
    return key


def ledger_key() -> str | None:
    """The idempotency key to hand to the stock ledger for this request, or ``None``.

    Derived from the user and the header (``api:<user_id>:<key>``), so two users' keys
    never meet, and a request replayed after a crash posts nothing twice.
    """
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or not current_user.is_authenticated:
        return None
    return scanner_key(current_user.id, key)


def request_fingerprint() -> str:
    """What makes two requests 'the same': method, path and the JSON body's content."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        body = raw.decode("utf-8", "replace")
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def idempotent(view):
    """Answer a repeated ``Idempotency-Key`` with the first response; see the module doc.

    Put it under the access decorator and above ``@blp.arguments``::

        @blp.route("/moves", methods=["POST"])
        @roles(*WAREHOUSE)
        @idempotent
        @blp.arguments(MoveSchema)
        @blp.response(201, ResultSchema)
        def moves(data): ...

    Only successful (2xx) responses are kept. A failed request wrote nothing, so its key
    is released and the same request may be sent again.
    """

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            key = idempotency_key()
        except ValidationError as error:
            return validation_problem({"Idempotency-Key": error.messages})
        if key is None:
            return view(*args, **kwargs)
        claimed = _claim(current_user.id, key, request_fingerprint())
        if isinstance(claimed, Response):
            return claimed
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            _release(claimed)
            raise
        if 200 <= response.status_code < 300:
            _finish(claimed, response)
        else:
            _release(claimed)
        return response

    wrapper.idempotent = True
    return wrapper


def _claim(user_id: int, key: str, fingerprint: str) -> int | Response:
    """Insert (and commit) a ``running`` row for the key; or the answer to a repeat."""
    now = utcnow()
    # Most keys are new: insert first, and read the earlier row only when there is one.
    # On a connection of its own, so the session's objects (the user) stay loaded.
    with side_transaction() as conn:
        inserted = _insert_running(conn, user_id, key, fingerprint, now)
        if inserted is not None:
            return inserted
        row = conn.execute(
            select(ApiIdempotency.id, ApiIdempotency.request_hash, ApiIdempotency.state,
                   ApiIdempotency.response_status, ApiIdempotency.response_body,
                   ApiIdempotency.started_at)
            .where(ApiIdempotency.user_id == user_id, ApiIdempotency.key == key)
            .with_for_update()).first()
        if row is None:  # the other copy gave the key up between our insert and our read
            raise RequestInProgress()
    if row.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    if row.state == IdempotencyState.DONE:
        response = Response(row.response_body, status=row.response_status,
                            mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response
    if now - row.started_at < STALE_RUNNING_AFTER:
        raise RequestInProgress()
    # The worker that claimed it died: take it over, unless another copy just did. The
    # ledger key makes the ledger return the first document if that worker had posted.
    with side_transaction() as conn:
        taken = conn.execute(
            update(ApiIdempotency)
            .where(ApiIdempotency.id == row.id, ApiIdempotency.started_at == row.started_at,
                   ApiIdempotency.state == IdempotencyState.RUNNING)
            .values(started_at=now)).rowcount
    if not taken:
        raise RequestInProgress()
    return row.id


def _insert_running(conn, user_id, key, fingerprint, now) -> int | None:
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
    statement = (dialect.insert(ApiIdempotency)
                 .values(user_id=user_id, key=key, request_hash=fingerprint,
                         state=IdempotencyState.RUNNING.value, created_at=now, started_at=now)
                 .on_conflict_do_nothing(index_elements=["user_id", "key"])
                 .returning(ApiIdempotency.id))
    return conn.execute(statement).scalar()


def _finish(row_id: int, response: Response) -> None:
    with side_transaction() as conn:
        conn.execute(update(ApiIdempotency).where(ApiIdempotency.id == row_id).values(
            state=IdempotencyState.DONE.value, response_status=response.status_code,
            response_body=response.get_data(as_text=True)))


def _release(row_id: int) -> None:
    db.session.rollback()
    with write_transaction() as conn:
        conn.execute(delete(ApiIdempotency).where(ApiIdempotency.id == row_id,
                                                  ApiIdempotency.state
                                                  == IdempotencyState.RUNNING.value))


def forget_idempotency_keys(*, days: int, now: datetime | None = None) -> int:
    """Delete the API's stored answers older than ``days``; how many were deleted.

    Safe at any age: the ledger keeps every document's own key for ever, so a request
    replayed after its answer was forgotten is handled again and posts nothing twice
    (the ledger returns the first document); and the scan page never replays a scan more
    than 7 days old.
    """
    cutoff = (now or utcnow()) - timedelta(days=days)
    with side_transaction() as conn:
        return conn.execute(delete(ApiIdempotency).where(
            ApiIdempotency.created_at < cutoff)).rowcount


# --- when a scan was made ------------------------------------------------------------------------

def check_scanned_at(value: datetime, now: datetime | None = None) -> datetime:
    """A scan's time, checked: with a time zone, not in the future, at most 7 days old."""
    now = now or utcnow()
    if value.tzinfo is None:
        raise ValidationError(gettext(
            "Give the time zone too, e.g. 2026-11-27T14:30:00+01:00."))
    if value > now + SCANNED_AT_CLOCK_SKEW:
        raise ValidationError(gettext(
            "This time is in the future: check the clock of the device that scanned."))
    if value < now - SCANNED_AT_MAX_AGE:
        raise ValidationError(gettext(
            "This scan is more than 7 days old and can no longer be recorded. Enter it "
            "on the page with today's date and a note instead."))
    return value


def parse_scanned_at(text: str | None, now: datetime | None = None) -> datetime | None:
    """``scanned_at`` from a request body (ISO 8601 with offset), or ``None`` if absent."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(gettext(
            "Not a date and time: use ISO 8601, e.g. 2026-11-27T14:30:00+01:00.")) from None
    return check_scanned_at(value, now)


class ScannedAt(fields.AwareDateTime):
    """A schema field for ``scanned_at``: when the scan was made (offline scans come late).

    Pass the loaded value to the ledger as ``occurred_at``.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("load_default", None)
        kwargs.setdefault("allow_none", True)
        kwargs.setdefault("metadata", {"description": "When the scan was made (ISO 8601 "
                                                      "with offset); at most 7 days ago."})
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return check_scanned_at(super()._deserialize(value, attr, data, **kwargs))
