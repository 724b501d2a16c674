// Warehouse code cache: look-ups answer without a network.
//
// codeCache keeps the site's codes (GET /api/v1/codes?site_id=N: boxes, blank boxes,
// locations, items and their EANs) in IndexedDB, refreshes them while online, and answers
// lookup(code) from them, saying how old they are ("codes from 12 minutes ago"). A code a
// scanner mangled with the wrong keyboard layout is undone as the server does it.
import { candidates } from "./scancodes.js";

const DB_NAME = "warehouse-codes";
const STORE = "sites";
const REFRESH_INTERVAL_MS = 5 * 60000;

const state = { siteId: null, codesUrl: "/api/v1/codes", record: null, index: null,
                messages: {}, timer: null };
let dbPromise = null;

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise(function (resolve, reject) {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore(STORE, { keyPath: "siteId" });
    };
    request.onsuccess = function () {
      const db = request.result;
      db.onversionchange = function () { db.close(); dbPromise = null; };
      resolve(db);
    };
    request.onerror = function () { dbPromise = null; reject(request.error); };
  });
  return dbPromise;
}

function withStore(mode, fn) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      const tx = db.transaction([STORE], mode);
      const request = fn(tx.objectStore(STORE));
      tx.oncomplete = function () { resolve(request.result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  });
}

function buildIndex(record) {
  const index = new Map();
  (record && record.codes || []).forEach(function (entry) {
    const code = String(entry.code);
    if (!index.has(code)) index.set(code, entry);
    if (!index.has(code.toUpperCase())) index.set(code.toUpperCase(), entry);
  });
  return index;
}

function use(record) {
  state.record = record || null;
  state.index = buildIndex(record);
  document.dispatchEvent(new CustomEvent("scan-codes:change", {
    detail: { count: record ? record.codes.length : 0, generatedAt: generatedAt(),
              ageText: ageText() },
  }));
}

function load() {
  if (state.siteId == null) return Promise.resolve(null);
  return withStore("readonly", function (store) { return store.get(String(state.siteId)); })
    .then(function (record) { use(record); return record; }, function () { return null; });
}

function refresh() {
  if (state.siteId == null || !navigator.onLine) return Promise.resolve(state.record);
  const siteId = String(state.siteId);
  const url = state.codesUrl + "?site_id=" + encodeURIComponent(siteId);
  return window.fetch(url, { credentials: "same-origin", cache: "no-store",
                             headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) return state.record;
      return response.json().then(function (data) {
        const record = { siteId: siteId, generatedAt: data.generated_at || null,
                         fetchedAt: Date.now(), codes: data.codes || [] };
        return withStore("readwrite", function (store) { return store.put(record); })
          .catch(function () { /* storage full: keep them in memory */ })
          .then(function () { use(record); return record; });
      });
    }, function () { return state.record; });
}

function generatedAt() {
  if (!state.record) return null;
  const parsed = state.record.generatedAt ? Date.parse(state.record.generatedAt) : NaN;
  return new Date(isNaN(parsed) ? state.record.fetchedAt : parsed);
}

// "12 minutes ago", "il y a 12 minutes", in the page's language.
function relativeTime(date) {
  const lang = document.documentElement.lang || "en";
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const steps = [["day", 86400], ["hour", 3600], ["minute", 60]];
  if (!window.Intl || !Intl.RelativeTimeFormat) return date.toLocaleString(lang);
  for (let i = 0; i < steps.length; i += 1) {
    if (Math.abs(seconds) >= steps[i][1]) {
      // "yesterday" reads better than "1 day ago"; "1 minute ago" better than "this minute".
      const format = new Intl.RelativeTimeFormat(lang, {
        numeric: steps[i][0] === "day" ? "auto" : "always" });
      return format.format(Math.round(seconds / steps[i][1]), steps[i][0]);
    }
  }
  return null;
}

function ageText() {
  const date = generatedAt();
  if (!date) return state.messages.codesNone || "";
  const age = relativeTime(date);
  if (age === null) return state.messages.codesFresh || "Codes up to date";
  const template = state.messages.codesAge || "Codes from %(age)s";
  return template.replace("%(age)s", age);
}

function lookup(code) {
  const ready = state.index ? Promise.resolve() : load();
  return ready.then(function () {
    if (!state.index) return null;
    const tries = candidates(code);
    for (let i = 0; i < tries.length; i += 1) {
      const entry = state.index.get(tries[i]);
      if (entry) return { entry: entry, generatedAt: generatedAt(), ageText: ageText() };
    }
    return null;
  });
}

function setSite(siteId) {
  if (siteId == null || siteId === "") return Promise.resolve(null);
  const changed = String(siteId) !== String(state.siteId);
  state.siteId = String(siteId);
  if (!state.timer) {
    state.timer = window.setInterval(function () {
      if (document.visibilityState === "visible") refresh();
    }, REFRESH_INTERVAL_MS);
    window.addEventListener("online", refresh);
  }
  return (changed ? load() : Promise.resolve()).then(refresh);
}

function configure(options) {
  if (options.codesUrl) state.codesUrl = options.codesUrl;
  if (options.messages) state.messages = options.messages;
}

export const codeCache = {
  setSite: setSite,
  refresh: refresh,
  lookup: lookup,
  ageText: ageText,
  configure: configure,
  generatedAt: generatedAt,
};
// On window too: for the console of a tablet that misbehaves, and for the browser tests.
window.ScanCodeCache = codeCache;
