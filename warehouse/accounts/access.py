"""Who may open which route, declared on each view and enforced in one place.

Every view carries an ``Access`` (``@public``, ``@signed_in`` or ``@roles(...)``); the
``before_request`` hook refuses any route without one, so a new page cannot be forgotten.
Objects that belong to an organisation are read through ``visible_to`` or
``get_visible_or_404``, so a coordinator never reaches another partner's data: it is not
found, rather than forbidden, so its existence is not revealed either.
"""
from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

from warehouse.accounts.models import Role
from warehouse.extensions import db, login_manager

ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.MANAGER})
WAREHOUSE = frozenset({Role.ADMIN, Role.MANAGER, Role.VOLUNTEER})


@dataclass(frozen=True)
class Access:
    public: bool = False
    roles: frozenset = ALL_ROLES
    #: The route shows one organisation's objects: other partners' coordinators get 404.
    scoped: bool = False


def _declare(access: Access):
    def decorator(view):
        view.access = access
        return view

    return decorator


def public(view):
    """Anyone, signed in or not."""
    return _declare(Access(public=True))(view)


def signed_in(view):
    """Any signed-in user."""
    return _declare(Access())(view)


def roles(*allowed: Role, scoped: bool = False):
    """Signed-in users with one of ``allowed`` roles."""
    return _declare(Access(roles=frozenset(allowed), scoped=scoped))


def access_of(endpoint: str) -> Access | None:
    if endpoint == "static" or endpoint.endswith(".static"):
        return Access(public=True)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def enforce_access():
    """``before_request``: apply the route's declared access, refusing undeclared routes."""
    if request.endpoint is None:  # no such route: the 404 handler answers
        return None
    access = access_of(request.endpoint)
    if access is None:
        current_app.logger.error("route %s declares no access policy", request.endpoint)
        abort(403)
    if access.public:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in access.roles:
        abort(403)
    return None


def visible_to(statement, model, user):
    """Limit a select of ``model`` rows to what ``user`` may see."""
    if user.role == Role.COORDINATOR:
        return statement.where(model.organisation_id == user.organisation_id)
    return statement


def get_visible_or_404(model, id_, user):
    """Load one row of ``model`` that ``user`` may see, or answer 404."""
    obj = db.session.get(model, id_)
    if obj is None:
        abort(404)
    if user.role == Role.COORDINATOR and obj.organisation_id != user.organisation_id:
        abort(404)
    return obj
