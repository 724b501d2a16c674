"""Administration pages: users, organisations, the audit log and the app's settings.

Admins change things; managers may read the users list (to know who is who on a shift).
Each change goes through ``warehouse.accounts.services``, which records it in the audit
log in the same transaction.
"""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField, SelectChoice

from warehouse.accounts import errors as account_errors
from warehouse.accounts import services
from warehouse.accounts.access import roles
from warehouse.accounts.models import Organisation, OrganisationKind, Role, User
from warehouse.accounts.tokens import invite_days
from warehouse.admin import queries
from warehouse.admin import settings as app_settings
from warehouse.admin.forms import (
    AUDIT_ACTION_LABELS,
    ROLE_HINTS,
    USER_STATUSES,
    AuditFilterForm,
    InviteForm,
    OrganisationForm,
    UserFilterForm,
    UserForm,
)
from warehouse.core.errors import DomainError
from warehouse.core.exports import (DATETIME, NUMBER, Column, export_response, export_routes,
                                    refuse_invalid)
from warehouse.core.mail import MailNotSent
from warehouse.core.words import ROLES
from warehouse.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Which form field a refused rule is about, so its message shows next to that field.
FIELD_OF_ERROR = {
    account_errors.InvalidEmail: "email",
    account_errors.EmailAlreadyUsed: "email",
    account_errors.NameRequired: "name",
    account_errors.NameTooLong: "name",
    account_errors.CannotChangeOwnRole: "role",
    account_errors.LastActiveAdmin: "role",
    account_errors.CoordinatorNeedsOrganisation: "organisation",
    account_errors.OrganisationMustBePartner: "organisation",
    account_errors.OrganisationInactive: "organisation",
    account_errors.OnlyCoordinatorsInPartner: "organisation",
    account_errors.OrganisationNameUsed: "name",
    account_errors.OrganisationShortNameUsed: "short_name",
}


@bp.context_processor
def _labels():
    return {"role_labels": ROLES, "status_labels": USER_STATUSES,
            "user_status": queries.user_status}


def _show_error(form, error: DomainError) -> None:
    """Put ``error`` next to the field it is about, or above the form."""
    field = getattr(form, FIELD_OF_ERROR.get(type(error), ""), None)
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        form.form_errors.append(error.message)


def _invitation_link(token: str) -> str:
    return url_for("accounts.accept_invitation", token=token, _external=True)


def _organisation_or_none(organisation_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, organisation_id) if organisation_id else None


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


# Users

@bp.get("/users")
@roles(Role.ADMIN, Role.MANAGER)
def users():
    """Users by name, with filters; only admins get the links to change them."""
    filters = UserFilterForm(formdata=request.args)
    filters.organisation.set_organisations(queries.organisations(),
                                           empty_label=gettext("Any organisation"))
    valid = filters.validate()
    page = queries.users(
        q=filters.q.data if valid else None,
        role=filters.role.data if valid else None,
        organisation_id=filters.organisation.data if valid else None,
        status=filters.status.data if valid else None,
        page=request.args.get("page", 1, type=int))
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/users.html", filters=filters, page=page,
                           query_args=query_args,
                           can_change=current_user.role == Role.ADMIN)


def _prepare_user_form(form, *, user: User | None = None) -> None:
    form.organisation.set_organisations(
        queries.partner_organisations(include=user.organisation if user else None),
        empty_label=gettext("None (all roles except coordinator)"))


