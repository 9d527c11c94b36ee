/* Erfassung: the save bar sticks to the bottom of the window. The page keeps that much room
   below a focused field (scroll-padding-bottom in access.css reads --zc-save-bar), so Tab never
   moves into a field the bar covers; the bar grows with a save message, and so does the room. */
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
})();
