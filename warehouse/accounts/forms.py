"""Sign-in and account forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from warehouse.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

MAX_EMAIL_LENGTH = 254
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField(_l("Password"),
                             validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))


def _new_password_fields():
    new = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Enter a new password.")),
                    Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH})
    repeat = PasswordField(
        _l("New password again"),
        validators=[InputRequired(_l("Type the new password a second time.")),
                    EqualTo("new_password", _l("The two new passwords are not the same: "
                                               "type them again."))],
        render_kw={"autocomplete": "new-password"})
    return new, repeat


class ChoosePasswordForm(FlaskForm):
    """A first password (invitation) or a new one (link from the forgotten password mail)."""

    new_password, repeat_password = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Enter your current password.")),
                    Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"})
    new_password, repeat_password = _new_password_fields()


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language of the pages and e-mails"),
                           choices=[SelectChoice(code, name)
                                    for code, name in LANGUAGE_NAMES.items()])


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name of the new token"),
                       validators=[InputRequired(_l("Give the token a name.")), Length(max=80)],
                       render_kw={"maxlength": 80, "autocomplete": "off"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter the e-mail address you sign in with.")),
                    Length(max=MAX_EMAIL_LENGTH)],
        render_kw={"autocomplete": "username", "autofocus": True})
