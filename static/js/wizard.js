// Progressive enhancement only: every step works without this file.
// It reveals "Copy" buttons where the browser offers a clipboard.
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
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
