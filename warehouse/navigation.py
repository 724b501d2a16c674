"""The main menu: one entry per page, shown to the roles that may open it."""
from flask import current_app
from flask_babel import lazy_gettext as _l

from warehouse.accounts.access import access_of

# (endpoint, label). Each entry shows only where its endpoint exists and the user's role
# may open it, so the menu follows the access policy without repeating it.
MENU = [
    # The warehouse floor's day first, then partners' work, then printing and admin.
    ("dashboard.index", _l("Dashboard")),
    ("stock.index", _l("Stock")),
    ("scan.index", _l("Scan")),
    ("intake.donations", _l("Intake")),
    ("boxes.list", _l("Boxes")),
    ("counts.index", _l("Counts")),
    ("dispatch.index", _l("Picking")),
    ("requests.queue", _l("Request queue")),
    ("requests.catalogue", _l("Catalogue")),
    ("requests.list", _l("Requests")),
    ("distributions.custody_index", _l("Custody")),
    ("distributions.index", _l("Distributions")),
    ("requests.notifications", _l("Notifications")),
    ("labels.index", _l("Labels")),
    ("catalogue.barcodes", _l("Barcodes")),
    ("reports.index", _l("Reports")),
    ("admin.users", _l("Users")),
    ("admin.audit", _l("Audit log")),
    ("admin.settings", _l("Settings")),
    ("tablet.devices", _l("Tablets")),
]


def menu_for(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    entries = []
    for endpoint, label in MENU:
        if endpoint not in current_app.view_functions:
            continue
        access = access_of(endpoint)
        if access is not None and (access.public or user.role in access.roles):
            entries.append((endpoint, label))
    return entries
