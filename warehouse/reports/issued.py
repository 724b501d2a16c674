"""Issuing a weekly report: keep what was sent, and tell when its figures no longer stand.

    issued = issue_weekly_report(period, site_id=None, lang="en", actor=manager)
    issued.pdf                      # the bytes sent, for every reprint
    figures_changed(issued)         # True once a correction changed that period's figures
"""
from contextlib import nullcontext
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from warehouse.core.types import utcnow
from warehouse.extensions import db
from warehouse.reports import errors
from warehouse.reports.models import IssuedReport
from warehouse.reports.weekly import Period, figures_fingerprint, weekly_report
from warehouse.reports.weekly_pdf import build_weekly_pdf

#: A second "issue" of the same figures by the same person within this time is a
#: double-submitted form: it answers with the first.
REPEAT_WINDOW = timedelta(minutes=2)


def issue_weekly_report(period: Period, *, site_id: int | None, organisation_id: int | None = None,
                        lang: str, actor, now: datetime | None = None) -> IssuedReport:
    """Make the report of ``period`` in ``lang``, store its figures and PDF, and commit.

    The PDF says it was printed by ``actor.name`` at ``now``. Raises what
    ``weekly_report`` raises. The same figures issued again by the same person within
    ``REPEAT_WINDOW`` are not stored twice.
    """
    now = now or utcnow()
    with force_locale(lang):
        report = weekly_report(period, site_id=site_id, organisation_id=organisation_id,
                               now=now)
        figures = report.figures()
        fingerprint = figures_fingerprint(figures)
        earlier = latest_issued(period, site_id=site_id, organisation_id=organisation_id)
        if (earlier is not None and earlier.issued_by_id == actor.id
                and earlier.fingerprint == fingerprint and earlier.lang == lang
                and now - earlier.issued_at < REPEAT_WINDOW):
            return earlier
        pdf = build_weekly_pdf(report, printed_by=actor.name, printed_at=now)
    issued = IssuedReport(
        period_start=period.start, period_end=period.end, week=period.week,
        site_id=site_id, organisation_id=organisation_id, lang=lang, figures=figures,
        fingerprint=fingerprint, pdf=pdf, issued_by_id=actor.id, issued_by_name=actor.name,
        issued_at=now)
    db.session.add(issued)
    db.session.commit()
    return issued


def latest_issued(period: Period, *, site_id: int | None,
                  organisation_id: int | None = None) -> IssuedReport | None:
    """The last issue of this period and scope, whatever its language."""
    query = (select(IssuedReport)
             .where(IssuedReport.period_start == period.start,
                    IssuedReport.period_end == period.end,
                    IssuedReport.site_id.is_(None) if site_id is None
                    else IssuedReport.site_id == site_id,
                    IssuedReport.organisation_id.is_(None) if organisation_id is None
                    else IssuedReport.organisation_id == organisation_id)
             .order_by(IssuedReport.issued_at.desc(), IssuedReport.id.desc()).limit(1))
    return db.session.scalar(query)


def get_issued(issued_id: int) -> IssuedReport:
    issued = db.session.get(IssuedReport, issued_id)
    if issued is None:
        raise errors.NoIssuedReport()
    return issued


def figures_changed(issued: IssuedReport, *, now: datetime | None = None) -> bool:
    """Whether the period's figures, made again today, differ from those issued."""
    period = Period(issued.period_start, issued.period_end, issued.week)
    with force_locale(issued.lang) if issued.lang else nullcontext():
        report = weekly_report(period, site_id=issued.site_id,
                               organisation_id=issued.organisation_id, now=now)
        return figures_fingerprint(report.figures()) != issued.fingerprint
