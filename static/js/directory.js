/* Tika directory: tick everyone on the page, count what is ticked, and say when the table
 * has more columns than fit (the bulk actions and the table work without it). */
(function () {
  "use strict";

  function setUp() {
    var form = document.querySelector("[data-bulk-form]");
    if (form) {
      var all = form.querySelector("[data-select-page]");
      var boxes = Array.prototype.slice.call(form.querySelectorAll("[data-select-one]"));
      var counter = form.querySelector("[data-selected-count]");
      var update = function () {
        var ticked = boxes.filter(function (box) { return box.checked; }).length;
        if (counter) { counter.textContent = String(ticked); }
        if (all) {
          all.checked = ticked > 0 && ticked === boxes.length;
          all.indeterminate = ticked > 0 && ticked < boxes.length;
        }
      };
      if (all && boxes.length) {
        all.hidden = false;
        all.addEventListener("change", function () {
          boxes.forEach(function (box) { box.checked = all.checked; });
          update();
        });
      }
      boxes.forEach(function (box) { box.addEventListener("change", update); });
      update();
    }

    var wrap = document.querySelector("[data-scroll-wrap]");
    var hint = document.querySelector("[data-scroll-hint]");
    if (wrap && hint) {
      var check = function () {
        var more = wrap.scrollWidth - wrap.clientWidth - wrap.scrollLeft > 1;
        hint.hidden = !(wrap.scrollWidth > wrap.clientWidth + 1);
        wrap.classList.toggle("has-more", more);
      };
      wrap.addEventListener("scroll", check, { passive: true });
      window.addEventListener("resize", check);
      check();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
