// The scan page's state and its dispatch to the modes: which mode is on, each mode's own
// state, the site, the prompt, the panel and the scan field. A mode is an object with
//   scan(code, scan, st)   what a scan does in this mode;
//   render(root, st)       draws the mode's panel and sets the prompt;
// and, where the mode needs them,
//   load(st)               fetches what the mode offers at the site (requests, places);
//   carry(st, found)       starts the mode with a code looked up in another mode;
//   refresh(st)            shows again what the server holds, after an undo.
// st is the mode's own state, kept while the page is open and emptied when the mode starts.
import { S, settings } from "./data.js";
import { fmt } from "./render.js";

const STORE = "warehouse.scan.";
const modes = new Map();
const state = new Map();
const queue = [];
let busy = false;
// The id of the quantity field that takes the focus at the next render, if one does.
let focusWanted = null;

const field = document.getElementById("scan-field");
const panel = document.getElementById("scan-panel");
const prompt = document.getElementById("scan-prompt");

export let activeMode = null;
export let siteId = settings.siteId || null;

/** Read (without a value) or write a setting this tablet keeps: the mode, the site... */
export function store(name, value) {
  try {
    if (value === undefined) return JSON.parse(localStorage.getItem(STORE + name));
    localStorage.setItem(STORE + name, JSON.stringify(value));
  } catch (error) { return null; }
  return value;
}

export function register(name, mode) {
  modes.set(name, mode);
}

export function stateOf(name) {
  if (!state.has(name)) state.set(name, {});
  return state.get(name);
}

/** Empty a mode's state; returns the new, empty one. */
export function resetState(name) {
  state.set(name, {});
  return state.get(name);
}

export function setPrompt(text) {
  prompt.textContent = text;
}

/** Back to the scan field, unless the volunteer is typing in another field. */
export function focusField() {
  const active = document.activeElement;
  if (active && active !== field && active.matches("input, select, textarea")) return;
  field.focus({ preventScroll: true });
}

/** Have this quantity field take the focus when it is next drawn. */
export function askFocus(id) {
  focusWanted = id;
}

/** Give the field the focus (its text selected) if it was asked for. */
export function focusIfAsked(input, select = true) {
  if (focusWanted !== input.id) return;
  focusWanted = null;
  window.setTimeout(function () {
    input.focus();
    if (select) input.select();
  });
}

export function render() {
  panel.replaceChildren();
  const mode = modes.get(activeMode);
  if (mode.render) mode.render(panel, stateOf(activeMode));
}

/** Switch to a mode, which starts afresh. */
export function setMode(next) {
  activeMode = next;
  store("mode", next);
  document.querySelectorAll(".scan-mode").forEach(function (button) {
    button.setAttribute("aria-pressed", button.dataset.mode === next ? "true" : "false");
  });
  document.getElementById("scan-page").dataset.mode = next;
  const st = resetState(next);
  if (modes.get(next).load) modes.get(next).load(st);
  render();
  focusField();
}

/** The mode the tablet was last in, else look up. */
export function startMode() {
  const saved = store("mode");
  setMode(modes.has(saved) ? saved : "lookup");
}

/** Switch to a mode and start it with a code looked up elsewhere. */
export function carryTo(name, found) {
  setMode(name);
  const mode = modes.get(name);
  if (mode.carry) mode.carry(stateOf(name), found);
  render();
  focusField();
}

/** The server's stock changed (an undo): the mode shows it again. */
export function refreshMode() {
  const mode = modes.get(activeMode);
  if (mode.refresh) mode.refresh(stateOf(activeMode));
}

/** Work at another site: the mode lists that site's requests or places. */
export function useSite(id) {
  siteId = id;
}

export function reloadMode() {
  const mode = modes.get(activeMode);
  if (mode.load) mode.load(stateOf(activeMode));
}

/** A scan, from the wedge, the camera or the OK button: one at a time, in order. */
export async function handleScan(scan) {
  if (!scan.code) return;
  if (busy) { queue.push(scan); return; }
  busy = true;
  try {
    await modes.get(activeMode).scan(scan.code, scan, stateOf(activeMode));
    if (scan.mangled) {
      const detail = document.getElementById("scan-banner-detail");
      detail.textContent = fmt(S.mangled, { typed: scan.typed, code: scan.code });
      detail.hidden = false;
    }
  } finally {
    busy = false;
    render();
    focusField();
    if (queue.length) handleScan(queue.shift());
  }
}
