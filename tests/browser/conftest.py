"""A real browser against the app: Debian's Chromium driven by Playwright.

The app runs in a thread of the test process (``live_server``), on the same database as
every other test, so a test makes its users with the factories and then drives the
browser. One browser for the whole run, a fresh context (cookies, storage) per test.

Playwright's own browser download is not used: the tests need ``/usr/bin/chromium``
(``apt-get install chromium``; ``scripts/test`` installs it when run as root). Without
it they fail rather than skip, so CI cannot pass without having run them.
"""
import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser import axe

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
TABLET = {"width": 800, "height": 1280}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Fail fast: a page of this app answers in milliseconds.
ACTION_TIMEOUT_MS = 10_000
# The browser's clock is moved to the app's when they differ by more than this.
CLOCK_TOLERANCE_MS = 2_000
# ``Date`` in every page of a context, moved by OFFSET milliseconds (timers untouched).
SHIFTED_DATE = """(() => {
  const offset = OFFSET;
  const RealDate = Date;
  class ShiftedDate extends RealDate {
    constructor(...args) { if (args.length) super(...args); else super(RealDate.now() + offset); }
    static now() { return RealDate.now() + offset; }
  }
  globalThis.Date = ShiftedDate;
})();"""


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served over HTTP on a free local port; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM}: install it with "
                    f"`apt-get install chromium` (scripts/test does this when run as root), "
                    f"or set CHROMIUM to its path.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with _without_faketime():
        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@contextmanager
def _without_faketime():
    """Start Playwright's driver, and so Chromium, without libfaketime in the environment.

    CI runs the suite once more with the test process's clock moved ahead by libfaketime
    (``LD_PRELOAD``); Chromium started under it hangs. The browser keeps the machine's
    real clock and each context reads the app's through ``new_context``.
    """
    saved = os.environ.get("LD_PRELOAD")
    if saved is not None:
        kept = [lib for lib in saved.split() if "faketime" not in lib]
        os.environ["LD_PRELOAD"] = " ".join(kept)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["LD_PRELOAD"] = saved


def new_context(browser, **options):
    """A browser context with the tests' timeout, whose pages' clock reads the app's.

    The app's clock is the test process's: moved ahead in CI's shifted-clock pass, or
    set by ``fixed_clock``. A scan's time, made by the page, then means the same to the
    app as in real use.
    """
    context = browser.new_context(**options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    probe = context.new_page()
    offset = round(time.time() * 1000 - probe.evaluate("Date.now()"))
    probe.close()
    if abs(offset) > CLOCK_TOLERANCE_MS:
        context.add_init_script(SHIFTED_DATE.replace("OFFSET", str(offset)))
    return context


@pytest.fixture
def page(browser, live_server):
    """A tablet-sized page in a fresh context; fails the test on a script error, a
    Content-Security-Policy violation or a WCAG 2.1 A/AA violation found by axe-core in any
    page it opened (see tests/browser/axe.py)."""
    context = new_context(browser, viewport=TABLET, base_url=live_server, locale="en-GB")
    accessibility = axe.watch(context)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(
        f"console: {message.text} ({message.location.get('url')})")
        if message.type == "error" and not _is_favicon(message) else None)
    yield page
    accessibility.finish(context)
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
    accessibility.assert_clean()


def _is_favicon(message) -> bool:
    """The browser asks for /favicon.ico by itself; the app has none."""
    return (message.location.get("url") or "").endswith("/favicon.ico")


@pytest.fixture
def screenshot(page):
    """``screenshot(name)`` saves the page under test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
