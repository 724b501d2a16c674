// Camera scanning: the browser's own BarcodeDetector where it has one, else the
// self-hosted barcode-detector polyfill (zxing-cpp in WebAssembly), pointed at the app's
// own .wasm so that nothing is fetched from a CDN.

const FORMATS = ["qr_code", "code_128", "ean_13", "ean_8", "upc_a", "upc_e"];
const FRAME_INTERVAL_MS = 120;
// The same code seen again within this time is the same scan, not a second one.
const REPEAT_MS = 2500;

let detectorPromise = null;

function loadScript(src) {
  return new Promise(function (resolve, reject) {
    const existing = document.querySelector('script[data-src="' + src + '"]');
    if (existing && window.BarcodeDetectionAPI) { resolve(); return; }
    const script = document.createElement("script");
    script.src = src;
    script.dataset.src = src;
    script.onload = function () { resolve(); };
    script.onerror = function () { reject(new Error("the barcode reader did not load")); };
    document.head.appendChild(script);
  });
}

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const supported = await window.BarcodeDetector.getSupportedFormats();
    const wanted = FORMATS.filter(function (f) { return supported.includes(f); });
    if (!wanted.includes("qr_code") || !wanted.includes("code_128")) return null;
    return new window.BarcodeDetector({ formats: wanted });
  } catch (error) {
    return null;
  }
}

async function polyfillDetector(settings) {
  await loadScript(settings.polyfillUrl);
  const api = window.BarcodeDetectionAPI;
  api.prepareZXingModule({
    overrides: {
      locateFile: function (path, prefix) {
        return path.endsWith(".wasm") ? settings.wasmUrl : prefix + path;
      },
    },
    fireImmediately: true,
  });
  return new api.BarcodeDetector({ formats: FORMATS });
}

/** A BarcodeDetector for QR codes, Code128 and makers' EAN/UPC codes. */
export function detector(settings) {
  if (!detectorPromise) {
    detectorPromise = nativeDetector().then(function (native) {
      return native || polyfillDetector(settings);
    });
    detectorPromise.catch(function () { detectorPromise = null; });
  }
  return detectorPromise;
}

/**
 * Start the camera into ``video`` and call ``onCode(text)`` for each code read.
 * Returns a function that stops it. Rejects with an Error whose ``reason`` is
 * "insecure", "none", "denied" or "unsupported".
 */
export async function startCamera(video, settings, onCode) {
  function fail(reason, cause) {
    const error = new Error(reason + (cause ? ": " + cause : ""));
    error.reason = reason;
    return error;
  }
  if (!window.isSecureContext) throw fail("insecure");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw fail("none");
  let reader;
  try {
    reader = await detector(settings);
  } catch (error) {
    throw fail("unsupported", error && error.message);
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (error) {
    const name = error && error.name;
    throw fail(name === "NotFoundError" || name === "OverconstrainedError" ? "none" : "denied",
               name);
  }
  video.srcObject = stream;
  await video.play().catch(function () {});

  let running = true;
  let last = { text: null, time: 0 };
  async function tick() {
    if (!running) return;
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        const found = await reader.detect(video);
        const now = Date.now();
        for (const code of found) {
          const text = (code.rawValue || "").trim();
          if (!text) continue;
          if (text === last.text && now - last.time < REPEAT_MS) { last.time = now; break; }
          last = { text: text, time: now };
          onCode(text, code.format);
          break;
        }
      } catch (error) { /* a frame that could not be read: try the next */ }
    }
    if (running) window.setTimeout(tick, FRAME_INTERVAL_MS);
  }
  tick();

  return function stop() {
    running = false;
    stream.getTracks().forEach(function (track) { track.stop(); });
    video.srcObject = null;
  };
}
