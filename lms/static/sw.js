// The service worker of the offline check-in app and the offline marking grid. Served by the
// route /sw.js (lms/attendance/views/offline.py), which puts its settings in self.LMS_SW first:
// the check-in path, the grid's path pattern, the logout path, the assets and a version made
// from the bytes of all of them (a changed file is a changed script: the browser installs it).
//
// - Assets (the stylesheet, the offline scripts, the icons): kept per version at install,
//   answered from the phone; the previous version's copy is deleted once the new one runs.
// - The check-in page and the grids: from the network first; each good answer is kept; when
//   the network fails or takes longer than the timeout, the kept copy answers. A scan
//   (/checkin/<meeting>-<code>) then gets the check-in page, whose script queues the scan.
// - Logging out drops the kept pages (they carry the person's name and class lists).
// Everything else goes to the network untouched.
/* global self, caches, clients */
"use strict";
var CFG = self.LMS_SW;
var ASSETS = "lms-assets-" + CFG.version;
var PAGES = "lms-pages";
var GRID = new RegExp(CFG.grid);
var assetPaths = {};
CFG.assets.forEach(function (path) { assetPaths[path] = true; });

function inCheckinScope() { return self.registration.scope.replace(/\/$/, "").endsWith(CFG.checkin); }

function keep(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSETS).then(function (cache) {
    return cache.addAll(CFG.assets);
  }).then(function () {
    if (!inCheckinScope()) { return null; }
    // The check-in page itself, so that it opens offline after one visit (when logged out
    // this is a redirect to the login page: not kept).
    return fetch(CFG.checkin, { credentials: "same-origin" }).then(function (response) {
      if (!keep(response)) { return null; }
      return caches.open(PAGES).then(function (cache) { return cache.put(CFG.checkin, response); });
    }).catch(function () { return null; });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("lms-assets-") === 0 && name !== ASSETS;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, CFG.timeout);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      resolve(response);
    }, function (error) {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function asset(request, path) {
  // Any kept version will do (another registration may have updated the caches already).
  return caches.match(path).then(function (hit) {
    if (hit) { return hit; }
    return fetch(request).then(function (response) {
      if (keep(response)) {
        var copy = response.clone();
        caches.open(ASSETS).then(function (cache) { return cache.put(path, copy); });
      }
      return response;
    });
  });
}

function trimGrids(cache) {
  return cache.keys().then(function (requests) {
    var grids = requests.filter(function (r) { return GRID.test(new URL(r.url).pathname); });
    var extra = grids.length - CFG.gridPages;
    return Promise.all(grids.slice(0, Math.max(0, extra)).map(function (r) { return cache.delete(r); }));
  });
}

function page(request, key, keepThis) {
  return fromNetwork(request).then(function (response) {
    if (keepThis && keep(response)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) {
        return cache.delete(key).then(function () { return cache.put(key, copy); }).then(function () {
          return trimGrids(cache);
        });
      });
    }
    return response;
  }).catch(function (error) {
    return caches.open(PAGES).then(function (cache) { return cache.match(key); }).then(function (hit) {
      if (hit) { return hit; }
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === CFG.logout) {
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") { return; }
  if (assetPaths[url.pathname]) {
    event.respondWith(asset(request, url.pathname));
    return;
  }
  if (request.mode !== "navigate") { return; }
  var path = url.pathname;
  if (path === CFG.checkin || path.indexOf(CFG.checkin + "/") === 0) {
    // Only the page of the form is kept; /checkin/<token> (a scan) answers with a result.
    event.respondWith(page(request, CFG.checkin, path === CFG.checkin));
  } else if (GRID.test(path)) {
    event.respondWith(page(request, path, true));
  }
});
