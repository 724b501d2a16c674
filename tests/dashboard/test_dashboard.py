"""The managers' dashboard: its figures on a known warehouse, its links, who gets it."""
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import login
from tests.dashboard.world import WEDNESDAY_NOON, build_world
from warehouse.dashboard import queries


@pytest.fixture
def world():
    return build_world()


def _names(covers):
    return [cover.item for cover in covers]


# --- the figures -------------------------------------------------------------------------

def test_every_site_adds_up_today_s_in_and_out_and_the_requests(world):
    board = queries.dashboard(now=WEDNESDAY_NOON)

    assert board.today == date(2026, 11, 25)
    assert board.received_today == 30 + 7  # tents at Calais, boots at Dunkirk
    assert board.dispatched_today == 5
    assert board.waiting.total == 3
    assert [row.id for row in board.waiting.rows] == world.waiting  # longest waiting first
    assert board.approved.total == 1
    assert board.approved.rows[0].id == world.approved_id
    assert board.approved.rows[0].quantity == 5


def test_items_below_minimum_come_with_their_days_of_cover_fewest_first(world):
    board = queries.dashboard(now=WEDNESDAY_NOON)

    assert _names(board.below_minimum) == ["Blanket", "Walking boots"]
    blanket, boots = board.below_minimum
    assert (blanket.on_hand, blanket.minimum_level) == (10, 12)
    # 40 went out in the last 14 days (the cover window): 10 on hand last 10 * 14 / 40 days.
    assert blanket.days_of_cover == pytest.approx(3.5)
    assert boots.days_of_cover is None  # nothing went out
    assert board.below_minimum_total == 2


def test_a_stock_out_is_an_item_with_a_minimum_and_none_available(world):
    board = queries.dashboard(now=WEDNESDAY_NOON)
    assert _names(board.stock_outs) == ["Sleeping bag"]
    assert board.stock_outs_total == 1


def test_one_site_counts_only_what_came_in_and_left_there(world):
    calais = queries.dashboard(world.calais.id, now=WEDNESDAY_NOON)
    assert (calais.received_today, calais.dispatched_today) == (30, 5)
    assert calais.waiting.total == 2
    assert [row.id for row in calais.waiting.rows] == [world.waiting[0], world.waiting[2]]
    assert _names(calais.below_minimum) == ["Blanket"]
    # Calais holds no boots at all: there they are out, not low.
    assert sorted(_names(calais.stock_outs)) == ["Sleeping bag", "Walking boots"]

    dunkirk = queries.dashboard(world.dunkirk.id, now=WEDNESDAY_NOON)
    assert (dunkirk.received_today, dunkirk.dispatched_today) == (7, 0)
    assert dunkirk.waiting.total == 1
    assert dunkirk.approved.total == 0
    assert _names(dunkirk.below_minimum) == ["Walking boots"]


def test_the_chart_has_twelve_weeks_received_against_distributed(world):
    weeks = queries.dashboard(now=WEDNESDAY_NOON).weeks

    assert len(weeks) == queries.CHART_WEEKS
    assert weeks[-1].start == date(2026, 11, 23)  # this week, a Monday
    assert weeks[0].start == date(2026, 9, 7)
    # Tents and boots today, scarves on Monday; blankets handed out last Wednesday,
    # received on Sunday the 15th.
    assert (weeks[-1].received, weeks[-1].distributed) == (30 + 7 + 10, 0)
    assert (weeks[-2].received, weeks[-2].distributed) == (0, 3)
    assert (weeks[-3].received, weeks[-3].distributed) == (50, 0)
    assert sum(week.received for week in weeks[:-3]) == 0


def test_the_chart_of_one_site_counts_what_that_site_received(world):
    weeks = queries.chart_weeks(world.dunkirk.id, now=WEDNESDAY_NOON)
    assert [week.received for week in weeks[-3:]] == [0, 0, 7 + 10]


# --- the page ----------------------------------------------------------------------------

