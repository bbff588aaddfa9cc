// Live word counts under text areas with a minimum: each [data-word-count] line counts the
// text areas named in its data-sources (one field, or all the parts of a section together),
// as the server does (lms/submissions/fields.py word_count). Without JavaScript the count
// shown is the one at page load; the server checks the minimum when the work is sent.
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}]+(?:[-'\u2019][\p{L}\p{N}]+)*/gu;
  var LINK_TARGET = /\]\([^)]*\)/g;
  var lang = document.documentElement.getAttribute("lang") || "id";

  function count(text) {
    var words = (text || "").replace(LINK_TARGET, "]").match(WORD);
    return words ? words.length : 0;
  }

  // Lines counting the same text areas are one group: counted once per keystroke.
  var groups = {};
  var lines = document.querySelectorAll("[data-word-count][data-sources]");
  Array.prototype.forEach.call(lines, function (line) {
    var key = line.getAttribute("data-sources");
    (groups[key] = groups[key] || []).push(line);
  });

  Object.keys(groups).forEach(function (key) {
    var areas = key.split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
    var outs = groups[key];
    var shown = null;

    function update() {
      var n = areas.reduce(function (sum, area) { return sum + count(area.value); }, 0);
      if (n === shown) { return; }
      shown = n;
      outs.forEach(function (out) {
        var template = out.getAttribute("data-template") || "{n}";
        var minimum = parseInt(out.getAttribute("data-min-words"), 10) || 0;
        out.textContent = template.replace("{n}", n.toLocaleString(lang));
        out.classList.toggle("enough", n >= minimum);
      });
    }

    areas.forEach(function (area) { area.addEventListener("input", update); });
    update();
  });
})();
