"""What a newcomer gets from ``scripts/run``: the app, served with demo stock on it."""
import http.cookiejar
import os
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import POSTGRES

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 180


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(POSTGRES, reason="scripts/run serves the embedded SQLite database; "
                    "checked once, in the SQLite pass")
def test_scripts_run_serves_the_home_page_with_demo_stock(tmp_path):
    port = free_port()
    env = {**os.environ, "PORT": str(port),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'newcomer.sqlite3'}"}
    env.pop("TEST_DATABASE_URL", None)
    server = subprocess.Popen([str(ROOT / "scripts" / "run")], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        sign_in_page = None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with browser.open(f"{base}/", timeout=5) as page:
                    assert page.status == 200
                    sign_in_page = page.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert sign_in_page is not None, "scripts/run did not serve the home page:\n" + (
            server.stdout.read() if server.poll() is not None else "(still starting)")
        assert "Sign in" in sign_in_page

        # Sign in with the demo account the script printed, as a newcomer would.
        from warehouse.demo import DEMO_PASSWORD
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page)
        form = {"email": "manager@example.org", "password": DEMO_PASSWORD,
                "csrf_token": token.group(1) if token else ""}
        with browser.open(f"{base}/login", urllib.parse.urlencode(form).encode(),
                          timeout=10) as page:
            body = page.read().decode()
        assert page.status == 200
        assert "Dashboard" in body  # a manager starts on the dashboard
        with browser.open(f"{base}/stock", timeout=10) as page:
            body = page.read().decode()
        assert "Stock on hand" in body
        assert "Calais" in body and "Sleeping bag" in body
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
