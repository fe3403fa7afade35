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

  // Filters: on narrow screens they start folded (they come before the results), on wide screens open.
  function foldFiltersOnNarrowScreens() {
    var panel = document.querySelector(".filters-panel");
    if (panel && window.matchMedia && window.matchMedia("(max-width: 56rem)").matches) {
      panel.open = false;
    }
  }

  // "Kopieer bronvermelding": copy the citation as plain text; when the clipboard is not allowed, show the
  // text selected in a box so that Ctrl+C (or the context menu) copies it.
  function showStatus(status, message, isError) {
    if (!status) { return; }
    status.textContent = message;
    status.classList.toggle("is-error", !!isError);
  }

  function showFallback(button, text, status) {
    var box = button.parentNode.querySelector("textarea.copy-fallback");
    if (!box) {
      box = document.createElement("textarea");
      box.className = "copy-fallback";
      box.readOnly = true;
      box.setAttribute("aria-label", "Bronvermelding om te kopiëren");
      button.parentNode.appendChild(box);
    }
    box.value = text;
    box.focus();
    box.select();
    showStatus(status, "Kopiëren mag hier niet automatisch: de bronvermelding is geselecteerd, druk op Ctrl+C (Mac: Cmd+C).", true);
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll("button.copy-citation");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-citation") || "";
        var status = document.getElementById(button.getAttribute("aria-describedby"));
        if (!navigator.clipboard || !navigator.clipboard.writeText) {
          showFallback(button, text, status);
          return;
        }
        navigator.clipboard.writeText(text).then(function () {
          showStatus(status, "Bronvermelding gekopieerd.", false);
        }, function () {
          showFallback(button, text, status);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusCitedPassage();
    guardEmptyQuery();
    foldFiltersOnNarrowScreens();
    setUpCopyButtons();
  });
})();
