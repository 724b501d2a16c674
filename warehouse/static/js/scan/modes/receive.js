// Receive into a pre-printed label: blank box, then item, size, quantity, condition.
import { write } from "../api.js";
import { focusField, focusIfAsked, render, setPrompt, siteId } from "../core.js";
import { CONDITIONS, S, settings } from "../data.js";
import { signal } from "../feedback.js";
import { find } from "../found.js";
import { addPack, itemById, itemChooser, itemLabel, recentChoices, rememberChoice } from "../items.js";
import { reportWrite } from "../recent.js";
import { fmt, h, stepper, wholeNumber } from "../render.js";

// A new form remembers the condition of the last box received.
function freshForm() {
  const last = recentChoices()[0];
  return { itemId: null, name: "", quantity: "", condition: (last && last.condition) || (CONDITIONS[0] && CONDITIONS[0].value), search: "" };
}

export const receive = {
  async scan(code, scan, st) {
    const found = await find(code);
    if (!found) return;
    if (found.kind === "blank_box") {
      st.box = found;
      st.form = st.form || freshForm();
      signal("ok", found.label, S.lookup.blank);
      return;
    }
    if (found.kind === "item" && st.box) { addPack(st.form, found, "receive-quantity"); return; }
    if (found.kind === "box") { signal("error", found.label, fmt(S.wrongKind.receiveUsed, { code: found.code })); return; }
    signal("error", found.label, S.wrongKind.receive);
  },
  // A blank label looked up is the box to fill; an item looked up is chosen for the next
  // blank label scanned.
  carry(st, found) {
    if (found.kind === "blank_box") { st.box = found; st.form = freshForm(); }
    if (found.kind === "item") {
      const item = itemById(found.itemId);
      st.form = Object.assign(freshForm(), item ? { itemId: item.id, name: item.name } : {});
    }
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
          st.form = Object.assign(freshForm(), { itemId: form.itemId, name: form.name, quantity: amount, condition: form.condition });
        }
        render();
        focusField();
      } }, S.receive.save);
    root.append(h("div", { class: "scan-form" },
      h("p", { class: "form-box" }, h("span", { class: "card-kind" }, S.kind.blank_box), " ", h("strong", {}, st.box.label)),
      itemChooser(form, render, true), quantity, conditions, save,
      h("button", { type: "button", class: "button wide", onclick: function () { st.box = null; render(); focusField(); } }, S.cancel)));
    focusIfAsked(input);
  },
};
