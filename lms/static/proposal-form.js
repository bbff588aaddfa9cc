// The proposal's results field is "Hasil yang diharapkan" before implementation and "Hasil
// yang dicapai" at the implementation stage: the label follows the stage as it is chosen.
// Without JavaScript the server labels it from the saved stage (lms.profile.results_label).
(function () {
  "use strict";
  var stage = document.getElementById("tahapan");
  var label = document.querySelector('label[for="hasil"] [data-label-applied]');
  if (!stage || !label) { return; }

  function update() {
    var name = stage.value === "penerapan" ? "data-label-applied" : "data-label-before";
    label.textContent = label.getAttribute(name);
  }

  stage.addEventListener("change", update);
})();
