// Keyboard shortcuts of the review page: 1-9 confirm a candidate, c another code,
// n new individual, u unusable, z undo, j skip. Keys typed into fields are left alone.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var key = event.key.toLowerCase();
    var field = document.querySelector('[data-focus-key="' + key + '"]');
    if (field) { event.preventDefault(); field.focus(); return; }
    var button = document.querySelector('[data-key="' + key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
})();
