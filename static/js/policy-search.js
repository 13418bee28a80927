// Live policy search: results while typing. Without JavaScript the Search button does the same.
// policy-search-loader.js loads this file once the search is focused or touched, so it may arrive after
// the page has loaded, and after the first letters were typed: it then searches for them at once.
(function start() {
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); return; }
  var input = document.getElementById("policy-search");
  var box = document.getElementById("policy-results");
  if (!input || !box || !window.fetch) return;
  var timer = null, seq = 0;
  function checkedValues() {
    var values = {};
    document.querySelectorAll('input[name="policies"]:checked').forEach(function (el) { values[el.value] = true; });
    return values;
  }
  function render(results, query) {
    var keep = checkedValues();
    var shown = {};
    document.querySelectorAll('input[name="policies"]').forEach(function (el) {
      if (!box.contains(el)) shown[el.value] = true;
    });
    var kept = [];
    box.querySelectorAll('input[name="policies"]:checked').forEach(function (el) {
      kept.push({ arn: el.value, name: el.parentNode.querySelector("label").textContent });
    });
    box.textContent = "";
    var note = document.createElement("p");
    note.className = "help";
    box.appendChild(note);
    var count = 0;
    kept.concat(results.map(function (r) { return { arn: r.arn, name: r.aws_managed ? r.name : iamText("customer-managed", { policy: r.name }) }; }))
      .forEach(function (r, i) {
        if (shown[r.arn]) return;
        shown[r.arn] = true;
        count += 1;
        var div = document.createElement("div");
        div.className = "choice";
        var cb = document.createElement("input");
        cb.type = "checkbox"; cb.name = "policies"; cb.value = r.arn; cb.id = "pol-live-" + i;
        cb.checked = !!keep[r.arn];
        var label = document.createElement("label");
        label.htmlFor = cb.id; label.textContent = r.name;
        div.appendChild(cb); div.appendChild(document.createTextNode(" ")); div.appendChild(label);
        box.appendChild(div);
      });
    note.textContent = query ? iamText("matching", { count: count, query: query }) : "";
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var query = input.value.trim();
      var mine = ++seq;
      if (!query) { render([], ""); return; }
      fetch(input.getAttribute("data-url") + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === seq) render(data.results || [], query); })
        .catch(function () {});
    }, 200);
  });
  input.form.addEventListener("submit", function (e) { e.preventDefault(); input.dispatchEvent(new Event("input")); });
  if (input.value !== input.defaultValue) input.dispatchEvent(new Event("input"));  // typed before this file arrived
})();
