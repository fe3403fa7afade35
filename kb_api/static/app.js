// ViA Kennisbank: small progressive enhancements; every page works without this script.
(function () {
  "use strict";

  // Document page: bring the cited passage into view and give it focus, so screen readers start there.
  function focusCitedPassage() {
    var cited = document.querySelector(".passage.is-cited");
    if (!cited) { return; }
    cited.scrollIntoView({ block: "center" });
    cited.focus({ preventScroll: true });
  }

  // Search page: an empty query gets a clear message instead of a round trip.
  function guardEmptyQuery() {
    var forms = document.querySelectorAll("form.search-form");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        var q = form.querySelector("input[name=q]");
        if (q && !q.value.trim()) {
          event.preventDefault();
          var box = document.getElementById("leeg-bericht");
          if (!box) {
            box = document.createElement("div");
            box.id = "leeg-bericht";
            box.className = "alert alert-error";
            box.setAttribute("role", "alert");
            form.insertAdjacentElement("afterend", box);
          }
          box.textContent = "Vul een vraag of zoekterm in.";
          q.focus();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusCitedPassage();
    guardEmptyQuery();
  });
})();
