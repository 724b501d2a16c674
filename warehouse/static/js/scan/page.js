// The scan page: one always-focused field (keyboard-wedge scanner, typing or camera) and
// the floor's tasks as modes. Every write goes through api.write (the offline outbox when
// the page has it); every word shown comes from the page, in the reader's language.
import { attachWedge } from "./wedge.js";
import { signal, banner } from "./feedback.js";
import { configure, lookup, read, write } from "./api.js";
import { startCamera } from "./camera.js";

function json(id, fallback) {
  const element = document.getElementById(id);
  if (!element) return fallback;
  try { return JSON.parse(element.textContent); } catch (error) { return fallback; }
}

const settings = json("scan-settings", {});
const S = json("scan-strings", {});
const ITEMS = json("scan-items", []);
const CONDITIONS = json("scan-conditions", []);
const MODES = ["lookup", "move", "receive", "take", "pick", "count"];
const STORE = "warehouse.scan.";
const RECENT_CHOICES = 6;
const RECENT_SCANS = 12;
configure(settings);

// --- little helpers --------------------------------------------------------------------

function fmt(text, values) {
  return String(text || "").replace(/%\((\w+)\)[sd]/g, function (whole, name) {
    return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : whole;
  });
}

function plural(forms, n) {
  const many = S.language === "fr" ? n > 1 : n !== 1;
  return fmt(forms[many ? 1 : 0], { num: n });
}

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function store(name, value) {
  try {
    if (value === undefined) return JSON.parse(localStorage.getItem(STORE + name));
    localStorage.setItem(STORE + name, JSON.stringify(value));
  } catch (error) { return null; }
  return value;
}

function problemText(result) {
  if (!result) return S.serverError;
  const problem = result.problem || result.data || {};
  if (problem.network || result.network) return S.network;
  if (result.httpStatus === 401 || result.status === 401) return S.signedOut;
  return problem.detail || problem.title || S.serverError;
}

function name(thing) {
  if (!thing) return "";
  if (typeof thing === "string") return thing;
  return thing.label || thing.name || thing.display_name || thing.code || "";
}

// What a looked-up code is, from the server's answer or the offline code cache's entry.
function describe(data) {
  const box = data.box || {};
  const item = data.item || null;
  const location = data.location || null;
  const boxLike = data.kind === "box" || data.kind === "blank_box";
  const condition = CONDITIONS.find(function (c) { return c.value === box.condition; });
  let where = "";
  if (boxLike) where = box.location || data.location_code || "";
  return {
    kind: data.kind,
    code: data.code,
    label: boxLike ? data.code : (location ? location.code + " · " + location.name : data.label || data.code),
    itemId: (item && item.id) || box.item_id || data.item_id || null,
    item: boxLike ? (box.item || (data.label || "").split(" × ").slice(1).join(" × ")) : (item ? item.name : ""),
    quantity: boxLike && data.kind === "box" ? (box.quantity !== undefined ? box.quantity : data.quantity) : null,
    where: where,
    locationCode: location ? location.code : (box.location_code || data.location_code || ""),
    condition: condition ? condition.label : "",
    packQuantity: data.pack_quantity || (data.kind === "item" && !data.item ? data.quantity : null) || null,
  };
}

function quantityText(value) {
  return value === null || value === undefined || value === "" ? "" : String(value);
}

function wholeNumber(input) {
  const value = Number(input.value);
  return Number.isInteger(value) && value > 0 ? value : null;
}

// A number field with big − and + buttons.
function stepper(id, value, label) {
  const input = h("input", { id: id, type: "number", inputmode: "numeric", min: "0", step: "1",
                             class: "scan-number", value: quantityText(value) });
  function change(delta) {
    const next = Math.max(0, (Number(input.value) || 0) + delta);
    input.value = String(next);
    input.dispatchEvent(new Event("input", { bubbles: true }));
  }
  return h("div", { class: "scan-stepper" },
    h("label", { for: id }, label),
    h("div", { class: "scan-stepper-row" },
      h("button", { type: "button", class: "step", "aria-label": "−1", onclick: function () { change(-1); } }, "−"),
      input,
      h("button", { type: "button", class: "step", "aria-label": "+1", onclick: function () { change(1); } }, "+")));
}

