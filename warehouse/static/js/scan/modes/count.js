// Count: a place, its boxes and loose stock, then the differences for a manager to approve.
import { read, write } from "../api.js";
import { activeMode, askFocus, focusField, focusIfAsked, render, resetState, setPrompt, siteId, stateOf } from "../core.js";
import { S, settings } from "../data.js";
import { signal } from "../feedback.js";
import { find, headline } from "../found.js";
import { addPack, itemById, itemChooser, itemLabel } from "../items.js";
import { problemText } from "../recent.js";
import { fmt, h, name, plural, quantityText, stepper } from "../render.js";

// The site's places, to choose from.
async function loadLocations() {
  const st = stateOf("count");
  try {
    const result = await read("/locations" + (siteId ? "?site_id=" + siteId : ""));
    st.locations = result.ok && Array.isArray(result.data) ? result.data : [];
  } catch (error) {
    st.locations = null;
  }
  if (activeMode === "count") render();
}

function freshLoose() {
  return { itemId: null, name: "", quantity: "", search: "" };
}

async function startCount(found) {
  const st = stateOf("count");
  const result = await write("/counts", { location_code: found.code }, S.prompt.count + " " + found.label);
  if (result.status === "sent") {
    st.count = result.response;
    st.location = found;
    st.boxes = (result.response.lines || []).filter(function (line) { return line.box; }).map(function (line) {
      return { kind: "box", code: line.box, label: line.box, item: line.item || "", quantity: line.quantity };
    });
    st.loose = freshLoose();
    signal("ok", found.label, result.response.resumed ? result.response.message : "");
  } else if (result.status === "queued") {
    signal("error", S.error, S.network);
  } else {
    signal("error", S.error, problemText(result));
  }
  render();
  focusField();
}

async function countLine(st, body, label) {
  const result = await write("/counts/" + st.count.id + "/lines", body, label);
  if (result.status === "sent") {
    signal("ok", label, (result.response && result.response.message) || "");
    return true;
  }
  if (result.status === "queued") { signal("queued", S.queuedShort, label); return true; }
  signal("error", S.error, problemText(result));
  return false;
}

// A quantity counted is a whole number, zero included.
function countedAmount(input) {
  const amount = Number(input.value);
  return Number.isInteger(amount) && amount >= 0 && input.value !== "" ? amount : null;
}

// A counted box that holds another amount than its label says.
function boxQuantityForm(st) {
  const box = st.boxQuantity;
  const quantity = stepper("box-quantity", box.quantity, fmt(S.count.boxQuantity, { code: box.code }));
  const input = quantity.querySelector("input");
  focusIfAsked(input);
  return h("div", { class: "scan-form partial" }, quantity,
    h("div", { class: "two-buttons" },
      h("button", { type: "button", class: "button primary big", id: "box-quantity-save", onclick: async function () {
        const amount = countedAmount(input);
        if (amount === null) { signal("error", S.error, S.take.quantityMissing); return; }
        if (await countLine(st, { box_code: box.code, quantity: amount }, box.code + ": " + amount)) {
          box.quantity = amount;
          st.boxQuantity = null;
        }
        render();
        focusField();
      } }, S.save),
      h("button", { type: "button", class: "button big", onclick: function () { st.boxQuantity = null; render(); focusField(); } }, S.cancel)));
}

// Loose stock at the place: an item, how many.
function looseForm(st) {
  const loose = st.loose;
  const quantity = stepper("loose-quantity", loose.quantity, S.count.looseQuantity);
  const input = quantity.querySelector("input");
  input.addEventListener("input", function () { loose.quantity = input.value; });
  focusIfAsked(input);
  return h("details", { class: "scan-form loose", open: loose.open || loose.name ? true : null,
                        ontoggle: function (event) { loose.open = event.currentTarget.open; } },
    h("summary", {}, S.count.loose),
    itemChooser(loose, render, false), quantity,
    h("button", { type: "button", class: "button big", id: "loose-save", onclick: async function () {
      if (!loose.itemId) { signal("error", S.error, S.receive.chooseItem); return; }
      const amount = countedAmount(input);
      if (amount === null) { signal("error", S.error, S.take.quantityMissing); return; }
      const item = itemById(loose.itemId);
      if (await countLine(st, { item_id: loose.itemId, quantity: amount }, itemLabel(item) + " × " + amount)) {
        st.loose = freshLoose();
      }
      render();
      focusField();
    } }, S.count.looseSave));
}

