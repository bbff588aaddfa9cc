// A job's page (templates/jobs/detail.html): poll /jobs/<id>.json and move the progress bar;
// when the job has finished, load the page again (it then offers the download or says what
// went wrong). Without this script the page reloads itself (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box || !window.fetch || !window.JSON) { return; }
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector("[data-job-progress]");
  var percent = box.querySelector("[data-job-percent]");
  var message = box.querySelector("[data-job-message]");
  var delay = 1500;

  function show(status) {
    if (bar) { bar.value = status.progress; bar.textContent = status.progress + "%"; }
    if (percent) { percent.textContent = status.progress + "%"; }
    if (message && message.textContent !== status.message) { message.textContent = status.message; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) { window.location.reload(); return; }
        delay = 1500;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // Offline or the server busy: try again, less and less often.
        delay = Math.min(delay * 2, 30000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
