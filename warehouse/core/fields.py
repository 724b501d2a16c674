"""Form pieces every page shares: the day field, the numeric keyboard, one-time keys.

Forms only read what was typed; the services say what is wrong with it. Quantities are
text fields with a numeric keyboard (``NUMBER_INPUT``) rather than number inputs, so that
"12,5" reaches the ledger's ``whole_quantity`` and gets its clear message instead of a
browser's silent rounding.
"""
import uuid

from flask_babel import lazy_gettext as _l
from wtforms import DateField

#: A text input that brings up the numeric keyboard and no autocorrection.
NUMBER_INPUT = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false",
                "enterkeyhint": "next"}


def new_key() -> str:
    """A fresh idempotency key for a form just shown: sent twice, it records once."""
    return str(uuid.uuid4())


class DayField(DateField):
    """A day (every one the pages ask for may be left empty), refusing text it cannot read
    with a message that says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Enter a date, for example 31/12/2027, or leave it "
                                "empty.")) from None
