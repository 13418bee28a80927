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
    var etag = null;  // what the table shows: the server answers 304 while it is still true
    if (note) note.textContent = "Updates by itself every few seconds.";

    function stop(message) {
      if (timer) clearInterval(timer);
      timer = null;
      if (note) note.textContent = message;
    }

    function checked() {
      var time = live.querySelector(".updated time");
      var now = new Date();
      if (time) {
        time.setAttribute("datetime", now.toISOString());
        time.textContent = now.toLocaleString(undefined, { hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
        time.setAttribute("title", now.toISOString().replace(/\.\d+Z$/, "Z") + " (UTC)");
      }
      if (note) note.textContent = "Updates by itself every few seconds.";
      live.setAttribute("data-updated", String(Date.now()));
    }

    function refresh() {
      if (document.hidden) return;
      var headers = { "Accept": "text/html" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(url, { credentials: "same-origin", headers: headers, cache: "no-store" })
        .then(function (response) {
          if (response.redirected || (!response.ok && response.status !== 304) || response.headers.get("X-Dashboard-Fragment") !== "1") {
            stop("Live updates stopped (signed out?): reload the page.");
            return null;
          }
          if (response.status === 304) {  // nothing changed: keep the table, say when it was checked
            checked();
            return null;
          }
          etag = response.headers.get("ETag");
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          // Keep keyboard focus on the same link across the swap.
          var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.id : "";
          live.innerHTML = html;
          if (note) note.textContent = "Updates by itself every few seconds.";
          live.setAttribute("data-updated", String(Date.now()));
          if (focused) {
            var again = document.getElementById(focused);
            if (again) again.focus();
          }
        })
        .catch(function () {
          if (note) note.textContent = "Could not reach the server; retrying…";
        });
    }

    timer = setInterval(refresh, INTERVAL_MS);
    document.addEventListener("visibilitychange", function () { if (!document.hidden && timer) refresh(); });
  });
})();
