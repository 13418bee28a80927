// A workshop participant's page: the trainer's message appears without a reload, and the page
// reloads once the workshop has ended. Without JavaScript both show on the next page load.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.querySelector(".room-bar[data-room-url]");
    if (!bar || !window.fetch) return;
    var url = bar.getAttribute("data-room-url");
    var box = document.getElementById("room-broadcast");
    var text = box && box.querySelector(".broadcast-text");

    function refresh() {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (room) {
          if (!room) return;
          if (room.ended) { window.location.reload(); return; }
          if (text && text.textContent !== room.broadcast) {
            text.textContent = room.broadcast;  // text, never HTML
            box.hidden = !room.broadcast;
          }
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ });
    }

    setInterval(refresh, 1000 * (Number(bar.getAttribute("data-interval")) || 15));
    document.addEventListener("visibilitychange", refresh);
  });
})();
