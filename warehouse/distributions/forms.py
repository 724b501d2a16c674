"""Forms of the custody and distribution pages: they read what was typed; the services say
what is wrong.

Quantities and counts are text fields with a numeric keyboard rather than number inputs,
so that "12,5" reaches the ledger's ``whole_quantity`` and gets its clear message instead
of a browser's silent rounding.
"""

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

from warehouse.core.fields import NUMBER_INPUT, DayField
from warehouse.core.words import DISTRIBUTION_REASONS
from warehouse.distributions.services import MAX_NOTE_LENGTH

#: Blank lines a form shows, and adds when "More lines" is pressed.
BLANK_LINES = 3
MAX_FORM_LINES = 100


class StockLineForm(Form):
    item = StringField(_l("Item"))
    quantity = StringField(_l("How many"), render_kw=NUMBER_INPUT)

    @property
    def blank(self) -> bool:
        return not ((self.item.data or "").strip() or (self.quantity.data or "").strip())


class _LinesForm(FlaskForm):
    key = HiddenField()
    lines = FieldList(FormField(StockLineForm), min_entries=BLANK_LINES,
                      max_entries=MAX_FORM_LINES)
    note = TextAreaField(_l("Note (optional)"), render_kw={"maxlength": MAX_NOTE_LENGTH,
                                                           "rows": 2})

    def add_blank_lines(self, count: int = BLANK_LINES) -> None:
        for _ in range(count):
            if len(self.lines) >= MAX_FORM_LINES:
                break
            self.lines.append_entry()

    def filled_lines(self) -> list:
        return [entry.form for entry in self.lines if not entry.form.blank]


class DistributionForm(_LinesForm):
    distributed_on = DayField(_l("Day of the distribution"), validators=[Optional()])
    distribution_site = SelectField(_l("Distribution site"), validate_choice=False)
    reason = RadioField(_l("Reason"), validate_choice=False, choices=lambda: [
        (value, label) for value, label in DISTRIBUTION_REASONS.items()])
    people_total = StringField(_l("People reached"), render_kw=NUMBER_INPUT)
    women = StringField(_l("Women"), render_kw=NUMBER_INPUT)
    men = StringField(_l("Men"), render_kw=NUMBER_INPUT)
    children = StringField(_l("Children"), render_kw=NUMBER_INPUT)
    unaccompanied_minors = StringField(_l("Unaccompanied minors"), render_kw=NUMBER_INPUT)


class ReturnForm(_LinesForm):
    site = SelectField(_l("Back to the warehouse"), validate_choice=False)


class DistributionFilterForm(FlaskForm):
    """The filters of the distribution list, read from the query string."""

    class Meta:
        csrf = False

    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    site = SelectField(_l("Distribution site"), validate_choice=False)
    reason = SelectField(_l("Reason"), validate_choice=False)
    partner = SelectField(_l("Partner"), validate_choice=False)
