"""The rules of partner requests, each as an error a person can act on.

``field`` says which form field an error is about, and ``line`` (an index of the lines
as given, or a request line's id for an allocation) which line, so a page can show the
message next to what needs fixing.
"""
from warehouse.core.errors import N_, DomainError


class RequestError(DomainError):
    field: str | None = None

    def __init__(self, *, line=None, **params):
        self.line = line
        super().__init__(**params)


class NeededByInThePast(RequestError):
    field = "needed_by"
    template = N_("The date needed by (%(day)s) is in the past: choose today or a later day.")


class NeededByMissing(RequestError):
    field = "needed_by"
    template = N_("Say by which day you need the stock.")


class UnknownSite(RequestError):
    field = "site"
    template = N_("Choose the warehouse site you will collect from.")


class SiteClosed(RequestError):
    field = "site"
    template = N_("%(site)s is closed; choose an open warehouse site.")


class UnknownDistributionSite(RequestError):
    field = "distribution_site"
    template = N_("Choose where you will distribute the stock.")


class DistributionSiteInactive(RequestError):
    field = "distribution_site"
    template = N_("%(place)s is no longer in use; choose another distribution site.")


class RequestHasNoLines(RequestError):
    field = "lines"
    template = N_("Add at least one item and how many you need.")


class TooManyRequestLines(RequestError):
    field = "lines"
    template = N_("A request can have at most %(maximum)s lines; split it in two.")


class UnknownRequestItem(RequestError):
    field = "item"
    template = N_("Choose an item from the catalogue.")


class RequestItemInactive(RequestError):
    field = "item"
    template = N_("%(item)s is no longer available to request; choose another item.")


class NotYourOrganisation(RequestError):
    status = 403
    template = N_("You can only make and change requests for your own organisation.")


class UnknownOrganisation(RequestError):
    field = "organisation"
    template = N_("Choose the partner organisation the request is for.")


class RequestNotEditable(RequestError):
    status = 409
    template = N_("Request %(number)s is %(status)s: only a draft or a submitted request "
                  "can be changed or cancelled.")


class RequestNotSubmitted(RequestError):
    status = 409
    template = N_("Request %(number)s is %(status)s: only a submitted request can be "
                  "approved or declined.")


class AllocationExceedsRequest(RequestError):
    field = "allocation"
    template = N_("%(quantity)s of %(item)s is more than was requested (%(requested)s).")


class AllocationNotWhole(RequestError):
    field = "allocation"
    template = N_("The allocation of %(item)s must be a whole number from 0 to "
                  "%(requested)s (got %(quantity)s).")


class DeclineNeedsReason(RequestError):
    field = "reason"
    template = N_("Say why the request is declined: the partner will read it.")


class NoteTooLong(RequestError):
    template = N_("Keep the note under %(maximum)s characters.")


class QuantityMissing(RequestError):
    field = "quantity"
    template = N_("Enter how many %(item)s you need, or empty this line.")


# --- picking and dispatch (developer B) ---------------------------------------------------
# The ledger's own errors (``warehouse.stock.errors``: not enough in a box, a box that is
# not where it was) reach the user unchanged when a dispatch finds the stock has moved.

class RequestNotApproved(DomainError):
    status = 409
    template = N_("Request %(request)s is %(status)s: only an approved request can be picked "
                  "or dispatched.")


class WrongItemForRequest(DomainError):
    template = N_("WRONG ITEM: box %(box)s holds %(box_item)s, which request %(request)s does "
                  "not need. Put it back. This request needs: %(needed)s.")


class BoxIsEmptyOrBlank(DomainError):
    template = N_("Box %(box)s has nothing in it: choose a box that holds stock.")


class BoxNotOnAShelf(DomainError):
    template = N_("Box %(box)s is not on a warehouse shelf (it is at %(location)s), so it "
                  "cannot be picked.")


class BoxOfAnotherSite(DomainError):
    template = N_("Box %(box)s is at %(box_site)s, but request %(request)s is collected at "
                  "%(site)s. Pick a box from %(site)s.")


class LocationOfAnotherSite(DomainError):
    template = N_("%(location)s is at %(location_site)s, but request %(request)s is collected "
                  "at %(site)s. Pick from a shelf of %(site)s.")


class BoxAlreadyPicked(DomainError):
    status = 409
    template = N_("Box %(box)s is already picked for request %(request)s and waits for its "
                  "dispatch. Unpick it there first if it should go elsewhere.")


class OverPick(DomainError):
    status = 409
    template = N_("Only %(left)s more %(item)s can be picked for request %(request)s "
                  "(allocated %(allocated)s, already picked or dispatched %(done)s); "
                  "%(requested)s asked for.")


class PartialBoxNeedsQuantity(DomainError):
    template = N_("Box %(box)s holds %(holds)s %(item)s but only %(left)s are still needed: "
                  "enter how many you take out of it.")


class PickMoreThanBoxHolds(DomainError):
    template = N_("Box %(box)s holds only %(holds)s %(item)s; %(requested)s asked for.")


class NotEnoughLooseStock(DomainError):
    status = 409
    template = N_("%(location)s has %(available)s %(item)s outside boxes that is not already "
                  "picked; %(requested)s asked for. Pick the rest from a box.")


class PickQuantityMustBePositive(DomainError):
    template = N_("Enter how many to pick as a whole number more than zero (got "
                  "“%(quantity)s”).")


class PickAlreadyDispatched(DomainError):
    status = 409
    template = N_("This pick was already dispatched (or undone); it cannot be undone now.")


class PickRepeated(DomainError):
    """The same pick form was sent twice: recorded once, shown as information."""

    status = 409
    template = N_("This pick was already recorded (the form was sent twice): nothing more "
                  "was changed.")


class NothingPicked(DomainError):
    status = 409
    template = N_("Nothing is picked for request %(request)s yet: pick its stock first, then "
                  "dispatch.")


class PicksChanged(DomainError):
    status = 409
    template = N_("The picks of request %(request)s changed while you were dispatching "
                  "(dispatched or undone by someone else). Nothing was written: reload the "
                  "page and check.")


class UnknownDay(DomainError):
    status = 400
    template = N_("“%(day)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-11-27.")


class SiteNeeded(DomainError):
    status = 400
    template = N_("Choose the site whose pick lists to print.")
