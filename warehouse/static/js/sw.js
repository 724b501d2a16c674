// Warehouse service worker: the scan page opens and scans without a network.
// Served at /sw.js (scope "/") by warehouse/scan/offline.py, which writes the cache version
// below: it changes whenever a script, style sheet or icon changes, so the cache-first
// static files are never stale for long.
//   - the scan page: network first, the cached copy when the network fails;
//   - /static/ files: cache first (versioned by the cache name);
//   - everything else, API calls above all, goes to the network untouched: writes are
//     never cached (the page's outbox keeps unsent scans), reads are the page's business.
"use strict";

const VERSION = "__CACHE_VERSION__";
const CACHE = "warehouse-scan-" + VERSION;
const CACHE_PREFIX = "warehouse-scan-";
// Pages kept for offline use. Their query strings are ignored when offline.
const OFFLINE_PAGES = ["/scan"];
// Shown, in the language of whoever installed the worker, when a page was never saved.
const UNAVAILABLE_PAGE = "/scan/offline/unavailable";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        // Best effort: a signed-out install cannot fetch the page (it redirects).
        const urls = ["/manifest.webmanifest", UNAVAILABLE_PAGE].concat(OFFLINE_PAGES);
        return Promise.all(urls.map(function (url) {
          return cacheIfGood(cache, new Request(url, { credentials: "same-origin" }));
        }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys()
      .then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf(CACHE_PREFIX) === 0 && name !== CACHE;
        }).map(function (name) { return caches.delete(name); }));
      })
      .then(function () { return self.clients.claim(); })
  );
});

// The page sends the URLs of what it loaded (scripts, styles, icons) once the worker is
// active, since the first visit loaded them before the worker was there to see them.
self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type !== "cache-urls" || !Array.isArray(data.urls)) return;
  const work = caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.filter(isSameOrigin).map(function (url) {
      return cache.match(url).then(function (hit) {
        return hit || cacheIfGood(cache, new Request(url, { credentials: "same-origin" }));
      });
    }));
  }).then(function () {
    if (event.source) {
      event.source.postMessage({ type: "cached", tag: data.tag || null, version: VERSION });
    }
  });
  if (event.waitUntil) event.waitUntil(work);
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return; // writes: straight to the network, never cached
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && isOfflinePage(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

function isOfflinePage(pathname) {
  return OFFLINE_PAGES.indexOf(pathname.replace(/\/$/, "")) !== -1;
}

function isSameOrigin(url) {
  try { return new URL(url, self.location.href).origin === self.location.origin; }
  catch (error) { return false; }
}

// Only a real 200 for the URL asked is kept: never a redirect to the sign-in page.
function isKeepable(response) {
  return response && response.ok && response.status === 200 && !response.redirected &&
    response.type === "basic";
}

function cacheIfGood(cache, request) {
  return fetch(request).then(function (response) {
    if (isKeepable(response)) return cache.put(stripSearchIfPage(request), response.clone());
    return undefined;
  }).catch(function () { /* offline: the next visit tries again */ });
}

function stripSearchIfPage(request) {
  const url = new URL(request.url);
  if (isOfflinePage(url.pathname)) return url.origin + url.pathname.replace(/\/$/, "");
  return request;
}

function cacheFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).then(function (response) {
        if (isKeepable(response)) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

function networkFirst(request, pathname) {
  const key = self.location.origin + pathname.replace(/\/$/, "");
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (isKeepable(response)) cache.put(key, response.clone());
      return response;
    }).catch(function () {
      return cache.match(key).then(function (hit) {
        return hit || cache.match(UNAVAILABLE_PAGE).then(function (page) {
          return page || Response.error();
        });
      });
    });
  });
}
