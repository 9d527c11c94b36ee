/* Ausschussmodus: arrow keys and a presenter's clicker (it sends PageUp/PageDown) move the
   slides by following the slide links, so the address, the back button and a reload agree. */
(function () {
  "use strict";
  var KEYS = {
    ArrowRight: "praesentation-next",
    ArrowDown: "praesentation-next",
    PageDown: "praesentation-next",
    " ": "praesentation-next",
    ArrowLeft: "praesentation-prev",
    ArrowUp: "praesentation-prev",
    PageUp: "praesentation-prev",
    Escape: "praesentation-exit"
  };

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  }

  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("praesentation")) {
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      return;
    }
    if (event.key === "f" || event.key === "F") {
      event.preventDefault();
      toggleFullscreen();
      return;
    }
    if (event.key === "Escape" && document.fullscreenElement) {
      return; /* the browser leaves full screen first */
    }
    var id = KEYS[event.key];
    if (!id) {
      return;
    }
    var link = document.getElementById(id);
    if (link) {
      event.preventDefault();
      link.click();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("#praesentation-fullscreen");
    if (button) {
      toggleFullscreen();
    }
  });
})();
