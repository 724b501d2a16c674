"""The reports page: the weekly report on screen, as PDF and XLSX, and its issued copies;
and the daily stock sheet and count sheets, printed from the stock page.

Managers and admins report on one site or all, or on one partner; a coordinator always
gets their own organisation's report, whatever the address asks for.
"""
import io
from datetime import date

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, send_file, url_for)
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user

from warehouse.accounts.access import STAFF, WAREHOUSE, get_visible_or_404, roles
from warehouse.accounts.models import Role
from warehouse.core.clock import local_today
from warehouse.core.errors import DomainError
from warehouse.core.exports import XLSX_MIMETYPE
from warehouse.extensions import db
from warehouse.reports import charts, errors, issued as issuing, weekly
from warehouse.reports.errors import SheetDateNotUnderstood
from warehouse.reports.models import IssuedReport
from warehouse.reports.stock_sheet import (build_count_sheet, build_stock_sheet,
                                           count_sheet_filename, stock_sheet_filename)
from warehouse.reports.weekly_pdf import (build_weekly_pdf, percent, period_text,
                                          scope_text, weekly_filename)
from warehouse.reports.weekly_xlsx import build_weekly_xlsx
from warehouse.stock.models import Location, Site

bp = Blueprint("reports", __name__)
REPORT_ROLES = (Role.ADMIN, Role.MANAGER, Role.COORDINATOR)


class _Choice:
    """What the form (or the address) asks for: a period and a scope, checked."""

    def __init__(self, args):
        self.week = (args.get("week") or "").strip()
        self.start = (args.get("start") or "").strip()
        self.end = (args.get("end") or "").strip()
        self.site = (args.get("site") or "").strip()
        self.partner = (args.get("partner") or "").strip()
        self.lang = (args.get("lang") or "").strip() or str(get_locale() or "en")
        self.period: weekly.Period | None = None
        self.site_id: int | None = None
        self.organisation_id: int | None = None

    def check(self) -> None:
        """Read the choice; raise the first DomainError found."""
        if self.start or self.end:
            start = weekly.parse_day(self.start or self.end)
            end = weekly.parse_day(self.end or self.start)
            self.period = weekly.date_range(start, end)
        elif self.week:
            self.period = weekly.parse_week(self.week)
        else:
            self.period = weekly.last_week()
            self.week = self.period.week
        if self.site:
            site = db.session.get(Site, _int(self.site))
            if site is None:
                raise errors.UnknownSiteForReport(value=self.site[:20])
            self.site_id = site.id
        if current_user.role == Role.COORDINATOR:
            if self.partner and _int(self.partner) != current_user.organisation_id:
                raise errors.NotYourOrganisation()
            self.organisation_id = current_user.organisation_id
        elif self.partner:
            self.organisation_id = _int(self.partner)
            if self.organisation_id is None:
                raise errors.UnknownOrganisation()
        if self.organisation_id is not None:
            # A partner's custody is one, whichever warehouse it collects from.
            self.site_id = None

    def args(self, **extra) -> dict:
        values = {"week": self.week if not (self.start or self.end) else None,
                  "start": self.start or None, "end": self.end or None,
                  "site": self.site_id, "lang": self.lang,
                  "partner": self.organisation_id if current_user.role in STAFF else None}
        values.update(extra)
        return {key: value for key, value in values.items() if value not in (None, "")}


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _report(choice: _Choice) -> weekly.WeeklyReport:
    return weekly.weekly_report(choice.period, site_id=choice.site_id,
                                organisation_id=choice.organisation_id)


@bp.get("/reports")
@roles(*REPORT_ROLES)
def index():
    """The weekly report's figures for a period and scope, with print, download and issue."""
    choice = _Choice(request.args)
    problem = report = latest = None
    changed = False
    try:
        choice.check()
        report = _report(choice)
        latest = issuing.latest_issued(choice.period, site_id=choice.site_id,
                                       organisation_id=choice.organisation_id)
        if latest is not None:  # the fingerprint leaves names out: any language compares
            changed = weekly.figures_fingerprint(report.figures()) != latest.fingerprint
    except DomainError as error:
        problem = error.message
    is_staff = current_user.role in STAFF
    return render_template(
        "reports/weekly.html", choice=choice, report=report, problem=problem,
        latest=latest, changed=changed, is_staff=is_staff,
        sites=weekly.report_sites(),
        partners=weekly.report_partners() if is_staff else [],
        report_languages=_languages(), period_text=period_text(report) if report else "",
        scope_text=scope_text(report) if report else "",
        default_week=weekly.last_week().week, today=local_today(),
        percent=percent), 400 if problem else 200


