// Warehouse scan page, offline strip: the unsent-scan counter with "Send now", "sign in again
// to send N scans", the code cache's age and the scans that need attention. Also registers
// the service worker and asks the browser to keep the outbox's storage.
// Renders into templates/scan/_offline.html; the words come translated in #offline-messages.
import { codeCache } from "./codecache.js";
import { readData } from "./data.js";
import { outbox } from "./outbox.js";

const bar = document.getElementById("offline-bar");
const $ = function (id) { return document.getElementById(id); };
const lang = document.documentElement.lang || "en";
const messages = readData("offline-messages", {}); // else English
const pluralRules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;

function plural(forms, num) {
  const form = forms && (pluralRules ? pluralRules.select(num) === "one" : num === 1) ?
    forms[0] : forms && forms[1];
  return String(form || "%(num)d").replace("%(num)d", String(num));
}

function data(name) { return bar.getAttribute("data-" + name) || null; }

// --- Network state.

function showNetwork() {
  const online = navigator.onLine;
  bar.setAttribute("data-state", online ? "online" : "offline");
  $("offline-network").textContent = online ? messages.online || "Online"
                                            : messages.offline || "Offline";
}

// --- Counter, "Send now", "sign in again".

let shownAttention = null;

function showCounts(detail) {
  const pending = detail.pending || 0;
  // Another tab may have moved a scan to (or out of) needs attention.
  if (detail.attention !== shownAttention) showAttention();
  const count = $("offline-unsent-count");
  const text = $("offline-unsent-text");
  const unsent = $("offline-unsent");
  bar.setAttribute("data-pending", String(pending));
  if (pending === 0) {
    count.textContent = "";
    text.textContent = messages.allSent || "All scans sent";
    unsent.classList.remove("has-unsent");
  } else {
    // The number stands out inside the translated phrase: "<strong>3</strong> unsent scans".
    const phrase = plural(messages.unsent, pending).split(String(pending));
    count.textContent = String(pending);
    text.textContent = phrase.slice(1).join(String(pending)).trim();
    if (phrase[0].trim()) text.textContent = phrase[0].trim() + " · " + text.textContent;
    unsent.classList.add("has-unsent");
  }
  $("offline-send-now").hidden = pending === 0;
  const signIn = $("offline-signin");
  signIn.hidden = !(detail.signedOut && pending > 0);
  signIn.textContent = plural(messages.signIn, pending);
  const others = $("offline-others");
  others.hidden = !detail.others;
  others.textContent = detail.others ? plural(messages.others, detail.others) : "";
}

function sendNow() {
  const button = $("offline-send-now");
  button.disabled = true;
  const label = button.textContent;
  button.textContent = messages.sending || "Sending…";
  outbox.replay().then(showAttention).finally(function () {
    button.disabled = false;
    button.textContent = label;
  });
}

// --- Needs attention.

function formatTime(iso) {
  const date = new Date(iso);
  if (isNaN(date.getTime())) return "";
  return date.toLocaleString(lang, { weekday: "short", hour: "2-digit", minute: "2-digit",
                                     hourCycle: "h23" });
}

function showAttention() {
  return outbox.attention().then(function (entries) {
    const list = $("offline-attention-list");
    const template = $("offline-attention-item");
    list.replaceChildren();
    entries.forEach(function (entry) {
      const item = template.content.firstElementChild.cloneNode(true);
      item.setAttribute("data-key", entry.key);
      if (entry.conflictId != null) item.setAttribute("data-conflict-id", entry.conflictId);
      item.querySelector(".attention-label").textContent =
        entry.label || entry.method + " " + entry.path;
      item.querySelector(".attention-problem").textContent =
        (entry.problem && (entry.problem.detail || entry.problem.title)) ||
        messages.refused || "The server refused this scan.";
      const when = entry.body && entry.body.scanned_at;
      item.querySelector(".attention-when").textContent =
        when ? (messages.scannedAt || "Scanned %(time)s").replace("%(time)s", formatTime(when))
             : "";
      item.querySelector(".attention-retry").addEventListener("click", function () {
        resolve(item, entry.key, "retry");
      });
      item.querySelector(".attention-dismiss").addEventListener("click", function () {
        resolve(item, entry.key, "dismiss");
      });
      list.appendChild(item);
    });
    $("offline-attention").hidden = entries.length === 0;
    shownAttention = entries.length;
  });
}

