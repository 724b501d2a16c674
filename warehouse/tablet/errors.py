"""Rules about shared warehouse tablets and PINs."""
from warehouse.core.errors import N_, DomainError


class OnlyManagersRunTablets(DomainError):
    status = 403
    template = N_("Only a manager can turn tablet mode on or off.")


class TabletNameRequired(DomainError):
    template = N_("Give the tablet a name, for example “Intake 1”, so it can be told apart "
                  "in the list of tablets.")


class TabletNameTooLong(DomainError):
    template = N_("The tablet's name can have at most %(maximum)s characters.")


class UnknownSite(DomainError):
    status = 404
    template = N_("This site does not exist or is closed. Choose another one.")


class TabletNotFound(DomainError):
    status = 404
    template = N_("There is no such tablet.")


class NotATablet(DomainError):
    """The device has no tablet token, or its tablet was retired."""

    status = 403
    template = N_("This device is not in tablet mode. A manager can turn tablet mode on.")


class PinMustBeFourDigits(DomainError):
    template = N_("A PIN is exactly 4 digits, for example 4827.")


class PinTooEasy(DomainError):
    template = N_("This PIN is too easy to guess: the same digit four times, digits in a row "
                  "(1234, 9876) or a repeated pair (1212). Choose 4 digits with no pattern.")


class PinNotRight(DomainError):
    """Deliberately the same whatever is wrong: an unknown person, no PIN, a wrong PIN."""

    status = 400
    template = N_("That PIN is not right. Try again, or ask a manager to set a new one.")


class CurrentPinNotRight(DomainError):
    status = 400
    template = N_("Your current PIN is not right. If you have forgotten it, ask a manager to "
                  "set a new one.")


class NotAllowedToSetPin(DomainError):
    status = 403
    template = N_("You can set only your own PIN. A manager sets volunteers' PINs.")


class PinsAreForWarehouseStaff(DomainError):
    template = N_("Only volunteers and managers sign in on warehouse tablets, so %(name)s "
                  "cannot have a PIN.")
