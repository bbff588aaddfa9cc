// Live rubric total: the same formula and rounding as lms/grading/scoring.py, so the number
// shown while marking is the number the server stores. What the work decided (a gate or level
// rendered checked or unchecked and disabled, data-decided) counts exactly as shown.
(function () {
  "use strict";
  var box = document.querySelector("[data-rubric]");
  var out = document.getElementById("rubric-total");
  if (!box || !out) return;
  var bands = JSON.parse(box.getAttribute("data-bands") || "[]");
  var passAttr = box.getAttribute("data-pass-mark");
  var passMark = passAttr === "" || passAttr === null ? null : parseFloat(passAttr);
  var decimal = box.getAttribute("data-decimal") || ",";

  function roundTotal(value) {
    return Math.floor(value * 10 + 0.5 + 1e-9) / 10;
  }

  function bandFor(total) {
    var best = null;
    bands.forEach(function (band) {
      var low = parseFloat(band.min || 0);
      if (total >= low && (best === null || low > best.low)) best = { low: low, label: band.label };
    });
    return best ? best.label : null;
  }

  function update() {
    var weighted = 0;
    var weights = 0;
    var missing = 0;
    box.querySelectorAll("fieldset[data-criterion]").forEach(function (set) {
      var weight = parseFloat(set.getAttribute("data-weight"));
      weights += weight;
      var chosen = set.querySelector("input[type=radio]:checked");
      if (!chosen) {
        missing += 1;
        return;
      }
      weighted += weight * parseFloat(chosen.value) / parseFloat(set.getAttribute("data-max"));
    });
    var gatesFailed = box.querySelectorAll("input[data-gate]:not(:checked)").length;
    if (missing || weights === 0) {
      // A gate the work failed (an over-long video) fails it before any level is chosen.
      var decidedFail = box.querySelectorAll("input[data-gate][data-decided]:not(:checked)").length;
      out.setAttribute("data-total", "");
      out.textContent = box.getAttribute("data-text-missing") +
        (decidedFail ? " · " + box.getAttribute("data-text-fail") : "");
      return;
    }
    var total = roundTotal(100 * weighted / weights);
    var parts = [total.toFixed(1).replace(".", decimal)];
    var band = bandFor(total);
    if (band) parts.push(band);
    var passed = !gatesFailed && (passMark === null || total >= passMark);
    parts.push(box.getAttribute(passed ? "data-text-pass" : "data-text-fail"));
    out.setAttribute("data-total", total.toFixed(1)); // as the server writes it: "90.0"
    out.textContent = parts.join(" · ");
  }

  box.addEventListener("change", update);
  update();
})();
