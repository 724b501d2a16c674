"""Forms of tablet mode. The PIN rules live in the services, which say what is wrong."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from warehouse.tablet.services import MAX_TABLET_NAME_LENGTH

# A numeric keyboard on tablets and phones; no browser password manager on a shared screen.
_PIN_INPUT = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 8,
              "class": "pin-input", "spellcheck": "false"}


class EnableTabletForm(FlaskForm):
    name = StringField(
        _l("Name of this tablet"),
        validators=[DataRequired(message=_l("Give the tablet a name, for example “Intake 1”.")),
                    Length(max=MAX_TABLET_NAME_LENGTH, message=_l(
                        "The name can have at most %(max)d characters."))],
        render_kw={"autocomplete": "off", "placeholder": _l("for example: Intake 1")})
    site = SelectField(_l("Site"), choices=[], default="")

    def set_sites(self, sites) -> None:
        self.site.choices = [("", _l("No particular site"))] + [
            (str(site.id), site.name) for site in sites]

    @property
    def site_id(self) -> int | None:
        return int(self.site.data) if self.site.data else None


class PinForm(FlaskForm):
    """The keypad: any mistake gets the same answer, so no validators here."""

    pin = PasswordField(_l("PIN"), render_kw=_PIN_INPUT)


class SetPinForm(FlaskForm):
    pin = PasswordField(_l("New PIN"), render_kw=_PIN_INPUT, validators=[
        DataRequired(message=_l("Type 4 digits."))])
    confirm = PasswordField(_l("New PIN again"), render_kw=_PIN_INPUT, validators=[
        DataRequired(message=_l("Type the same 4 digits again.")),
        EqualTo("pin", message=_l("The two PINs are not the same. Type the same 4 digits "
                                  "twice."))])


class ChangeOwnPinForm(SetPinForm):
    current_pin = PasswordField(_l("Current PIN"), render_kw=_PIN_INPUT)
