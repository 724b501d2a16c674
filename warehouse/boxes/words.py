"""The warehouse's words as a reader sees them: units, conditions, states, reasons, kinds.

Stored values are plain English identifiers (``pair``, ``write_off``, ``mouldy``); pages,
exports and labels show them through these functions, in the reader's language.
"""
from flask_babel import lazy_gettext as _l
from flask_babel import gettext, ngettext

from warehouse.catalogue.models import Audience, Unit
from warehouse.stock.models import BoxCondition, DocumentKind

#: What a box is, for the list filter and the box page.
STATES = {
    "stock": _l("Holding stock"),
    "empty": _l("Empty"),
    "blank": _l("Blank label (never used)"),
}

AUDIENCES = {
    Audience.MEN: _l("Men"),
    Audience.WOMEN: _l("Women"),
    Audience.CHILDREN: _l("Children"),
    Audience.BABY: _l("Baby"),
    Audience.UNISEX: _l("Unisex"),
}

CONDITIONS = {
    BoxCondition.NEW: _l("New"),
    BoxCondition.USED: _l("Used"),
}

WRITE_OFF_REASONS = {
    "damaged": _l("Damaged"),
    "expired": _l("Expired"),
    "mouldy": _l("Mouldy or wet"),
    "lost": _l("Lost"),
    "other": _l("Other (say what in the note)"),
}

DOCUMENT_KINDS = {
    DocumentKind.RECEIPT: _l("Received"),
    DocumentKind.MOVE: _l("Moved"),
    DocumentKind.TRANSFER: _l("Transfer between sites"),
    DocumentKind.DISPATCH: _l("Dispatched to a partner"),
    DocumentKind.DISTRIBUTION: _l("Distributed"),
    DocumentKind.RETURN: _l("Returned by a partner"),
    DocumentKind.ADJUSTMENT: _l("Stocktake adjustment"),
    DocumentKind.WRITE_OFF: _l("Written off"),
    DocumentKind.REVERSAL: _l("Undone"),
}

# Reasons other areas post documents with; an unknown one is shown as it is stored.
REASONS = {
    **WRITE_OFF_REASONS,
    "other": _l("Other"),
    "shelving": _l("shelving"),
    "sorting": _l("sorting"),
    "box_move": _l("box moved"),
    "box_take": _l("taken out of a box"),
    "box_top_up": _l("box topped up"),
    "box_split": _l("box split"),
    "box_merge": _l("boxes merged"),
    "box_empty": _l("box emptied"),
    "box_fill": _l("blank box filled"),
    "box_undo": _l("undone from the box page"),
    "found": _l("found"),
    "lost": _l("lost"),
    "miscounted": _l("miscounted"),
    "opening_count": _l("opening count"),
    "request": _l("request"),
    "eviction": _l("eviction"),
    "restock": _l("restock"),
    "unused": _l("unused"),
    "group": _l("community group or collection drive"),
    "not_needed": _l("not needed"),
    "individual": _l("individual donor"),
    "company": _l("company"),
    "ngo": _l("NGO"),
    "purchase": _l("purchase"),
    "routine": _l("routine"),
    "new_arrivals": _l("new arrivals"),
    "eviction_replacement": _l("eviction replacement"),
    "cold_weather_emergency": _l("cold-weather emergency"),
}


def unit_word(unit: Unit | str, count: int) -> str:
    """The unit as written after ``count``: "1 pair", "12 pairs", "12 paires"."""
    unit = Unit(unit)
    forms = {
        Unit.PIECE: lambda: ngettext("piece", "pieces", count),
        Unit.PAIR: lambda: ngettext("pair", "pairs", count),
        Unit.BAG: lambda: ngettext("bag", "bags", count),
        Unit.KIT: lambda: ngettext("kit", "kits", count),
        Unit.PACK: lambda: ngettext("pack", "packs", count),
        Unit.ROLL: lambda: ngettext("roll", "rolls", count),
        Unit.BOTTLE: lambda: ngettext("bottle", "bottles", count),
    }
    return forms[unit]()


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    label = REASONS.get(reason)
    return str(label) if label is not None else reason.replace("_", " ")


def kind_label(kind: DocumentKind | str) -> str:
    return str(DOCUMENT_KINDS.get(DocumentKind(kind), kind))


def history_text(entry) -> str:
    """What a movement did to the box whose history it is in, as a short phrase."""
    kind, reason, other = DocumentKind(entry.kind), entry.reason or "", entry.other_box
    if kind == DocumentKind.REVERSAL:
        return gettext("Undone: cancels document %(document)s", document=entry.reverses_id)
    if entry.direction == "moved":
        return gettext("Whole box moved")
    if entry.direction == "in":
        if other:
            if reason == "box_split":
                return gettext("Split off from box %(box)s", box=other)
            if reason == "box_merge":
                return gettext("Merged in from box %(box)s", box=other)
            return gettext("Put in from box %(box)s", box=other)
        if reason == "box_fill":
            return gettext("Blank box filled")
        if kind == DocumentKind.RECEIPT:
            return gettext("Received into the box")
        if kind == DocumentKind.RETURN:
            return gettext("Returned by a partner, into the box")
        if kind == DocumentKind.ADJUSTMENT:
            return gettext("Found at a stocktake")
        return gettext("Put in")
    if other:
        if reason == "box_split":
            return gettext("Split into new box %(box)s", box=other)
        if reason == "box_merge":
            return gettext("Merged into box %(box)s", box=other)
        return gettext("Put into box %(box)s", box=other)
    if kind == DocumentKind.WRITE_OFF:
        return gettext("Written off")
    if kind == DocumentKind.DISPATCH:
        return gettext("Dispatched to a partner")
    if kind == DocumentKind.DISTRIBUTION:
        return gettext("Distributed")
    if kind == DocumentKind.TRANSFER:
        return gettext("Sent to another site")
    if kind == DocumentKind.ADJUSTMENT:
        return gettext("Missing at a stocktake")
    if reason == "box_empty":
        return gettext("Box emptied")
    return gettext("Taken out")


#: Reasons the history phrase already says; others are shown beside it.
SAID_BY_HISTORY = frozenset({"box_move", "box_take", "box_top_up", "box_split", "box_merge",
                             "box_empty", "box_fill", "box_undo"})


def history_reason(entry) -> str:
    """The document's reason, when the history phrase does not already say it."""
    if not entry.reason or entry.reason in SAID_BY_HISTORY:
        return ""
    return reason_label(entry.reason)