@bp.route("/users/invite", methods=["GET", "POST"])
@roles(Role.ADMIN)
def invite():
    """Make an account without a password and e-mail the person a link to choose one."""
    form = InviteForm()
    _prepare_user_form(form)
    if not form.is_submitted():
        form.role.data = Role.VOLUNTEER.value
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                actor=current_user, email=form.email.data, name=form.name.data,
                role=Role(form.role.data),
                organisation=_organisation_or_none(form.organisation.data),
                link_for=_invitation_link)
        except MailNotSent as error:
            user = db.session.scalar(select(User).where(
                User.email == services.normalise_email(form.email.data)))
            flash(gettext("The account was created, but the invitation could not be sent: "
                          "%(error)s Send it again from this page.", error=error.message),
                  "warning")
            return redirect(url_for("admin.user", user_id=user.id), 303)
        except DomainError as error:
            _show_error(form, error)
        else:
            flash(gettext("Invitation sent to %(email)s. The link works for %(days)s days.",
                          email=user.email, days=invite_days()), "success")
            return redirect(url_for("admin.user", user_id=user.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/invite.html", form=form, role_hints=ROLE_HINTS,
                           invite_days=invite_days()), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def user(user_id: int):
    """One user: change their name, role and organisation; deactivate; resend."""
    person = _user_or_404(user_id)
    form = UserForm(obj=person if request.method == "GET" else None)
    _prepare_user_form(form, user=person)
    if request.method == "GET":
        form.role.data = person.role.value
        form.organisation.data = person.organisation_id
    if form.validate_on_submit():
        try:
            changes = services.update_user(
                actor=current_user, user=person, name=form.name.data,
                role=Role(form.role.data),
                organisation=_organisation_or_none(form.organisation.data))
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            if changes:
                flash(gettext("Saved the changes to %(name)s.", name=person.name), "success")
            else:
                flash(gettext("Nothing to save: nothing was changed."), "info")
            return redirect(url_for("admin.user", user_id=person.id), 303)
    history = queries.audit_events(target_type="user", target_id=person.id, per_page=10)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user.html", person=person, form=form, history=history,
                           describe=queries.describe, role_hints=ROLE_HINTS), status


def _after_user_action(person: User, run):
    """Run ``run()``: flash its message, or the rule it broke, and go back to the user."""
    try:
        category, message = run()
    except DomainError as error:
        db.session.rollback()
        category, message = "error", error.message
    flash(message, category)
    return redirect(url_for("admin.user", user_id=person.id), 303)


@bp.post("/users/<int:user_id>/deactivate")
@roles(Role.ADMIN)
def deactivate(user_id: int):
    """Stop someone signing in; their open sessions end at their next click."""
    person = _user_or_404(user_id)

    def run():
        if services.deactivate_user(actor=current_user, user=person):
            return "success", gettext("%(name)s is deactivated and signed out everywhere.",
                                      name=person.name)
        return "info", gettext("%(name)s was already deactivated.", name=person.name)

    return _after_user_action(person, run)


@bp.post("/users/<int:user_id>/reactivate")
@roles(Role.ADMIN)
def reactivate(user_id: int):
    """Let a deactivated user sign in again."""
    person = _user_or_404(user_id)

    def run():
        if services.reactivate_user(actor=current_user, user=person):
            return "success", gettext("%(name)s can sign in again.", name=person.name)
        return "info", gettext("%(name)s was already active.", name=person.name)

    return _after_user_action(person, run)


@bp.post("/users/<int:user_id>/resend-invitation")
@roles(Role.ADMIN)
def resend_invitation(user_id: int):
    """E-mail a new invitation link; the earlier one stops working."""
    person = _user_or_404(user_id)

    def run():
        services.resend_invitation(actor=current_user, user=person,
                                   link_for=_invitation_link)
        return "success", gettext("A new invitation is on its way to %(email)s; the earlier "
                                  "link no longer works.", email=person.email)

    return _after_user_action(person, run)


# Organisations

