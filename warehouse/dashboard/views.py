"""The managers' dashboard: the day's figures at a glance, each leading to its list.

``/dashboard`` is the home page of managers and admins; ``?site=<id>`` narrows it to one
site (no ``site``: every site). The chart is an SVG image of its own
(``/dashboard/chart.svg``), because the page's Content Security Policy forbids the
inline styles an embedded chart would need.
"""
from datetime import timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import format_date

from warehouse.accounts.access import STAFF, roles
from warehouse.dashboard import queries
from warehouse.reports.charts import to_svg, weekly_in_out_chart
from warehouse.stock.queries import cover_window_days

bp = Blueprint("dashboard", __name__)

#: The chart's size in points; the page scales it to its column.
CHART_WIDTH, CHART_HEIGHT = 480.0, 230.0


def _site_id(sites) -> int | None:
    """The ``site`` argument when it names an active site; anything else means every site."""
    value = request.args.get("site", type=int)
    return value if value in {site.id for site in sites} else None


@bp.get("/dashboard")
@roles(*STAFF)
def index():
    """Today's in and out, the requests to decide and dispatch, low stock and the weeks."""
    sites = queries.sites()
    site_id = _site_id(sites)
    board = queries.dashboard(site_id)
    chart_from = board.weeks[0].start if board.weeks else board.today
    return render_template("dashboard/index.html", board=board, sites=sites,
                           site_id=site_id, chart_from=chart_from,
                           cover_days=cover_window_days(), weeks=queries.CHART_WEEKS,
                           tomorrow=board.today + timedelta(days=1))


@bp.get("/dashboard/chart.svg")
@roles(*STAFF)
def chart():
    """The received-versus-distributed chart of the last weeks, as an SVG image."""
    sites = queries.sites()
    site_id = _site_id(sites)
    weeks = queries.chart_weeks(site_id)
    drawing = weekly_in_out_chart(
        [(format_date(week.start, "d MMM"), week.received, week.distributed)
         for week in weeks], width=CHART_WIDTH, height=CHART_HEIGHT)
    response = Response(to_svg(drawing), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
