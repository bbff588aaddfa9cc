// The marking grid on a phone, offline too. Every change is kept in IndexedDB at once (a
// closed tab loses nothing); "Simpan" queues the changed rows and sends them to
// POST /api/v1/cohorts/<id>/meetings/<id>/marks, now or when the connection returns. A row
// someone else changed meanwhile comes back as a conflict, shown in its row with both values:
// keep mine (sent again over their version) or take theirs. Without JavaScript the form posts
// as it always did (409 with what was typed kept).
(function () {
  "use strict";
  var form = document.getElementById("mark-grid");
  var O = window.LMSOffline;
  var data = document.getElementById("mark-grid-strings");
  if (!form || !O || !window.fetch || !window.Promise || !data) { return; }
  var S = JSON.parse(data.textContent || "{}");
  var meeting = form.getAttribute("data-meeting");
  var me = form.getAttribute("data-user-id");
  var api = form.getAttribute("data-api");
  var sessionUrl = form.getAttribute("data-session");
  var statusLine = document.getElementById("grid-status");
  var rows = {};
  Array.prototype.forEach.call(form.querySelectorAll(".mark-row[data-user-id]"), function (li) {
    rows[li.getAttribute("data-user-id")] = li;
  });
  O.register(form.getAttribute("data-sw"), form.getAttribute("data-scope"), location.pathname);

  function key(uid) { return meeting + ":" + uid; }
  function field(uid, name) { return form.querySelector("[name='" + name + "-" + uid + "']"); }
  function label(status) { return status ? (S.statuses || {})[status] || status : S.unmarked; }

  function chosen(uid) {
    var checked = form.querySelector("input[name='status-" + uid + "']:checked");
    return checked ? checked.value : "";
  }
  function choose(uid, status) {
    Array.prototype.forEach.call(form.querySelectorAll("input[name='status-" + uid + "']"), function (input) {
      input.checked = input.value === status;
    });
  }
  function version(uid) {
    var v = parseInt(field(uid, "version").value, 10);
    return isNaN(v) ? null : v;
  }
  /** The row as the server holds it (what the organizer last saw). */
  function seen(uid) {
    return { version: version(uid), status: field(uid, "seen-status").value, note: field(uid, "seen-note").value };
  }
  function setSeen(uid, stored) {
    delete rows[uid].dataset.stored;
    field(uid, "version").value = stored.version === null || stored.version === undefined ? "" : String(stored.version);
    field(uid, "seen-status").value = stored.status || "";
    field(uid, "seen-note").value = stored.note || "";
  }
  function current(uid) { return { status: chosen(uid), note: field(uid, "note").value.trim() }; }
  function changed(uid) {
    var now = current(uid);
    var was = seen(uid);
    return !!now.status && (now.status !== was.status || now.note !== was.note);
  }

  function say(text) { statusLine.textContent = text || ""; }

  function rowMessage(uid, text, conflict) {
    var li = rows[uid];
    var box = li.querySelector(".row-sync");
    if (box) { box.parentNode.removeChild(box); }
    li.classList.toggle("row-error", !!text);
    if (!text) { return; }
    box = document.createElement("div");
    box.className = "row-sync";
    box.id = "row-" + uid + "-sync";
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = text;
    box.appendChild(p);
    if (conflict) {
      box.setAttribute("role", "group");
      box.setAttribute("aria-labelledby", "name-" + uid);
      [["keep", S.keep_mine, ""], ["take", S.take_theirs, "secondary"]].forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "small " + b[2];
        button.setAttribute("data-resolve", b[0]);
        button.setAttribute("data-user-id", uid);
        button.textContent = b[1];
        box.appendChild(button);
      });
    }
    li.appendChild(box);
  }

  /** The note toggle shows whether the row has a note. */
  function noteMark(uid) {
    var summary = rows[uid].querySelector("summary");
    if (summary) { summary.classList.toggle("has-note", !!field(uid, "note").value.trim()); }
  }

  function markPending(uid, pending) {
    var li = rows[uid];
    li.classList.toggle("row-pending", pending);
    var flag = li.querySelector(".row-flag");
    if (pending && !flag) {
      flag = document.createElement("span");
      flag.className = "row-flag";
      flag.textContent = S.pending_row;
      li.querySelector(".who").appendChild(flag);
    } else if (!pending && flag) {
      flag.parentNode.removeChild(flag);
    }
  }

  function showEntry(entry) {
    var uid = String(entry.user_id);
    if (!rows[uid]) { return; }
    markPending(uid, entry.state !== "draft");
    if (entry.state === "conflict" && entry.theirs) {
      var theirs = label(entry.theirs.status) + (entry.theirs.note ? " (" + entry.theirs.note + ")" : "");
      var mine = label(entry.status) + (entry.note ? " (" + entry.note + ")" : "");
      rowMessage(uid, O.format(S.conflict, { theirs: theirs, mine: mine }), true);
    } else if (entry.detail) {
      rowMessage(uid, O.format(S.refused, { detail: entry.detail }), false);
    } else {
      rowMessage(uid, "", false);
    }
  }

  function recount() {
    var counts = { unmarked: 0 };
    Object.keys(rows).forEach(function (uid) {
      var status = rows[uid].dataset.stored || field(uid, "seen-status").value || "unmarked";
      counts[status] = (counts[status] || 0) + 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-count]"), function (badge) {
      var name = badge.getAttribute("data-count");
      var text = name === "unmarked" ? S.unmarked_count : (S.statuses[name] + ": {n}");
      badge.textContent = O.format(text, { n: counts[name] || 0 });
    });
  }

  function entries() {
    return O.all("marks").then(function (items) {
      return items.filter(function (e) { return e.meeting === meeting && e.by === me; });
    });
  }

  function summary(items) {
    var conflicts = items.filter(function (e) { return e.state === "conflict"; }).length;
    var waiting = items.filter(function (e) { return e.state === "queued"; }).length;
    if (conflicts) { return O.format(S.conflicts, { n: conflicts }); }
    if (waiting) { return O.format(S.pending, { n: waiting }); }
    return "";
  }

  /** The server's newest values known on this phone win over an older copy of the page. */
  function remember(uid, stored) {
    return O.put("rows", { key: key(uid), version: stored.version, status: stored.status, note: stored.note });
  }
  function merge() {
    return O.all("rows").then(function (known) {
      var writes = [];
      known.forEach(function (k) {
        var parts = k.key.split(":");
        var uid = parts[2];
        if (parts[0] + ":" + parts[1] !== meeting || !rows[uid]) { return; }
        var page = seen(uid);
        if ((k.version || 0) > (page.version || 0)) {
          var untouched = current(uid).status === page.status && current(uid).note === page.note;
          setSeen(uid, k);
          if (untouched) { choose(uid, k.status); field(uid, "note").value = k.note || ""; noteMark(uid); }
        }
      });
      Object.keys(rows).forEach(function (uid) {
        var page = seen(uid);
        if (page.version !== null) { writes.push(remember(uid, page)); }
      });
      return Promise.all(writes);
    });
  }

  function restore() {
    return entries().then(function (items) {
      items.forEach(function (entry) {
        var uid = String(entry.user_id);
        if (!rows[uid]) { return; }
        choose(uid, entry.status);
        field(uid, "note").value = entry.note || "";
        noteMark(uid);
        showEntry(entry);
      });
      say(summary(items));
      return items;
    });
  }

  /** Keep the row's change (a draft until "Simpan"), or forget it when undone. */
  function keepDraft(uid) {
    var id = key(uid);
    return O.get("marks", id).then(function (entry) {
      if (!changed(uid)) {
        if (entry && entry.state !== "conflict") {
          markPending(uid, false);
          rowMessage(uid, "", false);
          return O.del("marks", id);
        }
        return null;
      }
      var now = current(uid);
      entry = entry || { key: id, meeting: meeting, user_id: parseInt(uid, 10), by: me };
      entry.status = now.status;
      entry.note = now.note;
      if (entry.state !== "conflict") {
        entry.state = "draft";
        entry.expected_version = version(uid);
        entry.detail = "";
      }
      entry.changed_ms = Date.now();
      return O.put("marks", entry).then(function () { showEntry(entry); });
    });
  }

  var busy = null;

  function apply(results, sent) {
    var byUser = {};
    sent.forEach(function (e) { byUser[String(e.user_id)] = e; });
    var saved = 0;
    var writes = results.map(function (r) {
      var uid = String(r.user_id);
      var entry = byUser[uid];
      if (!entry || !rows[uid]) { return null; }
      var stored = { version: r.version, status: r.status || "", note: r.note || "" };
      if (r.result === "saved" || r.result === "unchanged") {
        saved += 1;
        setSeen(uid, stored);
        markPending(uid, false);
        rowMessage(uid, "", false);
        return Promise.all([O.del("marks", entry.key), remember(uid, stored)]);
      }
      if (r.result === "conflict") {
        entry.state = "conflict";
        entry.theirs = stored;
        rows[uid].dataset.stored = stored.status || "unmarked";
      } else {
        entry.state = "draft";
        entry.detail = r.detail || "";
      }
      showEntry(entry);
      return O.put("marks", entry);
    });
    recount();
    return Promise.all(writes).then(function () { return saved; });
  }

  /** Send the queued rows of this meeting (harmless to call often). */
  function sync() {
    if (busy) { return busy; }
    busy = entries().then(function (items) {
      var queued = items.filter(function (e) { return e.state === "queued"; });
      if (!queued.length) { return null; }
      return O.session(sessionUrl).then(function (s) {
        if (!s) { say(S.offline); return null; }
        if (!s.authenticated) { say(S.login); return null; }
        if (String(s.user_id) !== me) { return null; }
        say(S.sending);
        var body = { marks: queued.map(function (e) {
          return { user_id: e.user_id, status: e.status, note: e.note || "", expected_version: e.expected_version };
        }) };
        return O.post(api, body, s.csrf_token).then(function (r) {
          if (r.body && r.body.results && (r.status < 300 || r.status === 409)) {
            return apply(r.body.results, queued).then(function (saved) {
              return entries().then(function (left) {
                say(summary(left) || (saved ? O.format(S.saved, { n: saved }) : S.all_sent));
              });
            });
          }
          if (r.status === 401) { say(S.login); return null; }
          if (r.status >= 500 || r.status === 429 || !r.body || r.body.code === "csrf") { say(S.error); return null; }
          // The whole batch was refused (a bad row): back to drafts, with the reason.
          say(O.format(S.refused, { detail: r.body.detail || r.body.title || "" }));
          return Promise.all(queued.map(function (e) { e.state = "draft"; showEntry(e); return O.put("marks", e); }));
        });
      });
    }).catch(function () {
      say(S.offline);
    }).then(function () {
      busy = null;
    });
    return busy;
  }

  form.addEventListener("change", function (event) {
    var li = event.target.closest && event.target.closest(".mark-row");
    if (li) {
      noteMark(li.getAttribute("data-user-id"));
      keepDraft(li.getAttribute("data-user-id"));
    }
  });

  form.addEventListener("click", function (event) {
    var target = event.target;
    if (target.id === "fill-present") {
      event.preventDefault();
      var filled = 0;
      Object.keys(rows).forEach(function (uid) {
        if (!chosen(uid)) { choose(uid, "present"); filled += 1; keepDraft(uid); }
      });
      say(O.format(S.filled, { n: filled }));
      return;
    }
    var resolve = target.getAttribute && target.getAttribute("data-resolve");
    if (!resolve) { return; }
    var uid = target.getAttribute("data-user-id");
    O.get("marks", key(uid)).then(function (entry) {
      if (!entry || !entry.theirs) { return null; }
      var theirs = entry.theirs;
      setSeen(uid, theirs);
      rowMessage(uid, "", false);
      if (resolve === "take") {
        choose(uid, theirs.status);
        field(uid, "note").value = theirs.note || "";
        noteMark(uid);
        markPending(uid, false);
        return Promise.all([O.del("marks", entry.key), remember(uid, theirs)]).then(function () {
          return entries().then(function (left) { say(summary(left)); });
        });
      }
      entry.state = "queued";
      entry.expected_version = theirs.version;
      delete entry.theirs;
      showEntry(entry);
      return O.put("marks", entry).then(sync);
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var ids = Object.keys(rows);
    var problem = false;
    Promise.all(ids.map(function (uid) {
      if (!chosen(uid) && field(uid, "note").value.trim()) {
        rowMessage(uid, S.needs_status, false);
        problem = true;
        return null;
      }
      return keepDraft(uid);
    })).then(entries).then(function (items) {
      var drafts = items.filter(function (e) { return e.state === "draft"; });
      if (!drafts.length && !items.some(function (e) { return e.state === "queued"; })) {
        say(problem ? S.check_rows : S.nothing);
        return null;
      }
      return Promise.all(drafts.map(function (e) {
        e.state = "queued";
        e.detail = "";
        showEntry(e);
        return O.put("marks", e);
      })).then(sync);
    }).catch(function () {
      // No IndexedDB here: post the form as without JavaScript.
      form.submit();
    });
  });

  var age = O.now() - (Date.parse(form.getAttribute("data-rendered-at")) || O.now());
  merge().then(restore).then(function (items) {
    if (age > 90000) {  // answered from the phone's copy (offline, or the network too slow)
      say(O.format(S.copy, { time: O.time(Date.parse(form.getAttribute("data-rendered-at"))) }) +
        (summary(items) ? " " + summary(items) : ""));
    }
    recount();
    return sync();
  }).catch(function () { /* IndexedDB unavailable: the form posts as without JavaScript */ });
  window.addEventListener("online", sync);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { sync(); } });
  setInterval(function () { if (navigator.onLine !== false) { sync(); } }, 30000);
})();
