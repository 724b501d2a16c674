// Warehouse scan outbox: no scan is lost or counted twice, with or without a network.
//
// outbox.send({method, path, body, scannedAt, label}) sends a scan to the API at
// once when it can; otherwise the scan waits in IndexedDB (the "outbox") and is replayed
// later, in the order it was made: on page load, when the browser comes back online, on
// "Send now" and every little while. Safari has no background sync, so the page does it.
//
// Exactly once:
//   - every scan carries its own Idempotency-Key (crypto.randomUUID()), chosen when it is
//     made and kept across retries: if the server recorded it but the answer was lost, the
//     replay gets the first answer back and nothing is posted twice;
//   - one tab replays at a time (navigator.locks, else a lease record in IndexedDB), and a
//     scan leaves the outbox only after the server has answered it.
// A scan the server refuses on replay (the box moved or was emptied meanwhile...) is never
// dropped: it moves to the "needs attention" list, kept in IndexedDB too, with the server's
// explanation, until the user retries or dismisses it.
// The CSRF token is read when a request is sent, never stored with a scan: the session that
// made a scan may have ended (and a new one begun) before the scan is sent.

const DB_NAME = "warehouse-scan";
const DB_VERSION = 1;
const OUTBOX = "outbox";
const ATTENTION = "attention";
const META = "meta";
const LOCK_NAME = "warehouse-scan-outbox";
const LEASE = "replay-lease";
const LEASE_MS = 30000;
const LEASE_POLL_MS = 250;
// A request that hangs must not hold the replay lock for ever.
const REQUEST_TIMEOUT_MS = 20000;
// While scans wait (server busy, network flaky), try again this often.
const RETRY_INTERVAL_MS = 30000;

// Who holds the lease: the tab, kept across its reloads (sessionStorage is per tab), so a
// tab reloaded in the middle of a replay does not wait for its own lease to expire.
const tabId = (function () {
  try {
    let id = sessionStorage.getItem(LOCK_NAME);
    if (!id) { id = randomKey(); sessionStorage.setItem(LOCK_NAME, id); }
    return id;
  } catch (error) { return randomKey(); }
})();
const config = {
  sessionUrl: "/scan/offline/session",
  conflictsUrl: "/api/v1/conflicts",
  userId: null,
};
const state = { signedOut: false, csrfToken: null, sessionUserId: null };
let dbPromise = null;
let running = null;
let retryTimer = null;

// --- IndexedDB, promised.

function openDb() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise(function (resolve, reject) {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = function () {
      const db = request.result;
      if (!db.objectStoreNames.contains(OUTBOX)) {
        const outbox = db.createObjectStore(OUTBOX, { keyPath: "seq", autoIncrement: true });
        outbox.createIndex("key", "key", { unique: true });
      }
      if (!db.objectStoreNames.contains(ATTENTION)) {
        db.createObjectStore(ATTENTION, { keyPath: "key" });
      }
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: "name" });
    };
    request.onsuccess = function () {
      const db = request.result;
      // Another tab opening a newer version: let it, and reopen on the next call.
      db.onversionchange = function () { db.close(); dbPromise = null; };
      resolve(db);
    };
    request.onerror = function () { dbPromise = null; reject(request.error); };
    request.onblocked = function () { /* an old tab closes its connection soon */ };
  });
  return dbPromise;
}

// Run fn(stores...) in one transaction; resolves with fn's result once it has committed.
function transact(storeNames, mode, fn) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(storeNames, mode);
      let result;
      tx.oncomplete = function () { resolve(result); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error || new Error("transaction aborted")); };
      const stores = storeNames.map(function (name) { return tx.objectStore(name); });
      Promise.resolve(fn.apply(null, stores)).then(function (value) { result = value; },
        function (error) { try { tx.abort(); } catch (e) { /* already over */ } reject(error); });
    });
  });
}

