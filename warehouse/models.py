"""Every table, imported in one place so Alembic and the app see the whole schema."""
from warehouse.accounts.models import (
    ApiToken,
    Organisation,
    OrganisationKind,
    Role,
    TabletDevice,
    User,
)
from warehouse.admin.settings import AppSetting
from warehouse.api.models import ApiIdempotency
from warehouse.audit.models import AuditEvent
from warehouse.catalogue.models import Audience, Category, Item, ItemBarcode, Unit
from warehouse.counts.models import (
    CountDifference,
    CountLine,
    CountSession,
    CountStatus,
    DifferenceKind,
)
from warehouse.distributions.models import Distribution, DistributionReason, DistributionSite
from warehouse.intake.models import Donation, DonorType, Priority
from warehouse.labels.models import PrinterProfile
from warehouse.reports.models import IssuedReport
from warehouse.requests.models import (
    Notification,
    PickLine,
    RequestStatus,
    StockRequest,
    StockRequestLine,
)
from warehouse.scan.models import SyncConflict
from warehouse.stock.codes import CodeSequence
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
    "CountDifference", "CountLine", "CountSession", "CountStatus", "DifferenceKind",
    "SyncConflict",
    "ApiIdempotency", "ApiToken", "AppSetting", "ItemBarcode",
    "AuditEvent", "Audience", "Box", "BoxCondition", "Category", "CodeSequence", "Distribution",
    "DistributionReason", "DistributionSite", "Document", "DocumentKind", "Donation",
    "DonorType", "IssuedReport", "Item", "Location", "LocationKind", "Movement", "Notification",
    "Organisation", "OrganisationKind", "PickLine", "PrinterProfile", "Priority",
    "RequestStatus", "Reservation", "Role", "Site", "StockLevel", "StockRequest",
    "StockRequestLine", "TabletDevice", "Unit", "User",
]