// --- page state --------------------------------------------------------------------------

const field = document.getElementById("scan-field");
const panel = document.getElementById("scan-panel");
const prompt = document.getElementById("scan-prompt");
let mode = MODES.includes(store("mode")) ? store("mode") : "lookup";
let siteId = settings.siteId || null;
let busy = false;
const queue = [];
const state = {};

function setPrompt(text) { prompt.textContent = text; }

function focusField() {
  const active = document.activeElement;
  if (active && active !== field && active.matches("input, select, textarea")) return;
  field.focus({ preventScroll: true });
}

function setMode(next, options) {
  mode = next;
  store("mode", next);
  document.querySelectorAll(".scan-mode").forEach(function (button) {
    button.setAttribute("aria-pressed", button.dataset.mode === next ? "true" : "false");
  });
  document.getElementById("scan-page").dataset.mode = next;
  if (!(options && options.keep)) resetMode(next);
  render();
  focusField();
}

function resetMode(which) {
  state[which] = {};
  if (which === "pick") loadRequests();
  if (which === "count") loadLocations();
}

function render() {
  panel.replaceChildren();
  (MODES_UI[mode].render || function () {})(panel, state[mode] || (state[mode] = {}));
}

// --- the last scans, with Undo ------------------------------------------------------------

const recentList = document.getElementById("scan-recent");
const recentEmpty = document.getElementById("scan-recent-empty");
const recent = [];

function remember(entry) {
  recent.unshift(Object.assign({ time: new Date() }, entry));
  recent.length = Math.min(recent.length, RECENT_SCANS);
  drawRecent();
}

