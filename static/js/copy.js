// "Copy the codes": shown only where the clipboard can be written; copies the text of the
// list it names (one code a line) and says so on the button.
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.dataset.copy);
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = Array.prototype.map.call(source.querySelectorAll("li"), function (li) {
        return li.textContent.trim();
      }).join("\n");
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });
})();
