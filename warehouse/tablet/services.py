"""Warehouse tablet mode: shared tablets on which volunteers switch by name and PIN.

A manager turns a browser into a tablet; the browser keeps a random token in a cookie and
the database keeps only the token's SHA-256. On that tablet, a volunteer or manager who has a
PIN picks their name and types the PIN, so every scan is attributed to a person without
typing a password on a shared screen. A PIN works only on an active tablet: the tablet is the
second thing an attacker would need.
"""
import hashlib
import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from warehouse.accounts.models import Role, TabletDevice, User
from warehouse.audit.services import record
from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.stock.models import Site
from warehouse.tablet import errors

PIN_LENGTH = 4
#: Who signs in on tablets. Coordinators work from their own phones, admins from laptops.
PIN_ROLES = frozenset({Role.VOLUNTEER, Role.MANAGER})
TABLET_RUNNERS = frozenset({Role.MANAGER, Role.ADMIN})
MAX_TABLET_NAME_LENGTH = 80
#: Length of ``secrets.token_urlsafe(32)``: a token of any other length was not made here.
TOKEN_LENGTH = 43
# The digit row of a French AZERTY keyboard without Shift: a PIN typed on a French tablet's
# hardware keyboard (or by a keyboard-wedge set to another layout) arrives as these.
_AZERTY_DIGITS = str.maketrans("&é\"'(-è_çà", "1234567890")
# Checked when there is nobody to check against, so a wrong name takes as long as a wrong PIN.
_DUMMY_PIN_HASH = generate_password_hash("0000")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def enable_tablet(*, actor: User, name: str, site_id: int | None = None,
                  token: str | None = None, replaces: int | None = None):
    """Register a shared tablet and return ``(TabletDevice, raw_token)``.

    Only the token's SHA-256 is stored; the raw token goes to the tablet's cookie and is
    never seen again. ``token`` is one made earlier by ``new_token`` and kept in the
    manager's session while the form was shown, so a double-submitted form registers one
    tablet: the replay finds the tablet already registered with this token and returns it.
    Without one, a fresh token is made, and enabling again (on another device, or after a
    retirement) registers another tablet. ``replaces`` is the tablet this browser was until
    now: it is retired in the same transaction.

    Raises ``OnlyManagersRunTablets``, ``TabletNameRequired``, ``TabletNameTooLong`` or
    ``UnknownSite``.
    """
    _check_runs_tablets(actor)
    name = " ".join((name or "").split())
    if not name:
        raise errors.TabletNameRequired()
    if len(name) > MAX_TABLET_NAME_LENGTH:
        raise errors.TabletNameTooLong(maximum=MAX_TABLET_NAME_LENGTH)
    if site_id is not None:
        site = db.session.get(Site, site_id)
        if site is None or not site.active:
            raise errors.UnknownSite()
    if token is not None and isinstance(token, str) and len(token) == TOKEN_LENGTH:
        existing = _tablet_with_hash(hash_token(token))
        if existing is not None:
            if existing.active:
                return existing, token  # the same form sent twice
            token = None  # that tablet was retired since: start afresh
    else:
        token = None
    token = token or new_token()
    tablet = TabletDevice(name=name, token_hash=hash_token(token), site_id=site_id,
                          created_by_id=actor.id, active=True)
    db.session.add(tablet)
    if replaces is not None:
        old = db.session.get(TabletDevice, replaces)
        if old is not None and old.active:
            old.active = False
            record(actor=actor, action="tablet.retired", target=old,
                   summary=f"Tablet “{old.name}” retired: the device was enabled again")
    try:
        db.session.flush()
        record(actor=actor, action="tablet.enabled", target=tablet,
               summary=f"Tablet “{name}” enabled", site_id=site_id)
        db.session.commit()
    except IntegrityError:
        # Both submissions of one form raced past the look-up: the other one registered it.
        db.session.rollback()
        existing = _tablet_with_hash(hash_token(token))
        if existing is None:
            raise
        return existing, token
    return tablet, token


def new_token() -> str:
    return secrets.token_urlsafe(32)


def retire_tablet(*, actor: User, tablet_id: int) -> TabletDevice:
    """Take a tablet out of tablet mode; its PIN sessions end at their next request.

    Retiring a retired tablet changes nothing. Raises ``OnlyManagersRunTablets`` or
    ``TabletNotFound``.
    """
    _check_runs_tablets(actor)
    tablet = db.session.get(TabletDevice, tablet_id)
    if tablet is None:
        raise errors.TabletNotFound()
    if tablet.active:
        tablet.active = False
        record(actor=actor, action="tablet.retired", target=tablet,
               summary=f"Tablet “{tablet.name}” retired")
        db.session.commit()
    return tablet


