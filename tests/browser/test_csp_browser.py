"""Headless Chromium with the Content-Security-Policy in force: no violation (collected from
`securitypolicyviolation` events and the console), charts drawn. Every page of every role is
checked for violations in the walk (walk.py, test_walk001/test_walk002; formerly test_csp001)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.helpers import BROWSER_TIMEOUT, READY, LiveServer, Visit

pytestmark = pytest.mark.browser

# Registered before any script of the page runs, so a violation of the first script counts.
COLLECT = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def violations(v: Visit) -> list[str]:
    found = [str(x) for x in v.page.evaluate("window.__csp || []")]
    found += [e for e in v.errors if "Content Security Policy" in e or "Refused to" in e]
    return found


def load(v: Visit, url: str) -> Any:
    v.page.goto(url)
    v.page.wait_for_selector(READY, timeout=BROWSER_TIMEOUT)
    v.page.wait_for_load_state("networkidle")
    return v.page


def test_csp002_charts_are_drawn_under_the_policy(
    as_role: Callable[..., Visit], live_server: LiveServer
) -> None:
    v = as_role("demo-leitung")
    v.page.add_init_script(COLLECT)
    page = load(v, live_server.url + "/massnahme/REGE-4?period=2017-Q2")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=BROWSER_TIMEOUT)
    assert page.locator(".js-plotly-plot .main-svg").count() >= 1
    # Plotly drew its traces (paths), not only an empty frame.
    assert page.locator(
        ".js-plotly-plot .scatterlayer path, .js-plotly-plot .barlayer path"
    ).count()
    v.shoot("csp_massnahme_chart")
    assert violations(v) == []


def test_csp003_login_public_view_and_error_page_without_a_violation(
    as_role: Callable[..., Visit], live_server: LiveServer
) -> None:
    v = as_role(None)
    v.page.add_init_script(COLLECT)
    for path in ("/login", "/oeffentlich/2017"):
        v.page.goto(live_server.url + path)
        v.page.wait_for_load_state("networkidle")
        assert v.page.locator("main").count() == 1
        assert violations(v) == [], f"{path}: {violations(v)}"
    v.shoot("csp_oeffentlich")
    # A page without Dash has no icon link: the browser asks for /favicon.ico and logs its 404.
    assert all("status of 404" in e for e in v.errors), v.errors
    v.errors.clear()
    lost = as_role("demo-leitung")
    lost.page.add_init_script(COLLECT)
    load(lost, live_server.url + "/gibt-es-nicht")
    assert "gibt es nicht" in lost.page.locator(READY).inner_text()
    assert violations(lost) == []
    # The page answers 404 on purpose; the browser logs that, and only that.
    assert all("status of 404" in e for e in lost.errors), lost.errors
    lost.errors.clear()
