// Live what-if on the IID score page: the chosen levels go to the page's JSON endpoint, which
// scores them with lms/iid/scoring.py (the formula exists once, on the server); nothing is
// saved. Without JavaScript the form's button posts the same levels and the page comes back.
(function () {
  "use strict";
  var form = document.getElementById("what-if-form");
  var live = document.getElementById("what-if-live");
  if (!form || !live || !window.fetch || !window.JSON) return;
  var url = form.getAttribute("data-json-url");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var pending = null;

  function changes() {
    var list = [];
    form.querySelectorAll("select[data-code]").forEach(function (select) {
      var owner = select.getAttribute("data-innovation");
      list.push({
        innovation_id: owner ? parseInt(owner, 10) : null,
        code: select.getAttribute("data-code"),
        level: parseInt(select.value, 10)
      });
    });
    return list;
  }

  function show(name, text) {
    var el = live.querySelector("[data-whatif=" + name + "]");
    if (el) el.textContent = text;
  }

  function update() {
    var which = form.querySelector("select[name=which]");
    var body = JSON.stringify({ which: which ? which.value : "verified", changes: changes() });
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-CSRFToken": tokenInput ? tokenInput.value : ""
      },
      body: body,
      signal: pending ? pending.signal : undefined
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        show("index", Number(data.index).toFixed(2));
        show("predicate", data.predicate);
        show("total", String(data.total));
        live.hidden = false;
      })
      .catch(function () {
        // The button still posts the form: the server answers with the whole page.
      });
  }

  form.addEventListener("change", update);
})();
