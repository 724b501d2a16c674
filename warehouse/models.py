"""Every table, imported in one place so Alembic and the app see the whole schema."""
from warehouse.accounts.models import Organisation, OrganisationKind, Role, TabletDevice, User
from warehouse.audit.models import AuditEvent
from warehouse.catalogue.models import Audience, Category, Item, Unit
from warehouse.core.codes import CodeSequence
from warehouse.distributions.models import DistributionSite
from warehouse.intake.models import Donation, DonorType, Priority
from warehouse.labels.models import PrinterProfile
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
    "AuditEvent", "Audience", "Box", "BoxCondition", "Category", "CodeSequence", "Document",
    "DocumentKind", "Donation", "DonorType", "DistributionSite", "Item", "Location",
    "LocationKind", "Movement", "Organisation", "OrganisationKind", "PrinterProfile",
    "Priority", "Reservation", "Role", "Site", "StockLevel", "TabletDevice", "Unit", "User",
]
