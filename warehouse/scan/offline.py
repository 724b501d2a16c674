"""Offline scanning: the service worker, the web app manifest and the outbox's session check.

The scan page keeps working without a network: the service worker (``/sw.js``) serves the
page and its assets from a cache, and scans made offline wait in the browser's outbox
(IndexedDB) until they can be sent. These routes are public where the browser fetches them
without a session (the worker script and the manifest); the session check is not.
"""
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, url_for
from flask_babel import get_locale, get_translations, gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from warehouse.accounts.access import public, signed_in

bp = Blueprint("offline", __name__)

THEME_COLOUR = "#0b5cad"
START_URL = "/scan"
# The worker names its cache after this version, so any change to a script or a style sheet
# installs a new worker that fetches them again; cache-first is safe because of it.
VERSION_PLACEHOLDER = "__CACHE_VERSION__"
VERSIONED_FOLDERS = ("js", "css", "icons")
ICONS = (
    {"src": "icons/icon-192.png", "sizes": "192x192", "purpose": "any"},
    {"src": "icons/icon-512.png", "sizes": "512x512", "purpose": "any"},
    {"src": "icons/icon-maskable-192.png", "sizes": "192x192", "purpose": "maskable"},
    {"src": "icons/icon-maskable-512.png", "sizes": "512x512", "purpose": "maskable"},
)


@lru_cache(maxsize=4)
def static_version(static_folder: str) -> str:
    """A short hash of every script, style sheet and icon the app serves."""
    digest = hashlib.sha256()
    root = Path(static_folder)
    for folder in VERSIONED_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, at the root so that it controls /scan."""
    static_folder = current_app.static_folder
    source = (Path(static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    version = "dev" if current_app.debug else static_version(static_folder)
    response = Response(source.replace(VERSION_PLACEHOLDER, version),
                        mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at every visit; let them always ask the server.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/manifest.webmanifest")
@public
def manifest():
    """What a tablet needs to install the scan page as an app."""
    document = {
        "name": gettext("Warehouse scanner"),
        "short_name": gettext("Scanner"),
        "description": gettext("Scan boxes, locations and items, even without a network."),
        "start_url": START_URL,
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "lang": str(get_locale()),
        "icons": [{"src": url_for("static", filename=icon["src"]), "sizes": icon["sizes"],
                   "type": "image/png", "purpose": icon["purpose"]} for icon in ICONS],
    }
    response = Response(json.dumps(document, ensure_ascii=False, indent=1),
                        mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/scan/offline/session")
@signed_in
def session_check():
    """Who is signed in, and a fresh CSRF token for the outbox's replay.

    Queued scans never keep a CSRF token: the token of the page that made them may belong to
    a session that has ended since. A signed-out browser gets the 401 problem.
    """
    response = Response(json.dumps({"user_id": current_user.id, "csrf_token": generate_csrf()}),
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def _offline_context() -> dict:
    return {"offline_theme_colour": THEME_COLOUR, "offline_start_url": START_URL}


@bp.app_template_global()
def offline_messages() -> dict:
    """The offline strip's words for offline-ui.js, untranslated placeholders left in.

    Plural forms come as [one, other]: the script picks one with the page language's
    plural rules (Intl.PluralRules) and fills in ``%(num)d``.
    """
    translations = get_translations()

    def plurals(n: int) -> dict:
        ngettext = translations.ngettext
        return {
            "unsent": ngettext("%(num)d unsent scan", "%(num)d unsent scans", n),
            "signIn": ngettext("Sign in again to send %(num)d scan",
                               "Sign in again to send %(num)d scans", n),
            "others": ngettext(
                "%(num)d more scan waits for the person who made it to sign in",
                "%(num)d more scans wait for the people who made them to sign in", n),
        }

    one, other = plurals(1), plurals(2)
    return {
        "online": translations.gettext("Online"),
        "offline": translations.gettext("Offline"),
        "allSent": translations.gettext("All scans sent"),
        "sending": translations.gettext("Sending…"),
        "codesAge": translations.gettext("Codes from %(age)s"),
        "codesFresh": translations.gettext("Codes up to date"),
        "codesNone": translations.gettext("No codes saved for offline look-up yet"),
        "scannedAt": translations.gettext("Scanned %(time)s"),
        "refused": translations.gettext("The server refused this scan."),
        "needsNetwork": translations.gettext("Connect to the network to resolve this."),
        "signInFirst": translations.gettext("Sign in again first."),
        "retrying": translations.gettext("Trying again…"),
        "storageOff": translations.gettext(
            "This device cannot keep scans while offline: its storage is turned off or full. "
            "Scan again when the network is back."),
    } | {name: [one[name], other[name]] for name in one}


@bp.route("/scan/offline/unavailable")
@public
def unavailable():
    """What the service worker shows offline when the scan page was never saved."""
    return render_template("scan/_offline_unavailable.html")
