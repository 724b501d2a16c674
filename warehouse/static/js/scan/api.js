// The JSON API as the scan page uses it. Reads go straight to the server (with the offline
// code cache behind them); writes go through the offline outbox, so a scan made without
// network is kept and sent later, exactly once.
import { codeCache } from "./codecache.js";
import { settings } from "./data.js";
import { outbox } from "./outbox.js";

function apiPath(path) {
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
    const cached = await codeCache.lookup(code).catch(function () { return null; });
    if (cached) {
      return { ok: true, status: 200, offline: true, ageText: cached.ageText,
               data: Object.assign({ actions: [] }, cached.entry) };
    }
    return { ok: false, status: 0, network: true, data: null };
  }
}

/**
 * POST a write: {status: "sent", response} | {status: "queued"} |
 * {status: "failed", problem, httpStatus}. The outbox adds the idempotency key, the CSRF
 * header and scanned_at.
 */
export async function write(path, body, label) {
  return outbox.send({ method: "POST", path: apiPath(path), body: body, label: label });
}
