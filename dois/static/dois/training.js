// Polls each unfinished training run's JSON and shows its progress and log.
(function () {
  "use strict";
  var runs = document.querySelectorAll(".training-run");
  Array.prototype.forEach.call(runs, function (el) {
    var status = el.getAttribute("data-status");
    if (status === "done" || status === "failed") return;
    var url = el.getAttribute("data-run-url");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { window.setTimeout(poll, 5000); return; }
          el.querySelector("progress").value = data.progress;
          el.querySelector(".run-log").textContent = data.log;
          if (data.status === "done" || data.status === "failed") {
            window.location.reload();
            return;
          }
          window.setTimeout(poll, 2000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
