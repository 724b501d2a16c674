"""Warehouse tablet mode: the name picker, the PIN keypad, tablets and PINs.

A tablet session is an ordinary Flask-Login session with ``session["tablet_id"]``,
``session["last_activity"]`` (seconds since the epoch) and ``session["tablet_generation"]``
(the tablet's session generation when it began). ``end_idle_tablet_session`` runs before
every request: it ends the session after ``TABLET_IDLE_MINUTES`` without a request, as
soon as the tablet is retired, or once someone else signed in or switched user on the
tablet, and sends the tablet back to the picker.
"""
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user, login_user, logout_user

from warehouse.accounts.access import public, roles
from warehouse.accounts.models import Role, TabletDevice, User
from warehouse.core.errors import DomainError
from warehouse.core.http import problem, wants_json
from warehouse.extensions import db, limiter
from warehouse.tablet import errors, queries, services
from warehouse.tablet.forms import ChangeOwnPinForm, EnableTabletForm, PinForm, SetPinForm
from warehouse.tablet.queries import COOKIE_NAME, device_tablet

bp = Blueprint("tablet", __name__)

COOKIE_MAX_AGE = 365 * 24 * 3600  # a year: the tablet stays a tablet until it is retired
# Kept in the manager's session while the enable form is shown: see services.enable_tablet.
ENABLE_TOKEN_KEY = "tablet_enable_token"
TABLET_SESSION_KEYS = ("tablet_id", "last_activity", "tablet_generation")


# Failed PIN attempts are counted per person across the keypad and the own-PIN page, and
# per address; a success is not counted. A view sets g.pin_failed when a PIN was wrong.

def _pin_failed(_response) -> bool:
    return bool(g.get("pin_failed"))


def _pin_account_key() -> str:
    if request.endpoint == "tablet.own_pin":
        return f"pin:{current_user.id if current_user.is_authenticated else 'anonymous'}"
    return f"pin:{(request.view_args or {}).get('user_id')}"


_limit_pin_per_address = limiter.shared_limit(
    lambda: current_app.config["PIN_LIMIT_PER_ADDRESS"], scope="pin-address",
    methods=["POST"], deduct_when=_pin_failed)
_limit_pin_per_account = limiter.shared_limit(
    lambda: current_app.config["PIN_LIMIT_PER_ACCOUNT"], scope="pin-account",
    methods=["POST"], key_func=_pin_account_key, deduct_when=_pin_failed)


@bp.errorhandler(429)
def too_many_pin_attempts(_error):
    message = gettext("Too many wrong PINs. Wait a minute, then try again. If you have "
                      "forgotten your PIN, ask a manager to set a new one.")
    if wants_json():
        return problem(429, "too-many-pin-attempts", message)
    return render_template("tablet/too_many.html", message=message), 429


# The tablet of this device: the cookie, and the hook that ends idle sessions.

def idle_seconds() -> int:
    return int(current_app.config["TABLET_IDLE_MINUTES"]) * 60


def _end_tablet_session(*, switching: bool = False) -> None:
    """Sign the person out. ``switching``: they handed the tablet over, so any answer
    still on its way with their session in its cookie must not sign them back in."""
    tablet_id = session.get("tablet_id")
    if switching and tablet_id is not None:
        services.next_session_generation(tablet_id)
    logout_user()
    for key in TABLET_SESSION_KEYS:
        session.pop(key, None)
    # The next person gets their own language, not the previous volunteer's.
    session.pop("language", None)


def end_idle_tablet_session():
    """``before_request``: end a tablet session that has been idle, or whose tablet retired.

    A page request goes back to the picker with a message; a JSON request gets a 401
    problem. Other requests of a tablet session record the time, for the idle clock.
    Whoever signs in on a tablet with a password gets a tablet session too, so a manager
    who walks away from the shared screen is signed out like a volunteer.
    """
    if request.endpoint is None or request.endpoint == "static":
        return None
    tablet_id = session.get("tablet_id")
    now = time.time()
    if tablet_id is None:
        if COOKIE_NAME in request.cookies and current_user.is_authenticated \
                and device_tablet() is not None:
            session["tablet_id"] = device_tablet().id
            session["last_activity"] = now
            session["tablet_generation"] = device_tablet().session_generation
        return None
    last = session.get("last_activity")
    # The session lives on the tablet that started it: a copied session cookie is no use
    # without the tablet's own cookie, and a retired tablet has none that works.
    tablet = device_tablet()
    if tablet is None or tablet.id != tablet_id:
        message = gettext("This device is no longer in tablet mode.")
    elif not isinstance(last, (int, float)) or now - last > idle_seconds():
        message = ngettext(
            "Signed out after %(num)d minute without use. Pick your name to carry on.",
            "Signed out after %(num)d minutes without use. Pick your name to carry on.",
            current_app.config["TABLET_IDLE_MINUTES"])
    elif not current_user.is_authenticated \
            or session.get("tablet_generation") != tablet.session_generation:
        # Deactivated, signed out another way, or someone has switched user since.
        message = gettext("Pick your name to carry on.")
    else:
        session["last_activity"] = now
        return None
    _end_tablet_session()
    if wants_json():
        return problem(401, "tablet-session-ended", message)
    flash(message, "info")
    return redirect(url_for("tablet.picker"))


