"""Rules about accounts."""
from warehouse.errors import N_, DomainError


class EmailAlreadyUsed(DomainError):
    status = 409
    template = N_("There is already an account for %(email)s.")


class InvalidEmail(DomainError):
    template = N_("“%(email)s” is not an e-mail address. Check it and try again.")


class PasswordTooShort(DomainError):
    template = N_("The password must have at least %(minimum)s characters.")


class CoordinatorNeedsOrganisation(DomainError):
    template = N_("A coordinator belongs to a partner organisation: choose one.")


class UnknownOrganisation(DomainError):
    status = 404
    template = N_("There is no organisation called “%(organisation)s”.")
