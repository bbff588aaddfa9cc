// Upload progress for forms marked data-upload-progress: the same POST the form would make,
// sent with XMLHttpRequest so a <progress> bar can show how much has gone. Without this
// script (or when no file is chosen) the form posts normally.
//
// The server answers a success with JSON {"location": url} (header X-Upload-Progress), so the
// flash message waits for that page; anything else (a form with errors, 413) is an HTML page
// that replaces this one, as a normal post would.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData) { return; }

  function chosenFiles(form) {
    var files = [];
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) {
      for (var j = 0; j < inputs[i].files.length; j++) { files.push([inputs[i], inputs[i].files[j]]); }
    }
    return files;
  }

  function megabytes(n) { return (n / 1048576).toFixed(1); }

  function showPage(html) {
    document.open();
    document.write(html);
    document.close();
    window.scrollTo(0, 0);
  }

  function enhance(form) {
    var box = form.querySelector(".upload-status");
    var bar = box && box.querySelector("progress");
    var text = box && box.querySelector("[aria-live]");
    if (!box || !bar || !text) { return; }
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var sending = false;

    function say(message) { box.hidden = false; text.textContent = message; }

    form.addEventListener("submit", function (event) {
      var files = chosenFiles(form);
      if (!files.length) { return; }  // nothing large to send: a normal post
      event.preventDefault();
      if (sending) { return; }
      var video = form.querySelector("input[type=file][accept='video/mp4']");
      if (maxBytes && video && video.files.length && video.files[0].size > maxBytes) {
        bar.hidden = true;
        say(form.getAttribute("data-too-large"));
        video.focus();
        return;
      }
      var data = new FormData(form);
      var submitter = event.submitter;
      if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
      var buttons = form.querySelectorAll("button[type=submit]");
      var xhr = new XMLHttpRequest();
      sending = true;
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
      bar.hidden = false;
      bar.value = 0;
      say(form.getAttribute("data-uploading"));

      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) { bar.removeAttribute("value"); return; }
        var percent = Math.floor((e.loaded / e.total) * 100);
        bar.value = percent;
        say(form.getAttribute("data-uploading") + " " + percent + "% (" +
            megabytes(e.loaded) + " / " + megabytes(e.total) + " MB)");
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");  // indeterminate while the server checks the file
        say(form.getAttribute("data-processing"));
      });

      function failed() {
        sending = false;
        for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = false; }
        bar.hidden = true;
        say(form.getAttribute("data-failed"));
      }

      xhr.addEventListener("load", function () {
        var type = xhr.getResponseHeader("Content-Type") || "";
        if (xhr.status === 200 && type.indexOf("application/json") === 0) {
          try {
            var location = JSON.parse(xhr.responseText).location;
            if (location) { window.location.assign(location); return; }
          } catch (err) { /* fall through to showing the answer */ }
        }
        if (type.indexOf("text/html") === 0 && xhr.responseText) {
          showPage(xhr.responseText);
          return;
        }
        failed();
      });
      xhr.addEventListener("error", failed);
      xhr.addEventListener("abort", failed);
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.setRequestHeader("X-Upload-Progress", "1");
      xhr.send(data);
    });
  }

  var forms = document.querySelectorAll("form[data-upload-progress]");
  for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
})();