@bp.get("/reports/weekly.pdf")
@roles(*REPORT_ROLES)
def weekly_pdf():
    """The weekly report as a PDF, in the language asked for (``lang``)."""
    choice = _Choice(request.args)
    lang = _lang(choice.lang)
    with force_locale(lang):
        choice.check()
        report = _report(choice)
        pdf = build_weekly_pdf(report, printed_by=current_user.name)
    return _send(pdf, "application/pdf", weekly_filename(report), inline=True)


@bp.get("/reports/weekly.xlsx")
@roles(*REPORT_ROLES)
def weekly_xlsx():
    """The weekly report's tables, HXL rows and charts as an XLSX workbook."""
    choice = _Choice(request.args)
    lang = _lang(choice.lang)
    with force_locale(lang):
        choice.check()
        report = _report(choice)
        data = build_weekly_xlsx(report)
    return _send(data, XLSX_MIMETYPE, weekly_filename(report).replace(".pdf", ".xlsx"),
                 inline=False)


@bp.get("/reports/weekly/chart.svg")
@roles(*REPORT_ROLES)
def weekly_chart():
    """A chart of the report as SVG for the page: ``chart=in_out|partners|evictions``."""
    choice = _Choice(request.args)
    choice.check()
    report = _report(choice)
    kind = request.args.get("chart", "in_out")
    if kind == "partners":
        drawing = charts.partner_chart(
            [(p.name, p.distributed) for p in sorted(report.partners,
                                                     key=lambda p: -p.distributed)])
    elif kind == "evictions":
        drawing = charts.evictions_chart(
            [("W" + p.week.split("-W")[1], p.evictions) for p in report.weeks])
    else:
        drawing = charts.weekly_in_out_chart(
            [("W" + p.week.split("-W")[1], p.received, p.distributed) for p in report.weeks],
            received_label=None if report.scope == "warehouse" else gettext("Collected"))
    response = make_response(charts.to_svg(drawing))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/reports/weekly/issue")
@roles(*STAFF)
def issue():
    """Issue the report of a period: keep its figures and PDF as they are now."""
    choice = _Choice(request.form)
    choice.check()
    issued = issuing.issue_weekly_report(choice.period, site_id=choice.site_id,
                                         organisation_id=choice.organisation_id,
                                         lang=_lang(choice.lang), actor=current_user)
    flash(gettext("Report issued: its figures and PDF are kept as they are now."), "success")
    return redirect(url_for("reports.index", **choice.args(), issued=issued.id))


@bp.get("/reports/issued/<int:issued_id>.pdf")
@roles(*REPORT_ROLES, scoped=True)
def issued_pdf(issued_id: int):
    """An issued report's PDF, byte for byte as it was issued."""
    issued = get_visible_or_404(IssuedReport, issued_id, current_user)
    name = f"issued-{issued.id}-weekly-report-{issued.week or issued.period_start.isoformat()}.pdf"
    return _send(issued.pdf, "application/pdf", name, inline=True)


def _languages() -> list[tuple[str, str]]:
    return [("en", "English"), ("fr", "Français")]


def _lang(value: str) -> str:
    languages = current_app.config.get("LANGUAGES") or ["en", "fr"]
    return value if value in languages else str(get_locale() or "en")


def _send(data: bytes, mimetype: str, filename: str, *, inline: bool):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=not inline,
                         download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the sheets printed from the stock page ---------------------------------------------------

@bp.get("/stock/sheet/<int:site_id>.pdf")
@roles(*WAREHOUSE)
def stock_sheet(site_id: int):
    """The daily stock sheet of a site as a PDF; ``?date=YYYY-MM-DD`` for a past day."""
    site = db.get_or_404(Site, site_id)
    day = _sheet_date(request.args.get("date"))
    pdf = build_stock_sheet(site.id, day=day, printed_by=current_user.name)
    return _inline_pdf(pdf, stock_sheet_filename(site.code, day or local_today()))


@bp.get("/stock/count-sheet/<int:location_id>.pdf")
@roles(*WAREHOUSE)
def count_sheet(location_id: int):
    """The stocktake count sheet of a shelf or bay as a PDF."""
    location = db.get_or_404(Location, location_id)
    pdf = build_count_sheet(location.id, printed_by=current_user.name)
    return _inline_pdf(pdf, count_sheet_filename(location.code, local_today()))


def _sheet_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SheetDateNotUnderstood(value=value[:40],
                                     example=local_today().isoformat()) from None


def _inline_pdf(pdf: bytes, filename: str):
    """Open in the browser's viewer (to print), saved under ``filename`` if downloaded."""
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=False,
                         download_name=filename, max_age=0)
    # Figures of the moment it was printed: never show a cached copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
