"""The catalogue's manager pages: items' manufacturers' barcodes."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from warehouse.accounts.access import STAFF, roles
from warehouse.catalogue import barcodes as services
from warehouse.catalogue.forms import BarcodeForm
from warehouse.catalogue.models import Item
from warehouse.core.errors import DomainError
from warehouse.extensions import db

bp = Blueprint("catalogue", __name__)


def _page(form: BarcodeForm, status: int = 200):
    item_id = request.args.get("item", type=int)
    return render_template("catalogue/barcodes.html", form=form,
                           barcodes=services.barcodes(item_id),
                           item=db.session.get(Item, item_id) if item_id else None), status


def _form() -> BarcodeForm:
    form = BarcodeForm()
    form.item.choices = [SelectChoice(0, gettext("Choose…"))] + [
        SelectChoice(item.id, f"{item.display_name} · {item.code}")
        for item in db.session.scalars(select(Item).where(Item.active.is_(True))
                                       .order_by(Item.name, Item.size, Item.code))]
    return form


@bp.get("/barcodes")
@roles(*STAFF)
def barcodes():
    """Every item's EAN/UPC barcodes, and a form to add one (``?item=<id>``: one item's)."""
    form = _form()
    if request.args.get("item", type=int):
        form.item.data = request.args.get("item", type=int)
    return _page(form)


@bp.post("/barcodes")
@roles(*STAFF)
def add_barcode():
    """Add a barcode to an item; a bad one is refused next to its field."""
    form = _form()
    if form.validate_on_submit():
        try:
            barcode = services.add_barcode(item_id=form.item.data, code=form.code.data,
                                           quantity=form.pack_quantity.data,
                                           actor=current_user)
        except services.BarcodeError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [error.message]
        else:
            flash(gettext("Barcode %(code)s added to %(item)s.", code=barcode.code,
                          item=barcode.item.display_name), "success")
            return redirect(url_for("catalogue.barcodes", item=barcode.item_id), 303)
    return _page(form, 422)


@bp.post("/barcodes/<int:barcode_id>/remove")
@roles(*STAFF)
def remove_barcode(barcode_id: int):
    """Remove a barcode from its item."""
    try:
        barcode = services.remove_barcode(barcode_id, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("catalogue.barcodes"), 303)
    flash(gettext("Barcode %(code)s removed.", code=barcode.code), "success")
    return redirect(url_for("catalogue.barcodes", item=barcode.item_id), 303)
