"""Issued reports: kept as sent, printed again byte for byte, flagged when corrected."""
from datetime import timedelta

import pytest

from tests.conftest import login
from tests.reports.world import build_world, pdf_text
from warehouse.core.types import utcnow
from warehouse.distributions import services as distributions
from warehouse.distributions.models import Distribution
from warehouse.extensions import db
from warehouse.models import IssuedReport
from warehouse.reports import issued as issuing


@pytest.fixture
def world(app):
    return build_world()


def _range(world, **extra):
    return {"start": world.period.start.isoformat(), "end": world.period.end.isoformat(),
            "lang": "en", **extra}


def _issue(client, world, **extra):
    response = client.post("/reports/weekly/issue", data=_range(world, **extra))
    assert response.status_code == 302
    return db.session.query(IssuedReport).order_by(IssuedReport.id.desc()).first()


def test_issuing_keeps_the_figures_and_pdf_with_who_and_when(client, world):
    login(client, world.manager)
    issued = _issue(client, world, site=world.site.id)
    assert issued.issued_by_name == "Max Manager" and issued.site_id == world.site.id
    assert issued.figures["headline"]["received"] == 130
    assert "Received (items) 130" in pdf_text(issued.pdf)
    assert not issuing.figures_changed(issued)
    page = client.get("/reports", query_string=_range(world, site=world.site.id))
    assert "the figures still stand" in page.get_data(as_text=True)


def test_an_issued_report_prints_again_byte_for_byte_even_after_corrections(client, world):
    login(client, world.manager)
    issued = _issue(client, world)
    first = client.get(f"/reports/issued/{issued.id}.pdf")
    assert first.status_code == 200 and first.data == issued.pdf
    distribution = db.session.query(Distribution).filter_by(reason="routine").one()
    distributions.correct_distribution(actor=world.manager, distribution_id=distribution.id,
                                       idempotency_key="fix")
    again = client.get(f"/reports/issued/{issued.id}.pdf")
    assert again.data == first.data
    assert "Distributed (items) 28" in pdf_text(again.data)


def test_the_page_says_when_corrections_changed_an_issued_reports_figures(client, world):
    login(client, world.manager)
    issued = _issue(client, world)
    distribution = db.session.query(Distribution).filter_by(reason="routine").one()
    distributions.correct_distribution(actor=world.manager, distribution_id=distribution.id,
                                       idempotency_key="fix")
    assert issuing.figures_changed(issued)
    html = client.get("/reports", query_string=_range(world)).get_data(as_text=True)
    assert 'id="figures-changed"' in html
    assert "Re-issue with the corrected figures" in html
    reissued = _issue(client, world)
    assert reissued.id != issued.id
    assert reissued.figures["headline"]["distributed"] == 18
    html = client.get("/reports", query_string=_range(world)).get_data(as_text=True)
    assert 'id="figures-changed"' not in html


def test_an_issue_sent_twice_is_kept_once(client, world):
    login(client, world.manager)
    first = _issue(client, world)
    second = _issue(client, world)
    assert first.id == second.id
    assert db.session.query(IssuedReport).count() == 1


def test_the_same_figures_issued_later_are_a_new_issue(world):
    first = issuing.issue_weekly_report(world.period, site_id=None, lang="en",
                                        actor=world.manager)
    later = issuing.issue_weekly_report(world.period, site_id=None, lang="en",
                                        actor=world.manager,
                                        now=utcnow() + timedelta(minutes=10))
    assert later.id != first.id and later.fingerprint == first.fingerprint


def test_a_partners_issued_report_is_not_found_by_another_partner(client, world):
    issued = issuing.issue_weekly_report(world.period, site_id=None,
                                         organisation_id=world.partner_a.id, lang="en",
                                         actor=world.manager)
    login(client, world.coordinator_b)
    assert client.get(f"/reports/issued/{issued.id}.pdf").status_code == 404
    mine = client.application.test_client()
    login(mine, world.coordinator_a)
    assert mine.get(f"/reports/issued/{issued.id}.pdf").data == issued.pdf


def test_the_warehouse_issued_report_is_not_a_coordinators(client, world):
    issued = issuing.issue_weekly_report(world.period, site_id=None, lang="en",
                                         actor=world.manager)
    login(client, world.coordinator_a)
    assert client.get(f"/reports/issued/{issued.id}.pdf").status_code == 404
