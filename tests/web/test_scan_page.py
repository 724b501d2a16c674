"""The scan page and the scanner test page: who may open them, and that they speak the
reader's language, down to the words handed to the script."""
import html
import json
import re

import pytest

from tests import factories
from tests.conftest import login
from warehouse.core.scancodes import keyboard_map
from warehouse.models import Role


def data_block(page: str, element_id: str):
    """The JSON of a ``<script type="application/json" id=…>`` block of the page."""
    match = re.search(r'<script type="application/json" id="%s">(.*?)</script>' % element_id,
                      page, re.S)
    assert match, f"no {element_id} data block"
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.MANAGER, Role.ADMIN])
@pytest.mark.parametrize("path", ["/scan", "/scan/scanner-test"])
def test_warehouse_people_open_the_scan_pages(client, role, path):
    login(client, factories.create_user(role=role))

    response = client.get(path)

    assert response.status_code == 200
    assert 'id="scan-field"' in response.text or 'id="test-field"' in response.text


@pytest.mark.parametrize("path", ["/scan", "/scan/scanner-test"])
def test_a_coordinator_cannot_open_the_scan_pages(client, coordinator_a, path):
    login(client, coordinator_a)

    assert client.get(path).status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get("/scan")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_scan_page_is_in_the_menu_of_a_volunteer_not_of_a_coordinator(client, coordinator_a):
    login(client, factories.create_user(role=Role.VOLUNTEER))
    assert 'href="/scan"' in client.get("/scan").text
    login(client, coordinator_a)
    assert 'href="/scan"' not in client.get("/requests").text


def test_the_scan_page_renders_in_english(client):
    site = factories.create_site(name="Calais Warehouse")
    factories.create_item(name="Blanket", name_fr="Couverture")
    login(client, factories.create_user(role=Role.VOLUNTEER))

    page = client.get("/scan", headers={"Accept-Language": "en"}).text

    for label in ("Look up", "Put away / move", "Receive into a label", "Take out / top up",
                  "Pick", "Count", "Camera", "Your last scans"):
        assert label in page
    assert 'id="outbox-status"' in page
    strings = data_block(page, "scan-strings")
    assert strings["language"] == "en"
    assert strings["prompt"]["move"] == "Scan the boxes to move, then the place they go to."
    assert strings["prompt"]["moveMore"][1].startswith("%(num)d boxes ready")
    settings = data_block(page, "scan-settings")
    assert settings["siteId"] == site.id
    assert settings["wasmUrl"].endswith("/vendor/barcode-detector/zxing_reader.wasm")
    assert [item["name"] for item in data_block(page, "scan-items")] == ["Blanket"]


def test_the_scan_page_renders_in_french(client):
    factories.create_item(name="Blanket", name_fr="Couverture")
    login(client, factories.create_user(role=Role.VOLUNTEER, locale="fr"))

    page = client.get("/scan").text

    assert '<html lang="fr">' in page
    for label in ("Consulter", "Ranger / déplacer", "Compter", "Caméra"):
        assert label in page
    strings = data_block(page, "scan-strings")
    assert strings["language"] == "fr"
    assert strings["prompt"]["receive"] == "Scannez une étiquette de carton vierge."
    assert "Undo" not in json.dumps(strings["undo"])
    assert [item["name"] for item in data_block(page, "scan-items")] == ["Couverture"]


def test_the_scan_page_carries_the_servers_scanner_keyboard_map_for_offline_look_ups(client):
    login(client, factories.create_user(role=Role.VOLUNTEER))

    keyboard = data_block(client.get("/scan").text, "scan-keyboard")

    assert keyboard == keyboard_map()
    assert keyboard["layouts"][0]["à"] == "0" and keyboard["layouts"][1][")"] == "0"


def test_the_scanner_test_page_explains_the_scanner_setting_in_french(client):
    login(client, factories.create_user(role=Role.VOLUNTEER, locale="fr"))

    page = client.get("/scan/scanner-test").text

    assert "Test du scanner" in page
    strings = data_block(page, "scan-strings")
    assert "AZERTY" in strings["mangled"] and "AZERTY" in strings["fix"]


def test_the_camera_reader_is_served_by_the_app_and_may_compile(client):
    login(client, factories.create_user(role=Role.VOLUNTEER))

    page = client.get("/scan")
    wasm = client.get(data_block(page.text, "scan-settings")["wasmUrl"])
    reader = client.get(data_block(page.text, "scan-settings")["polyfillUrl"])

    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
    assert wasm.data[:4] == b"\0asm"
    assert reader.status_code == 200 and b"prepareZXingModule" in reader.data
    assert not re.search(r'(src|href)="(https?:)?//', page.text)  # no CDN, no third party
    csp = page.headers["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'wasm-unsafe-eval'" in script_src and "'unsafe-eval'" not in script_src.split()


def test_on_a_shared_tablet_the_page_works_for_the_tablets_site(client):
    from werkzeug.security import generate_password_hash

    from warehouse.tablet import services
    from warehouse.tablet.views import COOKIE_NAME

    factories.create_site(name="Calais Warehouse")
    dunkirk = factories.create_site(name="Dunkirk Store")
    intake = factories.create_location(site=dunkirk, name="Dunkirk intake", is_intake=True)
    manager = factories.create_user(role=Role.MANAGER)
    tablet, token = services.enable_tablet(actor=manager, name="Dunkirk 1", site_id=dunkirk.id)
    volunteer = factories.create_user(role=Role.VOLUNTEER, pin_hash=generate_password_hash(
        "4827", method="pbkdf2:sha256:1000"))
    client.set_cookie(COOKIE_NAME, token)
    assert client.post(f"/tablet/pin/{volunteer.id}", data={"pin": "4827"}).status_code == 302

    page = client.get("/scan").text

    settings = data_block(page, "scan-settings")
    assert settings["siteId"] == dunkirk.id
    assert settings["intakeCodes"][str(dunkirk.id)] == intake.code
    assert 'id="tablet-switch"' in page  # the PIN switch is there for the next volunteer
