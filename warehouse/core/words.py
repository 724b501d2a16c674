"""The warehouse's words as a reader sees them: units, conditions, states, reasons, kinds.

Stored values are plain English identifiers (``pair``, ``write_off``, ``mouldy``); pages,
exports and labels show them through these tables and functions, in the reader's language.
The keys are those stored values, so a domain's enum member (a ``StrEnum``) finds its word
and this module needs no domain.
"""
from flask_babel import lazy_gettext as _l
from flask_babel import gettext, ngettext


#: What a box is, for the list filter and the box page.
STATES = {
    "stock": _l("Holding stock"),
    "empty": _l("Empty"),
    "blank": _l("Blank label (never used)"),
}

ROLES = {
    "admin": _l("Admin"),
    "manager": _l("Manager"),
    "volunteer": _l("Volunteer"),
    "coordinator": _l("Coordinator"),
}

DONOR_TYPES = {
    "individual": _l("Individual"),
    "group": _l("Community group or collection drive"),
    "company": _l("Company"),
    "ngo": _l("NGO or charity"),
    "purchase": _l("Purchase (we bought it)"),
}

AUDIENCES = {
    "men": _l("Men"),
    "women": _l("Women"),
    "children": _l("Children"),
    "baby": _l("Baby"),
    "unisex": _l("Unisex"),
}

CONDITIONS = {
    "new": _l("New"),
    "used": _l("Used"),
}

#: Why a partner handed stock out (the distribution form's tiles and its lists).
DISTRIBUTION_REASONS = {
    "routine": _l("Routine"),
    "new_arrivals": _l("New arrivals"),
    "eviction_replacement": _l("Eviction replacement"),
    "cold_weather_emergency": _l("Cold-weather emergency"),
    "other": _l("Other"),
}

WRITE_OFF_REASONS = {
    "damaged": _l("Damaged"),
    "expired": _l("Expired"),
    "mouldy": _l("Mouldy or wet"),
    "lost": _l("Lost"),
    "other": _l("Other (say what in the note)"),
}

DOCUMENT_KINDS = {
    "receipt": _l("Received"),
    "move": _l("Moved"),
    "transfer": _l("Transfer between sites"),
    "dispatch": _l("Dispatched to a partner"),
    "distribution": _l("Distributed"),
    "return": _l("Returned by a partner"),
    "adjustment": _l("Stocktake adjustment"),
    "write_off": _l("Written off"),
    "reversal": _l("Undone"),
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


def donor_type_label(kind: str) -> str:
    """A donor type as stored, in the reader's words (unknown ones as stored)."""
    label = DONOR_TYPES.get(str(kind))
    return str(label) if label is not None else kind


def unit_word(unit: str, count: int) -> str:
    """The unit as written after ``count``: "1 pair", "12 pairs", "12 paires"."""
    forms = {
        "piece": lambda: ngettext("piece", "pieces", count),
        "pair": lambda: ngettext("pair", "pairs", count),
        "bag": lambda: ngettext("bag", "bags", count),
        "kit": lambda: ngettext("kit", "kits", count),
        "pack": lambda: ngettext("pack", "packs", count),
        "roll": lambda: ngettext("roll", "rolls", count),
        "bottle": lambda: ngettext("bottle", "bottles", count),
    }
    return forms[str(unit)]()


def reason_label(reason: str | None) -> str:
    if not reason:
        return ""
    label = REASONS.get(reason)
    return str(label) if label is not None else reason.replace("_", " ")


def kind_label(kind: str) -> str:
    return str(DOCUMENT_KINDS.get(str(kind), kind))


def history_text(entry) -> str:
    """What a movement did to the box whose history it is in, as a short phrase."""
    kind, reason, other = str(entry.kind), entry.reason or "", entry.other_box
    if kind == "reversal":
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
        if kind == "receipt":
            return gettext("Received into the box")
        if kind == "return":
            return gettext("Returned by a partner, into the box")
        if kind == "adjustment":
            return gettext("Found at a stocktake")
        return gettext("Put in")
    if other:
        if reason == "box_split":
            return gettext("Split into new box %(box)s", box=other)
        if reason == "box_merge":
            return gettext("Merged into box %(box)s", box=other)
        return gettext("Put into box %(box)s", box=other)
    if kind == "write_off":
        return gettext("Written off")
    if kind == "dispatch":
        return gettext("Dispatched to a partner")
    if kind == "distribution":
        return gettext("Distributed")
    if kind == "transfer":
        return gettext("Sent to another site")
    if kind == "adjustment":
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
