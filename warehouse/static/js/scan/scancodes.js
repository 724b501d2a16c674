// Undo what a barcode scanner's keyboard layout did to a scanned code, as the server does.
//
// The tables (which character each mix of layouts gives for each code character, and what
// our codes look like) are the server's own, from warehouse/core/scancodes.py, handed to the
// page in its #scan-keyboard data block; the page the service worker saved has them too, so
// the offline look-up reads a mangled scan as the server would. candidates() follows the
// Python function of the same name step by step.
import { readData } from "./data.js";

let tables = null;

function keyboard() {
  if (!tables) {
    const map = readData("scan-keyboard", {});
    tables = {
      layouts: map.layouts || [],
      forms: (map.codeForms || []).map(function (pattern) { return new RegExp("^(?:" + pattern + ")$"); }),
      edges: map.edges || "",
    };
  }
  return tables;
}

function clean(text, edges) {
  const chars = Array.from(String(text || ""));
  let start = 0;
  let end = chars.length;
  while (start < end && edges.includes(chars[start])) start += 1;
  while (end > start && edges.includes(chars[end - 1])) end -= 1;
  return chars.slice(start, end).join("").trim();
}

function isCodeForm(text, forms) {
  return forms.some(function (form) { return form.test(text); });
}

// Whether a scanner of that mix of layouts can have typed the text at all.
function couldComeFrom(text, layout) {
  return Array.from(text).every(function (char) {
    return Object.prototype.hasOwnProperty.call(layout, char) || /^[A-Za-z]$/.test(char);
  });
}

function remap(text, layout) {
  return Array.from(text).map(function (char) {
    return Object.prototype.hasOwnProperty.call(layout, char) ? layout[char] : char;
  }).join("").toUpperCase();
}

/** What a scanned text may stand for, most likely first (no duplicates). */
export function candidates(text) {
  const { layouts, forms, edges } = keyboard();
  const raw = clean(text, edges);
  const upper = raw.toUpperCase();
  const found = [];
  if (isCodeForm(upper, forms)) found.push(upper);
  for (const layout of layouts) {
    if (!couldComeFrom(raw, layout)) continue;
    const fixed = remap(raw, layout);
    if (fixed !== upper && isCodeForm(fixed, forms) && !found.includes(fixed)) found.push(fixed);
  }
  if (upper && !found.includes(upper)) found.push(upper);
  return found;
}
