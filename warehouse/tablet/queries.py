"""What the tablet pages show: the tablets, and whose PIN a manager may set; and which
tablet the browser of the current request is."""
from flask import g, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from warehouse.accounts.models import Role, TabletDevice, User
from warehouse.extensions import db
from warehouse.stock.models import Site
from warehouse.tablet.services import PIN_ROLES, tablet_for_token

COOKIE_NAME = "warehouse_tablet"


def tablets() -> list[TabletDevice]:
    """Every tablet, active ones first, newest first, with its site and who enabled it."""
    return list(db.session.scalars(
        select(TabletDevice)
        .options(joinedload(TabletDevice.site), joinedload(TabletDevice.created_by))
        .order_by(TabletDevice.active.desc(), TabletDevice.created_at.desc(),
                  TabletDevice.id.desc())))


def open_sites() -> list[Site]:
    return list(db.session.scalars(
        select(Site).where(Site.active.is_(True)).order_by(Site.name)))


def people_whose_pin_actor_sets(actor: User) -> list[User]:
    """Active people whose PIN ``actor`` may set, by name: volunteers for a manager, and
    managers too for an admin (a manager's own PIN is set on their own PIN page)."""
    roles = [Role.VOLUNTEER] if actor.role == Role.MANAGER else list(PIN_ROLES)
    return list(db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([r.value for r in roles]),
               User.id != actor.id)
        .order_by(func.lower(User.name), User.id)))


def device_tablet() -> TabletDevice | None:
    """The active tablet this browser is, from its cookie."""
    if "device_tablet" not in g:
        g.device_tablet = tablet_for_token(request.cookies.get(COOKIE_NAME))
    return g.device_tablet
