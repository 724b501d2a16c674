"""Forms of the intake pages: they read what was typed; the services say what is wrong.

Quantities are text fields with a numeric keyboard rather than number inputs, so that
"12,5" or "1.000" reach the ledger's ``whole_quantity`` and get its clear message instead
of a browser's silent rounding.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import DateTimeLocalInput

from warehouse.core.clock import local_zone
from warehouse.core.fields import NUMBER_INPUT, DayField
from warehouse.core.words import CONDITIONS, DONOR_TYPES
from warehouse.intake.models import DonorType, Priority
from warehouse.intake.services import (
    MAX_BLANK_CODES,
    MAX_DONOR_NAME_LENGTH,
    MAX_NOTE_LENGTH,
    MAX_ORIGIN_LENGTH,
    MAX_REASON_LENGTH,
)
from warehouse.stock.models import BoxCondition

PRIORITY_LABELS = {
    Priority.URGENT: _l("Urgent"),
    Priority.NORMAL: _l("Normal"),
    Priority.NOT_NEEDED: _l("Not needed"),
}
PRIORITY_HINTS = {
    Priority.URGENT: _l("we are short of it: sort it first"),
    Priority.NORMAL: _l("goes into stock as usual"),
    Priority.NOT_NEEDED: _l("written off or passed on at once, with a reason"),
}
#: Blank lines a donation form shows, and adds when "More lines" is pressed without script.
BLANK_LINES = 3
MAX_FORM_LINES = 100
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _choices(enum_labels: dict):
    return lambda: [(value.value, label) for value, label in enum_labels.items()]


class LocalDateTimeField(StringField):
    """A date and time in the warehouse's timezone, read as an aware datetime."""

    widget = DateTimeLocalInput()

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip() if valuelist else ""

    def _value(self):
        return self.data or ""

    def set(self, moment: datetime) -> None:
        self.data = moment.astimezone(local_zone()).strftime(DATETIME_LOCAL_FORMAT)

    @property
    def moment(self) -> datetime | None:
        """The value as an aware datetime, None when empty or not a date and time."""
        for pattern in (DATETIME_LOCAL_FORMAT, DATETIME_LOCAL_FORMAT + ":%S"):
            try:
                naive = datetime.strptime(self.data or "", pattern)
            except ValueError:
                continue
            return naive.replace(tzinfo=local_zone())
        return None


class DonationLineForm(Form):
    item = StringField(_l("Item"))
    quantity = StringField(_l("How many"), render_kw=NUMBER_INPUT)
    boxes = StringField(_l("Boxes"), render_kw=NUMBER_INPUT | {"placeholder": _l("loose")})

    @property
    def blank(self) -> bool:
        return not any((self.item.data or "").strip() or (field.data or "").strip()
                       for field in (self.quantity, self.boxes))


class DonationForm(FlaskForm):
    key = HiddenField()
    received_at = LocalDateTimeField(_l("Received"))
    site = StringField(_l("Site"))
    intake_location = StringField(_l("Put it in"))
    donor_type = RadioField(_l("From whom"), choices=lambda: list(DONOR_TYPES.items()),
                            default=DonorType.INDIVIDUAL.value, validate_choice=False)
    donor_name = StringField(_l("Donor's name (optional)"), render_kw={
        "maxlength": MAX_DONOR_NAME_LENGTH, "autocomplete": "off"})
    origin = StringField(_l("Where it comes from (optional)"), render_kw={
        "maxlength": MAX_ORIGIN_LENGTH, "autocomplete": "off",
        "placeholder": _l("for example: collection drive in Bristol")})
    priority = RadioField(_l("How much is it needed?"), choices=_choices(PRIORITY_LABELS),
                          default=Priority.NORMAL.value, validate_choice=False)
    reason = StringField(_l("Why is it not needed, and where does it go?"), render_kw={
        "maxlength": MAX_REASON_LENGTH, "autocomplete": "off",
        "placeholder": _l("for example: passed on to another charity")})
    condition = RadioField(_l("Condition"), choices=lambda: list(CONDITIONS.items()),
                           default=BoxCondition.USED.value, validate_choice=False)
    lines = FieldList(FormField(DonationLineForm), min_entries=BLANK_LINES,
                      max_entries=MAX_FORM_LINES)
    note = TextAreaField(_l("Note (optional)"), render_kw={"maxlength": MAX_NOTE_LENGTH,
                                                           "rows": 2})

    def add_blank_lines(self, count: int = BLANK_LINES) -> None:
        for _ in range(count):
            if len(self.lines) >= MAX_FORM_LINES:
                break
            self.lines.append_entry()


class SortForm(FlaskForm):
    key = HiddenField()
    source = StringField(_l("Take the loose stock from"))
    item = StringField(_l("Item"))
    per_box = StringField(_l("How many in each box"), render_kw=NUMBER_INPUT)
    boxes = StringField(_l("How many boxes"), render_kw=NUMBER_INPUT)
    target = StringField(_l("Put the boxes at"))
    condition = RadioField(_l("Condition"), choices=lambda: list(CONDITIONS.items()),
                           default=BoxCondition.USED.value, validate_choice=False)
    expires_on = DayField(_l("Expiry date (optional)"), validators=[Optional()])


class BlankCodesForm(FlaskForm):
    key = HiddenField()
    count = StringField(_l("How many blank codes?"), default="20", render_kw=NUMBER_INPUT | {
        "maxlength": 6})

    @property
    def maximum(self) -> int:
        return MAX_BLANK_CODES


class DonationFilterForm(FlaskForm):
    """The filters of the donation list, read from the query string."""

    class Meta:
        csrf = False

    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    site = SelectField(_l("Site"), validate_choice=False)
    donor_type = SelectField(_l("From whom"), validate_choice=False)
    priority = SelectField(_l("Priority"), validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    item = SelectField(_l("Item"), validate_choice=False)
