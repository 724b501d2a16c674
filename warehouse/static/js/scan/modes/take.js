// Take out / top up: a box, then how many.
import { write } from "../api.js";
import { askFocus, focusField, focusIfAsked, render, setPrompt } from "../core.js";
import { S } from "../data.js";
import { signal } from "../feedback.js";
import { find, headline, summary } from "../found.js";
import { reportWrite } from "../recent.js";
import { fmt, h, quantityText, stepper, wholeNumber } from "../render.js";

export const take = {
  async scan(code, scan, st) {
    const found = await find(code);
    if (!found) return;
    if (found.kind !== "box") { signal("error", found.label, S.wrongKind.take); return; }
    st.box = found;
    st.quantity = "";
    signal("ok", headline(found), summary(found));
    askFocus("take-quantity");
  },
  carry(st, found) {
    st.box = found;
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
    focusIfAsked(input, false);
  },
};
