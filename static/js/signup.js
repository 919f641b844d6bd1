/* Sign-up: suggest the subdomain from the organization's name as it is typed, and say when a
 * subdomain is taken, with a free one to use instead. The server spells and checks it
 * (GET data-suggest-url, JSON); without JavaScript the form works the same and the server's
 * error message names a free subdomain. */
(function () {
  "use strict";

  var form = document.getElementById("signup-form");
  if (!form || !window.fetch) return;
  var name = form.querySelector("[name=organization_name]");
  var field = form.querySelector("[name=subdomain]");
  var hint = document.getElementById("subdomain-hint");
  if (!name || !field || !hint) return;
  // The subdomain follows the name until the person types in it themselves.
  var edited = field.value !== "";
  var timer = null;
  var asked = 0;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key] || ""; });
  }

  function show(answer) {
    hint.textContent = "";
    if (!answer.subdomain && !answer.free) {
      if (name.value.trim()) hint.textContent = form.dataset.noneText;
      return;
    }
    if (!edited && answer.free) field.value = answer.free;
    var current = field.value.trim().toLowerCase();
    if (answer.free && current === answer.free) {
      hint.textContent = format(form.dataset.freeText, { subdomain: answer.free + form.dataset.domain });
      return;
    }
    if (answer.taken && answer.free) {
      hint.appendChild(document.createTextNode(
        format(form.dataset.takenText, { subdomain: answer.subdomain, free: answer.free }) + " "));
      var use = document.createElement("button");
      use.type = "button";
      use.className = "button button-small";
      use.textContent = format(form.dataset.useText, { free: answer.free });
      use.addEventListener("click", function () {
        field.value = answer.free;
        edited = true;
        show({ subdomain: answer.free, free: answer.free, taken: false });
        field.focus();
      });
      hint.appendChild(use);
    }
  }

  function ask(params) {
    var mine = ++asked;
    fetch(form.dataset.suggestUrl + "?" + new URLSearchParams(params), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && mine === asked) show(answer); })
      .catch(function () { /* the server checks again on submit */ });
  }

  function later(params) {
    clearTimeout(timer);
    timer = setTimeout(function () { ask(params); }, 250);
  }

  name.addEventListener("input", function () {
    if (!edited) later({ name: name.value });
  });
  field.addEventListener("input", function () {
    edited = field.value !== "";
    later(edited ? { subdomain: field.value } : { name: name.value });
  });
  if (name.value && !field.value) ask({ name: name.value });
})();
