"""Accessibility in headless Chromium, part 1: axe-core (WCAG 2.0/2.1 A and AA) on the login
page, the help page. axe and the fit check on every page for every role are part of the walk
(walk.py, test_walk001/test_walk002).

axe-core comes from the npm registry (`npm ci --prefix tests/js`, run by `make test`) and is
injected by the test; the app itself never loads it. These tests run beside the other test
worker; the keyboard paths (test_a11y_browser.py) run alone.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from app import ids
from tests.browser.a11y_helpers import TIMEOUT, Open, go
from tests.browser.axe_helpers import describe, reviewed, run_axe
from tests.browser.helpers import LiveServer

pytestmark = pytest.mark.browser


# -- axe ---------------------------------------------------------------------------------------


def check_axe(page: Any, where: str) -> None:
    result = run_axe(page)
    assert not result["violations"], f"{where}: WCAG-Verstöße\n{describe(result['violations'])}"
    unexplained = reviewed(result["incomplete"])
    assert not unexplained, (
        f"{where}: axe bittet um Prüfung, und docs/accessibility.md nennt keinen Grund\n"
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
