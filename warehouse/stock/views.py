"""Stock pages."""
from itertools import groupby

from flask import Blueprint, render_template

from warehouse.accounts.access import signed_in
from warehouse.stock.queries import stock_by_site

bp = Blueprint("stock", __name__)


@bp.get("/stock")
@signed_in
def index():
    """Stock on hand by site, category and item."""
    rows = stock_by_site()
    sites = [
        (site_name, [(category, list(items))
                     for category, items in groupby(site_rows, key=lambda r: r.category)])
        for site_name, site_rows in groupby(rows, key=lambda r: r.site_name)
    ]
    return render_template("stock/index.html", sites=sites)