def _page(client, user, path="/dashboard"):
    login(client, user)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _href(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}" href="([^"]+)"', html)
    assert match, element_id
    return match.group(1).replace("&amp;", "&")


def test_the_page_shows_today_s_figures(client, world):
    html = _page(client, world.manager)
    for element_id, figure in (("figure-waiting", 3), ("figure-approved", 1),
                               ("figure-low", 2), ("figure-stock-outs", 1)):
        assert re.search(rf'id="{element_id}"[^>]*>\s*<span class="dash-number">{figure}<',
                         html), element_id
    assert "Blanket" in html and "Sleeping bag" in html
    assert 'src="/dashboard/chart.svg"' in html


def test_each_figure_leads_to_the_list_behind_it(client, world):
    html = _page(client, world.manager, f"/dashboard?site={world.calais.id}")
    received = urlsplit(_href(html, "figure-received"))
    assert received.path == "/intake/donations"
    today = queries.local_today().isoformat()
    assert parse_qs(received.query) == {"date_from": [today], "date_to": [today],
                                        "site": [str(world.calais.id)]}
    assert _href(html, "figure-waiting") == "/requests/queue"
    assert _href(html, "figure-approved") == "/dispatch/"
    assert _href(html, "figure-dispatched") == "/requests/?status=dispatched"
    assert f"/requests/{world.waiting[0]}/review" in html
    assert f"/dispatch/requests/{world.approved_id}/pick" in html
    assert f"/boxes?item={world.blanket.id}&amp;site={world.calais.id}" in html


def test_the_links_lead_to_pages_that_open(client, world):
    html = _page(client, world.manager, f"/dashboard?site={world.calais.id}")
    for element_id in ("figure-received", "figure-dispatched", "figure-waiting",
                       "figure-approved"):
        assert client.get(_href(html, element_id)).status_code == 200, element_id
    assert client.get(f"/boxes?item={world.blanket.id}&site={world.calais.id}"
                      ).status_code == 200


def test_an_unknown_site_shows_every_site(client, world):
    html = _page(client, world.manager, "/dashboard?site=999999")
    assert re.search(r'aria-current="page">All sites<', html)


def test_the_chart_is_an_svg_image_without_styles_or_scripts(client, world):
    login(client, world.manager)
    response = client.get(f"/dashboard/chart.svg?site={world.calais.id}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    assert svg.startswith("<svg") and "style=" not in svg and "<script" not in svg
    assert "Received" in svg and "Distributed" in svg


def test_the_dashboard_is_in_french_for_a_french_reader(client, world):
    world.manager.locale = "fr"
    from warehouse.extensions import db
    db.session.commit()
    html = _page(client, world.manager)
    assert '<html lang="fr">' in html


# --- who gets it -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_start_on_the_dashboard(client, request, role):
    login(client, request.getfixturevalue(role))
    response = client.get("/")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/dashboard"
    assert client.get("/dashboard").status_code == 200


@pytest.mark.parametrize("role", ["volunteer", "coordinator_a"])
def test_volunteers_and_coordinators_keep_their_start_page_and_cannot_open_it(
        client, request, role):
    login(client, request.getfixturevalue(role))
    response = client.get("/")
    assert urlsplit(response.headers["Location"]).path == "/stock"
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/chart.svg").status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- offline scans that need someone -----------------------------------------------------

def test_offline_scans_refused_on_replay_show_as_needing_attention(client, world):
    from warehouse.extensions import db
    from warehouse.scan.models import SyncConflict

    db.session.add(SyncConflict(user_id=world.manager.id, method="POST",
                                path="/api/boxes/B00001/move", body={"location": "A1"},
                                problem={"title": "insufficient stock",
                                         "detail": "Box B00001 is empty."}))
    db.session.commit()
    board = queries.dashboard(now=WEDNESDAY_NOON)
    assert board.attention is not None and board.attention.count == 1
    assert board.attention.rows[0].problem == "Box B00001 is empty."
    assert board.attention.rows[0].who == "Mona Manager"

    html = _page(client, world.manager)
    assert re.search(r'id="figure-attention"[^>]*>\s*<span class="dash-number">1<', html)
    assert "Box B00001 is empty." in html
    href = _href(html, "figure-attention")
    assert href == "#needs-attention" or client.get(href).status_code == 200
