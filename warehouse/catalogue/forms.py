"""Forms of the catalogue pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange

from warehouse.catalogue.barcodes import MAX_PACK_QUANTITY


class BarcodeForm(FlaskForm):
    item = SelectField(_l("Item"), coerce=int,
                       validators=[InputRequired(_l("Choose the item this barcode is "
                                                    "printed on."))])
    code = StringField(_l("Barcode (EAN or UPC)"),
                       validators=[InputRequired(_l("Scan the barcode or type its digits."))],
                       render_kw={"inputmode": "numeric", "autocomplete": "off",
                                  "maxlength": 32})
    pack_quantity = IntegerField(
        _l("How many in one package"), default=1,
        validators=[InputRequired(_l("Give how many of the item one package holds.")),
                    NumberRange(1, MAX_PACK_QUANTITY)],
        render_kw={"min": 1, "max": MAX_PACK_QUANTITY, "inputmode": "numeric"})
