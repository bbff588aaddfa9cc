// Keeps the organizer's check-in screen current: new code and QR every step, live count.
(function () {
  "use strict";
  var root = document.getElementById("checkin-screen");
  if (!root) { return; }
  var code = document.getElementById("code");
  var count = document.getElementById("count");
  var qr = document.getElementById("qr");
  var seconds = document.getElementById("seconds");
  var left = parseInt(seconds.getAttribute("data-seconds"), 10) || 30;
  var step = null;
  var label = seconds.textContent.replace(/\d+/, "{s}");

  function refresh() {
    fetch(root.getAttribute("data-state-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        count.textContent = state.count;
        left = state.seconds_left;
        if (state.step !== step) {
          step = state.step;
          code.textContent = state.code;
          qr.src = root.getAttribute("data-qr-url") + "?s=" + state.step;
        }
      })
      .catch(function () { /* keep showing the last code; the next tick retries */ });
  }

  setInterval(function () {
    left -= 1;
    if (left <= 0) { refresh(); left = 30; }
    seconds.textContent = label.replace("{s}", left);
  }, 1000);
  setInterval(refresh, 5000);
  refresh();
})();
