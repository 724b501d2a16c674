"""The scan page without a network, in a real browser: scans wait in the outbox, the page
reopens from the service worker, and back online every scan is recorded exactly once, in
order, whether two tabs replay together, an answer is lost after the server committed, a
scan no longer applies (it waits under "needs attention") or the session ended meanwhile.

These tests make their own browser context rather than use the ``page`` fixture: the
outbox's refused requests (401 before signing in again, 422 for a scan that no longer
applies) are expected here, and Chromium logs every one of them as a console error.
"""
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests import factories
from tests.api.test_scancodes import (
    AZERTY,
    CODE_CHARACTERS,
    EVERY_KIND_OF_CODE,
    LAYOUT_MIXES,
    US,
    code_with,
    typed,
)
from tests.browser import axe
from tests.browser.conftest import ACTION_TIMEOUT_MS, SCREENSHOTS, TABLET, new_context
from warehouse.boxes import services as boxes
from warehouse.core.scancodes import candidates
from warehouse.extensions import db
from warehouse.models import Box, Document, Role
from warehouse.scan import services as scanner
from warehouse.scan.models import SyncConflict

SCANS = 20


class Problems(list):
    """Script errors and CSP violations; failed requests only where a test expects none."""

    def watch(self, page):
        page.on("pageerror", lambda error: self.append(f"script error: {error}"))
        page.on("console", lambda message: self._console(message))
        return page

    def _console(self, message):
        if message.type != "error":
            return
        url = message.location.get("url") or ""
        text = message.text
        expected = ("Failed to load resource" in text or "net::ERR_INTERNET_DISCONNECTED" in text
                    or url.endswith("/favicon.ico"))
        if not expected:
            self.append(f"console: {text} ({url})")


@pytest.fixture
def context(browser, live_server):
    context = new_context(browser, viewport=TABLET, base_url=live_server, locale="en-GB")
    accessibility = axe.watch(context)
    problems = Problems()
    context.problems = problems
    context.on("page", problems.watch)
    yield context
    accessibility.finish(context)
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
    accessibility.assert_clean()


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_for(page, expression, timeout=ACTION_TIMEOUT_MS / 1000):
    """Poll a JavaScript expression (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(f"() => {expression}"):
            return
        time.sleep(0.1)
    raise AssertionError(f"still false after {timeout}s: {expression}")


@pytest.fixture
def floor():
    """A volunteer with a password, a site, three shelves and a box of 30 blankets."""
    manager = factories.create_user(role=Role.MANAGER)
    volunteer = factories.create_user(role=Role.VOLUNTEER, name="Vera Volunteer",
                                      password=factories.PASSWORD)
    site = factories.create_site(name="Calais Warehouse")
    shelves = [factories.create_location(site=site, name=f"Shelf A{n}") for n in (1, 2, 3)]
    blankets = factories.create_item(name="Blanket")
    box = factories.create_box()
    factories.receive(blankets, shelves[0], 30, actor=manager, box=box)

    class Floor:
        pass

    floor = Floor()
    floor.manager, floor.volunteer, floor.site, floor.shelves = manager, volunteer, site, shelves
    floor.box, floor.item = box, blankets
    return floor


def sign_in(page, user, *, next_url="/scan"):
    page.goto(f"/login?next={next_url}")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def open_scan_page(page):
    """The scan page, controlled by its service worker, which has saved it for offline use."""
    page.goto("/scan")
    expect(page.locator("#offline-bar")).to_have_attribute("data-cached", "true")
    # A page opened before its worker was installed may stay uncontrolled until it is
    # opened again (Chromium does not always honour clients.claim()); a tablet does that.
    page.reload()
    wait_for(page, "navigator.serviceWorker.controller !== null")
    expect(page.locator("#offline-bar")).to_have_attribute("data-cached", "true")
    expect(page.locator("#offline-bar")).to_be_visible()


def take_one(page, box_code, times=1):
    """Scan "take 1 out of the box", the way the scan page's take mode sends it."""
    answers = []
    for _ in range(times):
        answers.append(page.evaluate(
            "code => ScanOutbox.send({path: `/api/v1/boxes/${code}/take`, "
            "body: {quantity: 1}, label: `Take 1 out of ${code}`})", box_code))
    return answers


def move(page, box_code, location_code):
    return page.evaluate(
        "([box, place]) => ScanOutbox.send({path: '/api/v1/moves', "
        "body: {box_codes: [box], location_code: place}, label: `Move ${box} to ${place}`})",
        [box_code, location_code])


def pending(page) -> int:
    return int(page.locator("#offline-bar").get_attribute("data-pending") or -1)


