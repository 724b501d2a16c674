"""Read side of the offline scans needing attention, for the managers' page and the
dashboard."""
from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from warehouse.extensions import db
from warehouse.scan.models import SyncConflict


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
