// The wait after a wrong MFA code counts down in place, so that "Try again in 30 seconds." read
// 40 seconds later is not a lie. Each <span class="countdown"> (iamwizard/wizard/steps/mfa.py,
// wait_countdown) carries the seconds left when the page was drawn (data-seconds), the sentences to
// show (data-words, a JSON list of [up_to, sentence], up_to ascending: a sentence holds while at most
// up_to seconds are left; countdown_words), and the sentence for the
// end (data-done), all in the page's language: this file has no words of its own. Without it the
// sentence stays as the server drew it, true when the page arrived.
// Screen readers are not told each second: the ticking words sit in aria-live="off" (inside an error
// summary's role=alert too), and only the end is announced, once, by a polite live region.
(function () {
  "use strict";
  var now = window.performance && performance.now ? function () { return performance.now(); } : function () { return Date.now(); };

  function start(element, announce) {
    var seconds = parseInt(element.getAttribute("data-seconds"), 10);
    var words, done = element.getAttribute("data-done");
    try { words = JSON.parse(element.getAttribute("data-words")); } catch (error) { return; }
    if (!(seconds > 0) || !done || !words || !words.length || words[words.length - 1][0] < seconds) return;
    var end = now() + seconds * 1000;
    var ticking = document.createElement("span");
    ticking.setAttribute("aria-live", "off");
    ticking.textContent = element.textContent;
    var over = null;
    element.textContent = "";
    element.appendChild(ticking);
    if (announce) {  // one live region for the page: the same end would otherwise be said twice (summary and field)
      over = document.createElement("span");
      over.setAttribute("aria-live", "polite");
      element.appendChild(over);
    }

    function tick() {
      var left = Math.ceil((end - now()) / 1000);
      if (left <= 0) {
        if (over) { element.removeChild(ticking); over.textContent = done; } else { ticking.textContent = done; }
        return;
      }
      var sentence = words[words.length - 1][1];
      for (var i = 0; i < words.length; i++) {
        if (words[i][0] >= left) { sentence = words[i][1]; break; }
      }
      if (ticking.textContent !== sentence) ticking.textContent = sentence;
      // Wake up when the next whole second of the wait has passed.
      setTimeout(tick, (end - now()) - (left - 1) * 1000);
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var countdowns = document.querySelectorAll("span.countdown[data-seconds]");
    for (var i = 0; i < countdowns.length; i++) start(countdowns[i], i === 0);
  });
})();
