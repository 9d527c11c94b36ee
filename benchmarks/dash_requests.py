"""Requests as the browser makes them, for tests and benchmarks: the login and Dash's router.

Shared so that a change in the login form or Dash's page router is mended in one place.
"""

from __future__ import annotations

import re
from typing import Any

DASH = "/_dash-update-component"


def log_in(client: Any, name: str, password: str) -> Any:
    """Log a Flask test client in through the real form; CSRF header set as Dash's renderer does."""
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, "Anmeldeseite ohne CSRF-Feld"
    response = client.post(
        "/login", data={"name": name, "password": password, "csrf": csrf.group(1), "next": "/"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/")  # sets the CSRF cookie, which the renderer sends back as a header
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "Anmeldung fehlgeschlagen"
    client.environ_base["HTTP_X_CSRFTOKEN"] = cookie.value
    return client


def route_payload(pathname: str, search: str = "") -> dict[str, Any]:
    """The page router's callback: renders a page's layout for a path."""
    return {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }
