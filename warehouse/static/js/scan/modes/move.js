// Put away / move: scan boxes, then a place; all move in one document.
import { write } from "../api.js";
import { focusField, render, setPrompt } from "../core.js";
import { S } from "../data.js";
import { signal } from "../feedback.js";
import { find, headline, summary } from "../found.js";
import { reportWrite } from "../recent.js";
import { fmt, h, plural } from "../render.js";

export const move = {
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
  carry(st, found) {
    st.boxes = [found];
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
