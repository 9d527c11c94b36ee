/* Erfassung: the save bar sticks to the bottom of the window. The page keeps that much room
   below a focused field, so Tab never moves into a field the bar covers; the bar grows with a
   save message, and so does the room. scroll-padding-bottom (access.css, from --zc-save-bar)
   serves anchors and browsers that honour it when moving the focus; Chromium does not when
   tabbing into a field that is partly in view, so a focused field the bar covers is scrolled
   up here as well. */
(function () {
  "use strict";
  var watched = null;
  var observer = new ResizeObserver(function (entries) {
    var height = entries[0].target.getBoundingClientRect().height;
    document.documentElement.style.setProperty("--zc-save-bar", Math.ceil(height) + "px");
  });
  new MutationObserver(function () {
    var bar = document.querySelector(".entry-actions");
    if (bar === watched) {
      return;
    }
    if (watched) {
      observer.unobserve(watched);
    }
    watched = bar;
    if (bar) {
      observer.observe(bar);
    } else {
      document.documentElement.style.removeProperty("--zc-save-bar");
    }
  }).observe(document.documentElement, { childList: true, subtree: true });

  function uncover(field) {
    var bar = watched;
    if (!bar || bar.contains(field) || !document.documentElement.contains(field)) {
      return;
    }
    var covered = field.getBoundingClientRect().bottom - bar.getBoundingClientRect().top;
    if (covered > 0) {
      /* at once: Bootstrap's smooth scrolling would leave the field covered for a moment */
      window.scrollBy({ top: covered + 12, behavior: "instant" });
    }
  }

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    uncover(field);
    requestAnimationFrame(function () {
      uncover(field); /* after the browser's own scrolling to the field */
    });
  });
})();
