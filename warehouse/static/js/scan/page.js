// The scan page: one always-focused field (keyboard-wedge scanner, typing or camera) and
// the floor's tasks as modes, one module each under modes/. This module wires the page's
// controls to core.js, which keeps the state and hands each scan to the mode that is on.
// Every write goes through the offline outbox; every word shown comes from the page, in
// the reader's language.
import { startCamera } from "./camera.js";
import { codeCache } from "./codecache.js";
import { focusField, handleScan, register, reloadMode, setMode, siteId, startMode, store, useSite } from "./core.js";
import { S, settings } from "./data.js";
import { banner, signal } from "./feedback.js";
import { count } from "./modes/count.js";
import { lookup } from "./modes/lookup.js";
import { move } from "./modes/move.js";
import { pick } from "./modes/pick.js";
import { receive } from "./modes/receive.js";
import { take } from "./modes/take.js";
import { startOfflineStrip } from "./offline-ui.js";
import { drawRecent, remember } from "./recent.js";
import { attachWedge } from "./wedge.js";

const field = document.getElementById("scan-field");

// --- camera ------------------------------------------------------------------------------

let stopCamera = null;
const cameraButton = document.getElementById("scan-camera");
const cameraLabel = document.getElementById("scan-camera-label");
const videoBox = document.getElementById("scan-video-box");

async function toggleCamera() {
  if (stopCamera) {
    stopCamera();
    stopCamera = null;
    videoBox.hidden = true;
    cameraButton.setAttribute("aria-pressed", "false");
    cameraLabel.textContent = S.camera.start;
    return;
  }
  banner("info", S.camera.loading, "");
  videoBox.hidden = false;
  try {
    stopCamera = await startCamera(document.getElementById("scan-video"), settings, function (text) {
      handleScan({ code: text, typed: text, mangled: false, fast: true });
    });
    cameraButton.setAttribute("aria-pressed", "true");
    cameraLabel.textContent = S.camera.stop;
    document.getElementById("scan-banner").hidden = true;
  } catch (error) {
    videoBox.hidden = true;
    signal("error", S.error, S.camera[error.reason] || S.camera.unsupported);
  }
}

// --- start ---------------------------------------------------------------------------------

startOfflineStrip();
Object.entries({ lookup, move, receive, take, pick, count }).forEach(function ([name, mode]) {
  register(name, mode);
});
document.querySelectorAll(".scan-mode").forEach(function (button) {
  button.addEventListener("click", function () { setMode(button.dataset.mode); });
});
document.getElementById("scan-form").addEventListener("submit", function (event) {
  event.preventDefault();
  const code = field.value.trim();
  field.value = "";
  if (code) handleScan({ code: code, typed: code, mangled: false });
});
document.getElementById("scan-type").addEventListener("click", function (event) {
  const typing = field.getAttribute("inputmode") === "none";
  field.setAttribute("inputmode", typing ? "text" : "none");
  event.currentTarget.setAttribute("aria-pressed", typing ? "true" : "false");
  field.blur();
  field.focus();
});
cameraButton.addEventListener("click", toggleCamera);
const siteSelect = document.getElementById("scan-site");
if (siteSelect) {
  const saved = store("site");
  if (saved && siteSelect.querySelector('option[value="' + saved + '"]')) siteSelect.value = String(saved);
  useSite(Number(siteSelect.value) || siteId);
  siteSelect.addEventListener("change", function () {
    useSite(Number(siteSelect.value));
    store("site", siteId);
    codeCache.setSite(siteId);
    reloadMode();
  });
}
if (siteId) codeCache.setSite(siteId);
document.addEventListener("scan-outbox:sent", function (event) {
  const response = event.detail && event.detail.response;
  if (response && response.message) remember({ kind: "ok", text: response.message, documentId: response.document_id || null });
});
document.addEventListener("scan-outbox:problem", function (event) {
  const problem = (event.detail && event.detail.problem) || {};
  signal("error", S.error, problem.detail || S.serverError);
});
// A tap on empty page space gives the focus back to the scan field.
document.addEventListener("click", function (event) {
  if (!event.target.closest("input, select, textarea, a, button, summary, label, details")) focusField();
});

attachWedge(field, handleScan);
startMode();
drawRecent();
document.getElementById("scan-page").dataset.ready = "true";
