"""The weekly report's figures, on a week where every one of them is known in advance."""
from datetime import date, timedelta

import pytest

from tests.reports.world import EXPECTED, build_world
from warehouse.core.clock import local_today
from warehouse.distributions import services as distributions
from warehouse.distributions.models import Distribution
from warehouse.extensions import db
from warehouse.reports import errors, weekly


@pytest.fixture
def world(app):
    return build_world()


def test_the_first_page_figures_are_the_ones_the_week_made(world):
    report = weekly.weekly_report(world.period, site_id=world.site.id)
    h = report.headline
    assert (h.received, h.dispatched, h.distributed, h.returned) == (
        EXPECTED["received"], EXPECTED["dispatched"], EXPECTED["distributed"],
        EXPECTED["returned"])
    assert (h.people.total, h.people.women, h.people.men, h.people.children,
            h.people.unaccompanied_minors) == (21, 2, 8, 1, 1)
    assert (h.people.distributions, h.people.with_breakdown) == (2, 1)
    f = h.fulfilment
    assert (f.requests, f.fully_met, f.requested, f.allocated, f.dispatched) == (2, 1, 78, 68, 48)
    assert f.dispatched_share == pytest.approx(48 / 78)
    assert f.allocated_share == pytest.approx(68 / 78)
    assert f.fully_met_share == 0.5
    assert h.evictions == EXPECTED["evictions"]
    assert h.write_offs == (("damaged", 2),)
    assert h.stockout_item_days == EXPECTED["stockout_item_days"]


def test_each_figure_comes_with_the_previous_period_beside_it(world):
    report = weekly.weekly_report(world.period, site_id=world.site.id)
    assert report.previous_period.end == world.period.start - timedelta(days=1)
    assert report.previous.received == EXPECTED["previous_received"]
    assert report.previous.stockout_item_days == EXPECTED["previous_stockout_item_days"]
    assert report.previous.dispatched == 0 and report.previous.people.total == 0


def test_opening_plus_received_less_out_is_closing_for_every_item(world):
    report = weekly.weekly_report(world.period, site_id=world.site.id)
    rows = {row.item_id: row for row in report.items}
    for item, key in ((world.blanket, "blanket"), (world.tent, "tent")):
        row = rows[item.id]
        assert (row.opening, row.received, row.out, row.closing, row.on_the_way) == \
            EXPECTED[key]
        assert row.opening + row.received - row.out == row.closing
    totals = report.totals
    assert totals["opening"] + totals["received"] - totals["out"] == totals["closing"]
    assert rows[world.tent.id].stockout_days == 3 and rows[world.blanket.id].stockout_days == 0


def test_the_identity_holds_for_the_previous_period_too(world):
    previous = weekly.weekly_report(world.period.previous(), site_id=world.site.id)
    current = weekly.weekly_report(world.period, site_id=world.site.id)
    before = {row.item_id: row for row in previous.items}
    for row in current.items:
        if row.item_id in before:
            assert before[row.item_id].closing == row.opening
    for row in previous.items:
        assert row.opening + row.received - row.out == row.closing


def test_partners_sites_needs_and_donations_tables(world):
    report = weekly.weekly_report(world.period, site_id=None)
    partners = {p.name: p for p in report.partners}
    a, b = partners["Abri Solidaire"], partners["Bureau du Nord"]
    assert (a.requested, a.allocated, a.dispatched, a.distributed, a.people, a.returned) == \
        (48, 48, 48, 28, 21, 5)
    assert (b.requested, b.allocated, b.dispatched, b.distributed, b.people, b.returned) == \
        (30, 20, 0, 0, 0, 0)
    places = {p.name: p for p in report.places}
    assert (places["Rue des Verrotières"].distributed, places["Rue des Verrotières"].people,
            places["Rue des Verrotières"].evictions) == (18, 12, 18)
    assert (places["Puythouck"].distributed, places["Puythouck"].people) == (10, 9)
    [need] = report.top_needs
    assert (need.item_id, need.requested, need.allocated, need.short, need.available) == \
        (world.blanket.id, 70, 60, 10, 93)
    assert [(d.donor_type, d.donations, d.items) for d in report.donations] == \
        [("group", 1, 120), ("individual", 1, 10)]
    assert [(e.item_id, e.quantity) for e in report.evictions_by_item] == \
        [(world.blanket.id, 15), (world.tent.id, 3)]
    assert report.weeks[-1].received + report.weeks[-2].received >= 130
    assert sum(line.quantity for line in report.distribution_lines) == 28


