"""Signing in and out."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from warehouse.accounts import services
from warehouse.accounts.access import public, signed_in
from warehouse.accounts.forms import LoginForm
from warehouse.errors import DomainError
from warehouse.extensions import limiter

bp = Blueprint("accounts", __name__)


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
