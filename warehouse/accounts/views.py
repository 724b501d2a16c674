"""Signing in and out, one's own account, forgotten passwords and invitations."""
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from warehouse.accounts import errors, services, tokens
from warehouse.accounts.access import public, signed_in
from warehouse.accounts.api_tokens import active_tokens, create_token, revoke_token
from warehouse.accounts.forms import (
    LANGUAGE_NAMES,
    ApiTokenForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
)
from warehouse.core.errors import DomainError
from warehouse.core.words import ROLES
from warehouse.extensions import db, limiter

# Asking for a password link sends an e-mail: a few per address an hour is plenty, and
# many volunteers share the warehouse's one network address.
DEFAULT_FORGOT_LIMIT_PER_ADDRESS = "20 per hour"
DEFAULT_FORGOT_LIMIT_PER_EMAIL = "3 per hour;10 per day"

bp = Blueprint("accounts", __name__)


@bp.context_processor
def _account_values():

    role = current_user.role if current_user.is_authenticated else None
    return {"min_password_length": services.MIN_PASSWORD_LENGTH,
            "role_label": ROLES.get(role, role)}


def _failed_attempt(response) -> bool:
    """Only failed sign-ins count towards the limits (a success redirects)."""
    return request.method == "POST" and response.status_code != 302


def _email_key() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed_attempt)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_email_key, deduct_when=_failed_attempt)
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except DomainError as error:
            form.password.errors.append(error.message)
            status = 200
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    flash(gettext("You are signed out."), "success")
    return redirect(url_for("accounts.login"))


def safe_next(target: str | None) -> str:
    """Follow ``next`` only to a path on this site, never to another host.

    Control characters are refused too: browsers drop tabs and newlines inside a URL, so
    ``/<tab>/evil.example`` would become ``//evil.example``.
    """
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and target.isprintable():
        return target
    return url_for("home")


# One's own account

def _account_page(password_form=None, language_form=None, status=200, token_form=None,
                  new_token=None):
    if language_form is None:
        language_form = LanguageForm()
        language_form.language.data = str(get_locale())
    _language_choices(language_form)
    return render_template("accounts/account.html",
                           password_form=password_form or ChangePasswordForm(),
                           language_form=language_form,
                           token_form=token_form or ApiTokenForm(),
                           api_tokens=active_tokens(current_user), new_token=new_token), status


def _language_choices(form: LanguageForm) -> None:
    form.language.choices = [SelectChoice(code, LANGUAGE_NAMES.get(code, code))
                             for code in current_app.config["LANGUAGES"]]


@bp.get("/account")
@signed_in
def account():
    """Who you are, your password and your language."""
    return _account_page()


@bp.post("/account/api-tokens")
@signed_in
def create_api_token():
    """Make a personal API token; its secret is shown on this answer only."""
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = create_token(current_user, form.name.data)
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            return _account_page(new_token=secret)
    return _account_page(token_form=form, status=422)


@bp.post("/account/api-tokens/<int:token_id>/revoke")
@signed_in
def revoke_api_token(token_id: int):
    """Revoke one of one's own API tokens: it stops working at once."""
    token = revoke_token(current_user, token_id)
    flash(gettext("The token “%(name)s” is revoked: it no longer works.", name=token.name),
          "success")
    return redirect(url_for("accounts.account", _anchor="api-tokens-heading"), 303)


@bp.post("/account/password")
@signed_in
def change_password():
    """Change one's password; other sessions end, this one stays signed in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, current=form.current_password.data,
                                     new=form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            field = form.current_password if isinstance(error, errors.WrongPassword) \
                else form.new_password
            field.errors.append(error.message)
        else:
            _sign_in_again(current_user._get_current_object())
            flash(gettext("Your password is changed. Any other device signed in with your "
                          "account has been signed out."), "success")
            return redirect(url_for("accounts.account"), 303)
    return _account_page(password_form=form, status=422)


def _sign_in_again(user) -> None:
    """Put the user's new session version in this session (and its remember-me cookie)."""
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=cookie in request.cookies)


@bp.post("/account/language")
@signed_in
def save_language():
    """Remember the language of the pages and of the e-mails sent to you."""
    form = LanguageForm()
    _language_choices(form)
    if not form.validate_on_submit():
        return _account_page(language_form=form, status=422)
    services.set_locale(current_user, form.language.data)
    session["language"] = form.language.data
    flash(gettext("Language saved."), "success")
    return redirect(url_for("accounts.account"), 303)


# Forgotten password

def _forgot_email_key() -> str:
    return "forgot:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config.get("FORGOT_LIMIT_PER_ADDRESS",
                                              DEFAULT_FORGOT_LIMIT_PER_ADDRESS),
               methods=["POST"], scope="forgot-address")
@limiter.limit(lambda: current_app.config.get("FORGOT_LIMIT_PER_EMAIL",
                                              DEFAULT_FORGOT_LIMIT_PER_EMAIL),
               methods=["POST"], key_func=_forgot_email_key, scope="forgot-email")
def forgot_password():
    """Ask for a link to choose a new password.

    The answer is the same whether or not the address has an account.
    """
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data, link_for=_reset_link)
        flash(gettext("If an account exists for %(email)s, we have sent it a link to choose "
                      "a new password. The link works for %(hours)s hours. If nothing "
                      "arrives in a few minutes, look in the spam folder, or ask an admin.",
                      email=form.email.data.strip(), hours=tokens.password_reset_hours()),
              "info")
        return redirect(url_for("accounts.login"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


def _reset_link(token: str) -> str:
    return url_for("accounts.reset_password", token=token, _external=True)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    """Choose a new password from the link in the e-mail."""
    try:
        user = services.check_password_reset(token)
    except tokens.LinkNotValid as error:
        return render_template("accounts/link_problem.html", message=error.message,
                               invitation=False), error.status
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token=token, password=form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            form.new_password.errors.append(error.message)
        else:
            login_user(user)
            flash(gettext("Your new password is saved and you are signed in. Any other "
                          "device signed in with your account has been signed out."),
                  "success")
            return redirect(url_for("home"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/choose_password.html", form=form, user=user,
                           invitation=False), status


# Invitations

@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """Choose a first password from an invitation, and sign in."""
    try:
        user = services.check_invitation(token)
    except tokens.LinkNotValid as error:
        return render_template("accounts/link_problem.html", message=error.message,
                               invitation=True), error.status
    form = ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token=token, password=form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            form.new_password.errors.append(error.message)
        else:
            login_user(user)
            flash(gettext("Welcome, %(name)s: your password is saved and you are signed in.",
                          name=user.name), "success")
            return redirect(url_for("home"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/choose_password.html", form=form, user=user,
                           invitation=True), status
