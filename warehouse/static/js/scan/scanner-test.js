// The scanner test page: what a keyboard-wedge scanner typed, whether its keyboard layout
// suits this tablet, and how to set it right. Nothing is sent to the server.
import { S } from "./data.js";
import { fmt } from "./render.js";
import { readScan, SCANNER_KEY_INTERVAL_MS } from "./wedge.js";

const field = document.getElementById("test-field");
let keys = [];
let started = null;

function show(scan, pressed, enter) {
  document.getElementById("test-result").hidden = false;
  document.getElementById("test-typed").textContent = scan.typed;
  document.getElementById("test-code").textContent = scan.code;
  document.getElementById("test-keys").textContent = pressed.map(function (k) {
    return (k.shift ? "Shift+" : "") + (k.code || "?");
  }).join(" ");
  const interval = scan.interval === null ? null : Math.round(scan.interval);
  document.getElementById("test-speed").textContent = interval === null ? "" :
    fmt(S.ms, { num: interval }) + " — " + (scan.fast ? S.scanner : S.human);
  const verdict = document.getElementById("test-verdict");
  const lines = [];
  if (scan.mangled) lines.push(S.mangled, S.fix);
  else lines.push(S.fine);
  lines.push(enter ? S.enter : S.noEnter);
  verdict.dataset.kind = scan.mangled || !enter ? "error" : "ok";
  document.getElementById("test-verdict-title").textContent =
    fmt(scan.mangled ? S.titleMangled : S.titleFine, { code: scan.code });
  document.getElementById("test-verdict-detail").replaceChildren(...lines.map(function (line) {
    const paragraph = document.createElement("p");
    paragraph.textContent = line;
    return paragraph;
  }));
  verdict.hidden = false;
}

field.addEventListener("keydown", function (event) {
  if (event.key === "Enter") {
    event.preventDefault();
    if (field.value) show(readScan(field.value, keys), keys, true);
    keys = [];
    field.value = "";
    return;
  }
  if (event.key.length === 1) {
    keys.push({ key: event.key, code: event.code, shift: event.shiftKey, time: event.timeStamp });
    window.clearTimeout(started);
    // No Enter within a second of the last key: the scanner sends no suffix.
    started = window.setTimeout(function () {
      if (field.value && keys.length) {
        show(readScan(field.value, keys), keys, false);
        keys = [];
        field.value = "";
      }
    }, 1000 + SCANNER_KEY_INTERVAL_MS);
  }
});
document.addEventListener("click", function (event) {
  if (!event.target.closest("a, button, input")) field.focus();
});
field.focus();
// Keys typed before this script ran were not timed: say when the field is listening.
field.dataset.ready = "true";
