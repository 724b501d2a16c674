"""Rules about administering users and organisations.

They live here, with the pages that break them most often, while the services that enforce
them are in ``warehouse.accounts.services``.
"""
from warehouse.core.errors import N_, DomainError


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
