"""Forms of the box pages: the list filters and one form per operation on a box.

Every operation form carries a one-time idempotency key, made when the page is drawn and
sent back with the form, so a double tap or a resend after a timeout records once.
Quantities are read as text and parsed by the ledger, which explains what is wrong with
"0", "2.5" or "1,000" in the user's language.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from warehouse.boxes.services import MAX_NOTE_LENGTH
from warehouse.core.fields import new_key
from warehouse.core.words import CONDITIONS, STATES, WRITE_OFF_REASONS

MAX_CODE_INPUT = 40
MAX_QUANTITY_INPUT = 20
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,100}$"


def _optional_id(value):
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ActionForm(FlaskForm):
    """A form that changes stock: it has a one-time key and says where errors go.

    The key is given when the page draws a fresh form (``with_new_key``); a form sent
    back without one is refused rather than given one, which would defeat its purpose.

    ``error_fields`` maps what a refused rule is about ("quantity", "location", "box",
    "reason", "note", "item") to the field of this form it is shown next to.
    """

    idempotency_key = HiddenField(validators=[
        DataRequired(_l("This form is missing its one-time key. Reload the page and send it "
                        "again.")),
        Regexp(KEY_PATTERN, message=_l("This form's one-time key is damaged. Reload the page "
                                       "and send it again."))])
    error_fields: dict[str, str] = {}

    def with_new_key(self) -> "ActionForm":
        self.idempotency_key.data = new_key()
        return self


def _quantity_field(label, *, required=True, hint_all=False):
    validators = [Length(max=MAX_QUANTITY_INPUT, message=_l("That number is too long."))]
    if required:
        validators.insert(0, InputRequired(_l("Enter how many.")))
    return StringField(label, validators=validators, render_kw={
        "inputmode": "numeric", "autocomplete": "off", "maxlength": MAX_QUANTITY_INPUT,
        "class": "quantity"})


def _location_field(label, *, required=True):
    validators = [Length(max=MAX_CODE_INPUT * 3, message=_l("That is too long for a location."))]
    if required:
        validators.insert(0, InputRequired(_l("Scan the shelf label, or type its code or name.")))
    return StringField(label, validators=validators, render_kw={
        "list": "box-locations", "autocomplete": "off", "autocapitalize": "characters",
        "spellcheck": "false"})


class MoveForm(ActionForm):
    location = _location_field(_l("Move the box to"))
    error_fields = {"location": "location", "box": "location"}


class TakeForm(ActionForm):
    quantity = _quantity_field(_l("How many to take out"))
    to_location = _location_field(_l("Leave them at (empty: loose, where the box is)"),
                                  required=False)
    error_fields = {"quantity": "quantity", "location": "to_location"}


class TopUpForm(ActionForm):
    quantity = _quantity_field(_l("How many to put in"))
    from_location = _location_field(_l("Take them from (empty: loose, where the box is)"),
                                    required=False)
    error_fields = {"quantity": "quantity", "location": "from_location"}


class SplitForm(ActionForm):
    quantity = _quantity_field(_l("How many go into the new box"))
    error_fields = {"quantity": "quantity"}


class MergeForm(ActionForm):
    target = StringField(_l("Code of the box to put everything into"), validators=[
        InputRequired(_l("Scan or type the code of the other box.")),
        Length(max=MAX_CODE_INPUT, message=_l("That is too long for a box code."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters",
                   "spellcheck": "false", "maxlength": MAX_CODE_INPUT, "class": "code-input"})
    error_fields = {"box": "target", "quantity": "target", "location": "target"}


class EmptyForm(ActionForm):
    to_location = _location_field(_l("Leave the contents at (empty: loose, where the box is)"),
                                  required=False)
    error_fields = {"location": "to_location"}


class WriteOffForm(ActionForm):
    quantity = _quantity_field(_l("How many to write off (empty: all of it)"), required=False)
    reason = RadioField(_l("Why"), choices=[SelectChoice(key, label)
                                            for key, label in WRITE_OFF_REASONS.items()],
                        validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[
        Length(max=MAX_NOTE_LENGTH, message=_l("At most %(max)d characters: shorten it."))],
        render_kw={"rows": 2, "maxlength": MAX_NOTE_LENGTH})
    error_fields = {"quantity": "quantity", "reason": "reason", "note": "note"}


class FillForm(ActionForm):
    item = StringField(_l("Item"), validators=[
        InputRequired(_l("Choose what goes in the box: type its name or scan its item card.")),
        Length(max=200, message=_l("That is too long for an item."))],
        render_kw={"list": "box-items", "autocomplete": "off", "spellcheck": "false"})
    quantity = _quantity_field(_l("How many"))
    condition = RadioField(_l("Condition"),
                           choices=[SelectChoice(key, label)
                                    for key, label in CONDITIONS.items()],
                           default="used",
                           validators=[InputRequired(_l("Choose new or used."))])
    location = _location_field(_l("Where the box goes"))
    source = RadioField(_l("Where the stock comes from"), choices=[
        SelectChoice("donor", _l("Straight from a donation (received now)")),
        SelectChoice("loose", _l("Loose stock already counted in: the intake bay or a shelf"))],
        default="donor", validators=[InputRequired(_l("Choose where the stock comes from."))])
    from_location = _location_field(_l("Loose stock taken from"), required=False)
    expires_on = DateField(_l("Use-by date (if it has one)"), validators=[Optional()])
    error_fields = {"quantity": "quantity", "location": "location", "item": "item",
                    "source": "from_location"}


class UndoForm(ActionForm):
    document_id = IntegerField(validators=[InputRequired(_l("Reload the page: it does not say "
                                                            "what to undo."))])


class BoxFilterForm(FlaskForm):
    """The filters of the box list, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Code or item"), validators=[Optional(), Length(max=80)],
                    render_kw={"autocomplete": "off", "type": "search"})
    site = SelectField(_l("Site"), coerce=_optional_id, validate_choice=False)
    location = SelectField(_l("Location"), coerce=_optional_id, validate_choice=False)
    category = SelectField(_l("Category"), coerce=_optional_id, validate_choice=False)
    item = SelectField(_l("Item"), coerce=_optional_id, validate_choice=False)
    state = SelectField(_l("State"), default="stock", validate_choice=False, choices=[
        SelectChoice("stock", STATES["stock"]), SelectChoice("empty", STATES["empty"]),
        SelectChoice("blank", STATES["blank"]), SelectChoice("any", _l("Any state"))])
    condition = SelectField(_l("Condition"), default="", validate_choice=False, choices=[
        SelectChoice("", _l("New or used"))] + [
        SelectChoice(key, label) for key, label in CONDITIONS.items()])

    def set_choices(self, *, sites, locations, categories, items) -> None:
        self.site.choices = [SelectChoice("", _l("Every site"))] + [
            SelectChoice(s.id, s.name) for s in sites]
        self.location.choices = [SelectChoice("", _l("Every location"))] + [
            SelectChoice(loc.id, f"{loc.name} ({loc.site.name})" if len(sites) > 1
                         else loc.name) for loc in locations]
        self.category.choices = [SelectChoice("", _l("Every category"))] + [
            SelectChoice(c.id, c.display_name) for c in categories]
        self.item.choices = [SelectChoice("", _l("Every item"))] + [
            SelectChoice(i.id, i.display_name) for i in items]
