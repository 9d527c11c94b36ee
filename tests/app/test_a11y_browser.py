"""Accessibility in headless Chromium: axe-core (WCAG 2.0/2.1 A and AA) on every page for every
role at two sizes, the keyboard paths that keep their place, visible focus, nothing overflowing.

axe-core comes from the npm registry (`npm ci --prefix tests/js`, run by `make test`) and is
injected by the test; the app itself never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_helpers import describe, reviewed, run_axe
from dash_helpers import SIZES, LiveServer, Visit, browser_pages
from dash_helpers import go as open_page

from app import ids

pytestmark = pytest.mark.browser

TIMEOUT = 15_000
Open = Callable[..., Visit]

ROLES = ["demo-leitung", "demo-fb-510", "demo-fb-rege", "demo-controlling", "demo-admin"]
PAGES = [
    "/",
    "/cluster/2",
    "/massnahme/510-1",
    "/quartale",
    "/praesentation",
    "/praesentation?folie=2",
    "/erfassung",
    "/import",
    "/vollstaendigkeit",
    "/protokoll",
    "/benutzer",
    "/hilfe",
    "/bezirke",
    "/bezirke/Baumheide",
    "/gibt-es-nicht",
]
# A page is finished when its grid has rows and its charts are drawn (where it has them: a
# role without access gets a refusal instead); axe looks at the finished page.
DRAWN = """() => !!document.querySelector('.page, .message-page')
  && (!document.querySelector('.ag-root-wrapper') || !!document.querySelector('.ag-row'))
  && (!document.querySelector('.dash-graph') || !!document.querySelector('.js-plotly-plot .main-svg'))"""
ACTIVE = """() => {
  const a = document.activeElement;
  return a ? { tag: a.tagName, id: a.id, cls: String(a.className), text: (a.innerText || '').trim().slice(0, 80) } : null;
}"""


@pytest.fixture
def as_role(browser: Any, live_server: LiveServer) -> Iterator[Open]:
    """as_role("demo-admin", "beamer") -> a fresh page of that account (None: logged out)."""
    with browser_pages(browser, live_server, downloads=False) as open_page:
        yield open_page


def go(v: Visit, url: str) -> Any:
    page = open_page(v, url, TIMEOUT)
    page.wait_for_function(DRAWN, timeout=TIMEOUT)
    return page


def active(page: Any) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(ACTIVE)
    return found


# -- axe ---------------------------------------------------------------------------------------


def check_axe(page: Any, where: str) -> None:
    result = run_axe(page)
    assert not result["violations"], f"{where}: WCAG-Verstöße\n{describe(result['violations'])}"
    unexplained = reviewed(result["incomplete"])
    assert not unexplained, (
        f"{where}: axe bittet um Prüfung, und die README nennt keinen Grund\n"
        f"{describe(unexplained)}"
    )


@pytest.mark.parametrize("size", ["gross", "beamer"])
def test_a11y001_axe_logged_out(as_role: Open, live_server: LiveServer, size: str) -> None:
    v = as_role(None, size)
    page = v.page
    page.goto(live_server.url + "/hilfe")  # any page: logged out, the login page answers
    page.wait_for_selector("form[action='/login']", timeout=TIMEOUT)
    assert page.locator("code").count() > 0  # the demo accounts, whose contrast was too low
    check_axe(page, f"/login {size}")


@pytest.mark.parametrize("role", ROLES)
def test_a11y002_axe_every_page_every_role(
    as_role: Open, live_server: LiveServer, role: str
) -> None:
    # Each page is loaded once and checked at both sizes: the window is resized in between
    # (the CSS answers to the new width as on a fresh load; charts and grids redraw).
    v = as_role(role, "gross")
    for path in PAGES:
        page = go(v, live_server.url + path)
        for size in ("gross", "beamer"):
            width, height = SIZES[size]
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("() => new Promise(r => setTimeout(r, 250))")
            check_axe(page, f"{path} als {role} ({width}×{height})")
        page.set_viewport_size(dict(zip(("width", "height"), SIZES["gross"], strict=True)))


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
        "document.querySelector('.slide-position').textContent.startsWith('Folie 12 ')"
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
        "document.querySelector('.slide-position').textContent.startsWith('Folie 12 ')"
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


# -- layout --------------------------------------------------------------------------------------

OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = (el) => { for (let e = el.parentElement; e; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const out = [];
  for (const el of document.querySelectorAll('#_pages_content *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || scrolls(el)) continue;
    if (r.right > width + 1 || r.left < -1) { out.push(['Fenster', el.tagName + '.' + el.className, Math.round(r.right)]); continue; }
    const card = el.parentElement && el.parentElement.closest('.panel, .indicator-panel');
    if (card) { const c = card.getBoundingClientRect(); if (r.right > c.right + 1) out.push(['Karte', el.tagName + '.' + el.className, Math.round(r.right - c.right)]); }
  }
  return out.slice(0, 10);
}"""


@pytest.mark.parametrize("size", ["beamer", "laptop", "gross"])
def test_a11y007_nothing_overflows_its_card_or_the_window(
    as_role: Open, live_server: LiveServer, size: str
) -> None:
    v = as_role("demo-admin", size)
    for path in [p for p in PAGES if "praesentation" not in p]:
        page = go(v, live_server.url + path)
        assert page.evaluate(OVERFLOW_JS) == [], f"{path} bei {SIZES[size][0]} px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path


def test_a11y008_help_page_is_linked_and_says_what_it_must(
    as_role: Open, live_server: LiveServer
) -> None:
    v = as_role("demo-fb-510", "laptop")
    page = go(v, live_server.url + "/?plan=2017")
    page.locator(f"#{ids.NAV_HELP}").click()
    page.wait_for_url(re.compile(r"/hilfe\?plan=2017$"), timeout=TIMEOUT)
    page.wait_for_selector(f"#{ids.HELP}", timeout=TIMEOUT)
    text = page.inner_text(f"#{ids.HELP}")
    badges = page.locator(".help-light .light").all_inner_texts()
    assert [" ".join(b.split()) for b in badges] == [
        "● im Plan",
        "▲ gefährdet",
        "■ nicht im Plan",
        "○ keine Bewertung",
    ], badges
    for part in (
        "grün, Kreis",
        "gelb, Dreieck",
        "rot, Quadrat",
        "grau, Ring",
        "grün ab 95 %",
        "gelb ab 85 %",
        "Prognose",
        "nachrichtlich",
        "Bild↓",
        "Erklärung zur Barrierefreiheit",
        "BITV 2.0",
        "Barriere melden",
    ):
        assert part in text.replace("\u00a0", " "), part
    v.shoot("hilfe")
