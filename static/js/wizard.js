// Progressive enhancement only: every step works without this file.

// The words scripts write into a page, in the page's language: the page hands them over as data
// attributes of hidden elements (class "js-strings": base.html's for this file, one beside each other
// script; wizard/context_processors.py), since the CSP allows no inline script.
// iamText("ms", {ms: 12}) fills %(name)s placeholders.
window.iamText = function (key, values) {
  var box = document.querySelector(".js-strings[data-" + key + "]");
  var text = (box && box.getAttribute("data-" + key)) || key;
  return text.replace(/%\((\w+)\)s/g, function (all, name) { return values && name in values ? values[name] : all; });
};

// It reveals "Copy" buttons where the browser offers a clipboard.
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = iamText("copied");
        setTimeout(function () { button.textContent = iamText("copy"); }, 2000);
      });
    });
  });
});

// Errors (GOV.UK's error summary): the summary of a refused page takes focus, and each of its links
// moves focus to its field with the field's label or legend in view. Without this file the summary
// is still first in <main> and announced (role=alert), and its links still lead to the fields.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var input = target.matches("input, select, textarea, button, [tabindex]") ? target : target.querySelector("input, select, textarea, button");
    if (!input) return;
    event.preventDefault();
    var legend = input.closest("fieldset") && input.closest("fieldset").querySelector("legend");
    var label = legend || (input.id && document.querySelector("label[for='" + input.id + "']")) || input;
    label.scrollIntoView();
    input.focus({ preventScroll: true });
  });
});

// Live progress: while a submitted step (or a workshop cleanup) waits for AWS, the page (still shown until the answer
// arrives) lists each call as AWS answers it, from the step's progress JSON; a second click does
// not submit again. Without this file the form posts as usual and the answer shows every call.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("step-progress");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-url");
  var busy = false, shown = 0;
  window.addEventListener("pageshow", function (event) { if (event.persisted) busy = false; });
  document.querySelectorAll("form.step-form, form[data-progress]").forEach(function (form) {
    if (form.getAttribute("action")) return;  // posts elsewhere (start again)
    form.addEventListener("submit", function (event) {
      if (busy) { event.preventDefault(); return; }
      busy = true;
      form.setAttribute("aria-busy", "true");
      setTimeout(poll, 300);
    });
  });

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () {})
      .then(function () { if (busy) setTimeout(poll, 400); });
  }

  function show(data) {
    var inFlight = data.in_flight || [];
    if (!data.calls.length && !inFlight.length) return;
    if (box.hidden) {
      var heading = document.createElement("h2");
      heading.textContent = iamText("working");
      box.appendChild(heading);
      box.appendChild(document.createElement("ol"));
      box.hidden = false;
    }
    var list = box.querySelector("ol");
    for (; shown < data.calls.length; shown++) {
      var call = data.calls[shown], item = document.createElement("li"), name = document.createElement("code");
      name.textContent = call.call;
      item.appendChild(name);
      item.appendChild(document.createTextNode(" — " + (call.ok ? iamText("ok") : call.code) + (call.retried ? iamText("asked-again") : "") +
        (call.attempt > 1 ? iamText("attempt", { number: call.attempt }) : "") + " (" + iamText("ms", { ms: call.ms }) + ")"));
      list.appendChild(item);
    }
    var waiting = box.querySelector("p") || box.appendChild(document.createElement("p"));
    waiting.textContent = inFlight.length ? iamText("under-way", { calls: inFlight.join(", ") }) : iamText("waiting");
  }
});
