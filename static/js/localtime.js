// Times on trainer pages in the trainer's own time zone: each <time datetime="..." data-local="time|datetime">
// is rewritten from its ISO value by the browser; without JavaScript it stays in UTC, as written.
(function () {
  "use strict";
  function localize(root) {
    var times = (root || document).querySelectorAll("time[data-local]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      var options = { hour: "2-digit", minute: "2-digit", timeZoneName: "short" };
      if (times[i].getAttribute("data-local") === "datetime") { options.year = "numeric"; options.month = "short"; options.day = "numeric"; }
      times[i].textContent = when.toLocaleString(document.documentElement.lang || undefined, options);
      times[i].setAttribute("title", when.toISOString().replace(".000", "") + " (UTC)");
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    localize(document);
    // The dashboard swaps its live part in every few seconds: localize what arrives.
    var live = document.getElementById("live");
    if (live && window.MutationObserver) new MutationObserver(function () { localize(live); }).observe(live, { childList: true });
  });
})();