function req(request) {
  return new Promise(function (resolve, reject) {
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
}

function allItems(storeName) {
  return transact([storeName], "readonly", function (store) { return req(store.getAll()); });
}

// --- Who owns a scan: scans wait for the person who made them (shared tablets).

function belongsToCurrentUser(item) {
  const current = state.sessionUserId != null ? state.sessionUserId : config.userId;
  return item.userId == null || current == null || String(item.userId) === String(current);
}

function counts() {
  return Promise.all([allItems(OUTBOX), allItems(ATTENTION)]).then(function (both) {
    const mine = both[0].filter(belongsToCurrentUser);
    return {
      pending: mine.length,
      others: both[0].length - mine.length,
      attention: both[1].filter(belongsToCurrentUser).length,
      signedOut: state.signedOut,
      oldestScannedAt: mine.length ? mine[0].body.scanned_at : null,
    };
  }, function () {
    // No storage (private browsing): nothing can be waiting; live scans still work.
    return { pending: 0, others: 0, attention: 0, signedOut: state.signedOut,
             oldestScannedAt: null, storageOff: true };
  });
}

// Other tabs of the scan page show the same counter: tell them when it changes.
const channel = window.BroadcastChannel ? new BroadcastChannel(LOCK_NAME) : null;
if (channel) channel.onmessage = function () { notify(true); };

function notify(fromOtherTab) {
  if (channel && !fromOtherTab) channel.postMessage("changed");
  return counts().then(function (detail) {
    document.dispatchEvent(new CustomEvent("scan-outbox:change", { detail: detail }));
    if (detail.pending > 0) scheduleRetry();
    return detail;
  }, function () { /* storage unavailable: nothing to show */ });
}

function emit(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail: detail }));
}

function scheduleRetry() {
  if (retryTimer) return;
  retryTimer = window.setTimeout(function () {
    retryTimer = null;
    replay();
  }, RETRY_INTERVAL_MS);
}

// A word of the page's language, from the offline strip's translations.
function word(name, fallback) {
  const element = document.getElementById("offline-messages");
  try { return (element && JSON.parse(element.textContent)[name]) || fallback; }
  catch (error) { return fallback; }
}

// --- Sending one request.

function randomKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); });
  return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" +
    hex.slice(6, 8).join("") + "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
}

// ISO 8601 with the tablet's own offset, e.g. 2026-11-27T15:04:05.120+01:00.
function isoWithOffset(date) {
  const pad = function (n, width) { return String(Math.abs(n)).padStart(width || 2, "0"); };
  const offset = -date.getTimezoneOffset();
  return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
    "T" + pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
    "." + pad(date.getMilliseconds(), 3) + (offset >= 0 ? "+" : "-") +
    pad(Math.floor(Math.abs(offset) / 60)) + ":" + pad(Math.abs(offset) % 60);
}

function csrfToken() {
  if (state.csrfToken) return state.csrfToken;
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) return meta.content;
  const bar = document.getElementById("offline-bar");
  return bar ? bar.getAttribute("data-csrf-token") || "" : "";
}

function timedFetch(url, options) {
  const controller = window.AbortController ? new AbortController() : null;
  const timer = controller && window.setTimeout(function () { controller.abort(); },
    REQUEST_TIMEOUT_MS);
  return window.fetch(url, Object.assign({ credentials: "same-origin", cache: "no-store" },
    options, controller ? { signal: controller.signal } : {}))
    .finally(function () { if (timer) window.clearTimeout(timer); });
}

function readJson(response) {
  return response.text().then(function (text) {
    try { return text ? JSON.parse(text) : {}; } catch (error) { return {}; }
  });
}

function isSignInPage(response) {
  return response.redirected && /\/login\b|\/sign-?in\b/.test(response.url);
}

// The session's CSRF token was refused: the API's and the pages' ways of saying so.
function isCsrfProblem(status, json) {
  return status === 400 && /\/(csrf-token-missing|form-expired)$/.test(json.type || "");
}

// The same request (same key) is still being handled: a 409 to retry, unlike the 409s
// of domain rules (e.g. a count's location changed), which need the user.
function isStillRunning(status, json) {
  return status === 409 && (!json.type || /\/request-in-progress$/.test(json.type));
}

