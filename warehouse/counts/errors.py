"""The rules of counting a location, each as an error a person can act on. Box, ledger
and scanning rules keep their own errors (``warehouse.boxes.errors``,
``warehouse.stock.errors``, ``warehouse.scan.errors``)."""
from warehouse.core.errors import N_, DomainError


class UnknownCount(DomainError):
    status = 404
    template = N_("There is no count number %(count)s.")


class LocationNotCountable(DomainError):
    template = N_("%(location)s is not an open shelf or bay of a warehouse: count a "
                  "warehouse location.")


class CountNotOpen(DomainError):
    status = 409
    template = N_("Count %(count)s is %(state)s: nothing more can be counted in it. Start a "
                  "new count of the location.")


class CountNotFinished(DomainError):
    status = 409
    template = N_("Count %(count)s is %(state)s: only a finished count can be approved.")


class CountLineNeedsSomething(DomainError):
    template = N_("Scan a box, or choose an item and enter how many lie loose.")


class CountLineBoxOrItem(DomainError):
    template = N_("Send a box code or an item, not both: a box is counted with what is in "
                  "it, loose stock by item.")


class CountQuantityNeeded(DomainError):
    template = N_("Enter how many %(item)s lie loose here (0 if there are none).")


class CountQuantityNotANumber(DomainError):
    template = N_("“%(quantity)s” is not a number: enter how many you counted, in digits "
                  "(0 if there are none).")


class CountQuantityTooLarge(DomainError):
    template = N_("%(quantity)s is more than anyone counts on one shelf (at most "
                  "%(maximum)s): check the number.")


class CountBoxIsBlank(DomainError):
    template = N_("Box %(box)s is a blank label: nothing has been put in it yet. Fill it "
                  "first, then count it.")


class CountItemUnknown(DomainError):
    status = 404
    template = N_("There is no item with id %(item_id)s: choose the item from the list.")


class NotAllowedToApprove(DomainError):
    status = 403
    template = N_("Only a manager can approve the differences of a count.")


class DecisionsMissing(DomainError):
    template = N_("Choose a reason for every difference before approving: %(missing)s still "
                  "need one.")


class UnknownDifference(DomainError):
    template = N_("Difference %(difference)s is not part of count %(count)s: reload the page.")


class UnknownReason(DomainError):
    template = N_("“%(reason)s” is not a reason for a count difference: choose lost, found, "
                  "damaged or miscounted.")


class ReasonDoesNotFit(DomainError):
    template = N_("“%(reason)s” does not fit %(what)s: choose %(choices)s.")


class CountOutdated(DomainError):
    status = 409
    template = N_("The stock at %(location)s changed after count %(count)s finished (%(what)s: "
                  "the count expected %(expected)s, the ledger now says %(now)s). Nothing was "
                  "posted: count the location again.")
