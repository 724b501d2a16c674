"""The rules of the stock ledger, each as an error a person can act on."""
from warehouse.core.errors import IdempotencyKeyReused  # noqa: F401 (the ledger refuses with it)
from warehouse.core.errors import N_, DomainError


class EmptyDocument(DomainError):
    template = N_("Add at least one line: a stock document needs an item and a quantity.")


class TooManyLines(DomainError):
    template = N_("A document can have at most %(maximum)s lines; split it in two.")


class QuantityMustBePositive(DomainError):
    template = N_("The quantity of %(item)s must be more than zero (got %(quantity)s).")


class QuantityMustBeWhole(DomainError):
    template = N_("%(item)s is counted in whole numbers (unit: %(unit)s); %(quantity)s is "
                  "not a whole number.")


class QuantityTooLarge(DomainError):
    template = N_("%(quantity)s of %(item)s is more than one line can hold (at most "
                  "%(maximum)s). Check the number, or split it over several lines.")


class UnknownItem(DomainError):
    status = 404
    template = N_("There is no item with id %(item_id)s.")


class UnknownLocation(DomainError):
    status = 404
    template = N_("There is no location with id %(location_id)s.")


class UnknownBox(DomainError):
    status = 404
    template = N_("There is no box with id %(box_id)s.")


class UnknownSite(DomainError):
    status = 404
    template = N_("There is no site with id %(site_id)s.")


class UnknownDocument(DomainError):
    status = 404
    template = N_("There is no stock document number %(document_id)s.")


class UnknownUser(DomainError):
    status = 404
    template = N_("There is no active user with id %(user_id)s to record this under.")


class UnknownDocumentKind(DomainError):
    template = N_("“%(kind)s” is not a kind of stock document.")


class ItemInactive(DomainError):
    template = N_("%(item)s is no longer in use; reactivate it in the catalogue first.")


class LocationInactive(DomainError):
    template = N_("%(location)s is closed; choose an open location.")


class SameLocation(DomainError):
    template = N_("%(item)s would go from %(location)s to the same place. "
                  "Choose a different destination.")


class LocationOfAnotherSite(DomainError):
    template = N_("%(location)s belongs to %(location_site)s, not %(site)s. Stock moves "
                  "between sites through a transfer.")


class InsufficientStock(DomainError):
    status = 409
    template = N_("Not enough %(item)s at %(location)s: %(available)s available, "
                  "%(requested)s needed.")


class BoxItemMismatch(DomainError):
    template = N_("Box %(box)s holds %(box_item)s, not %(item)s.")


class BoxNotAtLocation(DomainError):
    status = 409
    template = N_("Box %(box)s is not at %(location)s (it is at %(box_location)s). "
                  "Scan it again where it is.")


class BoxAlreadyThere(DomainError):
    template = N_("Box %(box)s is already at %(location)s.")


class BoxMustMoveWhole(DomainError):
    template = N_("Box %(box)s holds %(available)s; moving it as a box moves all of it. "
                  "To move %(requested)s, take them out of the box instead.")


class InsufficientStockInBox(DomainError):
    status = 409
    template = N_("Box %(box)s holds %(available)s of %(item)s, %(requested)s needed.")


class BoxNotInStock(DomainError):
    template = N_("Box %(box)s can only be at a warehouse, partner or transit location, "
                  "not at %(location)s. Take the stock out of the box instead.")


class AlreadyReversed(DomainError):
    status = 409
    template = N_("Document %(document_id)s was already reversed by document "
                  "%(reversal_id)s.")


class CannotReverseReversal(DomainError):
    template = N_("Document %(document_id)s is itself a reversal; post the original "
                  "again instead of reversing it.")


class NotEnoughAvailable(DomainError):
    status = 409
    template = N_("Only %(available)s %(item)s can still be promised (on hand minus what "
                  "is already reserved); %(requested)s asked for.")
