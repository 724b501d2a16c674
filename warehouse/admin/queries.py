"""What the administration pages read: users, organisations and the audit log."""
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from warehouse.accounts.models import Organisation, OrganisationKind, Role, User
from warehouse.accounts.services import AUDIT_SUMMARIES
from warehouse.audit.models import AuditEvent
from warehouse.core.clock import day_start
from warehouse.extensions import db

PER_PAGE = 50


def users(*, q: str | None = None, role: str | None = None,
          organisation_id: int | None = None, status: str | None = None,
          page: int = 1):
    """One page of users by name, filtered; ``status`` is active, invited or deactivated."""
    statement = select(User).order_by(func.lower(User.name), User.id)
    if q:
        needle = q.strip().lower()
        statement = statement.where(or_(
            func.lower(User.name).contains(needle, autoescape=True),
            func.lower(User.email).contains(needle, autoescape=True)))
    if role:
        statement = statement.where(User.role == Role(role))
    if organisation_id:
        statement = statement.where(User.organisation_id == organisation_id)
    if status == "active":
        statement = statement.where(User.active.is_(True), User.password_hash.is_not(None))
    elif status == "invited":
        statement = statement.where(User.active.is_(True), User.password_hash.is_(None))
    elif status == "deactivated":
        statement = statement.where(User.active.is_(False))
    return db.paginate(statement, page=page, per_page=PER_PAGE, max_per_page=PER_PAGE,
                       error_out=False)


def user_status(user: User) -> str:
    if not user.active:
        return "deactivated"
    return "active" if user.password_hash else "invited"


def organisations() -> list[Organisation]:
    """Every organisation, the operator first, then partners by name."""
    return list(db.session.scalars(select(Organisation).order_by(
        Organisation.kind != OrganisationKind.OPERATOR, func.lower(Organisation.name))))


def partner_organisations(*, include: Organisation | None = None) -> list[Organisation]:
    """Active partners by name, plus ``include`` (a user's current one) if it is not."""
    found = list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PARTNER,
                                   Organisation.active.is_(True))
        .order_by(func.lower(Organisation.name))))
    if include is not None and include not in found:
        found.append(include)
    return found


def active_user_counts() -> dict[int, int]:
    """Active users per organisation id."""
    return dict(db.session.execute(
        select(User.organisation_id, func.count()).where(User.active.is_(True),
                                                         User.organisation_id.is_not(None))
        .group_by(User.organisation_id)).all())


def _audit_statement(*, action: str | None = None, actor_id: int | None = None,
                     date_from: date | None = None, date_to: date | None = None,
                     target_type: str | None = None, target_id: int | None = None):
    statement = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        statement = statement.where(AuditEvent.action == action)
    if actor_id:
        statement = statement.where(AuditEvent.actor_id == actor_id)
    if date_from:
        statement = statement.where(AuditEvent.at >= day_start(date_from))
    if date_to:
        statement = statement.where(AuditEvent.at < day_start(date_to + timedelta(days=1)))
    if target_type:
        statement = statement.where(AuditEvent.target_type == target_type,
                                    AuditEvent.target_id == target_id)
    return statement


def audit_events(*, page: int = 1, per_page: int = PER_PAGE, **filters):
    """One page of audit events, newest first. Dates are whole local days, both included.

    ``filters``: action, actor_id, date_from, date_to, target_type and target_id.
    """
    return db.paginate(_audit_statement(**filters), page=page, per_page=per_page,
                       max_per_page=PER_PAGE, error_out=False)


def audit_event_rows(**filters):
    """Every audit event ``audit_events`` filters to, newest first, read in batches."""
    statement = _audit_statement(**filters).options(selectinload(AuditEvent.actor))
    yield from db.session.scalars(statement.execution_options(yield_per=500))


def audit_actions() -> list[str]:
    """Every action the log holds, written by this area or any other."""
    return list(db.session.scalars(
        select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_actors() -> list[User]:
    """Everyone who has done something the log holds, by name."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(AuditEvent.actor_id).distinct()))
        .order_by(func.lower(User.name))))


def describe(event: AuditEvent, role_labels: dict) -> str:
    """The event's summary in the reader's language.

    Events of this area are translated from their template; any other event shows the
    summary it was recorded with.
    """
    template = AUDIT_SUMMARIES.get(event.action)
    if template is None:
        return event.summary
    params = {}
    for key, value in (event.details or {}).items():
        if key.endswith("role") and value in role_labels:
            value = role_labels[value]
        params[key] = "—" if value is None else value
    try:
        return gettext(template, **params)
    except (KeyError, ValueError, TypeError):
        return event.summary
