"""Read side of the scan page: what a scanned code names, every code a scanner may meet at
a site (for looking codes up without network), and the offline scans needing attention,
for the managers' page and the dashboard."""
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from warehouse.boxes import queries as boxes
from warehouse.catalogue import queries as catalogue
from warehouse.catalogue.models import Item, ItemBarcode
from warehouse.core.scancodes import candidates
from warehouse.extensions import db
from warehouse.requests import queries as requests
from warehouse.requests.models import StockRequest
from warehouse.scan.models import SyncConflict
from warehouse.stock import queries as stock
from warehouse.stock.models import Box, Location

#: A request's code as printed on its pick list (``R00017``), or as typed (``#17``).
REQUEST_CODE = re.compile(r"(?:R|#)0*(\d{1,9})")


def request_code(request_id: int) -> str:
    return f"R{request_id:05d}"


# --- what was scanned -------------------------------------------------------------------------

@dataclass(frozen=True)
class Scanned:
    """What a scanned code names: one of a box (blank or not), a warehouse location, an
    item (by its own code or by a barcode on its package) or a request."""

    box: Box | None = None
    location: Location | None = None
    item: Item | None = None
    barcode: ItemBarcode | None = None
    request: StockRequest | None = None


def scanned(text: str, user) -> Scanned | None:
    """What ``text`` names, trying each reading of it (a scanner on the wrong keyboard
    layout is undone) in turn: a box, a location, an item, a barcode, a request ``user``
    may see. None when nothing has that code."""
    for code in candidates(text):
        if (box := boxes.box_with_code(code)) is not None:
            return Scanned(box=box)
        if (location := stock.internal_location_by_code(code)) is not None:
            return Scanned(location=location)
        if (item := catalogue.item_by_code(code)) is not None:
            return Scanned(item=item)
        if (barcode := catalogue.barcode_read_as(code)) is not None:
            return Scanned(item=barcode.item, barcode=barcode)
        number = REQUEST_CODE.fullmatch(code)
        if number is not None:
            found = requests.visible_request(user, int(number.group(1)))
            if found is not None:
                return Scanned(request=found)
    return None


def first_reading(text: str, find):
    """``find(code)`` of the first reading of ``text`` that finds something, or None."""
    for code in candidates(text):
        found = find(code)
        if found is not None:
            return found
    return None


def code_cache(site_id: int | None) -> list[dict]:
    """Every code a scanner may meet at a site (or anywhere), as the scan page keeps it to
    look codes up without network: the site's locations and boxes, every blank box, every
    active item with its barcodes."""
    codes = []
    location_codes = {}
    for location_id, code, name in stock.open_location_codes(site_id):
        location_codes[location_id] = code
        codes.append({"code": code, "kind": "location", "label": f"{code} · {name}",
                      "item_id": None, "quantity": None, "location_code": code})
    names = catalogue.item_names()
    for code, item_id, quantity, location_id in boxes.box_codes(list(location_codes)):
        if item_id is None:
            codes.append({"code": code, "kind": "blank_box", "label": code, "item_id": None,
                          "quantity": 0, "location_code": location_codes.get(location_id)})
        else:
            codes.append({"code": code, "kind": "box",
                          "label": f"{code} · {quantity} × {names[item_id]}",
                          "item_id": item_id, "quantity": quantity,
                          "location_code": location_codes.get(location_id)})
    active = set()
    for item_id, code in catalogue.active_item_codes():
        active.add(item_id)
        codes.append({"code": code, "kind": "item", "label": names[item_id],
                      "item_id": item_id, "quantity": None, "location_code": None})
    for code, item_id, pack in catalogue.all_barcodes():
        if item_id in active:
            codes.append({"code": code, "kind": "item",
                          "label": names[item_id] if pack == 1 else f"{pack} × {names[item_id]}",
                          "item_id": item_id, "quantity": pack, "location_code": None})
    return codes


# --- offline scans needing attention ----------------------------------------------------------


def unresolved_conflicts_count() -> int:
    """How many offline scans wait for someone's attention, everyone's (for the dashboard)."""
    return db.session.scalar(select(func.count()).select_from(SyncConflict)
                             .where(SyncConflict.resolved_at.is_(None)))


def open_conflicts() -> list[SyncConflict]:
    """Every offline scan needing attention, oldest first (the order they happened)."""
    return list(db.session.scalars(
        select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
        .options(selectinload(SyncConflict.user))
        .order_by(SyncConflict.created_at, SyncConflict.id).limit(500)))


def what_was_scanned(conflict: SyncConflict) -> str:
    """What an offline scan asked for, in a sentence: "Move B00012, B00013 to A012"."""
    body = conflict.body if isinstance(conflict.body, dict) else {}
    try:
        endpoint, values = current_app.url_map.bind("localhost").match(
            conflict.path, method=conflict.method)
    except Exception:  # noqa: BLE001 (an address that no longer exists)
        return f"{conflict.method} {conflict.path}"
    box = values.get("box_code", "")
    quantity = body.get("quantity", "")
    texts = {
        "api_scan.moves": lambda: gettext(
            "Move %(boxes)s to %(location)s",
            boxes=", ".join(map(str, body.get("box_codes") or [])) or "—",
            location=body.get("location_code") or "—"),
        "api_scan.take": lambda: gettext("Take %(quantity)s out of box %(box)s",
                                         quantity=quantity, box=box),
        "api_scan.top_up": lambda: gettext("Put %(quantity)s into box %(box)s",
                                           quantity=quantity, box=box),
        "api_scan.fill": lambda: gettext("Fill blank box %(box)s with %(quantity)s",
                                         quantity=quantity, box=box),
        "api_scan.picks": lambda: gettext("Pick box %(box)s for request %(request)s",
                                          box=body.get("box_code") or "—",
                                          request=values.get("request_id")),
        "api_scan.undo": lambda: gettext("Undo document %(document)s",
                                         document=values.get("document_id")),
        "api_counts.start": lambda: gettext("Start counting %(location)s",
                                            location=body.get("location_code") or "—"),
        "api_counts.lines": lambda: gettext(
            "Count %(what)s in count %(count)s",
            what=body.get("box_code") or gettext("item %(item)s: %(quantity)s",
                                                 item=body.get("item_id"),
                                                 quantity=quantity),
            count=values.get("count_id")),
        "api_counts.finish": lambda: gettext("Finish count %(count)s",
                                             count=values.get("count_id")),
    }
    text = texts.get(endpoint)
    return text() if text else f"{conflict.method} {conflict.path}"