// One attempt at one scan. Resolves with {outcome, ...}:
//   sent     the server recorded it (or had recorded it already: same key)
//   problem  the server refused it for good (a 4xx about the scan itself)
//   retry    try again later (409 still running, 429, 5xx, a CSRF token refused twice)
//   network  no answer
//   signedOut the session has ended
function attempt(item, replaying, csrfRetried) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/json",
    "Idempotency-Key": item.key,
    "X-CSRFToken": csrfToken(),
  };
  if (replaying) headers["X-Offline-Replay"] = "1";
  return timedFetch(item.path, {
    method: item.method, headers: headers, body: JSON.stringify(item.body),
  }).then(function (response) {
    if (isSignInPage(response)) return { outcome: "signedOut", httpStatus: 401 };
    return readJson(response).then(function (json) {
      const status = response.status;
      if (response.ok) return { outcome: "sent", response: json, httpStatus: status };
      if (status === 401) return { outcome: "signedOut", httpStatus: status, problem: json };
      if (isCsrfProblem(status, json) && !csrfRetried) {
        // The page's token belongs to an old session: fetch a fresh one and try once more.
        return checkSession().then(function (session) {
          if (session === "signedOut") return { outcome: "signedOut", httpStatus: 401 };
          if (session === "network") return { outcome: "network" };
          return attempt(item, replaying, true);
        });
      }
      if (isStillRunning(status, json) || status === 429 || status === 408 ||
          status >= 500 || isCsrfProblem(status, json)) {
        return { outcome: "retry", httpStatus: status, problem: json };
      }
      return { outcome: "problem", httpStatus: status, problem: json };
    });
  }, function () { return { outcome: "network" }; });
}

// Who is signed in now, and a fresh CSRF token. "signedOut", "network" or the session.
function checkSession() {
  return timedFetch(config.sessionUrl, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (response.status === 401 || isSignInPage(response)) {
        state.signedOut = true;
        return "signedOut";
      }
      if (!response.ok) return "network";
      return response.json().then(function (session) {
        state.signedOut = false;
        state.csrfToken = session.csrf_token || null;
        state.sessionUserId = session.user_id;
        return session;
      });
    }, function () { return "network"; });
}

// --- The outbox.

function enqueue(item) {
  return transact([OUTBOX], "readwrite", function (store) { return req(store.add(item)); });
}

function firstWaiting() {
  // Oldest first: the store's key is an increasing sequence.
  return transact([OUTBOX], "readonly", function (store) {
    return new Promise(function (resolve, reject) {
      const cursor = store.openCursor();
      cursor.onerror = function () { reject(cursor.error); };
      cursor.onsuccess = function () {
        const c = cursor.result;
        if (!c) { resolve(null); return; }
        if (belongsToCurrentUser(c.value)) { resolve(c.value); return; }
        c.continue();
      };
    });
  });
}

function markSent(item) {
  return transact([OUTBOX], "readwrite", function (store) {
    return req(store.delete(item.seq));
  });
}

function markAttempted(item, result) {
  return transact([OUTBOX], "readwrite", function (store) {
    return req(store.get(item.seq)).then(function (current) {
      if (!current) return null;
      current.attempts = (current.attempts || 0) + 1;
      current.lastStatus = result.httpStatus || null;
      current.lastAttemptAt = Date.now();
      return req(store.put(current));
    });
  });
}

// Leaves the outbox and joins "needs attention" in one transaction: never both, never lost.
function moveToAttention(item, result) {
  const problem = result.problem || {};
  const entry = {
    key: item.key, userId: item.userId, method: item.method, path: item.path,
    body: item.body, label: item.label || "", problem: problem,
    httpStatus: result.httpStatus, conflictId: problem.conflict_id || null,
    at: Date.now(),
  };
  return transact([OUTBOX, ATTENTION], "readwrite", function (outbox, attention) {
    return req(attention.put(entry)).then(function () {
      return req(outbox.delete(item.seq));
    });
  }).then(function () { return entry; });
}

// --- One replay at a time, across every tab of this browser.

function withReplayLock(fn) {
  if (navigator.locks && navigator.locks.request) {
    return navigator.locks.request(LOCK_NAME, { mode: "exclusive" }, fn);
  }
  return waitForLease(Date.now() + 2 * LEASE_MS).then(function (taken) {
    if (!taken) return { busy: true };
    const renew = window.setInterval(takeLease, LEASE_MS / 3);
    return Promise.resolve().then(fn).finally(function () {
      window.clearInterval(renew);
      return releaseLease();
    });
  });
}

