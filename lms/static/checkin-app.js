// The check-in page as a small offline app. A typed code (or a QR scan the service worker
// answered from the phone's copy) is first kept in IndexedDB with the time it was made, then
// sent to POST /api/v1/checkins; what could not be sent waits for the connection (the
// "online" event, the next page load, a retry every 30 s). Without JavaScript the page posts
// the form as it always did.
(function () {
  "use strict";
  var root = document.getElementById("checkin-app");
  var O = window.LMSOffline;
  var data = document.getElementById("checkin-strings");
  if (!root || !O || !window.fetch || !window.Promise || !data) { return; }
  var S = JSON.parse(data.textContent || "{}");
  var me = root.getAttribute("data-user-id");
  var api = root.getAttribute("data-api");
  var sessionUrl = root.getAttribute("data-session");
  var base = root.getAttribute("data-scope");
  var list = document.getElementById("checkin-list");
  var note = document.getElementById("checkin-note");
  var form = document.getElementById("checkin-form");
  var KEEP_MS = 3 * 24 * 3600 * 1000;
  var SAME_MS = 2 * 60 * 1000;
  if (!me) { return; }
  O.register(root.getAttribute("data-sw"), base);

  function normalize(code) { return String(code || "").replace(/\s+/g, "").toUpperCase(); }

  function setNote(text, link) {
    note.textContent = text || "";
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      note.appendChild(document.createTextNode(" "));
      note.appendChild(a);
    }
    if (text) { root.hidden = false; }
  }

  function loginLink() { return { href: root.getAttribute("data-login"), text: S.login_link }; }

  function describe(e) {
    if (e.state === "done" && e.result) {
      var text = e.result.message || O.format(S.accepted, {
        status: (S.statuses || {})[e.result.status] || e.result.status,
        time: O.time(Date.parse(e.result.recorded_at) || e.claimed_ms)
      });
      return e.result.synced_late ? text + " (" + S.synced_late + ")" : text;
    }
    if (e.state === "refused") { return O.format(S.refused, { detail: e.detail || "" }); }
    return O.format(S.queued, { code: e.code, time: O.time(e.claimed_ms) });
  }

  function item(id, head, text, state) {
    var li = document.createElement("li");
    li.setAttribute("data-client-id", id);
    li.className = "checkin-item state-" + state;
    if (head) {
      var strong = document.createElement("strong");
      strong.textContent = head;
      li.appendChild(strong);
      li.appendChild(document.createElement("br"));
    }
    li.appendChild(document.createTextNode(text));
    return li;
  }

  /** The list in place: only what changed is touched (it is a live region). */
  function render() {
    return O.all("checkins").then(function (items) {
      var mine = items.filter(function (e) { return e.user_id === me; });
      mine.sort(function (a, b) { return b.claimed_ms - a.claimed_ms; });
      var others = items.filter(function (e) { return e.user_id !== me && e.state === "queued"; }).length;
      var wanted = mine.map(function (e) {
        return item(e.client_id, e.code + " · " + O.time(e.claimed_ms), describe(e), e.state);
      });
      if (others) { wanted.push(item("others", "", O.format(S.other_user, { n: others }), "queued")); }
      var present = {};
      Array.prototype.forEach.call(list.children, function (li) { present[li.getAttribute("data-client-id")] = li; });
      wanted.forEach(function (li, index) {
        var id = li.getAttribute("data-client-id");
        var old = present[id];
        delete present[id];
        if (old && old.textContent === li.textContent && old.className === li.className) { li = old; }
        else if (old) { list.replaceChild(li, old); }
        if (list.children[index] !== li) { list.insertBefore(li, list.children[index] || null); }
      });
      Object.keys(present).forEach(function (id) { list.removeChild(present[id]); });
      root.hidden = !(wanted.length || note.textContent);
    });
  }

  var busy = null;
  var STOP = {};

  function sendAll(todo, csrf) {
    var i = 0;
    function next() {
      if (i >= todo.length) { setNote(""); return null; }
      var e = todo[i++];
      var body = { code: e.code, meeting_id: e.meeting_id, claimed_at: e.claimed_at, client_id: e.client_id };
      return O.post(api, body, csrf).then(function (r) {
        var problem = r.body || {};
        if (r.status === 200 || r.status === 201) {
          e.state = "done";
          e.result = r.body || {};
        } else if (r.status === 401) {
          setNote(S.login, loginLink());
          throw STOP;
        } else if (r.status === 429 || r.status >= 500 || r.status === 404 || r.status === 405 ||
                   !r.body || problem.code === "csrf" || problem.code === "unauthenticated") {
          setNote(S.error);
          throw STOP;
        } else {
          e.state = "refused";
          e.detail = problem.detail || problem.title || "";
        }
        e.updated_ms = Date.now();
        return O.put("checkins", e).then(next);
      });
    }
    return Promise.resolve().then(next);
  }

  /** Send what this account queued; harmless to call often (the server answers a replay the same). */
  function sync() {
    if (busy) { return busy; }
    busy = O.all("checkins").then(function (items) {
      var todo = items.filter(function (e) { return e.state === "queued" && e.user_id === me; });
      todo.sort(function (a, b) { return a.claimed_ms - b.claimed_ms; });
      if (!todo.length) { return null; }
      return O.session(sessionUrl).then(function (s) {
        if (!s) { setNote(S.offline); return null; }
        if (!s.authenticated) { setNote(S.login, loginLink()); return null; }
        if (String(s.user_id) !== me) { return null; }
        setNote(S.sending);
        return sendAll(todo, s.csrf_token);
      });
    }).catch(function (err) {
      if (err !== STOP) { setNote(S.offline); }
    }).then(function () {
      busy = null;
      return render();
    });
    return busy;
  }

  /** Keep a check-in on the phone first, then try to send it. */
  function add(code, meetingId) {
    code = normalize(code);
    var now = O.now();
    return O.all("checkins").then(function (items) {
      var same = items.filter(function (e) {
        return e.user_id === me && e.code === code && e.meeting_id === meetingId &&
          Math.abs(now - e.claimed_ms) < SAME_MS;
      })[0];
      if (same) { return same; }
      var id = O.uuid();
      var entry = {
        key: id, client_id: id, user_id: me, code: code, meeting_id: meetingId,
        claimed_ms: now, claimed_at: new Date(now).toISOString(), state: "queued"
      };
      return O.put("checkins", entry).then(function () { return entry; });
    }).then(function () {
      return render().then(sync);
    });
  }

  function prune() {
    return O.all("checkins").then(function (items) {
      var old = items.filter(function (e) { return e.state !== "queued" && Date.now() - (e.updated_ms || e.claimed_ms) > KEEP_MS; });
      return Promise.all(old.map(function (e) { return O.del("checkins", e.key); }));
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[name=code]");
      var code = normalize(input.value);
      if (!code) { setNote(S.empty); input.focus(); return; }
      input.value = "";
      add(code, null).catch(function () {
        // No IndexedDB here (a private window of an old browser): post the form as without JS.
        input.value = code;
        form.submit();
      });
    });
  }

  var start = prune().catch(function () { return null; });
  // A scan opened while offline: the service worker answered /checkin/<meeting>-<code> with
  // this page. Queue it once (the address is replaced, so a reload does not scan again).
  if (root.getAttribute("data-page") === "form" && location.pathname.indexOf(base + "/") === 0) {
    var token = decodeURIComponent(location.pathname.slice(base.length + 1));
    history.replaceState(null, "", base);
    var match = /^(\d+)-([A-Za-z0-9]+)$/.exec(token);
    if (match) {
      start = start.then(function () { return add(match[2], parseInt(match[1], 10)); });
    } else if (token !== "pending") {
      setNote(S.bad_scan);
    }
  }
  start.then(render).then(sync).catch(function () { /* IndexedDB unavailable: the form still posts */ });
  window.addEventListener("online", sync);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { sync(); } });
  setInterval(function () { if (navigator.onLine !== false) { sync(); } }, 30000);
})();
