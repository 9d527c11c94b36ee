"""Accessibility in headless Chromium, part 2: the keyboard paths that keep their place and the
visible focus. Focus timing is measured, so `make test` runs this file alone, not beside another
test worker; axe and the layout checks are in test_a11y_axe_browser.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from app import ids
from tests.browser.a11y_helpers import TIMEOUT, Open, active, go
from tests.browser.helpers import LiveServer

pytestmark = pytest.mark.browser


# -- keyboard -----------------------------------------------------------------------------------


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard alone)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} nach {limit}× Tab nicht erreicht; Fokus: {active(page)}")


def wait_focus(page: Any, selector: str) -> None:
    page.wait_for_function(
        "s => document.activeElement && document.activeElement.matches(s)",
        arg=selector,
        timeout=TIMEOUT,
    )


FILTER_STEPS = [
    # (filter, the URL parameter it writes, the filter the next Tab reaches)
    ("period", "period=2017-Q2", "cluster"),
    ("cluster", "cluster=", "oe"),
    ("oe", "oe=", "leitsatz"),
    ("leitsatz", "leitsatz=", "light"),
    ("light", "light=", None),
]


def test_a11y003_filters_keep_the_focus_and_wait_for_enter(
    as_role: Open, live_server: LiveServer
) -> None:
    v = as_role("demo-leitung", "laptop")
    page = go(v, live_server.url + "/?plan=2017&period=2017-Q3")
    tab_to(page, "select.filter-period")
    for name, written, following in FILTER_STEPS:
        select = f"select.filter-{name}"
        wait_focus(page, select)
        before = page.url
        # An arrow key on the closed filter shows the next choice but does not apply it ...
        page.keyboard.press("ArrowUp" if name == "period" else "ArrowDown")
        page.wait_for_timeout(600)
        assert page.url == before, f"{name}: Pfeiltaste hat schon angewendet"
        assert page.locator(select).input_value() != ""
        # ... Enter does. Dash draws the page anew (a new element), and the focus goes back to
        # the same filter.
        page.evaluate("document.activeElement.__drawnBefore = true")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url, w=written, b=before: w in url and url != b, timeout=TIMEOUT)
        page.wait_for_function(
            "s => document.activeElement.matches(s) && !document.activeElement.__drawnBefore",
            arg=select,
            timeout=TIMEOUT,
        )
        page.wait_for_timeout(300)  # and it is still there once the page has settled
        assert page.evaluate("s => document.activeElement.matches(s)", select), active(page)
        if following:
            page.keyboard.press("Tab")
            assert page.evaluate(
                "s => document.activeElement.matches(s)", "select.filter-" + following
            ), f"nach {name}: {active(page)}"
    v.shoot("fokus_filter")
    # Esc takes an arrow-key choice back; Tab away from a changed filter applies it.
    page.keyboard.press("Shift+Tab")
    wait_focus(page, "select.filter-leitsatz")
    shown, before = page.locator("select.filter-leitsatz").input_value(), page.url
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    page.wait_for_timeout(400)
    assert page.locator("select.filter-leitsatz").input_value() == shown and page.url == before
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.wait_for_url(lambda url: url != before, timeout=TIMEOUT)
    wait_focus(page, "select.filter-light")


def test_a11y004_a_followed_link_and_the_navigation_move_focus_to_the_heading(
    as_role: Open, live_server: LiveServer
) -> None:
    v = as_role("demo-leitung", "laptop")
    page = go(v, live_server.url + "/?plan=2017&period=2017-Q2")
    link = page.locator(
        f"#{ids.OVERVIEW_SCORECARD} a.measure-link, #{ids.OVERVIEW_SCORECARD} td a, "
        f"#{ids.OVERVIEW_SCORECARD} th.measure-cell a"
    ).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/massnahme/"), timeout=TIMEOUT)
    page.wait_for_selector(f"#{ids.MEASURE}", timeout=TIMEOUT)
    wait_focus(page, "#_pages_content h1")
    heading = page.locator("h1").inner_text()
    assert active(page)["text"] == heading
    # The next Tab goes on inside the page, not back to the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#_pages_content') !== null"), active(page)
    # A link of the navigation (which stays) also hands the focus to the new page's heading.
    page.locator(f"#{ids.NAV_QUARTERS}").focus()
    v.shoot("fokus_navigation")
    ring = page.evaluate(
        """() => { const s = getComputedStyle(document.activeElement);
                   return [s.outlineStyle, s.outlineColor, s.outlineWidth]; }"""
    )
    assert ring[0] == "solid" and ring[1] == "rgb(255, 255, 255)", ring  # 14:1 on #1f2d3a
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/quartale"), timeout=TIMEOUT)
    wait_focus(page, "#_pages_content h1")
    assert active(page)["text"] == "Quartalsvergleich"


def test_a11y005_committee_mode_keeps_focus_on_the_slides(
    as_role: Open, live_server: LiveServer
) -> None:
    v = as_role("demo-leitung", "beamer")
    page = go(v, live_server.url + "/praesentation?folie=11")
    # Tab visits only what is visible: nothing of the navigation under the slide layer.
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const a = document.activeElement; const r = a.getBoundingClientRect();
                  const x = r.left + r.width / 2, y = r.top + r.height / 2;
                  const top = document.elementFromPoint(x, y);
                  return { id: a.id, text: a.innerText.trim().slice(0, 30),
                           header: !!a.closest('.app-header'),
                           visible: r.width > 0 && (top === a || a.contains(top) || a.classList.contains('skip-link')) }; }"""
            )
        )
    assert not [s for s in seen if s["header"] or not s["visible"]], seen
    # The slide buttons keep the focus across slides: by Enter and by the arrow keys.
    page.locator(f"#{ids.PRESENTATION_NEXT}").focus()
    v.shoot("fokus_folie")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"folie=12$"), timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('.slide-position').textContent.startsWith('Folie 12 ')"
    )
    wait_focus(page, f"#{ids.PRESENTATION_NEXT}")
    # On the last slide "Weiter" is gone: the focus goes to the slide's heading.
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"folie=13$"), timeout=TIMEOUT)
    wait_focus(page, "h1.slide-title")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.slide-controls, .slide') !== null"), (
        active(page)
    )
    # Back by key: the focus goes back to the heading of the new slide, not the page body.
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"folie=12$"), timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('.slide-position').textContent.startsWith('Folie 12 ')"
    )
    # The new slide is drawn; the focus moves after the next paint: wait for it (a fixed pause
    # failed beside another test worker), and fail if it stays on the page body.
    wait_focus(page, ".slide-controls *, .slide *")
    assert active(page)["tag"] != "BODY"


def test_a11y006_save_bar_never_covers_the_focused_field(
    as_role: Open, live_server: LiveServer
) -> None:
    v = as_role("demo-controlling", "beamer")
    page = go(v, live_server.url + "/erfassung?plan=2017&period=2017-Q3&oe=REGE")
    page.locator(f"#{ids.ENTRY} .filter-bar select").last.focus()
    covered = []
    fields = 0
    for _ in range(120):
        page.keyboard.press("Tab")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
        state = page.evaluate(
            """() => { const a = document.activeElement;
              if (!a.closest('.entry-form, form, .entry-section, section') || a.closest('.entry-actions')) return null;
              const r = a.getBoundingClientRect();
              const bar = document.querySelector('.entry-actions').getBoundingClientRect();
              return { id: a.id, bottom: r.bottom, barTop: bar.top }; }"""
        )
        if page.evaluate(f"document.activeElement.id === '{ids.ENTRY_SAVE}'"):
            break
        if state is None:
            continue
        fields += 1
        if state["bottom"] > state["barTop"] + 0.5:
            covered.append(state)
    assert fields > 40, fields
    assert not covered, f"vom Speicherbalken verdeckt: {covered[:5]}"
