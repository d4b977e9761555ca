// Progress bar: poll the job's API until it finishes, then show the download link.
(function () {
  "use strict";
  document.querySelectorAll(".job[data-job-url]").forEach(function (box) {
    if (box.dataset.finished === "1") return;
    var bar = box.querySelector(".bar");
    var meter = box.querySelector(".progress");
    var badge = box.querySelector("[data-testid=job-status]");
    var pct = box.querySelector(".pct");
    function poll() {
      fetch(box.dataset.jobUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (job) {
          bar.style.width = job.progress + "%";
          meter.setAttribute("aria-valuenow", job.progress);
          pct.textContent = job.progress + "%";
          if (job.status === "succeeded" || job.status === "failed") {
            window.location.reload();  // the page shows the result, the file and any error
          } else {
            badge.dataset.status = job.status;
            setTimeout(poll, 1000);
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    setTimeout(poll, 500);
  });
})();
