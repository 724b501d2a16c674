"""The scan page's offline assets: the service worker, the web app manifest, the icons and
the outbox's session check."""
import json
import struct
from pathlib import Path

import pytest

from tests.conftest import login
from warehouse.models import Role

STATIC = Path(__file__).resolve().parents[2] / "warehouse" / "static"


def test_the_service_worker_is_served_as_javascript_for_the_whole_site(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Content-Security-Policy" in response.headers


def test_the_service_worker_names_its_cache_after_the_static_files_version(client):
    source = client.get("/sw.js").get_data(as_text=True)

    assert "__CACHE_VERSION__" not in source
    assert 'const VERSION = "' in source
    # The same files, the same worker: browsers only reinstall it when something changed.
    assert client.get("/sw.js").get_data(as_text=True) == source


def test_the_service_worker_never_caches_writes():
    source = (STATIC / "js" / "sw.js").read_text()

    assert 'if (request.method !== "GET") return;' in source


def test_the_manifest_installs_the_scan_page_as_a_standalone_app(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/scan"
    assert manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"]
    assert manifest["theme_color"].startswith("#")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_every_manifest_icon_exists_at_its_stated_size(client):
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    sizes = set()
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        width, height = _png_size(response.get_data())
        assert f"{width}x{height}" == icon["sizes"]
        assert icon["type"] == "image/png"
        sizes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_the_manifest_speaks_the_browsers_language(client):
    manifest = json.loads(client.get("/manifest.webmanifest",
                                     headers={"Accept-Language": "fr"}).get_data(as_text=True))

    assert manifest["lang"] == "fr"


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest",
                                  "/scan/offline/unavailable"])
def test_the_worker_manifest_and_offline_page_need_no_session(client, path):
    # Browsers fetch both without cookies (manifest) or on their own schedule (worker
    # updates), and a redirect to the sign-in page would break them.
    assert client.get(path).status_code == 200


def test_the_session_check_gives_a_fresh_csrf_token_to_a_signed_in_user(client):
    from tests import factories
    user = factories.create_user(role=Role.VOLUNTEER)
    login(client, user)

    response = client.get("/scan/offline/session", headers={"Accept": "application/json"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json["user_id"] == user.id
    assert response.json["csrf_token"]


def test_the_session_check_says_401_when_the_session_has_ended(client):
    response = client.get("/scan/offline/session", headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert response.json["type"] == "/problems/not-signed-in"


def test_the_offline_strip_gets_its_words_with_their_placeholders_for_the_script(app):
    from warehouse.scan.offline import offline_messages

    with app.test_request_context("/scan"):
        messages = offline_messages()

    assert messages["offline"] == "Offline"
    assert messages["unsent"] == ["%(num)d unsent scan", "%(num)d unsent scans"]
    assert all("%(num)d" in form for form in messages["signIn"] + messages["others"])
    assert "%(age)s" in messages["codesAge"]


def test_the_page_shown_offline_before_the_scan_page_was_saved_says_what_to_do(client):
    response = client.get("/scan/offline/unavailable", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert "Open it once while connected to the network" in response.get_data(as_text=True)


def test_the_scan_page_sends_a_signed_out_user_back_to_sign_in_then_to_scan(client):
    from tests import factories
    factories.create_site()
    login(client, factories.create_user(role=Role.VOLUNTEER))

    page = client.get("/scan").get_data(as_text=True)

    assert 'data-login-url="/login?next=/scan"' in page
    assert 'rel="manifest" href="/manifest.webmanifest"' in page


def test_on_a_shared_tablet_signing_in_again_is_the_name_and_pin_picker(client):
    from werkzeug.security import generate_password_hash

    from tests import factories
    from warehouse.extensions import db
    from warehouse.tablet import services
    from warehouse.tablet.views import COOKIE_NAME

    factories.create_site()
    volunteer = factories.create_user(role=Role.VOLUNTEER)
    volunteer.pin_hash = generate_password_hash("4827", method="pbkdf2:sha256:1000")
    db.session.commit()
    tablet, token = services.enable_tablet(actor=factories.create_user(role=Role.MANAGER),
                                           name="Scanner 1")
    client.set_cookie(COOKIE_NAME, token)
    client.post(f"/tablet/pin/{volunteer.id}", data={"pin": "4827"})

    page = client.get("/scan").get_data(as_text=True)

    assert 'data-login-url="/tablet"' in page
