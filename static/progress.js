// Progressive enhancement: update the progress of document generation without reloading.
// Without JavaScript the page offers a "Voortgang vernieuwen" link.
(function () {
  "use strict";
  var jobs = document.querySelectorAll(".job[data-progress-url]");
  if (!jobs.length) { return; }
  var url = jobs[0].getAttribute("data-progress-url");
  function poll() {
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.json();
    }).then(function (progress) {
      var running = false;
      jobs.forEach(function (job) {
        var state = progress[job.getAttribute("data-kind")];
        if (!state) { return; }
        job.querySelector("progress").value = state.done;
        job.querySelector("progress").max = state.total;
        job.querySelector(".job-status").textContent =
          state.status + ", " + state.done + " van " + state.total + " " +
          (job.getAttribute("data-unit") || "documenten");
        running = running || state.status === "bezig";
      });
      if (running) { window.setTimeout(poll, 1500); } else { window.location.reload(); }
    });
  }
  var anyRunning = Array.prototype.some.call(jobs, function (job) {
    return job.querySelector(".job-status").textContent.indexOf("bezig") === 0;
  });
  if (anyRunning) { window.setTimeout(poll, 1500); }
})();
