/* The import's file field: dcc.Upload lays an invisible <input type=file> over its drop zone and
   gives it no name, so a screen reader announced only "Datei auswählen, Schaltfläche" without
   saying what for. It gets the drop zone's words as its name once it is drawn. */
(function () {
  "use strict";
  function label() {
    var inputs = document.querySelectorAll(".upload-zone input[type=file]:not([aria-label])");
    for (var i = 0; i < inputs.length; i++) {
      var zone = inputs[i].closest(".upload-zone");
      var words = zone ? zone.textContent.replace(/\s+/g, " ").trim() : "";
      inputs[i].setAttribute("aria-label", "Datei für den Import: " + words);
    }
  }
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
})();
