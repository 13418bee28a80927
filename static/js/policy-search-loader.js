// The permissions step's live policy search (policy-search.js) loads once the search is focused or
// touched (its data-script): who only ticks a job function never downloads it. While it loads, the
// search's own form waits (the live search, once there, searches for what was typed); should it fail
// to load, the form submits as usual. Without JavaScript the Search button submits that form.
document.addEventListener("DOMContentLoaded", function () {
  var part = document.querySelector(".policy-search[data-script]");
  if (!part || !window.fetch) return;
  var form = document.getElementById("policy-search-form");
  function wait(event) { event.preventDefault(); }
  function load() {
    part.removeEventListener("focusin", load);
    part.removeEventListener("pointerdown", load);
    if (form) form.addEventListener("submit", wait);
    var script = document.createElement("script");
    script.src = part.getAttribute("data-script");
    script.onload = script.onerror = function () { if (form) form.removeEventListener("submit", wait); };
    document.head.appendChild(script);
  }
  part.addEventListener("focusin", load);
  part.addEventListener("pointerdown", load);
});
