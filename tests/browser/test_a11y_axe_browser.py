"""Accessibility in headless Chromium, part 1: axe-core (WCAG 2.0/2.1 A and AA) on every page
for every role at two sizes, nothing overflowing its card or the window, the help page.

axe-core comes from the npm registry (`npm ci --prefix tests/js`, run by `make test`) and is
injected by the test; the app itself never loads it. These tests run beside the other test
worker; the keyboard paths (test_a11y_browser.py) run alone.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app import ids
from tests.browser.a11y_helpers import PAGES, ROLES, TIMEOUT, Open, go
from tests.browser.axe_helpers import describe, reviewed, run_axe
from tests.browser.helpers import SIZES, LiveServer

pytestmark = pytest.mark.browser


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


FITS = f"() => ({OVERFLOW_JS})().length === 0 && document.documentElement.scrollWidth <= window.innerWidth + 1"


def check_fit(page: Any, where: str) -> None:
    """Nothing wider than its card or the window, once the page has redrawn for its width."""
    with contextlib.suppress(PlaywrightTimeout):  # the assertions below say what is too wide
        page.wait_for_function(FITS, timeout=3_000)
    assert page.evaluate(OVERFLOW_JS) == [], where
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), where


# -- every page, every role ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a11y002_axe_and_fit_every_page_every_role(
    as_role: Open, live_server: LiveServer, role: str
) -> None:
    # Each page is loaded once and checked at three widths: the window is resized in between
    # (the CSS answers to the new width as on a fresh load; charts and grids redraw). axe runs at
    # the largest and the smallest; nothing may overflow its card or the window at any of them
    # (the committee slides are a fixed stage of their own and not part of the fit check).
    v = as_role(role, "gross")
    for path in PAGES:
        page = go(v, live_server.url + path)
        for size in ("gross", "laptop", "beamer"):
            width, height = SIZES[size]
            page.set_viewport_size({"width": width, "height": height})
            page.evaluate("() => new Promise(r => setTimeout(r, 250))")
            where = f"{path} als {role} ({width}×{height})"
            if "praesentation" not in path:
                check_fit(page, where)
            if size != "laptop":
                check_axe(page, where)
        page.set_viewport_size(dict(zip(("width", "height"), SIZES["gross"], strict=True)))


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