def documents_by(user) -> int:
    db.session.commit()  # a fresh snapshot: the live server wrote since this session last read
    count = db.session.scalar(select(func.count()).select_from(Document)
                              .where(Document.actor_id == user.id))
    db.session.commit()
    return count


def box_now(box) -> Box:
    db.session.commit()
    db.session.expire_all()
    found = db.session.get(Box, box.id)
    db.session.commit()
    return found


def test_twenty_scans_made_offline_survive_a_reload_and_are_recorded_once_in_order(
        context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)

    context.set_offline(True)
    answers = take_one(page, floor.box.code, times=SCANS)
    # Two moves: made in this order, they must be recorded in this order.
    answers += [move(page, floor.box.code, floor.shelves[1].code),
                move(page, floor.box.code, floor.shelves[2].code)]
    assert {answer["status"] for answer in answers} == {"queued"}
    assert len({answer["key"] for answer in answers}) == SCANS + 2
    expect(page.locator("#offline-unsent")).to_have_text("22 unsent scans")
    expect(page.locator("#offline-network")).to_have_text("Offline")
    shoot(page, "scan-offline-22-unsent")

    # The page opens from the service worker, the scans still waiting.
    page.reload()
    expect(page.locator("#offline-unsent")).to_have_text("22 unsent scans")
    assert documents_by(floor.volunteer) == 0

    sent = []
    page.on("request", lambda request: sent.append(request.headers)
            if request.method == "POST" and "/api/v1/" in request.url else None)
    context.set_offline(False)
    expect(page.locator("#offline-unsent")).to_have_text("All scans sent")
    assert documents_by(floor.volunteer) == SCANS + 2
    # Sent as replays, each with the key it was given when it was made, and a fresh token.
    assert [headers["idempotency-key"] for headers in sent] == [a["key"] for a in answers]
    assert {headers["x-offline-replay"] for headers in sent} == {"1"}
    assert all(headers["x-csrftoken"] for headers in sent)
    box = box_now(floor.box)
    assert box.quantity == 30 - SCANS
    assert box.location_id == floor.shelves[2].id
    # Each document says when its scan was made, not when it was sent.
    occurred = db.session.scalars(select(Document.occurred_at).where(
        Document.actor_id == floor.volunteer.id).order_by(Document.id)).all()
    assert occurred == sorted(occurred)


@pytest.mark.parametrize("lock", ["web-locks", "lease"])
def test_two_tabs_replaying_the_same_outbox_together_record_each_scan_once(
        context, floor, lock):
    if lock == "lease":
        # Browsers without the Web Locks API (Safari before 15.4): the IndexedDB lease.
        context.add_init_script("delete Navigator.prototype.locks;")
    first = context.new_page()
    sign_in(first, floor.volunteer)
    open_scan_page(first)
    second = context.new_page()
    second.goto("/scan")

    context.set_offline(True)
    take_one(first, floor.box.code, times=SCANS)
    expect(second.locator("#offline-unsent")).to_have_text("20 unsent scans")

    context.set_offline(False)
    # Both tabs were told the network is back; both are also asked to send at once.
    first.evaluate("() => { ScanOutbox.replay(); }")
    second.evaluate("() => { ScanOutbox.replay(); }")
    for page in (first, second):
        expect(page.locator("#offline-unsent")).to_have_text("All scans sent")

    assert documents_by(floor.volunteer) == SCANS
    assert box_now(floor.box).quantity == 30 - SCANS
    assert first.evaluate("() => 'locks' in navigator") == (lock == "web-locks")


