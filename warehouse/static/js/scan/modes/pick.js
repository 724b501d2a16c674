// Pick: a request (chosen, or its pick list scanned), then its boxes, each counted against
// the request's lines; a box holding more than is left asks how many go.
import { read, write } from "../api.js";
import { activeMode, askFocus, focusField, focusIfAsked, render, setPrompt, siteId, stateOf } from "../core.js";
import { S } from "../data.js";
import { banner, signal } from "../feedback.js";
import { find, headline } from "../found.js";
import { linesTable, requestTitle } from "../pick-list.js";
import { problemText, reportWrite } from "../recent.js";
import { fmt, h, stepper, wholeNumber } from "../render.js";

// The approved requests of the site, to choose from.
async function loadRequests() {
  const st = stateOf("pick");
  const query = "/requests?status=approved" + (siteId ? "&site_id=" + siteId : "");
  try {
    const result = await read(query);
    st.requests = result.ok ? (Array.isArray(result.data) ? result.data : (result.data.requests || result.data.items || [])) : [];
  } catch (error) {
    st.requests = null;
  }
  if (activeMode === "pick") render();
}

async function loadRequest(id) {
  const st = stateOf("pick");
  try {
    const result = await read("/requests/" + id);
    if (result.ok) st.request = result.data;
    else signal("error", S.error, problemText(result));
  } catch (error) {
    signal("error", S.error, S.network);
  }
  if (activeMode === "pick") render();
}

async function pickBox(st, found, quantity) {
  const request = st.request;
  const label = found.label + " → " + requestTitle(request);
  const result = await write("/requests/" + request.id + "/picks", { box_code: found.code, quantity: quantity }, label);
  const problem = result.problem || {};
  if (result.status === "failed" && String(problem.type || "").endsWith("/partial-box-needs-quantity")) {
    // The box holds more than is left to pick: ask how many go.
    st.partial = { box: found, left: problem.left, holds: problem.holds };
    signal("info", headline(found), fmt(S.pick.howMany, { num: problem.holds }));
    askFocus("pick-quantity");
    return;
  }
  if (result.status === "sent" && result.response && Array.isArray(result.response.lines)) {
    request.lines = result.response.lines;
  }
  if (!reportWrite(result, label)) return;
  if (result.status === "sent" && request.lines.every(function (line) { return !(line.left > 0); })) {
    banner("ok", (result.response && result.response.message) || "", S.pick.done);
  }
}

// How many of a box go, when it holds more than is left to pick.
function partialForm(st) {
  const quantity = stepper("pick-quantity", st.partial.left, S.quantity);
  const input = quantity.querySelector("input");
  const form = h("div", { class: "scan-form partial" }, h("p", { class: "card-title" }, st.partial.box.label + " · " + st.partial.box.item),
    quantity,
    h("div", { class: "two-buttons" },
      h("button", { type: "button", class: "button primary big", id: "pick-save", onclick: async function () {
        const amount = wholeNumber(input);
        if (!amount) { signal("error", S.error, S.take.quantityMissing); return; }
        const box = st.partial.box;
        st.partial = null;
        await pickBox(st, box, amount);
        render();
        focusField();
      } }, S.save),
      h("button", { type: "button", class: "button big", onclick: function () { st.partial = null; render(); focusField(); } }, S.cancel)));
  focusIfAsked(input);
  return form;
}

export const pick = {
  async scan(code, scan, st) {
    const found = await find(code);
    if (!found) return;
    if (found.kind === "request") {
      const id = (found.raw.request && found.raw.request.id) || found.raw.id;
      await loadRequest(id);
      signal("ok", found.label, "");
      return;
    }
    if (!st.request) { signal("error", found.label, S.prompt.pick); return; }
    if (found.kind !== "box") { signal("error", found.label, S.wrongKind.pick); return; }
    await pickBox(st, found, null);
  },
  load: loadRequests,
  carry(st, found) {
    if (found.raw.request) loadRequest(found.raw.request.id);
  },
  refresh(st) {
    if (st.request) loadRequest(st.request.id);
  },
  render(root, st) {
    if (!st.request) {
      setPrompt(S.prompt.pick);
      root.append(h("h2", {}, S.pick.choose));
      if (st.requests && st.requests.length) {
        root.append(h("div", { class: "choice-grid requests" }, st.requests.map(function (request) {
          return h("button", { type: "button", class: "choice request", onclick: function () { loadRequest(request.id); } },
            requestTitle(request),
            request.needed_by ? h("span", { class: "choice-detail" }, fmt(S.pick.neededBy, { date: request.needed_by })) : null);
        })));
      } else if (st.requests) {
        root.append(h("p", { class: "card-note" }, S.pick.none));
      }
      return;
    }
    setPrompt(fmt(S.prompt.pickScan, { request: requestTitle(st.request) }));
    root.append(h("h2", {}, requestTitle(st.request)),
      st.partial ? partialForm(st) : [],
      linesTable(st.request.lines || []),
      h("button", { type: "button", class: "button", onclick: function () { st.request = null; st.partial = null; loadRequests(); render(); focusField(); } }, S.pick.other));
  },
};
