"""With the keyboard alone, on a tablet: every action of the scan page, the donation form
and the pick page is reached with Tab, in the order of the page, shows clearly where the
focus is, and works with Enter or Space.

"Shows clearly" is measured: the focused element's outline, or the ring its box-shadow
draws, contrasts 3:1 or more with the background around it (WCAG 1.4.11).
"""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests import factories
from tests.browser import axe
from tests.browser.test_scan_modes import (  # noqa: F401  (fixtures)
    box,
    expect_error,
    expect_ok,
    page,
    sign_in,
    world,
)
from tests.requests_factories import create_approved_request
from warehouse.extensions import db
from warehouse.intake.models import Donation, Priority
from warehouse.models import Box

pytestmark = pytest.mark.accessibility

# What has the focus: its name, whether it is on screen, after the previous stop in the
# page, and the contrast of its focus ring with the background around it.
FOCUS = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  function rgb(text) {
    const match = /rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/.exec(text || '');
    return match && (match[4] === undefined || Number(match[4]) > 0)
      ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
  }
  function luminance(colour) {
    const [r, g, b] = colour.map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function contrast(a, b) {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }
  let around = [255, 255, 255];
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour) { around = colour; break; }
  }
  const rings = [];
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) {
    rings.push(rgb(style.outlineColor));
  }
  for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
    if (!shadow.includes('inset') && /0px 0px 0px [2-9]/.test(shadow)) rings.push(rgb(shadow));
  }
  const best = Math.max(0, ...rings.filter(Boolean).map(colour => contrast(colour, around)));
  const rect = element.getBoundingClientRect();
  const previous = window.__keyboardPrevious;
  window.__keyboardPrevious = element;
  const label = element.labels && element.labels.length ? element.labels[0].innerText : '';
  return {
    name: (element.getAttribute('aria-label') || label || element.innerText || element.id
           || element.tagName).replace(/\\s+/g, ' ').trim(),
    id: element.id,
    ring: Math.round(best * 100) / 100,
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < innerHeight,
    inOrder: !previous || !previous.isConnected || previous === element
      || Boolean(previous.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING),
  };
}"""
FROM_THE_TOP = """async () => {
  // After the browser has moved the focus to a field marked autofocus, if there is one.
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  window.__keyboardPrevious = null;
  document.body.tabIndex = -1;
  document.body.focus();
  document.body.removeAttribute('tabindex');
}"""
MIN_RING_CONTRAST = 3
MAX_STOPS = 80


def press(page, key: str = "Tab") -> dict | None:
    """Press a key; what has the focus then, checked to be visible and in page order."""
    page.keyboard.press(key)
    focus = page.evaluate(FOCUS)
    if focus is not None:
        assert focus["onScreen"], f"the focus went to {focus['name']!r}, off screen"
        assert focus["ring"] >= MIN_RING_CONTRAST, (
            f"the focus on {focus['name']!r} is hard to see: its ring contrasts "
            f"{focus['ring']}:1 with the background")
        if key == "Tab":
            assert focus["inOrder"], f"Tab jumped back up the page to {focus['name']!r}"
    return focus


def from_the_top(page) -> None:
    """Start again from the top of the page, as after it opens."""
    page.evaluate(FROM_THE_TOP)


def tab_to(page, name: str, exact: bool = True) -> dict:
    """Tab forward until the focus is on ``name``, checking every stop on the way."""
    page.evaluate("() => { window.__keyboardPrevious = null; }")
    for _ in range(MAX_STOPS):
        focus = press(page)
        assert focus is not None, f"Tab left the page before reaching {name!r}"
        if focus["name"] == name or (not exact and name in focus["name"]):
            return focus
    raise AssertionError(f"{name!r} is not reached with Tab")


def tab_through(page) -> list[str]:
    """Every stop of the page, top to bottom, each checked; their names."""
    from_the_top(page)
    names = []
    for _ in range(MAX_STOPS):
        focus = press(page)
        if focus is None or (names and focus["name"] == names[0]):
            return names
        names.append(focus["name"])
    raise AssertionError(f"Tab never left the page: {names}")


def in_order(names: list[str], expected: list[str]) -> bool:
    """Whether ``expected`` appear in ``names`` in this order (others may come between)."""
    found = iter(names)
    return all(any(name == wanted for name in found) for wanted in expected)


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement.id")


# --- the scan page --------------------------------------------------------------------------

SCAN_MODES = ["Look up", "Put away / move", "Receive into a label", "Take out / top up",
              "Pick a request", "Count"]


def test_tab_reaches_every_control_of_the_scan_page_in_order_with_a_visible_focus(
        page, world, screenshot):
    sign_in(page, world.volunteer)

    stops = tab_through(page)

    assert in_order(stops, ["Skip to content", "Warehouse", "Scan", "EN", "FR",
                            "Vera Volunteer", "Sign out", *SCAN_MODES, "Code", "Type", "OK",
                            "Camera", "Scanner not working? Test it here"]), "\n".join(stops)
    from_the_top(page)
    tab_to(page, "Put away / move")
    screenshot("keyboard-scan-focus")


def test_a_volunteer_moves_takes_out_and_undoes_with_the_keyboard_alone(page, world):
    sign_in(page, world.volunteer)

    # Choosing a mode with Enter sends the focus back to the scan field.
    from_the_top(page)
    tab_to(page, "Put away / move")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Put away / move")).to_have_attribute(
        "aria-pressed", "true")
    assert focused_id(page) == "scan-field"
    page.keyboard.type("B00101")
    page.keyboard.press("Enter")
    expect(page.locator(".scan-chips")).to_contain_text("B00101")
    page.keyboard.type("L00902")
    page.keyboard.press("Enter")
    expect_ok(page, "1 box moved to Shelf A2")
    axe.check(page)  # the green banner
    assert box("B00101").location_id == world.shelf_b.id

    # Undo, in the list of last scans, with Space.
    tab_to(page, "Undo")
    page.keyboard.press("Space")
    expect(page.locator("#scan-recent li").first).to_have_class(re.compile("recent-undone"))
    assert box("B00101").location_id == world.shelf_a.id

    # Take out two with the stepper's + key, then the big button.
    from_the_top(page)
    tab_to(page, "Take out / top up")
    page.keyboard.press("Space")
    assert focused_id(page) == "scan-field"
    page.keyboard.type("B00102")
    page.keyboard.press("Enter")
    expect(page.locator("#take-quantity")).to_be_focused()
    tab_to(page, "+1")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("#take-quantity")).to_have_value("2")
    tab_to(page, "Take out")
    page.keyboard.press("Enter")
    expect_ok(page, "B00102")
    assert box("B00102").quantity == 8

    # A code that is nothing: the red banner, and the focus still in the field.
    page.keyboard.type("NOPE-1")
    page.keyboard.press("Enter")
    expect_error(page, "NOPE-1")
    assert focused_id(page) == "scan-field"
    axe.check(page)


# --- the donation form ----------------------------------------------------------------------

@pytest.fixture
def intake_bay(world):
    return factories.create_location(site=world.site, name="Intake bay 2", is_intake=True)


def test_tab_reaches_every_field_of_the_donation_form_in_order_with_a_visible_focus(
        page, world, intake_bay):
    sign_in(page, world.volunteer, path="/intake/donations/new")

    stops = tab_through(page)

    assert in_order(stops, ["Log a donation", "Received", "Site", "Put it in", "Individual",
                            "Donor's name (optional)", "Where it comes from (optional)",
                            "Normal goes into stock as usual", "Used", "Find an item", "Item",
                            "How many", "Boxes", "Remove this line", "+ Add a line",
                            "Note (optional)", "Record the donation"]), "\n".join(stops)


def test_a_volunteer_logs_a_donation_with_the_keyboard_alone(page, world, intake_bay):
    sign_in(page, world.volunteer, path="/intake/donations/new")

    from_the_top(page)
    tab_to(page, "Individual", exact=False)
    page.keyboard.press("ArrowRight")  # the next kind of donor
    tab_to(page, "Donor's name (optional)")
    page.keyboard.type("St Mary's school")
    tab_to(page, "Normal", exact=False)
    page.keyboard.press("ArrowLeft")  # urgent
    tab_to(page, "Find an item")
    page.keyboard.type("blank")
    expect(page.locator("#lines-0-item option:checked")).to_have_text("Blanket")
    tab_to(page, "How many")
    page.keyboard.type("20")
    tab_to(page, "Boxes")
    page.keyboard.type("2")
    expect(page.locator("[data-line-total]").first).to_have_text("2 boxes × 20 = 40 in all")

    # A fourth line, added with Enter: the focus goes to its item.
    tab_to(page, "+ Add a line")
    page.keyboard.press("Enter")
    expect(page.locator("[data-line]")).to_have_count(4)
    expect(page.locator("[data-line]").nth(3).locator(".item-filter")).to_be_focused()
    page.keyboard.type("nappies")
    tab_to(page, "How many")
    page.keyboard.type("48")
    tab_to(page, "Remove this line")  # on the fourth line's own × key
    page.keyboard.press("Space")
    expect(page.locator("[data-line]")).to_have_count(3)

    from_the_top(page)
    tab_to(page, "Record the donation")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/intake/donations/\d+$"))
    expect(page.get_by_text("Donation recorded.")).to_be_visible()
    db.session.commit()
    donation = db.session.scalars(select(Donation)).one()
    assert (donation.donor_type, donation.donor_name, donation.priority) == (
        "group", "St Mary's school", Priority.URGENT)
    assert db.session.scalars(select(Box.quantity).where(Box.donation_id == donation.id)).all() \
        == [20, 20]


# --- the pick page --------------------------------------------------------------------------

@pytest.fixture
def approved(world):
    partner = factories.create_organisation(name="Calais Food Collective", short_name="CFC")
    return create_approved_request(organisation=partner, site=world.site,
                                   lines=[(world.blanket, 20)], actor=world.manager)


def test_tab_reaches_every_action_of_the_pick_page_in_order_with_a_visible_focus(
        page, world, approved):
    sign_in(page, world.manager, path=f"/dispatch/requests/{approved.id}/pick")

    stops = tab_through(page)

    assert in_order(stops, ["Picking and dispatch", "Print the pick list", "Box code",
                            "How many (empty: the whole box)", "Pick this box",
                            "Pick loose stock from a shelf"]), "\n".join(stops)


def test_a_manager_picks_undoes_and_dispatches_with_the_keyboard_alone(page, world, approved):
    sign_in(page, world.manager, path=f"/dispatch/requests/{approved.id}/pick")

    from_the_top(page)
    tab_to(page, "Box code")
    page.keyboard.type("B00101")
    tab_to(page, "Pick this box")
    page.keyboard.press("Enter")
    expect(page.get_by_text("all picked")).to_be_visible()

    from_the_top(page)
    tab_to(page, "Undo")
    page.keyboard.press("Space")
    expect(page.get_by_text("20 left to pick")).to_be_visible()

    # The loose-stock form opens from its summary with Enter, and its fields follow it.
    from_the_top(page)
    tab_to(page, "Pick loose stock from a shelf")
    page.keyboard.press("Enter")
    expect(page.locator("details.loose-form")).to_have_attribute("open", "")
    focus = press(page)
    assert focus["name"] in {"Line", "Item", "Request line"}, focus
    axe.check(page)

    from_the_top(page)
    tab_to(page, "Box code")
    page.keyboard.type("B00101")
    page.keyboard.press("Enter")  # Enter in the field sends the form
    expect(page.get_by_text("all picked")).to_be_visible()
    tab_to(page, "Dispatch now")
    page.keyboard.press("Space")
    expect(page.locator(".flash-success")).to_contain_text(f"Request {approved.id} dispatched")
    assert box("B00101").location_id != world.shelf_a.id  # the whole box went to custody