function resolve(item, key, action) {
  const buttons = item.querySelectorAll("button");
  const result = item.querySelector(".attention-result");
  buttons.forEach(function (button) { button.disabled = true; });
  result.textContent = action === "retry" ? messages.retrying || "" : "";
  outbox.resolve(key, action).then(function (answer) {
    if (answer.outcome === "resolved") return showAttention();
    if (answer.outcome === "problem") {
      item.querySelector(".attention-problem").textContent =
        (answer.problem && answer.problem.detail) || messages.refused || "";
      result.textContent = "";
    } else if (answer.outcome === "signedOut") {
      result.textContent = messages.signInFirst || "";
    } else {
      result.textContent = messages.needsNetwork || "";
    }
    return null;
  }).finally(function () {
    buttons.forEach(function (button) { button.disabled = false; });
  });
}

// --- Code cache age.

function showCodesAge() {
  $("offline-codes-age").textContent = codeCache.ageText();
}

// --- Service worker and persistent storage.

function pageAssets() {
  const urls = [window.location.pathname];
  document.querySelectorAll('script[src], link[rel="stylesheet"], link[rel="manifest"], ' +
                            'link[rel="icon"], link[rel="apple-touch-icon"]')
    .forEach(function (element) { urls.push(element.src || element.href); });
  // Files the page loads only when needed (the camera's barcode reader): the scan page
  // names them in its settings.
  const settings = readData("scan-settings", {});
  Object.keys(settings).forEach(function (name) {
    const value = settings[name];
    if (typeof value === "string" && value.indexOf("/static/") === 0) urls.push(value);
  });
  // The modules the page's script imports, and whatever else it fetched from /static/.
  if (window.performance && performance.getEntriesByType) {
    performance.getEntriesByType("resource").forEach(function (entry) {
      if (/\/static\//.test(entry.name)) urls.push(entry.name);
    });
  }
  return urls.filter(function (url, i) { return url && urls.indexOf(url) === i; });
}

function registerWorker() {
  const url = data("sw-url");
  if (!url || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(url, { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    if (registration.active) {
      registration.active.postMessage({ type: "cache-urls", tag: "page", urls: pageAssets() });
    }
  }).catch(function (error) {
    if (window.console) console.warn("offline: no service worker", error);
  });
  navigator.serviceWorker.addEventListener("message", function (event) {
    // Everything this page needs is saved: it will open offline.
    if (event.data && event.data.type === "cached" && event.data.tag === "page") {
      bar.setAttribute("data-cached", "true");
    }
  });
}

function keepStorage() {
  if (navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (persisted) {
      return persisted || navigator.storage.persist();
    }).then(function (persisted) {
      bar.setAttribute("data-persisted", String(Boolean(persisted)));
    }).catch(function () { /* the browser decides */ });
  }
}

// --- Wiring.

/** Show the strip and keep it current. A page without the strip has no offline support. */
export function startOfflineStrip() {
  if (!bar) return;
  outbox.configure({
    sessionUrl: data("session-url"),
    conflictsUrl: data("conflicts-url"),
    userId: data("user-id"),
  });
  codeCache.configure({ codesUrl: data("codes-url"), messages: messages });
  bar.hidden = false;

  document.addEventListener("scan-outbox:change", function (event) { showCounts(event.detail); });
  document.addEventListener("scan-outbox:problem", showAttention);
  document.addEventListener("scan-codes:change", showCodesAge);
  $("offline-send-now").addEventListener("click", sendNow);
  window.addEventListener("online", function () {
    showNetwork();
    outbox.replay().then(showAttention);
  });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && navigator.onLine) outbox.replay();
  });
  window.setInterval(showCodesAge, 60000);

  showNetwork();
  showCodesAge();
  outbox.refresh();
  showAttention();
  registerWorker();
  keepStorage();
  if (data("site-id")) codeCache.setSite(data("site-id"));
  if (navigator.onLine) outbox.replay().then(showAttention);
  document.dispatchEvent(new CustomEvent("scan-offline:ready"));
}
