{% autoescape off %}// The scanner app's service worker (version {{ version }}): keeps the app shell so the page opens on a flaky
// connection. It never caches the API: stamps, cards and vouchers always come from the server.
"use strict";
const CACHE = "stampcard-scanner-{{ version }}";
const SHELL = {{ shell_json }};
const SCOPE = {{ scope_json }};
const API = {{ api_json }};
const STATIC = {{ static_json }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("stampcard-scanner-") && name !== CACHE).map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

function isShell(url) {
  return SHELL.includes(url.pathname) || SHELL.includes(url.pathname + url.search);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(API)) return;  // live data only, straight from the network
  if (request.mode === "navigate" && url.pathname === SCOPE) {
    event.respondWith(networkFirst(request, SCOPE));
    return;
  }
  if (!isShell(url)) return;
  // The page and its catalog follow the browser's language, so the network answers first; the bundle and icons
  // change only with a new worker, so the cache answers first.
  if (url.pathname.startsWith(STATIC) || url.pathname.endsWith(".png")) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request)));
  } else {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(key, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(key, { ignoreVary: true });
    if (hit) return hit;
    throw error;
  }
}
{% endautoescape %}
