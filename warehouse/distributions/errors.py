"""The rules of custody, distributions and returns, each as an error a coordinator can act
on. Nothing was written."""
from warehouse.core.errors import N_, DomainError


class NoDistributionLines(DomainError):
    template = N_("Add at least one line: choose an item you hold and enter how many you "
                  "handed out.")


class NoReturnLines(DomainError):
    template = N_("Add at least one line: choose an item you hold and enter how many go "
                  "back to the warehouse.")


class ItemRequired(DomainError):
    template = N_("Choose the item, or empty this line.")


class QuantityRequired(DomainError):
    template = N_("Enter how many %(item)s, or empty this line.")


class ItemNotHeld(DomainError):
    template = N_("%(organisation)s holds no %(item)s: choose an item from its custody.")


class NotEnoughHeld(DomainError):
    status = 409
    template = N_("You hold only %(available)s of %(item)s.")


class ItemListedTwice(DomainError):
    template = N_("%(item)s is on two lines: put the whole quantity on one line.")


class UnknownOrganisation(DomainError):
    status = 404
    template = N_("There is no partner organisation with id %(organisation_id)s.")


class DistributedOnMissing(DomainError):
    template = N_("Enter the day of the distribution.")


class DistributedInFuture(DomainError):
    template = N_("%(day)s is in the future: log a distribution on the day it happened or "
                  "after.")


class DistributedTooLongAgo(DomainError):
    template = N_("%(day)s is more than %(days)s days ago: check the date. Distributions "
                  "are logged within %(days)s days.")


class DistributionSiteRequired(DomainError):
    template = N_("Choose where the distribution took place.")


class DistributionSiteInactive(DomainError):
    template = N_("%(site)s is no longer an open distribution site: choose another one.")


class ReasonRequired(DomainError):
    template = N_("Choose the reason for the distribution: routine, new arrivals, eviction "
                  "replacement, cold-weather emergency or other.")


class PeopleTotalRequired(DomainError):
    template = N_("Enter how many people were reached in all (at least 1).")


class PeopleCountInvalid(DomainError):
    template = N_("%(what)s must be a whole number, 0 or more (got %(value)s).")


class BreakdownExceedsTotal(DomainError):
    template = N_("Women, men, children and unaccompanied minors add up to %(breakdown)s, "
                  "more than the %(total)s people reached. Count each person once: raise "
                  "the total or lower the breakdown.")


class TextTooLong(DomainError):
    template = N_("%(what)s can be at most %(maximum)s characters long.")


class ReturnSiteRequired(DomainError):
    template = N_("Choose the warehouse the stock goes back to.")


class ReturnSiteClosed(DomainError):
    template = N_("%(site)s has no open intake place to take stock back: choose another "
                  "warehouse.")


class IdempotencyKeyMissing(DomainError):
    template = N_("This form is out of date. Reload the page and enter it again.")


class AlreadyCorrected(DomainError):
    status = 409
    template = N_("This distribution was already corrected.")



class UnknownDistribution(DomainError):
    status = 404
    template = N_("There is no distribution number %(distribution_id)s.")
