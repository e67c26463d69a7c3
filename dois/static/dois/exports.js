// The exports page: while an export is queued or running, reload the page every few
// seconds so its download link appears (stops once none is pending).
(function () {
  "use strict";
  var runs = document.getElementById("export-runs");
  if (!runs || !runs.dataset.pending) return;
  window.setTimeout(function () { window.location.reload(); }, 3000);
})();