def test_an_answer_lost_after_the_server_recorded_the_scan_does_not_record_it_twice(
        context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)
    context.set_offline(True)
    take_one(page, floor.box.code, times=3)

    lost, answers = [], []

    def lose_the_answer(route):
        # The server does the work; the tablet never hears back (the wifi dropped).
        route.fetch()
        lost.append(route.request.headers.get("idempotency-key"))
        route.abort("connectionreset")

    page.route("**/api/v1/boxes/*/take", lose_the_answer, times=1)
    page.on("response", lambda response: answers.append(
        (response.request.headers.get("idempotency-key"),
         response.headers.get("idempotent-replayed"))) if "/take" in response.url else None)
    context.set_offline(False)  # the page replays by itself
    deadline = time.monotonic() + 10
    while not lost and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(lost) == 1

    # Still queued: sent again (with its own key) by the next replay.
    for _ in range(3):
        summary = page.evaluate("() => ScanOutbox.replay()")
        if summary["remaining"] == 0:
            break
    expect(page.locator("#offline-unsent")).to_have_text("All scans sent")

    assert answers[0] == (lost[0], "true")  # the server's stored answer, nothing posted
    assert [key for key, _ in answers].count(lost[0]) == 1
    assert documents_by(floor.volunteer) == 3
    assert box_now(floor.box).quantity == 27


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_scan_that_no_longer_applies_waits_under_needs_attention(context, floor, language):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    if language == "fr":
        page.locator("form.languages button[lang=fr]").click()
    open_scan_page(page)

    context.set_offline(True)
    page.evaluate(
        "code => ScanOutbox.send({path: `/api/v1/boxes/${code}/take`, body: {quantity: 25},"
        " label: `25 × ${code}`})", floor.box.code)
    take_one(page, floor.box.code, times=2)
    expect(page.locator("#offline-unsent-count")).to_have_text("3")
    shoot(page, f"scan-offline-counter-{language}")
    # Meanwhile, someone else empties most of the box at the warehouse.
    boxes.take_from_box(db.session.get(Box, floor.box.id), quantity=10, actor=floor.manager)
    db.session.commit()

    context.set_offline(False)
    attention = page.locator("#offline-attention")
    expect(attention).to_be_visible()
    item = attention.locator(".attention-item")
    expect(item).to_have_count(1)
    expect(item.locator(".attention-label")).to_have_text(f"25 × {floor.box.code}")
    expect(item.locator(".attention-problem")).not_to_be_empty()
    expect(page.locator("#offline-unsent-count")).to_be_empty()  # the two others went
    shoot(page, f"scan-needs-attention-{language}")

    assert documents_by(floor.volunteer) == 2
    assert box_now(floor.box).quantity == 30 - 10 - 2
    db.session.commit()
    conflict = db.session.scalars(select(SyncConflict)).one()
    db.session.commit()
    assert conflict.user_id == floor.volunteer.id and conflict.resolved_at is None
    assert item.get_attribute("data-conflict-id") == str(conflict.id)

    # It survives a reload, then is dismissed in one tap, on the server too.
    page.reload()
    expect(page.locator("#offline-attention .attention-item")).to_have_count(1)
    page.locator("#offline-attention .attention-dismiss").click()
    expect(page.locator("#offline-attention")).to_be_hidden()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SyncConflict, conflict.id).resolved_at is not None
    db.session.commit()
    assert documents_by(floor.volunteer) == 2


