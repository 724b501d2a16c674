"""Every table, imported in one place so Alembic and the app see the whole schema."""
from warehouse.accounts.models import Organisation, OrganisationKind, Role, TabletDevice, User
from warehouse.audit.models import AuditEvent
from warehouse.catalogue.models import Audience, Category, Item, Unit
from warehouse.distributions.models import DistributionSite
from warehouse.stock.models import (
    Box,
    BoxCondition,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
    Reservation,
    Site,
    StockLevel,
)

__all__ = [
    "AuditEvent", "Audience", "Box", "BoxCondition", "Category", "DistributionSite", "Document",
    "DocumentKind", "Item", "Location", "LocationKind", "Movement", "Organisation", "Reservation",
    "OrganisationKind", "Role", "Site", "StockLevel", "TabletDevice", "Unit", "User",
]
