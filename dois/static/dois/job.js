// Polls the job's JSON (GET /api/v1/jobs/<id>/) until it is done or failed, shows the
// state as it changes, then reloads the page once to show the result.
(function () {
  "use strict";
  var badge = document.getElementById("job-status");
  if (!badge) return;
  var url = badge.getAttribute("data-status-url");
  var delay = 500;
  function finished(status) { return status === "done" || status === "failed"; }
  if (finished(badge.getAttribute("data-status"))) return;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          var label = badge.getAttribute("data-label-" + data.status) || data.status;
          badge.textContent = label;
          badge.className = "badge job-" + data.status;
          var delayed = document.getElementById("job-delayed");
          if (delayed) delayed.hidden = !data.delayed;
          if (finished(data.status)) { window.location.reload(); return; }
        }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
