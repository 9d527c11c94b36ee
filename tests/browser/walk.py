"""Every page of every role in headless Chromium, walked once: each page is loaded once per role
and checked at 1920, 1366 and 1024 px (the window resized in between; the CSS answers to the new
width as on a fresh load, charts and grids redraw), all checks on the same load:

- axe-core, WCAG 2.0/2.1 A and AA, at the largest and the smallest width: no violation, no
  needs-review item docs/accessibility.md does not explain (`REVIEWED` in axe_helpers);
- nothing wider than its card or the window at any width (the committee slides are a fixed stage
  of their own and not part of this check);
- German and finished: `lang="de"`, the page's heading where it is known, the demo band, no
  English words of the libraries („Loading“, „Select...“, „No rows“), the navigation of the
  role on one line;
- local and clean: no request leaves 127.0.0.1, no browser error, no Content-Security-Policy
  violation (also on the first link to a cluster or a source found on the page).

One logged-in browser context per role and worker (`role_contexts`), a fresh page per test. The
roles are split over two test files so that `--dist loadfile` can give them to two workers.
Formerly test_a11y002 (axe and fit), test_brow001 (headings, German, demo band, local),
test_bacc004 (headings, navigation, fit of the entry pages) and test_csp001 (CSP).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app import ids
from tests.browser.a11y_helpers import PAGES, TIMEOUT, go
from tests.browser.axe_helpers import describe, reviewed, run_axe
from tests.browser.helpers import SIZES, LiveServer, Visit

# Pages only some roles walk besides PAGES (the addresses the former walks used).
EXTRA = {
    "demo-leitung": ["/massnahme/REGE-9", "/massnahme/510-1?period=2017-Q3"],
    "demo-controlling": ["/erfassung?period=2017-Q3&oe=REGE", "/vollstaendigkeit?period=2017-Q3"],
}
ALL = [*PAGES, "/massnahme/REGE-4?period=2017-Q2"]


def walk(roles: list[str]) -> Any:
    """The parametrisation (role, path) of a test over every page of `roles`."""
    pairs = [(role, path) for role in roles for path in [*ALL, *EXTRA.get(role, [])]]
    return pytest.mark.parametrize(("role", "path"), pairs, ids=[f"{r}:{p}" for r, p in pairs])


# (role, path) -> (the page's first heading, the name of its screenshot)
KNOWN = {
    ("demo-leitung", "/"): ("Wie steht der Plan im 3. Quartal 2017?", "uebersicht"),
    ("demo-leitung", "/massnahme/REGE-9"): (
        "Kommunale Arbeitsförderung (KAF) – alle Projekte",
        "massnahme_REGE-9",
    ),
    ("demo-leitung", "/massnahme/510-1?period=2017-Q3"): ("Neue Kitas schaffen", "massnahme_510-1"),
    ("demo-leitung", "/quartale"): ("Quartalsvergleich", "quartalsvergleich"),
    ("demo-leitung", "/praesentation"): (
        "Ziele und Maßnahmen für ein Soziales Bielefeld 2017",
        "praesentation_folie1",
    ),
    ("demo-leitung", "/praesentation?folie=2"): (
        "Arbeitssuchende Menschen (Teil 1 von 3)",
        "praesentation_folie2",
    ),
    ("demo-leitung", "/gibt-es-nicht"): ("Diese Seite gibt es nicht", "nicht_gefunden"),
    ("demo-leitung", "/erfassung"): ("Erfassung", "erfassung_leitung"),
    ("demo-controlling", "/erfassung?period=2017-Q3&oe=REGE"): (
        "Erfassung REGE – REGE mbH",
        "erfassung",
    ),
    ("demo-controlling", "/import"): ("Import", "import"),
    ("demo-controlling", "/vollstaendigkeit?period=2017-Q3"): (
        "Vollständigkeit",
        "vollstaendigkeit",
    ),
    ("demo-admin", "/protokoll"): ("Änderungsprotokoll", "protokoll"),
    ("demo-fb-510", "/protokoll"): ("Änderungsprotokoll", "protokoll_fachbereich"),
}
# The links of the role after the four everyone has (Übersicht, Quartalsvergleich, Bezirke,
# Ausschussmodus), the help last.
NAV = {
    "demo-controlling": ["Erfassung", "Import", "Vollständigkeit", "Protokoll"],
    "demo-admin": ["Erfassung", "Import", "Vollständigkeit", "Protokoll"],
    "demo-fb-510": ["Erfassung", "Import"],
    "demo-fb-rege": ["Erfassung", "Import"],
    "demo-leitung": ["Erfassung"],
}
DASHBOARD = ("/massnahme/", "/quartale", "/praesentation", "/cluster/")  # with the demo band
ENGLISH = re.compile(r"\b(Loading|Select\.\.\.|No rows)\b")

# The Dash renderer has no callback waiting or running (what dash.testing waits for).
DASH_IDLE = """() => {
  if (!window.store) return true;
  const state = window.store.getState();
  const pending = Object.assign({}, state.callbacks);
  delete pending.stored; delete pending.completed;
  return !state.isLoading && Object.values(pending).every((list) => !list || !list.length);
}"""
# Two frames after a resize: the browser has laid out and painted at the new width.
PAINTED = (
    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))"
)

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
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth + 1"
FITS = f"() => ({OVERFLOW_JS})().length === 0 && {NO_SCROLL}"


def settle(page: Any) -> None:
    page.evaluate(PAINTED)
    page.wait_for_function(DASH_IDLE, timeout=TIMEOUT)


def check_fit(page: Any, where: str) -> None:
    """Nothing wider than its card or the window, once the page has redrawn for its width."""
    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is too wide
        page.wait_for_function(FITS, timeout=3_000)
    assert page.evaluate(OVERFLOW_JS) == [], where
    assert page.evaluate(NO_SCROLL), where


def check_axe(page: Any, where: str) -> None:
    result = run_axe(page)
    assert not result["violations"], f"{where}: WCAG-Verstöße\n{describe(result['violations'])}"
    unexplained = reviewed(result["incomplete"])
    assert not unexplained, (
        f"{where}: axe bittet um Prüfung, und docs/accessibility.md nennt keinen Grund\n"
        f"{describe(unexplained)}"
    )


def check_nav(page: Any, role: str, where: str) -> None:
    """The navigation shows the links of the role (and the help last), all on one line."""
    expected = [*NAV[role], "Hilfe"]
    page.wait_for_function(
        "n => [...document.querySelectorAll('.zc-navbar .nav-item')]"
        ".filter(li => li.offsetParent !== null).length === n",
        arg=4 + len(expected),
        timeout=TIMEOUT,
    )
    nav = page.locator(".zc-navbar .navbar-nav")
    links = [t.strip() for t in nav.locator(".nav-item:visible").all_inner_texts()]
    assert links[4:] == expected, (where, links)
    heights = {
        round(b["y"])
        for b in nav.locator(".nav-item:visible").evaluate_all(
            "items => items.map(i => i.getBoundingClientRect())"
        )
    }
    assert len(heights) == 1, f"{where}: Navigation bricht um: {heights}"


def csp_violations(v: Visit) -> list[str]:
    found = [str(x) for x in v.page.evaluate("window.__csp || []")]
    found += [e for e in v.errors if "Content Security Policy" in e or "Refused to" in e]
    return found


def check_german(page: Any, role: str, path: str) -> None:
    where = f"{path} als {role}"
    assert page.evaluate("document.documentElement.lang") == "de", where
    known = KNOWN.get((role, path))
    if known:
        assert page.locator("h1").first.inner_text().strip() == known[0], where
    if path == "/" or path.startswith(DASHBOARD):
        assert page.locator(".demo-band").first.is_visible(), where
        assert "Demodaten" in page.locator(".demo-band").first.inner_text(), where
    assert ENGLISH.search(page.inner_text("body")) is None, where
    if (role, path) == ("demo-leitung", "/erfassung"):
        assert "Nur lesen" in page.inner_text(".read-only-note")
        assert page.locator(f"#{ids.ENTRY_SAVE}").count() == 0
    if (role, path) == ("demo-fb-510", "/protokoll"):
        assert "Keine Berechtigung" in page.inner_text(".page")


def walk_page(role_contexts: Any, live_server: LiveServer, role: str, path: str) -> None:
    """Load `path` once as `role` and run every check of the walk on it (see the docstring)."""
    v = Visit(role_contexts(role).new_page(), "gross")
    try:
        page = go(v, live_server.url + path)
        settle(page)
        check_german(page, role, path)
        known = KNOWN.get((role, path))
        for size in ("gross", "laptop", "beamer"):
            width, height = SIZES[size]
            v.size = size
            page.set_viewport_size({"width": width, "height": height})
            settle(page)
            where = f"{path} als {role} ({width}×{height})"
            if "praesentation" not in path:
                check_fit(page, where)
                if size != "laptop":
                    check_nav(page, role, where)
            if size != "laptop":
                check_axe(page, where)
                if known:
                    v.shoot(known[1])
        assert csp_violations(v) == [], f"{path} als {role}: {csp_violations(v)}"
        if path != "/gibt-es-nicht":
            assert any("/_dash-update-component" in u for u in v.requests), path
        # The first link to a cluster or a source: CSP, German, local (the former CSP walk).
        links = page.locator("a[href^='/cluster/'], a[href^='/quelle/']").all()[:1]
        for href in [link.get_attribute("href") for link in links]:
            assert href
            page = go(v, live_server.url + href)
            settle(page)
            assert page.evaluate("document.documentElement.lang") == "de", href
            assert ENGLISH.search(page.inner_text("body")) is None, href
            if (role, path) == ("demo-leitung", "/"):
                assert page.locator("h1").first.inner_text().strip() == "Arbeitssuchende Menschen"
                v.size = "gross"
                v.shoot("handlungsfeld")
            assert csp_violations(v) == [], f"{href} als {role}: {csp_violations(v)}"
    finally:
        v.page.close()
    assert not v.outside(), f"Anfragen nach außen: {v.outside()}"
    errors = v.errors
    if path == "/gibt-es-nicht":  # the page answers 404 on purpose; the browser logs that
        errors = [e for e in errors if "status of 404" not in e]
    assert not errors, f"Fehler im Browser: {errors}"
