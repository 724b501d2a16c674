"""From a partner's request to its distribution, in a real browser on a tablet-sized page:
a coordinator requests tents, a manager approves, picks the box and dispatches it, and
the coordinator logs what was handed out from her custody."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from warehouse.core.clock import local_today
from warehouse.distributions.models import Distribution, DistributionSite
from warehouse.distributions.services import held_by
from warehouse.extensions import db
from warehouse.models import Role
from warehouse.stock.queries import stock_differences


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def held_row(page, quantity: int):
    """The custody table's row of the tents, holding ``quantity``."""
    return page.get_by_role("row", name=re.compile(rf"^Tent \(2-person\) P\d+ {quantity}\b"))


def test_a_request_is_approved_dispatched_and_distributed(page, screenshot):
    partner = factories.create_organisation(name="Calais Food Collective", short_name="CFC")
    coordinator = factories.create_user(role=Role.COORDINATOR, organisation=partner,
                                        name="Cora Coordinator", password=factories.PASSWORD)
    manager = factories.create_user(role=Role.MANAGER, name="Max Manager",
                                    password=factories.PASSWORD)
    site = factories.create_site(name="Calais Warehouse")
    shelf = factories.create_location(site=site, name="Shelf A1")
    factories.create_location(site=site, name="Intake bay", is_intake=True)
    tent = factories.create_item(name="Tent", size="2-person")
    box = factories.create_box()
    factories.receive(tent, shelf, 12, actor=manager, box=box)
    place = factories._save(DistributionSite(name="Rue des Huttes", town="Calais",
                                             region="Hauts-de-France"))

    # The coordinator asks for the box's 12 tents.
    sign_in(page, coordinator)
    page.goto("/requests/new")
    page.locator("#needed_by").fill((local_today() + timedelta(days=2)).isoformat())
    page.locator("#site").select_option(str(site.id))
    page.locator("#distribution_site").select_option(str(place.id))
    page.locator("#item-0").select_option(str(tent.id))
    page.locator("#quantity-0").fill("12")
    screenshot("e2e-1-request")
    page.get_by_role("button", name="Submit the request").click()
    expect(page).to_have_url(re.compile(r"/requests/\d+$"))
    expect(page.get_by_text("is sent to the warehouse")).to_be_visible()
    request_id = int(page.url.rsplit("/", 1)[1])
    sign_out(page)

    # The manager approves it, which reserves the tents, then picks the box and
    # dispatches it into the partner's custody.
    sign_in(page, manager)
    page.goto(f"/requests/{request_id}/review")
    screenshot("e2e-2-review")
    page.get_by_role("button", name="Approve and reserve").click()
    expect(page.get_by_text(f"Request {request_id} is approved")).to_be_visible()
    page.goto(f"/dispatch/requests/{request_id}/pick")
    page.get_by_label("Box code").fill(box.code)
    page.get_by_role("button", name="Pick this box").click()
    expect(page.get_by_text("all picked")).to_be_visible()
    screenshot("e2e-3-picked")
    page.get_by_role("button", name="Dispatch now").click()
    expect(page.locator(".flash-success")).to_be_visible()
    screenshot("e2e-4-dispatched")
    sign_out(page)

    # The coordinator sees the tents in her custody and logs their distribution.
    sign_in(page, coordinator)
    page.goto("/distributions/custody")
    expect(held_row(page, 12)).to_be_visible()
    screenshot("e2e-5-custody")
    page.get_by_role("link", name="Log a distribution").first.click()
    page.get_by_label("Distribution site").select_option(str(place.id))
    page.get_by_text("Eviction replacement").click()
    page.locator("#lines-0-item").select_option(str(tent.id))
    page.locator("#lines-0-quantity").fill("10")
    page.get_by_label("People reached").fill("10")
    page.get_by_label("Women").fill("3")
    page.get_by_label("Children").fill("2")
    screenshot("e2e-6-distribution-form")
    page.get_by_role("button", name="Record the distribution").dblclick()  # a double tap
    expect(page).to_have_url(re.compile(r"/distributions/\d+$"))
    expect(page.get_by_text("Distribution recorded.")).to_be_visible()
    screenshot("e2e-7-distribution")

    page.goto("/distributions/custody")
    expect(held_row(page, 2)).to_be_visible()
    db.session.commit()  # a fresh read of what the server wrote
    assert len(db.session.scalars(select(Distribution)).all()) == 1
    assert held_by(partner.id) == {tent.id: 2}
    assert stock_differences() == []
