// The dashboard's rate-limit panel: fetch it every few seconds and swap it in, so a lockout shows
// up (and its Lift button) without a reload. Without JavaScript the panel shows its state when the
// page was loaded. No inline code anywhere (CSP: script-src 'self').
(function () {
  "use strict";
  var INTERVAL_MS = 5000;

  document.addEventListener("DOMContentLoaded", function () {
    var panel = document.getElementById("lockouts-live");
    if (!panel || !window.fetch) return;
    var url = panel.getAttribute("data-live-url");
    var timer = setInterval(refresh, INTERVAL_MS);

    function refresh() {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
        .then(function (response) {
          if (response.redirected || !response.ok || response.headers.get("X-Dashboard-Fragment") !== "1") {
            clearInterval(timer);  // signed out: the main dashboard script says so
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null || html === panel.innerHTML) return;
          var focused = document.activeElement && panel.contains(document.activeElement) ? document.activeElement.id : "";
          panel.innerHTML = html;
          if (focused) {
            var again = document.getElementById(focused);
            if (again) again.focus();
          }
        })
        .catch(function () { /* the main dashboard script reports a lost connection */ });
    }

    document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
  });
})();
