// What became of a scan's write, told three ways: the banner (with its sound), the list of
// the last scans, and an Undo button there for whatever made a document.
import { write } from "./api.js";
import { focusField, refreshMode } from "./core.js";
import { S } from "./data.js";
import { signal } from "./feedback.js";
import { h } from "./render.js";

const RECENT_SCANS = 12;
const list = document.getElementById("scan-recent");
const empty = document.getElementById("scan-recent-empty");
const recent = [];

/** The words for a refused or failed API call. */
export function problemText(result) {
  if (!result) return S.serverError;
  const problem = result.problem || result.data || {};
  if (problem.network || result.network) return S.network;
  if (result.httpStatus === 401 || result.status === 401) return S.signedOut;
  return problem.detail || problem.title || S.serverError;
}

export function remember(entry) {
  recent.unshift(Object.assign({ time: new Date() }, entry));
  recent.length = Math.min(recent.length, RECENT_SCANS);
  drawRecent();
}

export function drawRecent() {
  list.replaceChildren(...recent.map(function (entry) {
    const time = entry.time.toLocaleTimeString(S.language, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    const actions = [];
    if (entry.documentId && !entry.undone) {
      actions.push(h("button", { type: "button", class: "button small undo", onclick: function () { undo(entry); } }, S.undo));
    }
    return h("li", { class: "recent-" + (entry.undone ? "undone" : entry.kind) },
      h("span", { class: "recent-time" }, time),
      h("span", { class: "recent-text" }, entry.text, entry.undone ? " — " + S.undone : "",
        entry.kind === "queued" ? " — " + S.queuedShort : ""),
      actions);
  }));
  empty.hidden = recent.length > 0;
}

async function undo(entry) {
  const result = await write("/documents/" + entry.documentId + "/undo", {}, S.undo + ": " + entry.text);
  if (result.status === "sent") {
    entry.undone = true;
    signal("ok", (result.response && result.response.message) || S.undone, entry.text);
    refreshMode();
  } else if (result.status === "queued") {
    entry.undone = true;
    signal("queued", S.queuedShort, S.queued);
  } else {
    signal("error", S.error, problemText(result));
  }
  drawRecent();
  focusField();
}

/** Report a write's result: banner, sound, and the recent list. Returns true if recorded. */
export function reportWrite(result, label) {
  if (result.status === "sent") {
    const response = result.response || {};
    const message = response.message || label;
    signal("ok", message, "");
    remember({ kind: "ok", text: message, documentId: response.document_id || null });
    return true;
  }
  if (result.status === "queued") {
    signal("queued", S.queuedShort, label + " — " + S.queued);
    remember({ kind: "queued", text: label });
    return true;
  }
  signal("error", S.error, problemText(result));
  return false;
}