@bp.app_context_processor
def _tablet_layout():
    """``tablet_session`` for the header's Switch user button; ``tablet_idle_seconds`` for
    tablet.js's idle timer (a page can pass its own, as the keypad does)."""
    in_tablet_session = bool(session.get("tablet_id")) and current_user.is_authenticated
    return {"tablet_session": in_tablet_session,
            "tablet_idle_seconds": idle_seconds() if in_tablet_session else None}


def _set_tablet_cookie(response, token: str) -> None:
    response.set_cookie(COOKIE_NAME, token, max_age=COOKIE_MAX_AGE, httponly=True,
                        samesite="Lax", path="/",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


def _clear_tablet_cookie(response) -> None:
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="Lax",
                           secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))


# The picker and the keypad: public, but only a device with a tablet cookie shows them.

@bp.get("/tablet")
@public
def picker():
    """The names of everyone who can sign in here; or how to make this device a tablet."""
    tablet = device_tablet()
    if tablet is None:
        stale = COOKIE_NAME in request.cookies
        response = current_app.make_response(
            render_template("tablet/not_a_tablet.html", retired=stale))
        if stale:
            _clear_tablet_cookie(response)
        return response
    return render_template("tablet/picker.html", tablet=tablet,
                           people=services.pin_users(tablet))


@bp.route("/tablet/pin/<int:user_id>", methods=["GET", "POST"])
@public
@_limit_pin_per_address
@_limit_pin_per_account
def pin(user_id: int):
    """The keypad for one person: the right PIN signs them in on this tablet."""
    tablet = device_tablet()
    if tablet is None:
        return redirect(url_for("tablet.picker"))
    people = services.pin_users(tablet)
    person = next((p for p in people if p.id == user_id), None)
    # A name not on the picker has no keypad (a form sent anyway gets the usual answer).
    if person is None and request.method == "GET":
        abort(404)
    form = PinForm()
    if form.validate_on_submit():
        try:
            user = services.switch_user(tablet=tablet, user_id=user_id, pin=form.pin.data)
        except errors.PinNotRight as error:
            g.pin_failed = True
            form.pin.errors.append(error.message)
        else:
            _start_tablet_session(user, tablet)
            flash(gettext("Hello %(name)s. When you are done, tap “Switch user”.",
                          name=user.name), "success")
            return redirect(url_for("home"))
    return render_template("tablet/keypad.html", form=form, tablet=tablet, person=person,
                           tablet_idle_seconds=idle_seconds())


def _start_tablet_session(user: User, tablet: TabletDevice) -> None:
    logout_user()
    session.pop("language", None)
    login_user(user)
    session["tablet_id"] = tablet.id
    session["last_activity"] = time.time()
    session["tablet_generation"] = services.next_session_generation(tablet.id)


@bp.post("/tablet/switch")
@public
def switch():
    """Sign the current person out, back to the picker (the header's Switch user)."""
    _end_tablet_session(switching=True)
    return redirect(url_for("tablet.picker"))


@bp.get("/tablet/alive")
@public
def alive():
    """Touched by tablet.js while someone is using the page, so typing a long form is
    activity too. The idle hook does the work: 401 once the session has ended."""
    return "", 204


# Managing tablets.