def next_session_generation(tablet_id: int) -> int:
    """Move the tablet on to a new session generation, and return it.

    Called when someone signs in on the tablet or switches user: every session cookie of
    an earlier generation, however late it reaches the browser, then signs nobody in.
    """
    generation = db.session.scalar(
        update(TabletDevice).where(TabletDevice.id == tablet_id)
        .values(session_generation=TabletDevice.session_generation + 1)
        .returning(TabletDevice.session_generation))
    db.session.commit()
    return generation


def tablet_for_token(token: str | None) -> TabletDevice | None:
    """The active tablet holding ``token``, or None."""
    if not token or not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        return None
    tablet = _tablet_with_hash(hash_token(token))
    return tablet if tablet is not None and tablet.active else None


def _tablet_with_hash(token_hash: str) -> TabletDevice | None:
    return db.session.scalar(select(TabletDevice).where(TabletDevice.token_hash == token_hash))


def _check_runs_tablets(actor: User) -> None:
    if actor is None or actor.role not in TABLET_RUNNERS:
        raise errors.OnlyManagersRunTablets()


def normalise_pin(pin: str | None) -> str:
    """Digits typed on a French keyboard without Shift become digits; spaces go."""
    return "".join((pin or "").split()).translate(_AZERTY_DIGITS)


def check_pin_policy(pin: str) -> str:
    """Return the normalised PIN, or raise ``PinMustBeFourDigits`` or ``PinTooEasy``.

    Too easy: one digit four times (0000), a straight run up or down, wrapping past 9
    (1234, 7890, 9876), or a repeated pair (1212).
    """
    pin = normalise_pin(pin)
    if len(pin) != PIN_LENGTH or not pin.isascii() or not pin.isdigit():
        raise errors.PinMustBeFourDigits()
    digits = [int(c) for c in pin]
    steps = {(b - a) % 10 for a, b in zip(digits, digits[1:])}
    if (len(steps) == 1 and steps <= {0, 1, 9}) or pin[:2] == pin[2:]:
        raise errors.PinTooEasy()
    return pin


def may_set_pin(actor: User, user: User) -> bool:
    """Anyone their own; a manager a volunteer's; an admin a volunteer's or a manager's."""
    if actor.id == user.id:
        return True
    if actor.role == Role.ADMIN:
        return user.role in PIN_ROLES
    return actor.role == Role.MANAGER and user.role == Role.VOLUNTEER


def check_may_set_pin(actor: User, user: User) -> None:
    """Raise ``PinsAreForWarehouseStaff`` or ``NotAllowedToSetPin`` unless ``actor`` may set
    ``user``'s PIN."""
    if user.role not in PIN_ROLES:
        raise errors.PinsAreForWarehouseStaff(name=user.name)
    if not may_set_pin(actor, user):
        raise errors.NotAllowedToSetPin()


def set_pin(*, actor: User, user: User, pin: str, current_pin: str | None = None) -> None:
    """Give ``user`` a new tablet PIN, stored hashed, and commit.

    Someone changing their own PIN proves the current one first (``current_pin``), so a
    volunteer who leaves a tablet signed in cannot have their PIN changed behind their back;
    someone who has forgotten it asks a manager. A PIN set for someone else is audited.

    Raises ``PinsAreForWarehouseStaff``, ``NotAllowedToSetPin``, ``CurrentPinNotRight``,
    ``PinMustBeFourDigits`` or ``PinTooEasy``.
    """
    check_may_set_pin(actor, user)
    if actor.id == user.id and user.pin_hash \
            and not user.check_pin(normalise_pin(current_pin)):
        raise errors.CurrentPinNotRight()
    pin = check_pin_policy(pin)
    user.pin_hash = generate_password_hash(pin)
    if actor.id != user.id:
        record(actor=actor, action="user.pin_set", target=user,
               summary=f"Tablet PIN set for {user.name}")
    db.session.commit()


def pin_users(tablet: TabletDevice | None) -> list[User]:
    """The people who can sign in on ``tablet``: active volunteers and managers with a PIN.

    Sorted by name, ignoring case. Nobody, on a missing or retired tablet.
    """
    if tablet is None or not tablet.active:
        return []
    return list(db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.role.in_([r.value for r in PIN_ROLES]),
               User.pin_hash.is_not(None))
        .order_by(func.lower(User.name), User.id)))


def switch_user(*, tablet: TabletDevice | None, user_id, pin: str) -> User:
    """Return the person who picked their name on ``tablet`` and typed their PIN.

    Raises ``NotATablet`` when the tablet is missing or retired, and ``PinNotRight`` for
    anything else that is wrong — an unknown or deactivated person, a coordinator, nobody
    with a PIN, a wrong PIN — so the answer does not tell who exists.
    """
    if tablet is None or not tablet.active:
        raise errors.NotATablet()
    pin = normalise_pin(pin)
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        user = None
    if user is None or not user.active or user.role not in PIN_ROLES or not user.pin_hash:
        check_password_hash(_DUMMY_PIN_HASH, pin)
        raise errors.PinNotRight()
    if not user.check_pin(pin):
        raise errors.PinNotRight()
    user.last_login_at = utcnow()
    db.session.commit()
    return user