@bp.get("/organisations")
@roles(Role.ADMIN)
def organisations():
    """The operator and the partner organisations, with how many active users each has."""
    return render_template("admin/organisations.html",
                           organisations=queries.organisations(),
                           counts=queries.active_user_counts(),
                           operator=OrganisationKind.OPERATOR)


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_organisation():
    """Add a partner organisation."""
    form = OrganisationForm()
    del form.active  # a new partner starts active
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                actor=current_user, name=form.name.data, short_name=form.short_name.data)
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            flash(gettext("Added the partner organisation %(name)s.", name=organisation.name),
                  "success")
            return redirect(url_for("admin.organisations"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/organisation.html", form=form, organisation=None), status


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def organisation(organisation_id: int):
    """Rename an organisation, or deactivate or reactivate it."""
    found = db.get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=found if request.method == "GET" else None)
    if found.kind == OrganisationKind.OPERATOR:
        del form.active
    if form.validate_on_submit():
        try:
            changes = services.update_organisation(
                actor=current_user, organisation=found, name=form.name.data,
                short_name=form.short_name.data,
                active=form.active.data if "active" in form else True)
        except DomainError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            flash(gettext("Saved the changes to %(name)s.", name=found.name) if changes
                  else gettext("Nothing to save: nothing was changed."),
                  "success" if changes else "info")
            return redirect(url_for("admin.organisations"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/organisation.html", form=form, organisation=found,
                           active_users=queries.active_user_counts().get(found.id, 0)), status


# Audit log

def _audit_filters(args):
    """The audit log's filters from the query string: (form, keyword arguments for
    ``queries.audit_events``, valid). Invalid filters are ignored by the page."""
    filters = AuditFilterForm(formdata=args)
    actions = queries.audit_actions()
    filters.action.choices = [SelectChoice("", gettext("Any action"))] + [
        SelectChoice(action, AUDIT_ACTION_LABELS.get(action, action.replace("_", " ")))
        for action in actions]
    filters.actor.choices = [SelectChoice("", gettext("Anyone"))] + [
        SelectChoice(person.id, person.name) for person in queries.audit_actors()]
    valid = filters.validate()  # invalid filters are shown with their errors, and ignored
    chosen = {"action": filters.action.data, "actor_id": filters.actor.data,
              "date_from": filters.date_from.data, "date_to": filters.date_to.data} \
        if valid else {}
    return filters, chosen, valid


@bp.get("/audit")
@roles(Role.ADMIN)
def audit():
    """Who changed which account or organisation, newest first, 50 to a page."""
    filters, chosen, valid = _audit_filters(request.args)
    page = queries.audit_events(**chosen, page=request.args.get("page", 1, type=int))
    query_args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("admin/audit.html", filters=filters, page=page, valid=valid,
                           query_args=query_args, describe=queries.describe,
                           action_labels=AUDIT_ACTION_LABELS)


AUDIT_COLUMNS = [
    Column(_l("When"), "#date", DATETIME), Column(_l("Who"), "#contact+name"),
    Column(_l("Action"), "#activity+type", safe=True), Column(_l("What"), "#description"),
    Column(_l("About"), None, safe=True), Column(_l("Event"), None, NUMBER),
]


@export_routes(bp, "/audit", endpoint="audit_export")
@roles(Role.ADMIN)
def audit_export(fmt: str):
    """The filtered audit log, all of it, newest first, as CSV or XLSX."""
    filters, chosen, _ = _audit_filters(request.args)
    refuse_invalid(filters, request.args)
    system = gettext("the system")

    def rows():
        for event in queries.audit_event_rows(**chosen):
            yield [event.at, event.actor.name if event.actor else system,
                   str(AUDIT_ACTION_LABELS.get(event.action, event.action.replace("_", " "))),
                   queries.describe(event, ROLES),
                   f"{event.target_type} {event.target_id}" if event.target_type else None,
                   event.id]

    return export_response("audit-log", AUDIT_COLUMNS, rows(), fmt)


# Settings

class SettingsForm(FlaskForm):
    public_needs_list = BooleanField(_l("Publish the needs list"))


@bp.route("/settings", methods=["GET", "POST"])
@roles(Role.ADMIN)
def settings():
    """Switches an admin changes while the app runs: the public needs list."""
    form = SettingsForm()
    if form.validate_on_submit():
        app_settings.change_setting(app_settings.PUBLIC_NEEDS_LIST,
                                    bool(form.public_needs_list.data), actor=current_user)
        flash(gettext("The needs list is published.") if form.public_needs_list.data
              else gettext("The needs list is no longer published."), "success")
        return redirect(url_for("admin.settings"), 303)
    if request.method == "GET":
        form.public_needs_list.data = bool(app_settings.setting(app_settings.PUBLIC_NEEDS_LIST))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/settings.html", form=form), status
