"""Rules about accounts."""
from warehouse.core.errors import N_, DomainError


class EmailAlreadyUsed(DomainError):
    status = 409
    template = N_("There is already an account for %(email)s.")


class InvalidEmail(DomainError):
    template = N_("“%(email)s” is not an e-mail address. Check it and try again.")


class PasswordTooShort(DomainError):
    template = N_("The password must have at least %(minimum)s characters.")


class PasswordTooCommon(DomainError):
    template = N_("This password is one of the most used, so it is easy to guess. "
                  "Choose another: a few unrelated words work well.")


class PasswordTooLong(DomainError):
    template = N_("The password can have at most %(maximum)s characters.")


class WrongPassword(DomainError):
    status = 400
    template = N_("The current password is not right.")


class InvalidCredentials(DomainError):
    """Deliberately the same for an unknown e-mail and a wrong password."""

    status = 400
    template = N_("The e-mail address or the password is not right.")


class CoordinatorNeedsOrganisation(DomainError):
    template = N_("A coordinator belongs to a partner organisation: choose one.")


class UnknownOrganisation(DomainError):
    status = 404
    template = N_("There is no organisation called “%(organisation)s”.")
