"""Why a printed sheet is refused, each as an error the person printing can act on."""
from warehouse.core.errors import N_, DomainError


class SheetDateInFuture(DomainError):
    template = N_("A stock sheet cannot be printed for %(day)s: that is after today "
                  "(%(today)s). Choose today or an earlier day.")


class SheetDateTooOld(DomainError):
    template = N_("A stock sheet can be printed for the last %(days)s days only, not for "
                  "%(day)s. For older figures, use the weekly report.")


class SheetDateNotUnderstood(DomainError):
    status = 400
    template = N_("“%(value)s” is not a date. Write it as year-month-day, for example "
                  "%(example)s.")


# --- the weekly report -------------------------------------------------------------------

class WeekNotUnderstood(DomainError):
    status = 400
    template = N_("“%(value)s” is not a week. Write it as year-W-week number, for example "
                  "%(example)s.")


class WeekDoesNotExist(DomainError):
    status = 400
    template = N_("There is no week %(week)s: %(year)s has weeks 1 to %(weeks)s. Choose "
                  "a week in that range.")


class ReportDateNotUnderstood(DomainError):
    status = 400
    template = N_("“%(value)s” is not a date. Write it as year-month-day, for example "
                  "%(example)s.")


class RangeEndsBeforeStart(DomainError):
    status = 400
    template = N_("The period ends (%(end)s) before it starts (%(start)s). Swap the two "
                  "dates.")


class RangeTooLong(DomainError):
    status = 400
    template = N_("A report covers at most %(days)s days; %(start)s to %(end)s is longer. "
                  "Choose a shorter period.")


class PeriodInFuture(DomainError):
    status = 400
    template = N_("The period starts on %(start)s, after today (%(today)s): there is "
                  "nothing to report yet. Choose a past week.")


class UnknownOrganisation(DomainError):
    status = 404
    template = N_("There is no such partner organisation.")


class NotYourOrganisation(DomainError):
    status = 403
    template = N_("You can see your own organisation's report only.")


class NoIssuedReport(DomainError):
    status = 404
    template = N_("This report has not been issued yet. Issue it first.")


class UnknownSiteForReport(DomainError):
    status = 400
    template = N_("There is no site “%(value)s”. Choose one of the sites, or all of them.")