def test_a_partners_report_follows_its_custody_and_adds_up(world):
    report = weekly.weekly_report(world.period, organisation_id=world.partner_a.id)
    assert report.scope == "partner"
    assert report.headline.received == 48  # collected from the warehouse
    assert report.headline.distributed == 28 and report.headline.returned == 5
    rows = {row.item_id: row for row in report.items}
    assert (rows[world.blanket.id].opening, rows[world.blanket.id].received,
            rows[world.blanket.id].out, rows[world.blanket.id].closing) == (0, 40, 30, 10)
    assert (rows[world.tent.id].received, rows[world.tent.id].out,
            rows[world.tent.id].closing) == (8, 3, 5)
    assert [p.name for p in report.partners] == ["Abri Solidaire"]
    assert report.donations == ()


def test_a_partners_report_holds_no_other_partners_name_or_figures(world):
    report = weekly.weekly_report(world.period, organisation_id=world.partner_b.id)
    assert [p.name for p in report.partners] == ["Bureau du Nord"]
    assert report.places == () and report.distribution_lines == ()
    assert report.headline.distributed == 0 and report.headline.people.total == 0
    assert report.headline.fulfilment.requested == 30
    assert "Abri Solidaire" not in str(report.figures())
    rows = {row.item_id: row for row in report.items}
    assert rows[world.blanket.id].on_the_way == 20  # allocated, not yet collected


def test_a_corrected_distribution_leaves_the_figures(world):
    distribution = db.session.query(Distribution).filter_by(reason="routine").one()
    distributions.correct_distribution(actor=world.coordinator_a,
                                       distribution_id=distribution.id,
                                       idempotency_key="fix-1")
    report = weekly.weekly_report(world.period, site_id=world.site.id)
    assert report.headline.distributed == 18
    assert report.headline.people.total == 12


def test_a_period_with_no_data_says_so_rather_than_failing(app):
    report = weekly.weekly_report(weekly.parse_week("2025-W02"))
    assert report.has_data is False
    assert report.items == [] and report.partners == ()


@pytest.mark.parametrize("text", ["2026-W60", "2026-W00", "2025-W53"])
def test_a_week_that_does_not_exist_is_refused(app, text):
    with pytest.raises(errors.WeekDoesNotExist) as refused:
        weekly.parse_week(text)
    assert "weeks 1 to 5" in refused.value.message


def test_week_53_of_a_long_year_exists(app):
    period = weekly.parse_week("2026-W53")
    assert (period.start, period.end) == (date(2026, 12, 28), date(2027, 1, 3))


@pytest.mark.parametrize("text", ["", "last week", "2026-47", "W47"])
def test_a_week_written_wrongly_is_refused_with_an_example(app, text):
    with pytest.raises(errors.WeekNotUnderstood) as refused:
        weekly.parse_week(text)
    assert "for example" in refused.value.message


def test_a_range_ending_before_it_starts_or_over_a_year_is_refused(app):
    with pytest.raises(errors.RangeEndsBeforeStart):
        weekly.date_range(date(2026, 11, 10), date(2026, 11, 1))
    with pytest.raises(errors.RangeTooLong):
        weekly.date_range(date(2025, 1, 1), date(2026, 1, 2))
    assert weekly.date_range(date(2025, 1, 1), date(2025, 12, 31)).days == 365


def test_a_period_starting_after_today_is_refused(app):
    with pytest.raises(errors.PeriodInFuture):
        weekly.weekly_report(weekly.date_range(local_today() + timedelta(days=1),
                                               local_today() + timedelta(days=3)))


def test_last_week_is_the_iso_week_before_this_one(app):
    period = weekly.last_week(date(2026, 11, 27))
    assert period.week == "2026-W47"
    assert (period.start, period.end) == (date(2026, 11, 16), date(2026, 11, 22))


def test_stock_outs_over_a_long_period_count_every_day_at_zero(world):
    today = local_today()
    report = weekly.weekly_report(weekly.date_range(today - timedelta(days=39), today),
                                  site_id=world.site.id)
    # Blanket: none until 9 days ago (30 days); tent: none until 3 days ago (36 days).
    rows = {row.item_id: row for row in report.items}
    assert rows[world.blanket.id].stockout_days == 30
    assert rows[world.tent.id].stockout_days == 36
    assert report.headline.stockout_item_days == 66
