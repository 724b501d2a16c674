// What the server gave the scan page, in the reader's language: JSON data blocks written by
// warehouse/scan/views.py (the content security policy runs no inline script).

/** The JSON of the page's <script type="application/json" id=…> block, else the fallback. */
export function readData(id, fallback) {
  const element = document.getElementById(id);
  if (!element) return fallback;
  try { return JSON.parse(element.textContent); } catch (error) { return fallback; }
}

export const settings = readData("scan-settings", {});
// Every word the page shows: S.prompt.move, S.kind.box...
export const S = readData("scan-strings", {});
export const ITEMS = readData("scan-items", []);
export const CONDITIONS = readData("scan-conditions", []);