function drawRecent() {
  recentList.replaceChildren(...recent.map(function (entry) {
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
  recentEmpty.hidden = recent.length > 0;
}

async function undo(entry) {
  const result = await write("/documents/" + entry.documentId + "/undo", {}, S.undo + ": " + entry.text);
  if (result.status === "sent") {
    entry.undone = true;
    signal("ok", (result.response && result.response.message) || S.undone, entry.text);
    if (mode === "pick" && state.pick.request) loadRequest(state.pick.request.id);
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
function reportWrite(result, label) {
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

// --- scanning ---------------------------------------------------------------------------

async function handleScan(scan) {
  if (!scan.code) return;
  if (busy) { queue.push(scan); return; }
  busy = true;
  try {
    const handler = MODES_UI[mode].scan;
    await handler(scan.code, scan, state[mode] || (state[mode] = {}));
    if (scan.mangled) {
      document.getElementById("scan-banner-detail").textContent =
        fmt(S.mangled, { typed: scan.typed, code: scan.code });
      document.getElementById("scan-banner-detail").hidden = false;
    }
  } finally {
    busy = false;
    render();
    focusField();
    if (queue.length) handleScan(queue.shift());
  }
}

/** Look a code up; on failure, signal it and return null. */
async function find(code) {
  const result = await lookup(code);
  if (result.ok && result.data) {
    const found = describe(result.data);
    found.raw = result.data;
    found.offline = !!result.offline;
    found.ageText = result.ageText || "";
    return found;
  }
  if (result.network) signal("error", S.error, S.network);
  else signal("error", S.notFound + ": " + code, problemText(result));
  return null;
}

// The banner's big line: the item and how many, else what was scanned.
function headline(found) {
  if (found.kind === "box") return quantityText(found.quantity) ? found.quantity + " × " + found.item : found.item;
  if (found.kind === "item" && found.packQuantity > 1) return found.packQuantity + " × " + found.item;
  if (found.kind === "item") return found.item || found.label;
  return found.label;
}

// The banner's second line: what kind of label, its code, and where it is.
function summary(found) {
  const parts = [(S.kind[found.kind] || "") + " " + found.code];
  if (found.where) parts.push(found.where);
  return parts.join(" · ");
}

// --- modes ----------------------------------------------------------------------------------

const MODES_UI = {};

// Look up: what is it, where, how many, and what can be done with it.
MODES_UI.lookup = {
  async scan(code, scan, st) {
    const found = await find(code);
    st.found = found;
    if (!found) return;
    signal("ok", headline(found), summary(found));
    if (found.kind === "location" && !found.offline) {
      const boxes = await read("/boxes?location=" + encodeURIComponent(found.code)).catch(function () { return null; });
      st.boxes = boxes && boxes.ok ? (boxes.data.boxes || boxes.data.items || boxes.data) : null;
    }
  },
  render(root, st) {
    setPrompt(S.prompt.lookup);
    const found = st.found;
    if (!found) return;
    const rows = [];
    if (found.item && found.kind !== "item") rows.push([S.lookup.item, found.item]);
    if (quantityText(found.quantity)) rows.push([S.lookup.quantity, found.quantity]);
    if (found.where) rows.push([S.lookup.where, found.where]);
    if (found.condition) rows.push([S.lookup.condition, found.condition]);
    if (found.packQuantity) rows.push(["", fmt(S.lookup.packOf, { num: found.packQuantity })]);
    if (found.kind === "blank_box") rows.push(["", S.lookup.blank]);
    const request = found.raw.request;
    const card = h("article", { class: "scan-card", "aria-label": found.label },
      h("p", { class: "card-kind" }, S.kind[found.kind] || found.kind),
      h("p", { class: "card-title" }, found.label),
      h("dl", { class: "card-facts" }, rows.map(function (row) {
        return [h("dt", {}, row[0]), h("dd", {}, String(row[1]))];
      })),
      found.offline ? h("p", { class: "card-note" }, fmt(S.lookup.offline, { age: found.ageText })) : null);
    if (Array.isArray(st.boxes) && st.boxes.length) {
      card.append(h("h3", {}, S.lookup.boxes),
        h("ul", { class: "card-boxes" }, st.boxes.slice(0, 30).map(function (box) {
          const item = name(box.item) || box.item_name || "";
          return h("li", {}, h("strong", {}, box.code), " ", item, " × ", quantityText(box.quantity));
        })));
    } else if (Array.isArray(st.boxes)) {
      card.append(h("p", { class: "card-note" }, S.lookup.noBoxes));
    }
    if (request && Array.isArray(request.lines)) {
      card.append(h("h3", {}, S.lookup.lines), linesTable(request.lines));
    }
    const actions = (found.raw.actions || []).filter(function (action) { return S.action[action]; });
    if (actions.length) {
      card.append(h("div", { class: "card-actions" }, actions.map(function (action) {
        return h("button", { type: "button", class: "button big", onclick: function () { act(action, found); } }, S.action[action]);
      })));
    }
    root.append(card);
  },
};

// An action button on the look-up card: switch to the mode, carrying what was scanned.
function act(action, found) {
  const target = { move: "move", take: "take", top_up: "take", fill: "receive", pick: "pick", count: "count" }[action];
  setMode(target);
  const st = state[target];
  if (target === "move") st.boxes = [found];
  if (target === "take") st.box = found;
  if (target === "receive" && found.kind === "blank_box") { st.box = found; st.form = freshReceiveForm(); }
  if (target === "receive" && found.kind === "item") {
    // An item first: it is chosen for the next blank label scanned.
    const item = itemById(found.itemId);
    st.form = Object.assign(freshReceiveForm(), item ? { itemId: item.id, name: item.name } : {});
  }
  if (target === "pick" && found.raw.request) loadRequest(found.raw.request.id);
  if (target === "count") {
    const code = found.kind === "location" ? found.code : found.locationCode;
    if (code) startCount({ code: code, label: found.kind === "location" ? found.label : found.where || code });
    return;
  }
  render();
  focusField();
}

// Put away / move: scan boxes, then a place; all move in one document.
MODES_UI.move = {
  async scan(code, scan, st) {
    st.boxes = st.boxes || [];
    const found = await find(code);
    if (!found) return;
    if (found.kind === "box") {
      if (st.boxes.some(function (b) { return b.code === found.code; })) {
        signal("error", found.label, fmt(S.move.already, { code: found.code }));
        return;
      }
      st.boxes.push(found);
      signal("ok", headline(found), S.move.added + ": " + summary(found));
      return;
    }
    if (found.kind === "location") {
      if (!st.boxes.length) { signal("error", found.label, S.wrongKind.moveNoBoxes); return; }
      const codes = st.boxes.map(function (b) { return b.code; });
      const label = codes.join(", ") + " → " + found.label;
      const result = await write("/moves", { box_codes: codes, location_code: found.code }, label);
      if (reportWrite(result, label)) st.boxes = [];
      return;
    }
    signal("error", found.label, S.wrongKind.move);
  },
  render(root, st) {
    const boxes = st.boxes || [];
    setPrompt(boxes.length ? plural(S.prompt.moveMore, boxes.length) : S.prompt.move);
    if (!boxes.length) return;
    root.append(h("h2", {}, S.move.boxes),
      h("ul", { class: "scan-chips" }, boxes.map(function (box, index) {
        return h("li", {}, h("span", { class: "chip-code" }, box.label),
          h("span", { class: "chip-text" }, headline(box)),
          h("button", { type: "button", class: "button small", "aria-label": S.remove + " " + box.label,
                        onclick: function () { boxes.splice(index, 1); render(); focusField(); } }, S.remove));
      })),
      h("button", { type: "button", class: "button", onclick: function () { st.boxes = []; render(); focusField(); } }, S.clear));
  },
};

// Receive into a pre-printed label: blank box, then item, size, quantity, condition.
function freshReceiveForm() {
  const last = (store("receiveRecent") || [])[0];
  return { itemId: null, name: "", quantity: "", condition: (last && last.condition) || (CONDITIONS[0] && CONDITIONS[0].value), search: "" };
}

function itemById(id) {
  return ITEMS.find(function (item) { return item.id === id; }) || null;
}

function itemLabel(item) {
  return item ? (item.size ? item.name + " (" + item.size + ")" : item.name) : "";
}

// Choosing an item: recent choices, a search by name or code, then the size.
function itemChooser(form, onChange, withRecent) {
  const wrap = h("div", { class: "item-chooser" });
  if (withRecent) {
    const recentChoices = (store("receiveRecent") || []).filter(function (c) { return itemById(c.itemId); });
    if (recentChoices.length) {
      wrap.append(h("p", { class: "chooser-title" }, S.receive.recent),
        h("div", { class: "choice-grid" }, recentChoices.map(function (choice) {
          const item = itemById(choice.itemId);
          return h("button", { type: "button", class: "choice" + (form.itemId === item.id ? " chosen" : ""),
                               "aria-pressed": form.itemId === item.id ? "true" : "false",
            onclick: function () {
              form.itemId = item.id; form.name = item.name; form.quantity = choice.quantity;
              form.condition = choice.condition || form.condition; onChange();
            } }, itemLabel(item), h("span", { class: "choice-detail" }, "× " + choice.quantity));
        })));
    }
  }
  const search = h("input", { type: "search", id: "item-search", class: "item-search", value: form.search || "",
                              placeholder: S.receive.search, autocomplete: "off", "aria-label": S.receive.item });
  const results = h("div", { class: "choice-grid", id: "item-results" });
  function names(text) {
    const needle = text.trim().toLowerCase();
    const seen = new Map();
    for (const item of ITEMS) {
      const hay = (item.name + " " + item.code + " " + item.size).toLowerCase();
      if (needle && !hay.includes(needle)) continue;
      if (!seen.has(item.name)) seen.set(item.name, []);
      seen.get(item.name).push(item);
    }
    return Array.from(seen.entries());
  }
  function drawResults() {
    const found = names(search.value);
    const shown = search.value.trim() ? found.slice(0, 12) : [];
    results.replaceChildren(...shown.map(function (entry) {
      const chosen = form.name === entry[0];
      return h("button", { type: "button", class: "choice" + (chosen ? " chosen" : ""), "aria-pressed": chosen ? "true" : "false",
        onclick: function () {
          form.name = entry[0]; form.search = "";
          form.itemId = entry[1].length === 1 ? entry[1][0].id : null;
          onChange();
        } }, entry[0]);
    }));
    if (search.value.trim() && !found.length) results.append(h("p", { class: "field-error" }, S.receive.noMatch));
  }
  search.addEventListener("input", function () { form.search = search.value; drawResults(); });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      const found = names(search.value);
      if (found.length === 1) { form.name = found[0][0]; form.search = ""; form.itemId = found[0][1].length === 1 ? found[0][1][0].id : null; onChange(); }
    }
  });
  wrap.append(h("label", { for: "item-search", class: "chooser-title" }, S.receive.item), search, results);
  drawResults();
  if (form.name) {
    const variants = ITEMS.filter(function (item) { return item.name === form.name; });
    wrap.append(h("p", { class: "chooser-chosen" }, form.name));
    if (variants.length > 1 || (variants[0] && variants[0].size)) {
      wrap.append(h("p", { class: "chooser-title" }, S.receive.size),
        h("div", { class: "choice-grid sizes" }, variants.map(function (item) {
          const chosen = form.itemId === item.id;
          return h("button", { type: "button", class: "choice size" + (chosen ? " chosen" : ""), "aria-pressed": chosen ? "true" : "false",
            onclick: function () { form.itemId = item.id; onChange(); } }, item.size || S.receive.anySize);
        })));
    }
  }
  return wrap;
}

function rememberChoice(choice) {
  const list = (store("receiveRecent") || []).filter(function (c) {
    return !(c.itemId === choice.itemId && c.quantity === choice.quantity && c.condition === choice.condition);
  });
  list.unshift(choice);
  store("receiveRecent", list.slice(0, RECENT_CHOICES));
}

// A maker's barcode (EAN) scanned while receiving or counting: choose its item and add a
// pack; with no pack size known, ask how many.
function addPack(form, found, input) {
  const item = itemById(found.itemId);
  if (!item) { signal("error", found.label, S.wrongKind.countItem); return; }
  if (form.itemId !== item.id) { form.quantity = 0; }
  form.itemId = item.id; form.name = item.name;
  if (found.packQuantity) {
    form.quantity = (Number(form.quantity) || 0) + found.packQuantity;
    signal("ok", itemLabel(item), fmt(S.receive.packAdded, { num: found.packQuantity, item: itemLabel(item) }));
  } else {
    signal("info", itemLabel(item), fmt(S.receive.howManyPacks, { item: itemLabel(item) }));
    if (input) state.focusQuantity = input;
  }
}

MODES_UI.receive = {
  async scan(code, scan, st) {
    const found = await find(code);
    if (!found) return;
    if (found.kind === "blank_box") {
      st.box = found;
      st.form = st.form || freshReceiveForm();
      signal("ok", found.label, S.lookup.blank);
      return;
    }
    if (found.kind === "item" && st.box) { addPack(st.form, found, "receive-quantity"); return; }
    if (found.kind === "box") { signal("error", found.label, fmt(S.wrongKind.receiveUsed, { code: found.code })); return; }
    signal("error", found.label, S.wrongKind.receive);
  },
  render(root, st) {
    if (!st.box) { setPrompt(S.prompt.receive); return; }
    setPrompt(fmt(S.prompt.receiveForm, { code: st.box.label }));
    const form = st.form;
    const quantity = stepper("receive-quantity", form.quantity, S.receive.quantity);
    const input = quantity.querySelector("input");
    input.addEventListener("input", function () { form.quantity = input.value; });
    const conditions = h("fieldset", { class: "scan-toggle" }, h("legend", {}, S.receive.condition),
      CONDITIONS.map(function (c) {
        return h("button", { type: "button", class: "choice" + (form.condition === c.value ? " chosen" : ""),
                             "aria-pressed": form.condition === c.value ? "true" : "false",
          onclick: function () { form.condition = c.value; render(); } }, c.label);
      }));
    const save = h("button", { type: "button", class: "button primary big wide", id: "receive-save",
      onclick: async function () {
        if (!form.itemId) { signal("error", S.error, S.receive.chooseItem); return; }
        const amount = wholeNumber(input);
        if (!amount) { signal("error", S.error, S.receive.quantityMissing); input.focus(); return; }
        save.disabled = true;
        const label = st.box.label + ": " + amount + " × " + itemLabel(itemById(form.itemId));
        const body = { item_id: form.itemId, quantity: amount, condition: form.condition };
        const intake = (settings.intakeCodes || {})[String(siteId)];
        if (intake) body.location_code = intake;
        const result = await write("/boxes/" + encodeURIComponent(st.box.code) + "/fill", body, label);
        save.disabled = false;
        if (reportWrite(result, label)) {
          rememberChoice({ itemId: form.itemId, quantity: amount, condition: form.condition });
          st.box = null;
          st.form = Object.assign(freshReceiveForm(), { itemId: form.itemId, name: form.name, quantity: amount, condition: form.condition });
        }
        render();
        focusField();
      } }, S.receive.save);
    root.append(h("div", { class: "scan-form" },
      h("p", { class: "form-box" }, h("span", { class: "card-kind" }, S.kind.blank_box), " ", h("strong", {}, st.box.label)),
      itemChooser(form, render, true), quantity, conditions, save,
      h("button", { type: "button", class: "button wide", onclick: function () { st.box = null; render(); focusField(); } }, S.cancel)));
    if (state.focusQuantity === "receive-quantity") { state.focusQuantity = null; window.setTimeout(function () { input.focus(); input.select(); }); }
  },
};

// Take out / top up: a box, then how many.
MODES_UI.take = {
  async scan(code, scan, st) {
    const found = await find(code);
    if (!found) return;
    if (found.kind !== "box") { signal("error", found.label, S.wrongKind.take); return; }
    st.box = found;
    st.quantity = "";
    signal("ok", headline(found), summary(found));
    state.focusQuantity = "take-quantity";
  },
  render(root, st) {
    if (!st.box) { setPrompt(S.prompt.take); return; }
    setPrompt(fmt(S.prompt.takeForm, { code: st.box.label }));
    const quantity = stepper("take-quantity", st.quantity || "", S.quantity);
    const input = quantity.querySelector("input");
    // A refused amount stays in the field, to be corrected rather than typed again.
    input.addEventListener("input", function () { st.quantity = input.value; });
    async function send(kind) {
      const amount = wholeNumber(input);
      if (!amount) { signal("error", S.error, S.take.quantityMissing); input.focus(); return; }
      const word = kind === "take" ? S.take.take : S.take.topUp;
      const label = word + " " + amount + " · " + st.box.label;
      const path = "/boxes/" + encodeURIComponent(st.box.code) + (kind === "take" ? "/take" : "/top-up");
      const result = await write(path, { quantity: amount }, label);
      if (reportWrite(result, label)) { st.box = null; st.quantity = ""; }
      render();
      focusField();
    }
    root.append(h("div", { class: "scan-form" },
      h("article", { class: "scan-card" },
        h("p", { class: "card-title" }, st.box.label),
        h("dl", { class: "card-facts" },
          h("dt", {}, S.lookup.item), h("dd", {}, st.box.item),
          h("dt", {}, S.take.inBox), h("dd", {}, quantityText(st.box.quantity)),
          st.box.where ? [h("dt", {}, S.lookup.where), h("dd", {}, st.box.where)] : null)),
      quantity,
      h("div", { class: "two-buttons" },
        h("button", { type: "button", class: "button primary big", id: "take-out", onclick: function () { send("take"); } }, S.take.take),
        h("button", { type: "button", class: "button big", id: "top-up", onclick: function () { send("top_up"); } }, S.take.topUp)),
      h("button", { type: "button", class: "button wide", onclick: function () { st.box = null; render(); focusField(); } }, S.cancel)));
    if (state.focusQuantity === "take-quantity") { state.focusQuantity = null; window.setTimeout(function () { input.focus(); }); }
  },
};

// Pick: a request (chosen or its pick list scanned), then its boxes.
async function loadRequests() {
  const st = state.pick || (state.pick = {});
  const query = "/requests?status=approved" + (siteId ? "&site_id=" + siteId : "");
  try {
    const result = await read(query);
    st.requests = result.ok ? (Array.isArray(result.data) ? result.data : (result.data.requests || result.data.items || [])) : [];
  } catch (error) {
    st.requests = null;
  }
  if (mode === "pick") render();
}

async function loadRequest(id) {
  const st = state.pick || (state.pick = {});
  try {
    const result = await read("/requests/" + id);
    if (result.ok) st.request = result.data;
    else signal("error", S.error, problemText(result));
  } catch (error) {
    signal("error", S.error, S.network);
  }
  if (mode === "pick") render();
}

function requestTitle(request) {
  return [request.code || ("#" + request.id), name(request.organisation)].filter(Boolean).join(" · ");
}

function lineName(line) {
  return name(line.item) || line.item_name || "";
}

function linesTable(lines) {
  return h("table", { class: "pick-lines" },
    h("thead", {}, h("tr", {}, h("th", {}, S.lookup.item), h("th", { class: "num" }, S.pick.requested),
      h("th", { class: "num" }, S.pick.picked), h("th", { class: "num" }, S.pick.left))),
    h("tbody", {}, lines.map(function (line) {
      const requested = line.allocated !== undefined && line.allocated !== null ? line.allocated : line.requested;
      return h("tr", { class: line.left > 0 ? "" : "line-done" },
        h("td", {}, lineName(line)), h("td", { class: "num" }, quantityText(requested)),
        h("td", { class: "num" }, quantityText(line.picked)), h("td", { class: "num left" }, line.left > 0 ? String(line.left) : "✓"));
    })));
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
    state.focusQuantity = "pick-quantity";
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

MODES_UI.pick = {
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
    const parts = [h("h2", {}, requestTitle(st.request))];
    if (st.partial) {
      const quantity = stepper("pick-quantity", st.partial.left, S.quantity);
      const input = quantity.querySelector("input");
      parts.push(h("div", { class: "scan-form partial" }, h("p", { class: "card-title" }, st.partial.box.label + " · " + st.partial.box.item),
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
          h("button", { type: "button", class: "button big", onclick: function () { st.partial = null; render(); focusField(); } }, S.cancel))));
      if (state.focusQuantity === "pick-quantity") { state.focusQuantity = null; window.setTimeout(function () { input.focus(); input.select(); }); }
    }
    parts.push(linesTable(st.request.lines || []),
      h("button", { type: "button", class: "button", onclick: function () { st.request = null; st.partial = null; loadRequests(); render(); focusField(); } }, S.pick.other));
    root.append(...parts);
  },
};

// Count: a place, its boxes and loose stock, then the differences.
async function loadLocations() {
  const st = state.count || (state.count = {});
  try {
    const result = await read("/locations" + (siteId ? "?site_id=" + siteId : ""));
    st.locations = result.ok && Array.isArray(result.data) ? result.data : [];
  } catch (error) {
    st.locations = null;
  }
  if (mode === "count") render();
}

async function startCount(found) {
  const st = state.count || (state.count = {});
  const result = await write("/counts", { location_code: found.code }, S.prompt.count + " " + found.label);
  if (result.status === "sent") {
    st.count = result.response;
    st.location = found;
    st.boxes = (result.response.lines || []).filter(function (line) { return line.box; }).map(function (line) {
      return { kind: "box", code: line.box, label: line.box, item: line.item || "", quantity: line.quantity };
    });
    st.loose = { itemId: null, name: "", quantity: "", search: "" };
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

// A counted box that holds another amount than its label says.
function boxQuantityForm(st) {
  const box = st.boxQuantity;
  const quantity = stepper("box-quantity", box.quantity, fmt(S.count.boxQuantity, { code: box.code }));
  const input = quantity.querySelector("input");
  if (state.focusQuantity === "box-quantity") { state.focusQuantity = null; window.setTimeout(function () { input.focus(); input.select(); }); }
  return h("div", { class: "scan-form partial" }, quantity,
    h("div", { class: "two-buttons" },
      h("button", { type: "button", class: "button primary big", id: "box-quantity-save", onclick: async function () {
        const amount = Number(input.value);
        if (!Number.isInteger(amount) || amount < 0 || input.value === "") { signal("error", S.error, S.take.quantityMissing); return; }
        if (await countLine(st, { box_code: box.code, quantity: amount }, box.code + ": " + amount)) {
          box.quantity = amount;
          st.boxQuantity = null;
        }
        render();
        focusField();
      } }, S.save),
      h("button", { type: "button", class: "button big", onclick: function () { st.boxQuantity = null; render(); focusField(); } }, S.cancel)));
}

MODES_UI.count = {
  async scan(code, scan, st) {
    if (st.differences) { state.count = st = {}; }
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
  render(root, st) {
    if (st.differences) {
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
      root.append(h("button", { type: "button", class: "button big", onclick: function () { state.count = {}; render(); focusField(); } }, S.count.new));
      return;
    }
    if (!st.count) {
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
      return;
    }
    setPrompt(fmt(S.prompt.countScan, { location: st.location.label }));
    const loose = st.loose;
    const quantity = stepper("loose-quantity", loose.quantity, S.count.looseQuantity);
    const input = quantity.querySelector("input");
    input.addEventListener("input", function () { loose.quantity = input.value; });
    root.append(
      h("h2", {}, S.count.boxes + " · " + st.boxes.length),
      st.boxQuantity ? boxQuantityForm(st) : [],
      h("ul", { class: "scan-chips" }, st.boxes.map(function (box) {
        return h("li", {}, h("span", { class: "chip-code" }, box.label), h("span", { class: "chip-text" }, headline(box)),
          h("button", { type: "button", class: "button small", onclick: function () {
            st.boxQuantity = box; state.focusQuantity = "box-quantity"; render();
          } }, S.count.quantityDiff));
      })),
      h("details", { class: "scan-form loose", open: loose.open || loose.name ? true : null,
                     ontoggle: function (event) { loose.open = event.currentTarget.open; } },
        h("summary", {}, S.count.loose),
        itemChooser(loose, render, false), quantity,
        h("button", { type: "button", class: "button big", id: "loose-save", onclick: async function () {
          if (!loose.itemId) { signal("error", S.error, S.receive.chooseItem); return; }
          const amount = Number(input.value);
          if (!Number.isInteger(amount) || amount < 0 || input.value === "") { signal("error", S.error, S.take.quantityMissing); return; }
          const item = itemById(loose.itemId);
          if (await countLine(st, { item_id: loose.itemId, quantity: amount }, itemLabel(item) + " × " + amount)) {
            st.loose = { itemId: null, name: "", quantity: "", search: "" };
          }
          render();
          focusField();
        } }, S.count.looseSave)),
      h("button", { type: "button", class: "button primary big wide", id: "count-finish", onclick: async function () {
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
      } }, S.count.finish));
    if (state.focusQuantity === "loose-quantity") { state.focusQuantity = null; window.setTimeout(function () { input.focus(); input.select(); }); }
  },
};

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
  siteId = Number(siteSelect.value) || siteId;
  siteSelect.addEventListener("change", function () {
    siteId = Number(siteSelect.value);
    store("site", siteId);
    if (window.ScanCodeCache) window.ScanCodeCache.setSite(siteId);
    if (mode === "pick") loadRequests();
    if (mode === "count") loadLocations();
  });
}
if (window.ScanCodeCache && siteId) window.ScanCodeCache.setSite(siteId);
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
setMode(mode);
drawRecent();
document.getElementById("scan-page").dataset.ready = "true";
