"""Why a label print job is refused, each as an error a manager can act on.

Every check runs before anything is drawn, so a refused job produces no PDF at all.
"""
from warehouse.core.errors import N_, DomainError


class NoLabelsToPrint(DomainError):
    template = N_("There are no labels to print: choose at least one box, location or item.")


class TooManyLabels(DomainError):
    template = N_("%(count)s labels are too many for one print job: print at most "
                  "%(maximum)s at a time, in several jobs.")


class UnknownLabelFormat(DomainError):
    template = N_("There is no label format called %(format)s. Choose one of: %(known)s.")


class UnsupportedPrinterResolution(DomainError):
    template = N_("A label printer resolution of %(dpi)s dpi is not supported. Choose one "
                  "of: %(supported)s dpi (it is written on the printer or in its manual).")


class StartPositionOutOfRange(DomainError):
    template = N_("There is no position %(start_at)s on %(format)s: choose a position from 1 "
                  "to %(cells)s (counted left to right, then top to bottom).")


class CopiesOutOfRange(DomainError):
    template = N_("%(copies)s copies cannot be printed: choose from 1 to %(maximum)s copies "
                  "of each label.")


class PrinterOffsetTooLarge(DomainError):
    template = N_("A printer offset of %(across)s mm across and %(down)s mm down would push "
                  "labels off the page. On %(format)s keep it between −%(limit_across)s and "
                  "%(limit_across)s mm across, and between −%(limit_down)s and "
                  "%(limit_down)s mm down.")


class InvalidLabelCode(DomainError):
    template = N_("“%(code)s” cannot be printed as a label code: a code has 1 to "
                  "%(maximum)s capital letters, digits or dashes.")


class LabelCodeTooLong(DomainError):
    template = N_("The code %(code)s is too long for its barcode to scan on %(format)s "
                  "labels: choose a bigger label format.")
