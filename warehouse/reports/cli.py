"""``flask report weekly``: the reports page's PDF (or XLSX), written to a file.

    flask report weekly --week 2026-W47 --site CAL --lang fr --out week47.pdf

Given the same period, scope, language, name and time (``--by``, ``--at``) it writes the
same bytes as the page; ``--issued`` writes the last issued copy instead, byte for byte.
Refusals are in the language asked for.
"""
from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from warehouse.accounts.models import Organisation
from warehouse.core.commands import login_name
from warehouse.core.errors import DomainError
from warehouse.extensions import db
from warehouse.reports import errors, issued as issuing, weekly
from warehouse.reports.weekly_pdf import build_weekly_pdf
from warehouse.reports.weekly_xlsx import build_weekly_xlsx
from warehouse.stock.queries import site_by_code

report_cli = AppGroup("report", help="Printed reports.")


@report_cli.command("weekly")
@click.option("--week", help="ISO week, e.g. 2026-W47; default last week.")
@click.option("--from", "start", help="First day of a period (YYYY-MM-DD), instead of --week.")
@click.option("--to", "end", help="Last day of that period (YYYY-MM-DD).")
@click.option("--site", "site_code", help="Code of one site, e.g. CAL; default all sites.")
@click.option("--partner", help="Short name of a partner: its own report.")
@click.option("--lang", default="en", show_default=True, help="Language: en or fr.")
@click.option("--by", "printed_by", help="Name shown as who printed it; default your login.")
@click.option("--at", "printed_at", help="Time shown as printed (ISO, e.g. 2026-11-24T09:00Z); "
                                         "default now.")
@click.option("--xlsx", "as_xlsx", is_flag=True, help="Write the XLSX workbook instead.")
@click.option("--issued", is_flag=True, help="Write the last issued PDF of the period.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write, or - for standard output.")
def weekly_command(week, start, end, site_code, partner, lang, printed_by, printed_at,
                   as_xlsx, issued, out) -> None:
    """Write the weekly report of a week or period as a PDF (or XLSX)."""


    languages = current_app.config.get("LANGUAGES") or ["en", "fr"]
    if lang not in languages:
        raise click.BadParameter(f"choose one of: {', '.join(languages)}.", param_hint="--lang")
    with force_locale(lang):
        try:
            if start or end:
                period = weekly.date_range(weekly.parse_day(start or end),
                                           weekly.parse_day(end or start))
            else:
                period = weekly.parse_week(week) if week else weekly.last_week()
            site_id = None
            if site_code:
                site = site_by_code(site_code)
                if site is None:
                    raise errors.UnknownSiteForReport(value=site_code[:20])
                site_id = site.id
            organisation_id = _organisation(partner) if partner else None
            if organisation_id is not None:  # a partner's custody, from whichever site
                site_id = None
            moment = _moment(printed_at) if printed_at else None
            if issued:
                copy = issuing.latest_issued(period, site_id=site_id,
                                             organisation_id=organisation_id)
                if copy is None:
                    raise errors.NoIssuedReport()
                data = copy.pdf
            else:
                report = weekly.weekly_report(period, site_id=site_id,
                                              organisation_id=organisation_id, now=moment)
                if as_xlsx:
                    data = build_weekly_xlsx(report)
                else:
                    data = build_weekly_pdf(report, printed_by=printed_by or login_name(),
                                            printed_at=moment)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        with click.open_file(out, "wb", atomic=out != "-") as handle:
            handle.write(data)
        if out != "-":
            click.echo(gettext("Wrote %(file)s (%(size)s KB).", file=out,
                               size=len(data) // 1024 + 1), err=True)


def _organisation(short_name: str) -> int:


    found = db.session.scalar(select(Organisation.id).where(
        func.upper(Organisation.short_name) == short_name.strip().upper()))
    if found is None:
        raise errors.UnknownOrganisation()
    return found


def _moment(text: str) -> datetime:


    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise errors.ReportDateNotUnderstood(value=text[:40],
                                             example="2026-11-24T09:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
