/* Where the keyboard focus goes after Dash has drawn a page again (its router answered, which
   sets the document title). Dash draws the whole page anew after every change of the address,
   a filter included, so the element that had the focus is replaced by a new one:
   - after a change of the same page (a filter, a slide), the element with the same id gets the
     focus back (the filters' and the slide buttons' ids are stable for this), so the next Tab
     goes on from there;
   - after moving to another page (from the navigation too), or where the element is gone (a
     followed link, the last slide's "Weiter"), the new page's main heading gets it: a screen reader reads it and the
     next Tab starts at the top of the content.
   The page load itself leaves the focus at the start of the document. */
(function () {
  "use strict";
  var lastPath = window.location.pathname;
  var first = true;
  var focused = null; /* the element that last had the focus */

  document.addEventListener("focusin", function (event) {
    focused = event.target;
  });

  function focusHeading() {
    var heading = document.querySelector("#_pages_content h1");
    if (!heading) {
      return;
    }
    if (!heading.hasAttribute("tabindex")) {
      heading.setAttribute("tabindex", "-1");
    }
    heading.focus();
  }

  function focusLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.documentElement.contains(active);
  }

  function pageDrawn() {
    var path = window.location.pathname;
    var moved = path !== lastPath;
    var before = focused;
    var id = before && before.id;
    lastPath = path;
    if (first) {
      first = false;
      return;
    }
    /* the title is set by a callback that runs beside React's update: wait for the paint */
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        if (moved) {
          focusHeading(); /* also from a link of the navigation, which stays */
          return;
        }
        if (!focusLost()) {
          return;
        }
        var again = id ? document.getElementById(id) : null;
        if (again && again !== before) {
          again.focus();
        } else {
          focusHeading();
        }
      });
    });
  }

  function watchTitle() {
    var title = document.querySelector("head > title");
    if (title) {
      new MutationObserver(pageDrawn).observe(title, {
        childList: true,
        characterData: true,
        subtree: true
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watchTitle);
  } else {
    watchTitle();
  }
})();
