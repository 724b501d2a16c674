"""Rules of scanning: what a scanned code must be, undoing a scan, and offline scans
that need attention."""
from warehouse.core.errors import N_, DomainError


class UnknownLocationCode(DomainError):
    status = 404
    template = N_("No location has the code %(code)s — scan the shelf label again.")


class UnknownConflict(DomainError):
    status = 404
    template = N_("There is no scan needing attention with number %(conflict)s.")


class ConflictAlreadyResolved(DomainError):
    status = 409
    template = N_("This scan was already resolved (%(resolution)s).")


class UnknownConflictAction(DomainError):
    template = N_("“%(action)s” is not a way to resolve a scan: choose retry or dismiss.")


class CannotRetry(DomainError):
    template = N_("This scan cannot be sent again from here: dismiss it and scan again.")


class LocationScannedForBox(DomainError):
    template = N_("%(code)s is a location, not a box: scan the boxes first, then the "
                  "location they go to.")


class BoxScannedForLocation(DomainError):
    template = N_("%(code)s is a box, not a location: scan the shelf label where the boxes "
                  "go.")


class FillNeedsLocation(DomainError):
    template = N_("Say where box %(box)s goes: scan the shelf label (this device belongs to "
                  "no site, so there is no intake area to put it in).")


class UnknownRequest(DomainError):
    status = 404
    template = N_("There is no request number %(request)s.")


class StoredScanInvalid(DomainError):
    template = N_("This scan cannot be sent again as it was stored (%(problems)s): dismiss it "
                  "and scan again.")


class NotYourScan(DomainError):
    status = 403
    template = N_("Document %(document_id)s was recorded by someone else: only they, or a "
                  "manager, can undo it.")


class UndoTooLate(DomainError):
    status = 409
    template = N_("Document %(document_id)s was recorded more than %(minutes)s minutes ago: "
                  "ask a manager to undo it.")


class NotAScan(DomainError):
    status = 409
    template = N_("Document %(document_id)s was not recorded with the scanner: ask a manager "
                  "to undo it.")


class UndoElsewhere(DomainError):
    status = 409
    template = N_("Document %(document_id)s (%(kind)s) is corrected from its own page: the "
                  "request, distribution or transfer, not by undoing the scan.")
