/* Filters by keyboard: a native select steps through its choices with the arrow keys while it is
   closed, and fires "change" on every step, so each step would reload the page. Here a step by
   key is only shown; Enter, or leaving the field (Tab), applies it and Esc takes it back. A choice
   made with the mouse, or in the opened list (Alt+↓ or Space, then Enter), applies at once.
   The select stays the same element after the page is drawn again (its id holds no value), so
   the focus stays on it and the next Tab goes on from there. */
(function () {
  "use strict";
  var STEP_KEYS = {
    ArrowDown: true, ArrowUp: true, ArrowLeft: true, ArrowRight: true,
    Home: true, End: true, PageUp: true, PageDown: true
  };
  var stepping = null; /* the select a key is changing right now */

  function isFilter(el) {
    return !!el && el.tagName === "SELECT" && el.classList.contains("filter-select");
  }

  function apply(select) {
    delete select.dataset.pending;
    delete select.dataset.shown;
    select.dataset.applying = "1";
    try {
      select.dispatchEvent(new Event("change", { bubbles: true }));
    } finally {
      delete select.dataset.applying;
    }
  }

  document.addEventListener("keydown", function (event) {
    var select = event.target;
    if (!isFilter(select)) {
      return;
    }
    if (STEP_KEYS[event.key] && !event.altKey) {
      if (!select.dataset.pending) {
        select.dataset.shown = select.value;
      }
      stepping = select;
      setTimeout(function () {
        if (stepping === select) {
          stepping = null;
        }
      }, 0);
    } else if (event.key === "Enter" && select.dataset.pending) {
      event.preventDefault();
      apply(select);
    } else if (event.key === "Escape" && select.dataset.pending) {
      event.preventDefault();
      select.value = select.dataset.shown;
      delete select.dataset.pending;
      delete select.dataset.shown;
    }
  }, true);

  /* Before React sees it (it listens below the window): a step by key is held back. */
  window.addEventListener("change", function (event) {
    var select = event.target;
    if (!isFilter(select) || select.dataset.applying) {
      return;
    }
    if (stepping === select) {
      event.stopImmediatePropagation();
      select.dataset.pending = "1";
    }
  }, true);

  document.addEventListener("focusout", function (event) {
    if (isFilter(event.target) && event.target.dataset.pending) {
      apply(event.target);
    }
  }, true);
})();
