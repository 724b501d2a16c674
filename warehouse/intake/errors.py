"""The rules of intake, each as an error a volunteer can act on. Nothing was written."""
from warehouse.core.errors import N_, DomainError


class NoDonationLines(DomainError):
    template = N_("Add at least one line: choose an item and enter how many arrived.")


class ItemRequired(DomainError):
    template = N_("Choose the item, or empty this line.")


class QuantityRequired(DomainError):
    template = N_("Enter how many %(item)s arrived (in each box, when they are boxed).")


class TooManyDonationLines(DomainError):
    template = N_("A donation can have at most %(maximum)s lines and boxes together "
                  "(this one has %(count)s). Record it as two donations.")


class UnknownDonorType(DomainError):
    template = N_("Choose who the donation is from: an individual, a community group or "
                  "collection drive, a company, an NGO, or a purchase.")


class UnknownPriority(DomainError):
    template = N_("Choose how much it is needed: urgent, normal or not needed.")


class UnknownCondition(DomainError):
    template = N_("Choose the condition: new or used.")


class ReceivedAtMissing(DomainError):
    template = N_("Enter when the donation arrived (date and time).")


class ReceivedInFuture(DomainError):
    template = N_("%(when)s is in the future: enter when the donation arrived, today or "
                  "earlier.")


class ReasonRequired(DomainError):
    template = N_("Say why it is not needed and where it goes (for example “passed on to "
                  "another charity” or “wet and mouldy”): it is written off with that "
                  "reason.")


class ReasonOnlyWhenNotNeeded(DomainError):
    template = N_("A reason is only for donations that are not needed: clear it, or choose "
                  "“Not needed”.")


class NotNeededIsNotBoxed(DomainError):
    template = N_("Stock that is not needed is written off, not put in boxes: leave "
                  "“Boxes” empty for %(item)s.")


class TextTooLong(DomainError):
    template = N_("%(field)s can have at most %(maximum)s characters: shorten it.")


class UnknownSite(DomainError):
    status = 404
    template = N_("There is no site with id %(site_id)s: choose a site from the list.")


class SiteInactive(DomainError):
    template = N_("%(site)s is closed: choose an open site.")


class UnknownLocation(DomainError):
    status = 404
    template = N_("There is no location with id %(location_id)s: choose one from the list.")


class NotAWarehouseLocation(DomainError):
    template = N_("%(location)s is not a place in a warehouse: choose a shelf, bay or "
                  "intake area.")


class IntakeLocationOfAnotherSite(DomainError):
    template = N_("%(location)s belongs to %(location_site)s, not %(site)s: choose an intake "
                  "location of %(site)s.")


class TargetOfAnotherSite(DomainError):
    template = N_("%(location)s belongs to %(location_site)s, but the stock is at "
                  "%(site)s: choose a place at %(site)s (stock goes to another site by "
                  "transfer).")


class BoxCountOutOfRange(DomainError):
    template = N_("%(count)s boxes of %(item)s cannot be made in one go: enter a whole "
                  "number of boxes from 1 to %(maximum)s.")


class BlankCodeCountOutOfRange(DomainError):
    template = N_("%(count)s blank codes cannot be made: enter a whole number from 1 to "
                  "%(maximum)s (make several batches for more).")


class ExpiryInPast(DomainError):
    template = N_("The expiry date %(expires_on)s has passed: check the date, or write "
                  "expired stock off instead of boxing it.")


class IdempotencyKeyMissing(DomainError):
    template = N_("This form is incomplete: reload the page and enter it again.")