// The fallback lock: a lease record, taken in a read-write transaction (IndexedDB runs
// those one at a time), held while it is renewed, and free once it expires.
function takeLease() {
  return transact([META], "readwrite", function (store) {
    return req(store.get(LEASE)).then(function (lease) {
      const now = Date.now();
      if (lease && lease.owner !== tabId && lease.until > now) return false;
      return req(store.put({ name: LEASE, owner: tabId, until: now + LEASE_MS }))
        .then(function () { return true; });
    });
  });
}

if (!(navigator.locks && navigator.locks.request)) {
  window.addEventListener("pagehide", function () { releaseLease().catch(function () {}); });
}

// Wait for the lease like a lock request waits: the tab holding it may finish any moment.
function waitForLease(deadline) {
  return takeLease().then(function (taken) {
    if (taken || Date.now() > deadline) return taken;
    return new Promise(function (resolve) { window.setTimeout(resolve, LEASE_POLL_MS); })
      .then(function () { return waitForLease(deadline); });
  });
}

function releaseLease() {
  return transact([META], "readwrite", function (store) {
    return req(store.get(LEASE)).then(function (lease) {
      if (lease && lease.owner === tabId) return req(store.delete(LEASE));
      return null;
    });
  });
}

function replay() {
  if (running) return running;
  const summary = { sent: 0, attention: 0, remaining: 0 };
  running = withReplayLock(function () {
    return checkSession().then(function (session) {
      if (typeof session === "string") return notify();
      return replayNext(summary).then(forgetResolvedElsewhere);
    });
  }).catch(function (error) {
    if (window.console) console.warn("scan outbox: replay stopped", error);
  }).then(function () {
    running = null;
    return notify();
  }).then(function (detail) {
    summary.remaining = detail ? detail.pending : 0;
    return summary;
  });
  return running;
}

function replayNext(summary) {
  return firstWaiting().then(function (item) {
    if (!item) return null;
    return attempt(item, true).then(function (result) {
      if (result.outcome === "sent") {
        return markSent(item).then(function () {
          summary.sent += 1;
          emit("scan-outbox:sent", { item: item, response: result.response });
          return notify();
        }).then(function () { return replayNext(summary); });
      }
      if (result.outcome === "problem") {
        return moveToAttention(item, result).then(function (entry) {
          summary.attention += 1;
          emit("scan-outbox:problem", { item: item, problem: entry.problem });
          return notify();
        }).then(function () { return replayNext(summary); });
      }
      if (result.outcome === "signedOut") state.signedOut = true;
      // Keep the order: later scans wait behind this one.
      return markAttempted(item, result);
    });
  });
}

// A manager may resolve a scan on the conflicts page, or the user on another tablet:
// entries the server no longer lists as unresolved leave this list too.
function forgetResolvedElsewhere() {
  return allItems(ATTENTION).then(function (entries) {
    const known = entries.filter(function (entry) {
      return entry.conflictId != null && belongsToCurrentUser(entry);
    });
    if (!known.length) return null;
    return timedFetch(config.conflictsUrl, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (list) {
        if (!Array.isArray(list)) return null;
        const open = new Set(list.filter(function (conflict) {
          return !conflict.resolved_at;
        }).map(function (conflict) { return String(conflict.id); }));
        const gone = known.filter(function (entry) {
          return !open.has(String(entry.conflictId));
        });
        if (!gone.length) return null;
        return transact([ATTENTION], "readwrite", function (store) {
          return Promise.all(gone.map(function (entry) { return req(store.delete(entry.key)); }));
        }).then(function () { return notify(); });
      }, function () { return null; });
  });
}

// --- The page's door.

