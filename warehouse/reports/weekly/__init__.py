"""Read side of the weekly report: every figure it shows, computed in one place, one module
per side of it (``stock``, ``fulfilment``, ``distributions``, ``chart``) and assembled by
``report``.

    period = weekly.parse_week("2026-W47")          # or weekly.date_range(start, end)
    report = weekly.weekly_report(period, site_id=None, organisation_id=None)

The PDF, the XLSX, the web page, the CLI, the issued-report check and the tests all read
``WeeklyReport``, so a figure on paper is the figure a test checks.

Two scopes. The *warehouse* report (managers, admins; one site or all) follows the stock on
the site's shelves: donations received, dispatches to partners, transfers, write-offs and
count adjustments, and beside it what every partner requested and distributed. A
*partner's* report (``organisation_id``: what a coordinator gets) follows that partner's
custody instead: what it collected, distributed and returned, its requests and people
reached, and never another partner's name or figure.

Cost does not grow with the ledger. Closing stock is today's ``stock_level`` less what
moved since the period's end; opening stock is closing less the period's own flows. So
the movement table is read only from the previous period's start to now, by queries that
name the scope's locations and bound ``occurred_at`` from below, which the
``(to_location_id, occurred_at)`` and ``(from_location_id, occurred_at)`` indexes answer.
"""

from warehouse.reports.weekly.figures import (
    CategoryBlock,
    DistributionLine,
    DonationRow,
    EvictionRow,
    Fulfilment,
    Headline,
    ItemRow,
    NeedRow,
    PartnerRow,
    People,
    PlaceRow,
    WeeklyReport,
    WeekPoint,
    figures_fingerprint,
)
from warehouse.reports.weekly.periods import (
    MAX_DAYS,
    Period,
    date_range,
    iso_week_name,
    last_week,
    parse_day,
    parse_week,
    week_period,
)
from warehouse.reports.weekly.report import report_partners, report_sites, weekly_report

__all__ = [
    "MAX_DAYS", "CategoryBlock", "DistributionLine", "DonationRow", "EvictionRow",
    "Fulfilment", "Headline", "ItemRow", "NeedRow", "PartnerRow", "People", "Period",
    "PlaceRow", "WeekPoint", "WeeklyReport", "date_range", "figures_fingerprint",
    "iso_week_name", "last_week", "parse_day", "parse_week", "report_partners",
    "report_sites", "week_period", "weekly_report",
]
