"""Why a printed sheet is refused, each as an error the person printing can act on."""
from warehouse.errors import N_, DomainError


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
