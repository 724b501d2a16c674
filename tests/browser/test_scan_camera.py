"""Camera scanning: Chromium's fake camera shows a printed box label and the scan page
reads it. Chromium on Linux has no BarcodeDetector of its own, so this runs the
self-hosted barcode-detector polyfill and its zxing .wasm, served by the app (the CSP lets
the page compile WebAssembly, and nothing comes from a CDN)."""
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser import axe
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, TABLET, new_context
from tests.browser.test_scan_modes import (  # noqa: F401  (fixtures)
    _is_api_refusal,
    choose_mode,
    sign_in,
    world,
)

WIDTH, HEIGHT = 640, 480
FRAMES = 10


def label_frame(code: str):
    """A 640x480 picture of a Code128 label on white, as a camera held over it sees it."""
    # Three pixels a module (0.4 mm at 200 dpi), with its quiet zones: drawn by zxing-cpp,
    # the encoder the labels use.
    pixels = memoryview(zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.Code128)
                        .to_image(scale=3))
    symbol = Image.frombytes("L", (pixels.shape[1], pixels.shape[0]), pixels.tobytes())
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(symbol, ((WIDTH - symbol.width) // 2, (HEIGHT - symbol.height) // 2))
    return frame


def write_y4m(path, frame) -> None:
    """A Y4M video (YUV 4:2:0, full-range JPEG colours) repeating one picture: what
    Chromium's --use-file-for-fake-video-capture plays in a loop."""
    y, cb, cr = frame.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            video.write(b"FRAME\n" + planes)


@pytest.fixture
def camera_page(browser, live_server, tmp_path):
    """A tablet-sized page in a second Chromium whose camera films a label of box B00101."""
    video = tmp_path / "label.y4m"
    write_y4m(video, label_frame("B00101"))
    filming = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    context = new_context(filming, viewport=TABLET, base_url=live_server, locale="en-GB",
                          permissions=["camera"])
    accessibility = axe.watch(context)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not _is_api_refusal(message)
            and "favicon" not in (message.location.get("url") or "") else None)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.requests = requests
    yield page
    accessibility.finish(context)
    context.close()
    filming.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)
    accessibility.assert_clean()


def test_the_camera_reads_a_box_label_with_the_self_hosted_reader(camera_page, world,
                                                                   live_server):
    page = camera_page
    sign_in(page, world.volunteer)
    choose_mode(page, "Look up")

    page.locator("#scan-camera").click()

    expect(page.locator("#scan-camera")).to_have_attribute("aria-pressed", "true",
                                                           timeout=20_000)
    expect(page.locator("#scan-banner-title")).to_have_text(re.compile("20 × Blanket"),
                                                            timeout=20_000)
    expect(page.locator(".card-title")).to_have_text("B00101")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "scan-en-camera.png"), full_page=True)
    assert any(url.endswith("/vendor/barcode-detector/zxing_reader.wasm")
               for url in page.requests)
    assert all(url.startswith(live_server) or url.startswith(("data:", "blob:"))
               for url in page.requests), "the page loaded something from elsewhere"
    page.locator("#scan-camera").click()
    expect(page.locator("#scan-video-box")).to_be_hidden()