def test_scans_waiting_when_the_session_ended_are_sent_after_signing_in_again(
        context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)
    context.set_offline(True)
    take_one(page, floor.box.code, times=5)

    context.clear_cookies()  # the session ended while the tablet was offline
    context.set_offline(False)
    sign_in_again = page.locator("#offline-signin")
    expect(sign_in_again).to_be_visible()
    expect(sign_in_again).to_have_text("Sign in again to send 5 scans")
    assert documents_by(floor.volunteer) == 0
    shoot(page, "scan-offline-sign-in-again")

    sign_in_again.click()
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)scan$"))
    page.get_by_label("E-mail address").fill(floor.volunteer.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/scan$"))
    expect(page.locator("#offline-unsent")).to_have_text("All scans sent")

    assert documents_by(floor.volunteer) == 5
    assert box_now(floor.box).quantity == 25


def test_a_scan_online_is_sent_at_once_and_a_refused_one_is_not_queued(context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)

    sent = take_one(page, floor.box.code)[0]
    refused = page.evaluate(
        "code => ScanOutbox.send({path: `/api/v1/boxes/${code}/take`, body: {quantity: 99}})",
        floor.box.code)

    assert sent["status"] == "sent" and sent["response"]["document_id"]
    assert refused["status"] == "failed" and refused["problem"]["detail"]
    expect(page.locator("#offline-unsent")).to_have_text("All scans sent")
    expect(page.locator("#offline-attention")).to_be_hidden()
    assert documents_by(floor.volunteer) == 1


def test_look_ups_offline_answer_from_the_saved_codes(context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)
    expect(page.locator("#offline-codes-age")).to_have_text("Codes up to date")

    context.set_offline(True)
    page.reload()
    found = page.evaluate("code => ScanCodeCache.lookup(code)", floor.box.code.lower())

    assert found["entry"]["kind"] == "box"
    assert found["entry"]["code"] == floor.box.code
    assert found["ageText"] == "Codes up to date"
    assert page.evaluate("() => ScanCodeCache.lookup('NO-SUCH-CODE')") is None


def mangled_scans() -> list[str]:
    """Every scan tests/api/test_scancodes.py models, and Caps Lock's capitals besides."""
    texts = []
    for scanner, computer in LAYOUT_MIXES:
        texts += [typed(code_with(char), scanner, computer) for char in CODE_CHARACTERS]
        texts += [typed(code, scanner, computer) for code in EVERY_KIND_OF_CODE]
    return texts + ['Bàà&é"', 'Bàà&é"\n', "B))!@#", 'BÀÀ&É"', "Bàà&é§", "QA-01", "VORG3",
                    typed("VADJUST", US, AZERTY), "  b00123\r\n", "\tl00012 ", "hello", ""]


def test_offline_a_scanner_on_the_wrong_keyboard_layout_reads_as_it_does_on_the_server(
        context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)
    texts = mangled_scans()

    # The page's reading of each text: the codes it tries, in order, as the server does.
    read = page.evaluate("texts => import('/static/js/scan/scancodes.js')"
                         ".then(module => texts.map(module.candidates))", texts)

    assert read == [candidates(text) for text in texts]
    context.set_offline(True)
    page.reload()
    for scanner, computer in LAYOUT_MIXES:
        mangled = typed(floor.box.code, scanner, computer)
        found = page.evaluate("code => ScanCodeCache.lookup(code)", mangled)
        assert found["entry"]["code"] == floor.box.code, mangled


def make_a_stale_scan(context, page, floor):
    """Queue "take 25" offline, empty most of the box meanwhile, replay: needs attention."""
    open_scan_page(page)
    context.set_offline(True)
    page.evaluate(
        "code => ScanOutbox.send({path: `/api/v1/boxes/${code}/take`, body: {quantity: 25},"
        " label: `25 × ${code}`})", floor.box.code)
    boxes.take_from_box(db.session.get(Box, floor.box.id), quantity=10, actor=floor.manager)
    db.session.commit()
    context.set_offline(False)
    expect(page.locator("#offline-attention .attention-item")).to_have_count(1)


def test_a_scan_needing_attention_is_recorded_when_tried_again_once_the_stock_is_back(
        context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    make_a_stale_scan(context, page, floor)
    # New stock comes into the box.
    factories.receive(floor.item, floor.shelves[0], 10, actor=floor.manager, box=floor.box)
    db.session.commit()

    page.locator("#offline-attention .attention-retry").click()
    expect(page.locator("#offline-attention")).to_be_hidden()

    assert documents_by(floor.volunteer) == 1
    assert box_now(floor.box).quantity == 30 - 10 + 10 - 25
    db.session.commit()
    assert db.session.scalars(select(SyncConflict.resolution)).one() is not None


def test_a_scan_a_manager_resolved_leaves_the_tablets_needs_attention_list(context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    make_a_stale_scan(context, page, floor)
    db.session.commit()
    conflict = db.session.scalars(select(SyncConflict)).one()
    scanner.resolve_conflict(conflict.id, action="dismiss", actor=floor.manager, retry=None)
    db.session.commit()

    page.reload()  # opening the page (or coming back online) checks with the server

    expect(page.locator("#offline-attention")).to_be_hidden()
    assert documents_by(floor.volunteer) == 0


def scan(page, code):
    page.locator("#scan-field").fill(code)
    page.locator("#scan-field").press("Enter")


def test_a_volunteer_moves_a_box_back_and_forth_offline_by_scanning_and_the_order_holds(
        context, floor):
    page = context.new_page()
    sign_in(page, floor.volunteer)
    open_scan_page(page)
    page.locator(".scan-mode[data-mode=move]").click()

    context.set_offline(True)
    page.reload()  # from the service worker
    page.locator(".scan-mode[data-mode=move]").click()
    moves = 10
    for n in range(moves):  # box, then shelf: 20 scans, between two shelves, ending on A3
        scan(page, floor.box.code)
        expect(page.locator(".scan-chips li")).to_have_count(1)
        scan(page, floor.shelves[1 + n % 2].code)
        expect(page.locator("#offline-unsent-count")).to_have_text(str(n + 1))
    shoot(page, "scan-offline-moves-queued")
    axe.check(page)  # the amber banner and the offline strip
    assert documents_by(floor.volunteer) == 0

    context.set_offline(False)
    expect(page.locator("#offline-unsent")).to_have_text("All scans sent")
    expect(page.locator("#offline-attention")).to_be_hidden()
    assert documents_by(floor.volunteer) == moves
    assert box_now(floor.box).location_id == floor.shelves[2].id
    assert box_now(floor.box).quantity == 30


def test_a_device_that_cannot_store_scans_says_so_instead_of_pretending(context, floor):
    # Private browsing, or storage switched off: IndexedDB refuses to open.
    context.add_init_script("""
        Object.defineProperty(window, "indexedDB", { value: { open() {
            const request = {};
            setTimeout(() => { request.error = new Error("off"); request.onerror(); });
            return request;
        } } });""")
    page = context.new_page()
    sign_in(page, floor.volunteer)
    page.goto("/scan")
    context.set_offline(True)

    answer = take_one(page, floor.box.code)[0]

    assert answer["status"] == "failed"
    assert "cannot keep scans while offline" in answer["problem"]["detail"]
