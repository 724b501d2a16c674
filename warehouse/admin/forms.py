"""Forms of the administration pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from warehouse.accounts.forms import MAX_EMAIL_LENGTH
from warehouse.accounts.models import Role
from warehouse.accounts.services import (
    MAX_NAME_LENGTH,
    MAX_ORGANISATION_NAME_LENGTH,
    MAX_SHORT_NAME_LENGTH,
)
from warehouse.core.words import ROLES

ROLE_HINTS = {
    Role.ADMIN: _l("users, organisations and settings, as well as everything a manager does"),
    Role.MANAGER: _l("approves requests, prints, reports, corrects stock"),
    Role.VOLUNTEER: _l("logs donations, sorts, shelves, picks and counts"),
    Role.COORDINATOR: _l("requests stock and logs distributions for one partner"),
}
USER_STATUSES = {
    "active": _l("Active"),
    "invited": _l("Invited"),
    "deactivated": _l("Deactivated"),
}


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


def _too_long(maximum: int):
    return Length(max=maximum, message=_l("At most %(max)d characters: shorten it."))


class OrganisationChoice(SelectField):
    """An organisation chosen by id, or none."""

    def __init__(self, label, **kwargs):
        super().__init__(label, coerce=_optional_id, **kwargs)

    def set_organisations(self, organisations, *, empty_label) -> None:
        self.choices = [SelectChoice("", empty_label)] + [
            SelectChoice(organisation.id, organisation.name) for organisation in organisations]


def _role_choices():
    return [SelectChoice(role.value, ROLES[role]) for role in Role]


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the person's name.")), _too_long(MAX_NAME_LENGTH)],
        render_kw={"autocomplete": "off", "maxlength": MAX_NAME_LENGTH})
    role = SelectField(_l("Role"), choices=_role_choices)
    organisation = OrganisationChoice(_l("Partner organisation"))


class InviteForm(UserForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Enter the e-mail address the invitation goes to.")),
        _too_long(MAX_EMAIL_LENGTH)],
        render_kw={"autocomplete": "off", "maxlength": MAX_EMAIL_LENGTH})


class UserFilterForm(FlaskForm):
    """The filters of the users list, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail contains"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()],
                       choices=lambda: [SelectChoice("", _l("Any role"))] + _role_choices())
    organisation = OrganisationChoice(_l("Organisation"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=lambda: [SelectChoice("", _l("Any status"))] + [
                             SelectChoice(value, label) for value, label in USER_STATUSES.items()])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(_l("Enter the organisation's name.")),
        _too_long(MAX_ORGANISATION_NAME_LENGTH)],
        render_kw={"maxlength": MAX_ORGANISATION_NAME_LENGTH})
    short_name = StringField(_l("Short name"), validators=[
        DataRequired(_l("Enter a short name, as shown in tables and on dispatch notes.")),
        _too_long(MAX_SHORT_NAME_LENGTH)],
        render_kw={"maxlength": MAX_SHORT_NAME_LENGTH})
    active = BooleanField(_l("Active: its coordinators can be invited and can request stock"),
                          default=True)


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validators=[Optional()])
    actor = SelectField(_l("Done by"), coerce=_optional_id, validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


AUDIT_ACTION_LABELS = {
    "user_invited": _l("User invited"),
    "invitation_resent": _l("Invitation sent again"),
    "invitation_accepted": _l("Invitation accepted"),
    "name_changed": _l("Name changed"),
    "role_changed": _l("Role changed"),
    "organisation_changed": _l("Organisation changed"),
    "user_deactivated": _l("User deactivated"),
    "user_reactivated": _l("User reactivated"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset by e-mail"),
    "organisation_created": _l("Organisation created"),
    "organisation_renamed": _l("Organisation renamed"),
    "organisation_deactivated": _l("Organisation deactivated"),
    "organisation_reactivated": _l("Organisation reactivated"),
    "setting_changed": _l("Setting changed"),
}
