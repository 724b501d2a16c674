"""Write to the audit log, in the caller's transaction."""
from warehouse.audit.models import AuditEvent
from warehouse.extensions import db


def record(*, actor, action: str, target, summary: str, **details) -> AuditEvent:
    """Add an audit event for ``action`` on ``target``; the caller commits with its change."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None, action=action,
        target_type=type(target).__name__.lower(), target_id=target.id, summary=summary,
        details={key: _plain(value) for key, value in details.items()})
    db.session.add(event)
    return event


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
