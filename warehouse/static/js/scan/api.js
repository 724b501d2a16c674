// The JSON API as the scan page uses it. Reads go straight to the server (with the offline
// code cache behind them); writes go through the offline outbox when the page has one, so
// a scan made without network is kept and sent later, exactly once.

let settings = {};

export function configure(pageSettings) {
  settings = pageSettings;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return (meta && meta.content) || settings.csrfToken || "";
}

function newKey() {
  if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
}

export function apiPath(path) {
  return (settings.api || "/api/v1") + path;
}

/**
 * GET an API path: {ok, status, data}. A network failure rejects with
 * {network: true}, so the caller can fall back to the code cache.
 */
export async function read(path) {
  let response;
  try {
    response = await fetch(apiPath(path), {
      headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
    });
  } catch (error) {
    throw { network: true };
  }
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  return { ok: response.ok, status: response.status, data: data };
}

/** Look a scanned code up: {ok, status, data, offline}. */
export async function lookup(code) {
  try {
    return await read("/codes/" + encodeURIComponent(code));
  } catch (error) {
    if (window.ScanCodeCache) {
      const cached = await window.ScanCodeCache.lookup(code).catch(function () { return null; });
      if (cached) {
        return { ok: true, status: 200, offline: true, ageText: cached.ageText,
                 data: Object.assign({ actions: [] }, cached.entry) };
      }
    }
    return { ok: false, status: 0, network: true, data: null };
  }
}

/**
 * POST a write: {status: "sent", response} | {status: "queued"} |
 * {status: "failed", problem, httpStatus}. The outbox adds the idempotency key, the CSRF
 * header and scanned_at; without it, this does the same over a plain fetch.
 */
export async function write(path, body, label) {
  if (window.ScanOutbox) {
    return window.ScanOutbox.send({ method: "POST", path: apiPath(path), body: body, label: label });
  }
  let response;
  try {
    response = await fetch(apiPath(path), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": csrfToken(), "Idempotency-Key": newKey() },
      body: JSON.stringify(body),
    });
  } catch (error) {
    return { status: "failed", httpStatus: 0, problem: { slug: "network", network: true } };
  }
  let data = null;
  try { data = await response.json(); } catch (error) { data = null; }
  if (response.ok) return { status: "sent", response: data || {}, httpStatus: response.status };
  return { status: "failed", httpStatus: response.status, problem: data || {} };
}
