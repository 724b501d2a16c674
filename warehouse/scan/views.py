"""The scan page: one field for a keyboard-wedge scanner or the camera, and the floor's tasks.

The page is server-rendered; ``static/js/scan/`` does the work through the JSON API
(``/api/v1``), sending every write through the offline outbox. What the script shows, it
gets from here in the reader's language: the strings, the items to choose from and the
page's settings, in JSON data blocks (the CSP runs no inline script). The scanner keyboard
map comes the same way, so the offline look-up undoes a scanner's layout mix-ups with the
server's own tables, from the page the service worker saved.
"""
from flask import Blueprint, current_app, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import select

from warehouse.accounts.access import WAREHOUSE, roles
from warehouse.accounts.models import Role, TabletDevice
from warehouse.catalogue.models import Item, item_display_name
from warehouse.core.scancodes import keyboard_map
from warehouse.core.words import CONDITIONS
from warehouse.extensions import db
from warehouse.intake.queries import intake_location_of, sites
from warehouse.scan.strings import page_strings, scanner_test_strings
from warehouse.stock.models import Location

bp = Blueprint("scan", __name__)

#: Modes in the order of the buttons: (key, label). Labels are in scan.strings.
MODES = ("lookup", "move", "receive", "take", "pick", "count")


@bp.route("/scan")
@roles(*WAREHOUSE)
def index():
    """The tablet scan page."""
    site_choices = sites()
    site_id = _home_site_id({s.id for s in site_choices})
    settings = {
        "siteId": site_id,
        "isManager": current_user.role in (Role.MANAGER, Role.ADMIN),
        "api": "/api/v1",
        "wasmUrl": url_for("static", filename="vendor/barcode-detector/zxing_reader.wasm"),
        "polyfillUrl": url_for("static",
                               filename="vendor/barcode-detector/barcode-detector.js"),
        # The reconciliation page of a finished count: "{id}" is replaced by the count's id.
        "reconcileUrl": (url_for("counts.count", count_id=0).replace("/0", "/{id}")
                         if "counts.count" in current_app.view_functions else None),
        "userId": current_user.id,
        # Where a filled blank box goes: its site's intake area (the API's default needs
        # a tablet of that site, or a single site).
        "intakeCodes": _intake_codes([s.id for s in site_choices]),
    }
    return render_template(
        "scan/index.html", modes=MODES, sites=site_choices, scan_site_id=site_id,
        scan_settings=settings, scan_strings=page_strings(), scan_items=_items(),
        scan_keyboard=keyboard_map(),
        conditions=[{"value": value, "label": str(label)}
                    for value, label in CONDITIONS.items()])


@bp.route("/scan/scanner-test")
@roles(*WAREHOUSE)
def scanner_test():
    """What a keyboard-wedge scanner types on this tablet, and how to set it right."""
    return render_template("scan/scanner_test.html", scan_strings=scanner_test_strings())


def _home_site_id(open_site_ids: set[int]) -> int | None:
    """The site this tablet works at, else the only or first open site."""
    tablet_id = session.get("tablet_id")
    if tablet_id is not None:
        site_id = db.session.scalar(select(TabletDevice.site_id)
                                    .where(TabletDevice.id == tablet_id))
        if site_id in open_site_ids:
            return site_id
    return min(open_site_ids) if open_site_ids else None


def _intake_codes(site_ids: list[int]) -> dict[str, str]:
    codes = {}
    for site_id in site_ids:
        location_id = intake_location_of(site_id)
        if location_id is not None:
            codes[str(site_id)] = db.session.get(Location, location_id).code
    return codes


def _items() -> list[dict]:
    """Active items for the receive and count choosers, by name then size."""
    rows = db.session.execute(
        select(Item.id, Item.code, Item.name, Item.name_fr, Item.size, Item.unit)
        .where(Item.active.is_(True)).order_by(Item.name, Item.size)).all()
    return [{"id": r.id, "code": r.code, "name": item_display_name(r.name, r.name_fr, None),
             "size": r.size or "", "unit": str(r.unit.value if r.unit else "")}
            for r in rows]
