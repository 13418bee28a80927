// Live dashboard: fetch the live part of the page every few seconds and swap it in.
// Progressive enhancement: without JavaScript the page shows its state when loaded,
// and refreshing it updates it. No inline code anywhere (CSP: script-src 'self').
(function () {
  "use strict";
  var INTERVAL_MS = 5000;

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    var note = document.getElementById("live-note");
    if (!live || !window.fetch) return;
    var url = live.getAttribute("data-live-url");
    var timer = null;
    if (note) note.textContent = iamText("live");

    function stop(message) {
      if (timer) clearInterval(timer);
      timer = null;
      if (note) note.textContent = message;
    }

    function refresh() {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
        .then(function (response) {
          if (response.redirected || !response.ok || response.headers.get("X-Dashboard-Fragment") !== "1") {
            stop(iamText("live-stopped"));
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          // Keep keyboard focus on the same link across the swap.
          var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id : "";
          live.innerHTML = html;
          if (note) note.textContent = iamText("live");
          live.setAttribute("data-updated", String(Date.now()));
          if (focused) {
            var again = document.getElementById(focused);
            if (again) again.focus();
          }
        })
        .catch(function () {
          if (note) note.textContent = iamText("retrying");
        });
    }

    timer = setInterval(refresh, INTERVAL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden && timer) refresh(); });
  });
})();
