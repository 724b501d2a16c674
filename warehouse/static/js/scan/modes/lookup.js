// Look up: what is it, where, how many, and what can be done with it (buttons that carry
// it to the mode that does it).
import { read } from "../api.js";
import { carryTo, setPrompt } from "../core.js";
import { S } from "../data.js";
import { signal } from "../feedback.js";
import { find, headline, summary } from "../found.js";
import { linesTable } from "../pick-list.js";
import { fmt, h, name, quantityText } from "../render.js";

// The card's action buttons, and the mode each one opens.
const ACTION_MODES = { move: "move", take: "take", top_up: "take", fill: "receive", pick: "pick", count: "count" };

export const lookup = {
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
        return h("button", { type: "button", class: "button big",
                             onclick: function () { carryTo(ACTION_MODES[action], found); } }, S.action[action]);
      })));
    }
    root.append(card);
  },
};
