"""What both accessibility test files share: a page opened and finished, the focused element."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.browser.helpers import Visit
from tests.browser.helpers import go as open_page

TIMEOUT = 15_000
Open = Callable[..., Visit]  # as_role(name, size) -> a fresh page of that account
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
    "/kontakte",
    "/postausgang",
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


def go(v: Visit, url: str) -> Any:
    """Open `url` and wait until its grid has rows and its charts are drawn."""
    page = open_page(v, url, TIMEOUT)
    page.wait_for_function(DRAWN, timeout=TIMEOUT)
    return page


def active(page: Any) -> dict[str, str]:
    found: dict[str, str] = page.evaluate(ACTIVE)
    return found
