// Live word count under text areas that have a minimum (data-min-words); counts words as the
// server does (lms/submissions/fields.py word_count). Without JavaScript the count shown is
// the one at page load, and the server checks the minimum when the work is sent.
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}]+(?:[-'\u2019][\p{L}\p{N}]+)*/gu;
  var LINK_TARGET = /\]\([^)]*\)/g;
  var lang = document.documentElement.getAttribute("lang") || "id";

  function count(text) {
    var words = (text || "").replace(LINK_TARGET, "]").match(WORD);
    return words ? words.length : 0;
  }

  var areas = document.querySelectorAll("textarea[data-min-words][data-count-id]");
  Array.prototype.forEach.call(areas, function (area) {
    var out = document.getElementById(area.getAttribute("data-count-id"));
    if (!out) { return; }
    var template = out.getAttribute("data-template") || "{n}";
    var minimum = parseInt(area.getAttribute("data-min-words"), 10) || 0;
    var shown = null;

    function update() {
      var n = count(area.value);
      if (n === shown) { return; }
      shown = n;
      out.textContent = template.replace("{n}", n.toLocaleString(lang));
      out.classList.toggle("enough", n >= minimum);
    }

    area.addEventListener("input", update);
    update();
  });
})();
