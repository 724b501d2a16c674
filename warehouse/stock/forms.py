"""Forms of the stock pages: the filters of the movements list."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional
from warehouse.core.fields import DayField



class MovementFilterForm(FlaskForm):
    """The filters of the movements and write-off lists, read from the query string."""

    class Meta:
        csrf = False

    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("To"), validators=[Optional()])
    site = SelectField(_l("Site"), validate_choice=False)
    item = SelectField(_l("Item"), validate_choice=False)
    kind = SelectField(_l("What happened"), validate_choice=False)

    def set_choices(self, *, sites, items, kinds) -> None:
        self.site.choices = [SelectChoice("", _l("Every site"))] + [
            SelectChoice(str(s.id), s.name) for s in sites]
        self.item.choices = [SelectChoice("", _l("Every item"))] + [
            SelectChoice(str(i.id), i.display_name) for i in items]
        self.kind.choices = [SelectChoice("", _l("Anything"))] + [
            SelectChoice(kind, label) for kind, label in kinds.items()]
