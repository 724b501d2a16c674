// Building the scan page's elements and words: h() makes an element, fmt() and plural() fill
// in the translated strings' placeholders, stepper() is a number field for gloved hands.
import { S } from "./data.js";

/** A translated string with its %(name)s and %(name)d placeholders filled in. */
export function fmt(text, values) {
  return String(text || "").replace(/%\((\w+)\)[sd]/g, function (whole, name) {
    return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : whole;
  });
}

/** The [one, other] form for n, its %(num)d filled in. */
export function plural(forms, n) {
  const many = S.language === "fr" ? n > 1 : n !== 1;
  return fmt(forms[many ? 1 : 0], { num: n });
}

/** An element: h("p", {class: "note", onclick: f}, "text", child, [more children]). */
export function h(tag, attributes, ...children) {
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

/** The name of an API object (an item, an organisation...), or the text itself. */
export function name(thing) {
  if (!thing) return "";
  if (typeof thing === "string") return thing;
  return thing.label || thing.name || thing.display_name || thing.code || "";
}

export function quantityText(value) {
  return value === null || value === undefined || value === "" ? "" : String(value);
}

/** The field's value if it is a whole number above zero, else null. */
export function wholeNumber(input) {
  const value = Number(input.value);
  return Number.isInteger(value) && value > 0 ? value : null;
}

/** A number field with big − and + buttons. */
export function stepper(id, value, label) {
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
