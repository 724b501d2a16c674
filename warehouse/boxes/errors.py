"""The rules of working with boxes, beyond the ledger's own, each as an error a person can
act on. The ledger's errors (``warehouse.stock.errors``) cover the rest: not enough in the
box, a box already at a location, a location of another site."""
from warehouse.core.errors import N_, DomainError


class BoxIsBlank(DomainError):
    template = N_("Box %(box)s is a blank label: nothing has been put in it yet. Use “What "
                  "goes in it?” to fill it first.")


class BoxIsEmpty(DomainError):
    template = N_("Box %(box)s is empty: there is nothing in it. Top it up first, or choose "
                  "another box.")


class BlankBoxAlreadyUsed(DomainError):
    status = 409
    template = N_("Box %(box)s is not blank any more: it was already used for %(item)s. "
                  "Top it up instead, or take a new blank label.")


class UnknownBoxCode(DomainError):
    status = 404
    template = N_("No box has the code %(code)s — check the label.")


class MergeNeedsTwoBoxes(DomainError):
    template = N_("A box cannot be merged into itself: scan the code of the other box.")


class MergeNeedsSameItem(DomainError):
    template = N_("Box %(source)s holds %(source_item)s and box %(target)s holds "
                  "%(target_item)s: only boxes of the same item can be merged.")


class MergeNeedsSameLocation(DomainError):
    template = N_("Box %(source)s is at %(source_location)s and box %(target)s at "
                  "%(target_location)s: bring them to the same place and move them there "
                  "first, then merge.")


class MergeNeedsSameCondition(DomainError):
    template = N_("Box %(source)s holds %(source_condition)s stock and box %(target)s "
                  "%(target_condition)s stock: keep new and used in separate boxes.")


class SplitNeedsPartOfBox(DomainError):
    template = N_("Box %(box)s holds %(available)s: a split leaves some in it, so take "
                  "out fewer than %(available)s. To put everything elsewhere, move the box.")


class WriteOffNeedsReason(DomainError):
    template = N_("Choose why this stock is written off: damaged, expired, mouldy, lost or "
                  "other.")


class UnknownWriteOffReason(DomainError):
    template = N_("“%(reason)s” is not a reason for a write-off. Choose damaged, expired, "
                  "mouldy, lost or other.")


class WriteOffNeedsNote(DomainError):
    template = N_("Say in the note what happened to the stock when the reason is “other”.")


class NoteTooLong(DomainError):
    template = N_("The note is too long: at most %(maximum)s characters.")


class NotTheLastMovement(DomainError):
    status = 409
    template = N_("Something else happened to box %(box)s since this page was loaded: only "
                  "its last movement can be undone. Reload the page and look again.")


class NothingToUndo(DomainError):
    template = N_("Nothing has happened to box %(box)s yet, so there is nothing to undo.")


class LocationNotInWarehouse(DomainError):
    template = N_("%(location)s is not a shelf or bay of a warehouse: a box is put on a "
                  "warehouse location.")


# --- scanning several boxes at once, and undoing a scan --------------------------------------

class MoveNeedsBoxes(DomainError):
    template = N_("Scan at least one box to move, then the location it goes to.")


class BoxScannedTwice(DomainError):
    template = N_("Box %(box)s was scanned twice in this move: each box moves once. Remove "
                  "the second scan and send the move again.")


class TooManyBoxes(DomainError):
    template = N_("At most %(maximum)s boxes can move at once; move the rest in a second go.")


class SizeDoesNotMatch(DomainError):
    template = N_("%(item)s is size %(item_size)s, not %(size)s: choose the item of the size "
                  "that goes in the box.")
