// Choosing an item, when receiving into a blank label or counting loose stock: the recent
// choices, a search by name or code, then the size; and a maker's barcode scanned meanwhile.
import { askFocus, store } from "./core.js";
import { ITEMS, S } from "./data.js";
import { signal } from "./feedback.js";
import { fmt, h } from "./render.js";

const RECENT_CHOICES = 6;

export function itemById(id) {
  return ITEMS.find(function (item) { return item.id === id; }) || null;
}

export function itemLabel(item) {
  return item ? (item.size ? item.name + " (" + item.size + ")" : item.name) : "";
}

/** The last items received into labels, with their quantity and condition, newest first. */
export function recentChoices() {
  return store("receiveRecent") || [];
}

export function rememberChoice(choice) {
  const list = recentChoices().filter(function (c) {
    return !(c.itemId === choice.itemId && c.quantity === choice.quantity && c.condition === choice.condition);
  });
  list.unshift(choice);
  store("receiveRecent", list.slice(0, RECENT_CHOICES));
}

/** The chooser for form.itemId (and form.name, form.search); onChange redraws. */
export function itemChooser(form, onChange, withRecent) {
  const wrap = h("div", { class: "item-chooser" });
  if (withRecent) {
    const choices = recentChoices().filter(function (c) { return itemById(c.itemId); });
    if (choices.length) {
      wrap.append(h("p", { class: "chooser-title" }, S.receive.recent),
        h("div", { class: "choice-grid" }, choices.map(function (choice) {
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

// A maker's barcode (EAN) scanned while receiving or counting: choose its item and add a
// pack; with no pack size known, ask how many (in the quantity field named).
export function addPack(form, found, input) {
  const item = itemById(found.itemId);
  if (!item) { signal("error", found.label, S.wrongKind.countItem); return; }
  if (form.itemId !== item.id) { form.quantity = 0; }
  form.itemId = item.id; form.name = item.name;
  if (found.packQuantity) {
    form.quantity = (Number(form.quantity) || 0) + found.packQuantity;
    signal("ok", itemLabel(item), fmt(S.receive.packAdded, { num: found.packQuantity, item: itemLabel(item) }));
  } else {
    signal("info", itemLabel(item), fmt(S.receive.howManyPacks, { item: itemLabel(item) }));
    if (input) askFocus(input);
  }
}
