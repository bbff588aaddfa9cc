// What the offline pages share (checkin-app.js, mark-grid.js): the phone's queue in IndexedDB,
// the server's clock, a fresh CSRF token, and the service worker's registration.
(function () {
  "use strict";
  var DB_NAME = "kelas-inovasi-offline";
  var STORES = ["checkins", "marks", "rows"];
  var OFFSET_KEY = "lms-clock-offset";
  var opened = null;

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    if (opened) { return opened; }
    opened = new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        STORES.forEach(function (name) {
          if (!db.objectStoreNames.contains(name)) { db.createObjectStore(name, { keyPath: "key" }); }
        });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return opened;
  }

  function store(name, mode) {
    return open().then(function (db) { return db.transaction(name, mode).objectStore(name); });
  }

  var Offline = {
    put: function (name, value) { return store(name, "readwrite").then(function (s) { return request(s.put(value)); }); },
    get: function (name, key) { return store(name, "readonly").then(function (s) { return request(s.get(key)); }); },
    del: function (name, key) { return store(name, "readwrite").then(function (s) { return request(s.delete(key)); }); },
    all: function (name) { return store(name, "readonly").then(function (s) { return request(s.getAll()); }); },

    /** A new id for a queued item (a UUID). */
    uuid: function () {
      if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
      var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    },

    /** The server's time as best known: the phone's clock corrected by the last measured offset. */
    now: function () {
      var offset = parseInt(localStorage.getItem(OFFSET_KEY) || "0", 10) || 0;
      return Date.now() + offset;
    },

    /** Who is logged in, a fresh CSRF token and the server's clock; null when offline. */
    session: function (url) {
      var sent = Date.now();
      return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && body.now) {
            var server = Date.parse(body.now);
            if (!isNaN(server)) {
              localStorage.setItem(OFFSET_KEY, String(Math.round(server - (sent + Date.now()) / 2)));
            }
          }
          return body;
        })
        .catch(function () { return null; });
    },

    /** POST JSON with the session's CSRF token; resolves {status, body} or rejects offline. */
    post: function (url, data, csrf) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          // The answer's messages in the page's language (the API reads Accept-Language).
          "Accept-Language": document.documentElement.lang || "id",
          "X-CSRFToken": csrf || ""
        },
        body: JSON.stringify(data)
      }).then(function (r) {
        return r.text().then(function (text) {
          var body = null;
          try { body = JSON.parse(text); } catch (e) { body = null; }
          return { status: r.status, body: body };
        });
      });
    },

    /** Register the service worker for this page's scope (once per page load). ``keep``: this
     * page's path, copied for offline use now when no service worker answered it yet (the
     * first visit); afterwards the service worker keeps each fresh copy itself. */
    register: function (sw, scope, keep) {
      if (!("serviceWorker" in navigator) || !sw) { return; }
      navigator.serviceWorker.register(sw, { scope: scope }).catch(function () { /* online still works */ });
      if (keep && !navigator.serviceWorker.controller && window.caches) {
        caches.open("lms-pages").then(function (cache) { return cache.add(keep); }).catch(function () { /* offline */ });
      }
    },

    /** A string of the page's JSON block with {name} filled in. */
    format: function (text, values) {
      return String(text || "").replace(/\{(\w+)\}/g, function (m, name) {
        return values && values[name] !== undefined ? values[name] : m;
      });
    },

    /** "09.02.13" in the page's language and the phone's zone. */
    time: function (ms) {
      var lang = document.documentElement.lang || "id";
      try {
        return new Date(ms).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
      } catch (e) { return new Date(ms).toTimeString().slice(0, 8); }
    }
  };
  window.LMSOffline = Offline;
})();
