// Polls the job's JSON (GET /api/v1/jobs/<id>/) until it is done or failed and shows the
// state as it changes; then fetches this page once more and swaps in the result (the
// candidates beside their reference photos) without reloading. Falls back to a reload
// if that fetch fails.
(function () {
  "use strict";
  var badge = document.getElementById("job-status");
  if (!badge) return;
  var url = badge.getAttribute("data-status-url");
  var delay = 500;
  function finished(status) { return status === "done" || status === "failed"; }
  if (finished(badge.getAttribute("data-status"))) return;

  function swap(doc, id) {
    var fresh = doc.getElementById(id);
    var here = document.getElementById(id);
    if (!fresh || !here) return false;
    here.replaceWith(document.importNode(fresh, true));
    return true;
  }

  function showResult() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!swap(doc, "job-result")) { window.location.reload(); return; }
        swap(doc, "job-error");
      })
      .catch(function () { window.location.reload(); });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data) {
          var label = badge.getAttribute("data-label-" + data.status) || data.status;
          badge.textContent = label;
          badge.className = "badge job-" + data.status;
          badge.setAttribute("data-status", data.status);
          var delayed = document.getElementById("job-delayed");
          if (delayed) delayed.hidden = !data.delayed;
          if (finished(data.status)) { showResult(); return; }
        }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
