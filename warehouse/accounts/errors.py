"""Rules about accounts: signing in, passwords, invitations, and administering users and
organisations (enforced by ``warehouse.accounts.services``)."""
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


# --- managing users and organisations ----------------------------------------------------

class CannotChangeOwnRole(DomainError):
    status = 403
    template = N_("You cannot change your own role: ask another admin to do it.")


class CannotDeactivateSelf(DomainError):
    status = 403
    template = N_("You cannot deactivate your own account: ask another admin to do it.")


class LastActiveAdmin(DomainError):
    status = 409
    template = N_("%(name)s is the last active admin who can sign in: make someone else "
                  "an admin first, otherwise nobody could manage users any more.")


class OrganisationMustBePartner(DomainError):
    template = N_("%(organisation)s is not a partner organisation: a coordinator belongs to "
                  "one of the partners.")


class OrganisationInactive(DomainError):
    template = N_("%(organisation)s is no longer active: reactivate it first, or choose "
                  "another organisation.")


class NotInvited(DomainError):
    status = 409
    template = N_("%(name)s has already chosen a password, so there is no invitation to "
                  "send again. If they forgot it, they can ask for a new one on the sign-in "
                  "page.")


class UserDeactivated(DomainError):
    status = 409
    template = N_("%(name)s is deactivated: reactivate the account first.")


class OrganisationNameUsed(DomainError):
    status = 409
    template = N_("There is already an organisation called “%(name)s”.")


class OrganisationShortNameUsed(DomainError):
    status = 409
    template = N_("The short name “%(short_name)s” is already used by another "
                  "organisation.")


class NameRequired(DomainError):
    template = N_("Enter a name.")


class OperatorStaysActive(DomainError):
    status = 409
    template = N_("%(organisation)s runs the warehouse, so it cannot be deactivated.")


class NameTooLong(DomainError):
    template = N_("This name is too long: at most %(maximum)s characters.")


class OnlyCoordinatorsInPartner(DomainError):
    template = N_("Only coordinators belong to a partner organisation such as "
                  "%(organisation)s: choose the coordinator role, or no organisation.")
