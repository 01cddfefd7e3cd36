// Live progress of a sync run (server-sent events). Without it the page
// refreshes itself (noscript meta refresh); either way, the end message is
// rendered by the server, so this script only draws the bar and reloads.
(function () {
  var live = document.getElementById("run-live");
  if (!live || !window.EventSource) return;
  var bar = document.getElementById("run-progress");
  var phase = document.getElementById("run-phase");
  var status = document.getElementById("run-status");
  var source = new EventSource(live.dataset.events);
  function show(e) {
    var p = JSON.parse(e.data);
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    phase.textContent = p.phase + (p.total ? " · " + p.done + " / " + p.total : "");
    status.textContent = p.status === "queued" ? "Waiting to start…" : "Synchronizing…";
    return p;
  }
  source.addEventListener("progress", show);
  source.addEventListener("end", function (e) {
    source.close();
    show(e);
    status.textContent = "Finished";
    // Reload for the end message and the run's events.
    window.location.reload();
  });
  // On an error EventSource reconnects by itself; nothing to do here.
})();
