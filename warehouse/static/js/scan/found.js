// What a scanned code is: looked up on the server (or in the offline code cache), and put in
// the words the banner and the cards show.
import { lookup } from "./api.js";
import { CONDITIONS, S } from "./data.js";
import { signal } from "./feedback.js";
import { problemText } from "./recent.js";
import { quantityText } from "./render.js";

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

/** Look a code up; on failure, signal it and return null. */
export async function find(code) {
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
export function headline(found) {
  if (found.kind === "box") return quantityText(found.quantity) ? found.quantity + " × " + found.item : found.item;
  if (found.kind === "item" && found.packQuantity > 1) return found.packQuantity + " × " + found.item;
  if (found.kind === "item") return found.item || found.label;
  return found.label;
}

// The banner's second line: what kind of label, its code, and where it is.
export function summary(found) {
  const parts = [(S.kind[found.kind] || "") + " " + found.code];
  if (found.where) parts.push(found.where);
  return parts.join(" · ");
}
