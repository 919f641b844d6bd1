// Live countdowns ("you can ask for a new OTP in 2:43"): the server renders the seconds left
// in [data-countdown]; this counts them down, and at zero shows the form's hidden button in
// place of the waiting text. htmx may swap the panel in at any time, so each tick looks again.
(function () {
  "use strict";
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el.dataset.until) {
        el.dataset.until = String(now + Number(el.dataset.countdown) * 1000);
      }
      var left = Math.max(0, Math.ceil((Number(el.dataset.until) - now) / 1000));
      el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      var form = el.closest("[data-countdown-form]");
      if (left === 0 && form) {
        var wait = form.querySelector("[data-countdown-wait]");
        if (wait) { wait.hidden = true; }
        form.querySelectorAll("button[hidden]").forEach(function (b) { b.hidden = false; });
      }
    });
  }
  setInterval(tick, 1000);
})();
