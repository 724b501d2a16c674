"""What a newcomer gets from ``scripts/run``: the app, served with demo stock on it."""
import os
import socket
import subprocess
import time
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
    try:
        body = None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                    body = page.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert body is not None, "scripts/run did not serve the home page:\n" + (
            server.stdout.read() if server.poll() is not None else "(still starting)")
        assert "Stock on hand" in body
        assert "Calais" in body and "Sleeping bag" in body
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
