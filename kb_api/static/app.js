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
    // A link to the filters ("Filters en sortering" beside the results) opens them: it should not land on a
    // folded panel.
    document.querySelectorAll('a[href="#filters"]').forEach(function (link) {
      link.addEventListener("click", function () {
        if (panel) { panel.open = true; }
      });
    });
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

  // "Document toevoegen": send the chosen files with the API key (kept in sessionStorage for this browser
  // session) to POST /documents, then follow the job (GET /jobs/{id}) and show each file's progress.
  var KEY_STORE = "kb-api-sleutel";
  var FILE_STATUS = {
    queued: "wacht op verwerking",
    ingested: "toegevoegd",
    unchanged: "ongewijzigd (stond er al)",
    removed: "verwijderd",
    failed: "mislukt"
  };

  function fileRow(file) {
    var li = document.createElement("li");
    li.className = "upload-file is-" + file.status;
    var name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    var state = document.createElement("span");
    state.className = "file-status";
    var text = FILE_STATUS[file.status] || file.status;
    if (file.status === "ingested") { text += " (" + file.passages + " passages)"; }
    if (file.reason) { text += ": " + file.reason; }
    state.textContent = " — " + text;
    li.appendChild(name);
    li.appendChild(state);
    if (file.document_id && (file.status === "ingested" || file.status === "unchanged")) {
      var link = document.createElement("a");
      link.href = "/document/" + encodeURIComponent(file.document_id);
      link.textContent = "Document bekijken";
      link.className = "file-link";
      li.appendChild(document.createTextNode(" "));
      li.appendChild(link);
    }
    return li;
  }

  function showJob(section, job) {
    section.hidden = false;
    var list = section.querySelector(".upload-files");
    list.textContent = "";
    job.files.forEach(function (file) { list.appendChild(fileRow(file)); });
    var summary = job.files_done + " van " + job.files_total + " bestanden verwerkt, " +
      job.passages_written + " passages geschreven.";
    if (job.status === "queued") { summary = "In de wachtrij. " + summary; }
    if (job.status === "running") { summary = "Bezig met inlezen… " + summary; }
    if (job.status === "done") { summary = "Klaar. " + summary; }
    if (job.status === "failed") { summary = "Niet gelukt. " + summary; }
    section.querySelector(".job-summary").textContent = summary;
  }

  function followJob(section, url) {
    fetch(url, { headers: { "Accept": "application/json", "Accept-Language": "nl" } }).then(function (response) {
      return response.json();
    }).then(function (job) {
      showJob(section, job);
      if (job.status === "queued" || job.status === "running") {
        window.setTimeout(function () { followJob(section, url); }, 1000);
      }
    }, function () {
      window.setTimeout(function () { followJob(section, url); }, 2000);
    });
  }

  function setUpUpload() {
    var form = document.getElementById("upload-form");
    if (!form) { return; }
    var keyInput = document.getElementById("api-sleutel");
    var message = document.getElementById("upload-melding");
    var section = document.getElementById("upload-voortgang");
    var button = form.querySelector("button[type=submit]");
    var stored = window.sessionStorage.getItem(KEY_STORE);
    if (stored) { keyInput.value = stored; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      message.textContent = "";
      message.className = "";
      var key = keyInput.value.trim();
      window.sessionStorage.setItem(KEY_STORE, key);
      button.disabled = true;
      fetch("/documents", {
        method: "POST",
        // The page is Dutch: the service's messages too, whatever language the browser prefers.
        headers: { "Authorization": "Bearer " + key, "Accept": "application/json", "Accept-Language": "nl" },
        body: new FormData(form)
      }).then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      }).then(function (result) {
        button.disabled = false;
        if (result.status === 202) {
          showJob(section, result.body);
          followJob(section, result.body.url);
          form.querySelector("input[type=file]").value = "";
          return;
        }
        if (result.status === 401) { window.sessionStorage.removeItem(KEY_STORE); }
        message.className = "alert alert-error";
        message.textContent = result.body.message || "Het toevoegen is mislukt.";
      }, function () {
        button.disabled = false;
        message.className = "alert alert-error";
        message.textContent = "De dienst is niet bereikbaar. Probeer het later opnieuw.";
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusCitedPassage();
    guardEmptyQuery();
    foldFiltersOnNarrowScreens();
    setUpCopyButtons();
    setUpUpload();
  });
})();
