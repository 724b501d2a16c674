"""Forms of the label pages: a print job, and a printer profile."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from warehouse.labels import THERMAL_DPI, format_choices
from warehouse.labels.services import DEFAULT_DPI, MAX_PROFILE_NAME


def _optional_id(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PrintForm(FlaskForm):
    """How to print the chosen labels. The chosen objects are checkboxes beside it."""

    printer = SelectField(_l("Printer"), coerce=_optional_id, validate_choice=False)
    format = SelectField(_l("Label format"), validate_choice=False)
    start_at = IntegerField(
        _l("Start at label number"), default=1,
        validators=[InputRequired(_l("Say which label of the sheet to start at (1 is the "
                                     "top left)."))],
        render_kw={"inputmode": "numeric", "min": 1})
    copies = IntegerField(
        _l("Copies of each label"), default=1,
        validators=[InputRequired(_l("Say how many copies of each label to print."))],
        render_kw={"inputmode": "numeric", "min": 1})

    def set_choices(self, printers) -> None:
        self.format.choices = [SelectChoice(name, text) for name, text in format_choices()]
        self.printer.choices = [SelectChoice("", _l("No profile: the format below, no offset"))] + [
            SelectChoice(p.id, p.name) for p in printers]


class CodesForm(FlaskForm):
    """Box codes typed or scanned one after another, to add to a print job."""

    class Meta:
        csrf = False

    codes = TextAreaField(_l("Box codes"), validators=[Length(max=20000)],
                          render_kw={"rows": 3, "autocapitalize": "characters",
                                     "spellcheck": "false", "autocomplete": "off"})


class PrinterForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        InputRequired(_l("Give the printer a name people will recognise.")),
        Length(max=MAX_PROFILE_NAME, message=_l("At most %(max)d characters: shorten it."))],
        render_kw={"maxlength": MAX_PROFILE_NAME, "autocomplete": "off"})
    label_format = SelectField(_l("Label format"), validate_choice=False)
    offset_x_mm = StringField(_l("Offset across (mm, + moves right)"), default="0",
                              validators=[Length(max=12)],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    offset_y_mm = StringField(_l("Offset down (mm, + moves down)"), default="0",
                              validators=[Length(max=12)],
                              render_kw={"inputmode": "decimal", "autocomplete": "off"})
    dpi = SelectField(_l("Resolution of a thermal printer"), coerce=_optional_id,
                      default=DEFAULT_DPI, validate_choice=False)
    site = SelectField(_l("Site"), coerce=_optional_id, validate_choice=False)

    def set_choices(self, sites) -> None:
        self.label_format.choices = [SelectChoice(name, text)
                                     for name, text in format_choices()]
        self.dpi.choices = [SelectChoice(d, f"{d} dpi") for d in THERMAL_DPI]
        self.site.choices = [SelectChoice("", _l("Any site"))] + [
            SelectChoice(s.id, s.name) for s in sites]
