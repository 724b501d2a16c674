"""Every mode of the scan page at tablet size, in English and in French, as a volunteer on
their first day sees it: a green banner, a red one, and scans waiting to be sent while the
network is down. The screenshots land in test-artifacts/screenshots/scan-<lang>-*.png."""
import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_scan_modes import (  # noqa: F401  (fixtures)
    banner,
    box,
    page,
    scan,
    world,
)
from tests.requests_factories import create_approved_request
from warehouse.extensions import db


def sign_in_speaking(page, user, language):
    page.goto("/login?next=/scan")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/scan$"))
    expect(page.locator("#scan-page[data-ready]")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", language)


def mode(page, key):
    page.locator(f".scan-mode[data-mode={key}]").click()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_mode_at_tablet_size(page, world, screenshot, language):
    world.volunteer.locale = language
    db.session.commit()
    partner = factories.create_organisation(name="Refugee Aid")
    create_approved_request(organisation=partner, site=world.site,
                            lines=[(world.blanket, 25), (world.tshirt_m, 4)],
                            actor=world.manager)
    sign_in_speaking(page, world.volunteer, language)

    mode(page, "lookup")
    scan(page, "B00101")
    expect(banner(page)).to_have_attribute("data-kind", "ok")
    screenshot(f"scan-{language}-1-lookup")

    mode(page, "move")
    scan(page, "B00101")
    scan(page, "B00102")
    scan(page, "NOPE-9")
    expect(banner(page)).to_have_attribute("data-kind", "error")
    screenshot(f"scan-{language}-2-move-error")
    scan(page, "L00902")
    expect(banner(page)).to_have_attribute("data-kind", "ok")
    screenshot(f"scan-{language}-2-move-done")

    mode(page, "receive")
    scan(page, "B00199")
    page.locator("#item-search").fill("t-s")
    page.locator("#item-results .choice").first.click()
    page.locator(".choice.size").first.click()
    page.locator("#receive-quantity").fill("12")
    screenshot(f"scan-{language}-3-receive")

    mode(page, "take")
    scan(page, "B00103")
    expect(page.locator("#take-quantity")).to_be_visible()
    screenshot(f"scan-{language}-4-take")

    mode(page, "pick")
    expect(page.locator(".choice.request")).to_have_count(1)
    screenshot(f"scan-{language}-5-pick-requests")
    page.locator(".choice.request").click()
    expect(page.locator("table.pick-lines")).to_be_visible()
    scan(page, "B00101")
    expect(page.locator("table.pick-lines td.left").first).to_have_text("5")
    scan(page, "B00103")  # 8 in the box, 4 wanted: how many?
    expect(page.locator("#pick-quantity")).to_have_value("4")
    screenshot(f"scan-{language}-5-pick")

    mode(page, "count")
    scan(page, "L00901")
    expect(page.locator("#count-finish")).to_be_visible()
    scan(page, "B00103")
    expect(page.locator(".scan-chips li")).to_have_count(1)
    screenshot(f"scan-{language}-6-count")

    # The network goes: scans are kept on the tablet and counted until they are sent.
    mode(page, "take")
    page.context.set_offline(True)
    scan(page, "B00101")
    expect(page.locator("#take-quantity")).to_be_visible()
    page.locator("#take-quantity").fill("2")
    page.locator("#take-out").click()
    expect(banner(page)).to_have_attribute("data-kind", "queued")
    expect(page.locator("#offline-unsent-count")).to_have_text("1")
    screenshot(f"scan-{language}-7-offline")
    page.context.set_offline(False)
    expect(page.locator("#offline-unsent-count")).to_have_text(re.compile(r"^0?$"),
                                                               timeout=15_000)
    # Sent once the network is back, once.
    assert box("B00101").quantity == 18


def test_on_a_phone_the_modes_and_the_field_fit_the_width(page, world, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_speaking(page, world.volunteer, "en")

    scan(page, "B00101")

    expect(banner(page)).to_have_attribute("data-kind", "ok")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
    for target in page.locator(".scan-mode, #scan-camera, #scan-go, .card-actions .button").all():
        box = target.bounding_box()
        assert box["height"] >= 48 and box["width"] >= 48, box
    screenshot("scan-en-8-phone")