@bp.route("/tablet/enable", methods=["GET", "POST"])
@roles(Role.MANAGER, Role.ADMIN)
def enable():
    """Make this browser a shared tablet, then sign the manager out to the picker.

    A double-submitted form registers one tablet: the token is made when the form is shown
    and kept in the session until the tablet is registered (see ``enable_tablet``).
    """
    current = device_tablet()
    form = EnableTabletForm()
    form.set_sites(queries.open_sites())
    if form.validate_on_submit():
        try:
            tablet, token = services.enable_tablet(
                actor=current_user, name=form.name.data, site_id=form.site_id,
                token=session.get(ENABLE_TOKEN_KEY),
                replaces=current.id if current is not None else None)
        except DomainError as error:
            field = form.site if isinstance(error, errors.UnknownSite) else form.name
            field.errors.append(error.message)
        else:
            session.pop(ENABLE_TOKEN_KEY, None)
            # Whoever enabled it leaves: the next person signs in with their own PIN.
            logout_user()
            for key in TABLET_SESSION_KEYS:
                session.pop(key, None)
            flash(gettext("This device is now the tablet “%(name)s”. Volunteers tap their "
                          "name and type their PIN.", name=tablet.name), "success")
            response = redirect(url_for("tablet.picker"))
            _set_tablet_cookie(response, token)
            return response
    session.setdefault(ENABLE_TOKEN_KEY, services.new_token())
    return render_template("tablet/enable.html", form=form, current=current)


@bp.post("/tablet/retire")
@roles(Role.MANAGER, Role.ADMIN)
def retire():
    """Retire the tablet named in the form, or this device's tablet.

    Retiring this device's own tablet also clears its cookie and signs out, since a shared
    device must not stay signed in without the idle timeout.
    """
    current = device_tablet()
    tablet_id = request.form.get("tablet_id", type=int) or (current.id if current else None)
    if tablet_id is None:  # no tablet named, and this device is none
        raise errors.TabletNotFound()
    tablet = services.retire_tablet(actor=current_user, tablet_id=tablet_id)
    if current is not None and current.id == tablet.id:
        _end_tablet_session()
        flash(gettext("Tablet mode is off on this device (“%(name)s”).", name=tablet.name),
              "success")
        response = redirect(url_for("tablet.picker"))
        _clear_tablet_cookie(response)
        return response
    flash(gettext("The tablet “%(name)s” is retired. Anyone signed in on it is signed out.",
                  name=tablet.name), "success")
    return redirect(url_for("tablet.devices"))


@bp.get("/tablet/devices")
@roles(Role.MANAGER, Role.ADMIN)
def devices():
    """Every tablet, with a Retire button on the active ones."""
    current = device_tablet()
    return render_template("tablet/devices.html", tablets=queries.tablets(),
                           current_id=current.id if current else None)


# PINs.

@bp.get("/tablet/pins")
@roles(Role.MANAGER, Role.ADMIN)
def pins():
    """Who has a PIN, with a link to set each one's."""
    return render_template("tablet/pins.html",
                           people=queries.people_whose_pin_actor_sets(current_user))


@bp.route("/tablet/users/<int:user_id>/pin", methods=["GET", "POST"])
@roles(Role.MANAGER, Role.ADMIN)
def user_pin(user_id: int):
    """A manager sets a volunteer's PIN (an admin, a manager's too)."""
    person = db.session.get(User, user_id)
    if person is None or not person.active:
        abort(404)
    if person.id == current_user.id:
        return redirect(url_for("tablet.own_pin"))
    services.check_may_set_pin(current_user, person)
    form = SetPinForm()
    if form.validate_on_submit():
        try:
            services.set_pin(actor=current_user, user=person, pin=form.pin.data)
        except DomainError as error:
            form.pin.errors.append(error.message)
        else:
            flash(gettext("%(name)s's PIN is set. Tell them in person, not in writing.",
                          name=person.name), "success")
            return redirect(url_for("tablet.pins"))
    return render_template("tablet/set_pin.html", form=form, person=person)


@bp.route("/account/pin", methods=["GET", "POST"])
@roles(Role.MANAGER, Role.VOLUNTEER)
@_limit_pin_per_address
@_limit_pin_per_account
def own_pin():
    """Set or change one's own PIN; changing it asks for the current one."""
    form = ChangeOwnPinForm()
    has_pin = bool(current_user.pin_hash)
    if form.validate_on_submit():
        try:
            services.set_pin(actor=current_user, user=current_user, pin=form.pin.data,
                             current_pin=form.current_pin.data)
        except errors.CurrentPinNotRight as error:
            g.pin_failed = True
            form.current_pin.errors.append(error.message)
        except DomainError as error:
            form.pin.errors.append(error.message)
        else:
            flash(gettext("Your PIN is set. Use it to sign in on the warehouse tablets."),
                  "success")
            return redirect(url_for("home"))
    return render_template("tablet/set_pin.html", form=form, person=current_user,
                           own=True, has_pin=has_pin)
