// Live feedback on a custom password against the account's rules. Only a help:
// the server checks again, and AWS (or the sandbox) has the final word.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("password-rules");
  var input = document.getElementById("id_custom_password");
  var nameInput = document.getElementById("id_user_name");
  if (!box || !input) return;
  var min = parseInt(box.getAttribute("data-min"), 10) || 8;
  var symbols = box.getAttribute("data-symbols") || "";
  function kinds(pw) {
    return {
      upper: /[A-Z]/.test(pw), lower: /[a-z]/.test(pw), digit: /[0-9]/.test(pw),
      symbol: pw.split("").some(function (c) { return symbols.indexOf(c) >= 0; })
    };
  }
  function check() {
    var pw = input.value, k = kinds(pw);
    var count = [k.upper, k.lower, k.digit, k.symbol].filter(Boolean).length;
    var name = nameInput ? nameInput.value.toLowerCase() : "";
    var met = {
      min: pw.length >= min, max: pw.length <= 128, upper: k.upper, lower: k.lower, digit: k.digit,
      symbol: k.symbol, three: count >= 3, notname: pw.length > 0 && pw.toLowerCase() !== name
    };
    box.querySelectorAll("li[data-rule]").forEach(function (li) {
      var rule = li.getAttribute("data-rule");
      if (!(rule in met)) return;
      li.classList.toggle("met", pw.length > 0 && met[rule]);
      li.classList.toggle("unmet", pw.length > 0 && !met[rule]);
    });
  }
  input.addEventListener("input", check);
  if (nameInput) nameInput.addEventListener("input", check);
});