function send(op) {
  const body = Object.assign({}, op.body || {});
  if (!body.scanned_at) body.scanned_at = isoWithOffset(op.scannedAt || new Date());
  const item = {
    key: randomKey(),
    userId: config.userId,
    method: (op.method || "POST").toUpperCase(),
    path: op.path,
    body: body,
    label: op.label || "",
    queuedAt: Date.now(),
    attempts: 0,
  };
  function queue(reason) {
    return enqueue(item).then(function () {
      notify();
      return { status: "queued", reason: reason, key: item.key };
    }, function () {
      // Private browsing or a full disk: say so rather than pretend the scan is kept.
      return { status: "failed", key: item.key, httpStatus: 0, problem: {
        type: "/problems/outbox-unavailable", status: 0,
        detail: word("storageOff", "This device cannot keep scans while offline: its " +
                     "storage is turned off or full. Scan again when the network is back."),
      } };
    });
  }
  if (!navigator.onLine) return queue("offline");
  return counts().then(function (now) {
    if (now.pending > 0) {
      // Older scans still wait: this one goes behind them, and they all go now.
      return queue("behind").then(function (answer) { replay(); return answer; });
    }
    return attempt(item, false).then(function (result) {
      if (result.outcome === "sent") {
        return { status: "sent", response: result.response, httpStatus: result.httpStatus,
                 key: item.key };
      }
      if (result.outcome === "problem") {
        return { status: "failed", problem: result.problem, httpStatus: result.httpStatus,
                 key: item.key };
      }
      if (result.outcome === "signedOut") state.signedOut = true;
      const reason = { network: "network", retry: result.httpStatus === 409 ? "busy" : "server",
                       signedOut: "signed-out" }[result.outcome];
      // Same key on replay: had the server recorded it after all, it answers the same.
      return queue(reason);
    });
  });
}

// --- Needs attention: retry or dismiss.

function attentionList() {
  return allItems(ATTENTION).then(function (entries) {
    return entries.filter(belongsToCurrentUser).sort(function (a, b) { return a.at - b.at; });
  }, function () { return []; });
}

function removeAttention(key) {
  return transact([ATTENTION], "readwrite", function (store) { return req(store.delete(key)); });
}

function updateAttention(entry) {
  return transact([ATTENTION], "readwrite", function (store) { return req(store.put(entry)); });
}

function postJson(url, body) {
  return checkSession().then(function (session) {
    if (session === "signedOut") return { outcome: "signedOut" };
    if (session === "network") return { outcome: "network" };
    return attempt({ key: randomKey(), method: "POST", path: url, body: body }, false);
  });
}

// Resolves with {outcome: "resolved"|"problem"|"network"|"signedOut", problem}.
function resolve(key, action) {
  return transact([ATTENTION], "readonly", function (store) { return req(store.get(key)); })
    .then(function (entry) {
      if (!entry) return { outcome: "resolved" };
      let request;
      if (entry.conflictId != null) {
        request = postJson(config.conflictsUrl + "/" + encodeURIComponent(entry.conflictId) +
          "/resolve", { action: action });
      } else if (action === "retry") {
        // The server kept no record of it: send it again as a new scan, made when it was.
        request = checkSession().then(function (session) {
          if (typeof session === "string") return { outcome: session };
          return attempt({ key: randomKey(), method: entry.method, path: entry.path,
                           body: entry.body }, true);
        });
      } else {
        request = Promise.resolve({ outcome: "sent" });
      }
      return request.then(function (result) {
        // A conflict someone has resolved already: the server says so (409), or it is gone.
        const done = result.outcome === "sent" ||
          (result.outcome === "problem" && entry.conflictId != null &&
           (result.httpStatus === 404 ||
            /\/conflict-already-resolved$/.test((result.problem || {}).type || "")));
        if (done) {
          return removeAttention(key).then(function () {
            notify();
            return { outcome: "resolved", response: result.response };
          });
        }
        if (result.outcome === "problem") {
          entry.problem = result.problem || entry.problem;
          if (result.problem && result.problem.conflict_id) {
            entry.conflictId = result.problem.conflict_id;
          }
          entry.at = entry.at || Date.now();
          return updateAttention(entry).then(function () {
            notify();
            return { outcome: "problem", problem: entry.problem };
          });
        }
        if (result.outcome === "signedOut") { state.signedOut = true; notify(); }
        return { outcome: result.outcome };
      });
    });
}

function configure(options) {
  Object.keys(options || {}).forEach(function (name) {
    if (options[name] !== undefined && options[name] !== null && options[name] !== "") {
      config[name] = options[name];
    }
  });
}

export const outbox = {
  send: send,
  replay: replay,
  pending: function () { return counts().then(function (c) { return c.pending; }); },
  counts: counts,
  attention: attentionList,
  resolve: resolve,
  configure: configure,
  refresh: notify,
  isSignedOut: function () { return state.signedOut; },
};
// On window too: for a look from the console of a tablet that misbehaves, and for the
// browser tests, which drive the outbox directly.
window.ScanOutbox = outbox;