async function finish(st) {
  if (!window.confirm(fmt(S.count.confirmFinish, { location: st.location.label }))) return;
  const result = await write("/counts/" + st.count.id + "/finish", {}, S.count.finish);
  if (result.status === "sent") {
    st.differences = (result.response && result.response.differences) || [];
    const n = st.differences.length;
    signal(n ? "info" : "ok", n ? plural(S.count.found, n) : S.count.none, n ? S.count.approve : "");
  } else if (result.status === "queued") {
    signal("queued", S.queuedShort, S.queued);
  } else {
    signal("error", S.error, problemText(result));
  }
  render();
  focusField();
}

function renderDifferences(root, st) {
  setPrompt(S.prompt.count);
  const list = st.differences;
  root.append(h("h2", {}, S.count.differences + " · " + st.location.label));
  if (!list.length) root.append(h("p", { class: "card-note ok" }, S.count.none));
  else {
    root.append(h("table", { class: "pick-lines" },
      h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, S.lookup.item), h("th", { class: "num" }, S.count.expected), h("th", { class: "num" }, S.count.counted))),
      h("tbody", {}, list.map(function (d) {
        const what = d.kind === "quantity" ? (d.box ? S.count.quantityDiff : S.count.loose) : S.count[d.kind] || d.kind;
        return h("tr", {}, h("td", {}, what, d.box ? " " + name(d.box) : ""), h("td", {}, name(d.item)),
          h("td", { class: "num" }, quantityText(d.expected)), h("td", { class: "num" }, quantityText(d.counted)));
      }))));
    root.append(h("p", { class: "card-note" }, S.count.approve));
    if (settings.isManager && settings.reconcileUrl) {
      root.append(h("a", { class: "button primary big", href: settings.reconcileUrl.replace("{id}", st.count.id) }, S.count.openReconcile));
    }
  }
  root.append(h("button", { type: "button", class: "button big", onclick: function () { resetState("count"); render(); focusField(); } }, S.count.new));
}

function renderPlaces(root, st) {
  setPrompt(S.prompt.count);
  if (st.locations && st.locations.length) {
    root.append(h("h2", {}, S.count.choose),
      h("div", { class: "choice-grid" }, st.locations.map(function (location) {
        const label = location.code + " · " + location.name;
        return h("button", { type: "button", class: "choice location",
                             onclick: function () { startCount({ code: location.code, label: label }); } },
          location.name, h("span", { class: "choice-detail" }, location.code + " · " + plural(S.count.boxCount, location.boxes || 0)));
      })));
  }
}

export const count = {
  async scan(code, scan, st) {
    if (st.differences) { st = resetState("count"); }
    const found = await find(code);
    if (!found) return;
    if (!st.count) {
      if (found.kind !== "location") { signal("error", found.label, S.wrongKind.count); return; }
      await startCount(found);
      return;
    }
    if (found.kind === "box") {
      if (await countLine(st, { box_code: found.code }, headline(found) + " · " + found.code)) {
        st.boxes = st.boxes.filter(function (b) { return b.code !== found.code; });
        st.boxes.unshift(found);
      }
      return;
    }
    if (found.kind === "item") { addPack(st.loose, found, "loose-quantity"); return; }
    signal("error", found.label, S.wrongKind.countItem);
  },
  load: loadLocations,
  // A place looked up, or the place of a box looked up, is counted.
  carry(st, found) {
    const code = found.kind === "location" ? found.code : found.locationCode;
    if (code) startCount({ code: code, label: found.kind === "location" ? found.label : found.where || code });
  },
  render(root, st) {
    if (st.differences) { renderDifferences(root, st); return; }
    if (!st.count) { renderPlaces(root, st); return; }
    setPrompt(fmt(S.prompt.countScan, { location: st.location.label }));
    root.append(
      h("h2", {}, S.count.boxes + " · " + st.boxes.length),
      st.boxQuantity ? boxQuantityForm(st) : [],
      h("ul", { class: "scan-chips" }, st.boxes.map(function (box) {
        return h("li", {}, h("span", { class: "chip-code" }, box.label), h("span", { class: "chip-text" }, headline(box)),
          h("button", { type: "button", class: "button small", onclick: function () {
            st.boxQuantity = box; askFocus("box-quantity"); render();
          } }, S.count.quantityDiff));
      })),
      looseForm(st),
      h("button", { type: "button", class: "button primary big wide", id: "count-finish", onclick: function () { finish(st); } }, S.count.finish));
  },
};
