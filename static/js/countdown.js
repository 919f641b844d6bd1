// Live countdowns ("you can ask for a new OTP in 2:43"): the server renders the seconds left
// in [data-countdown]; this counts them down, and at zero shows the form's hidden button in
// place of the waiting text.
//
// htmx swaps the panel in every few seconds while the worker waits out CoWIN's rule. Each swap
// brings the server's figure again, late by the request's round trip; taken as it came, the
// countdown would jump back or stand still for a second or two each time. So a deadline is kept
// per countdown (data-countdown-key, one per page by default) and a new figure replaces it only
// when it really moved (the rule was applied again), and new content is counted at once.
(function () {
  "use strict";
  var SAME_DEADLINE_MS = 3000;
  var deadlines = {};

  function deadline(el, now) {
    var key = el.dataset.countdownKey || "";
    var fresh = now + Number(el.dataset.countdown) * 1000;
    var kept = deadlines[key];
    if (kept === undefined || Math.abs(fresh - kept) > SAME_DEADLINE_MS) {
      deadlines[key] = fresh;
    }
    return deadlines[key];
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      if (!el.dataset.until) {
        el.dataset.until = String(deadline(el, now));
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

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:load", tick);
  setInterval(tick, 1000);
})();
