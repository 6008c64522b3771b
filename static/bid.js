// Progressive enhancement for the bid form: a live word count next to plan texts.
// The server enforces the limit; this only tells the provider while typing.
(function () {
  "use strict";
  document.querySelectorAll("textarea.word-counted").forEach(function (area) {
    var counter = document.getElementById(area.id + "-count");
    if (!counter) { return; }
    var shown = counter.querySelector(".word-count");
    var max = parseInt(counter.getAttribute("data-max-words"), 10);
    function update() {
      var words = area.value.trim() === "" ? 0 : area.value.trim().split(/\s+/).length;
      shown.textContent = String(words);
      counter.classList.toggle("over-limit", words > max);
    }
    area.addEventListener("input", update);
    update();
  });
  // Coverage matrix: the row/column buttons work without JavaScript (server side);
  // with it, they toggle the checkboxes in place without a round trip.
  document.querySelectorAll("table.coverage").forEach(function (table) {
    table.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=helper]");
      if (!button) { return; }
      var kind = button.value.split(":")[1].split("-");
      var boxes = table.querySelectorAll("input[type=checkbox]");
      var hit = Array.prototype.filter.call(boxes, function (box) {
        var ids = box.value.split("-");
        return (kind[0] === "rij" && ids[0] === kind[1]) || (kind[0] === "kolom" && ids[1] === kind[1]);
      });
      if (!hit.length) { return; }
      event.preventDefault();
      var all = hit.every(function (box) { return box.checked; });
      hit.forEach(function (box) { box.checked = !all; });
    });
  });
})();
