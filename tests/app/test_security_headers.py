"""The security headers of every response (issue 26): pages, assets, API, errors, the login, the
public view and redirects; frame-ancestors and HSTS from the settings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from dash import Dash
from test_security import login

from app import create_app
from zielcockpit.services.evaluation import clear_cache
from zielcockpit.settings import Settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # headers do not touch the database


@pytest.fixture
def make(databases: Any) -> Iterator[Any]:
    made: list[Dash] = []
    url = databases.url("demo")

    def _make(**settings: str) -> Dash:
        made.append(create_app(Settings.resolve({"DATABASE_URL": url, **settings})))
        return made[-1]

    yield _make
    for app in made:
        app.server.config["ZC_ENGINE"].dispose()
    clear_cache()


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_headers(response: Any, frame: str = "'none'") -> dict[str, str]:
    h = response.headers
    policy = directives(h["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == frame
    assert policy["object-src"] == "'none'"
    for name in ("script-src", "style-src", "style-src-elem"):
        assert "'unsafe-inline'" not in policy[name] and "'unsafe-eval'" not in policy[name]
        assert "http" not in policy[name] and "*" not in policy[name]  # nothing from elsewhere
    assert policy["style-src-attr"] == "'unsafe-inline'"  # Plotly's SVG, see docs/security.md
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    return policy


def test_hdr001_every_kind_of_response_carries_the_headers(make: Any) -> None:
    app = make()
    client = app.server.test_client()
    anonymous = {
        "/login": 200,
        "/api/v1/health": 200,
        "/assets/app.css": 200,
        "/assets/plain.css": 200,
        "/": 302,  # to the login
        "/api/v1/status?plan=2017&period=2017-Q2": 401,
        "/_dash-layout": 401,
        "/oeffentlich/2017": 404,
    }
    for path, status in anonymous.items():
        response = client.get(path)
        response.close()  # a static file is streamed
        assert response.status_code == status, path
        assert_headers(response)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "Strict-Transport-Security" not in response.headers
    login(client, "demo-controlling")
    for path, status in {
        "/": 200,
        "/quartale": 200,
        "/gibt-es-nicht": 200,  # the Dash shell; its page says „Diese Seite gibt es nicht“
        "/api/v1/status?plan=2017&period=2017-Q2": 200,
        "/api/v1/measures/REGE-4": 400,
        "/_dash-layout": 200,
        "/_dash-dependencies": 200,
    }.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert_headers(response)
    post = client.post("/_dash-update-component", json={})  # no CSRF token: refused
    assert post.status_code == 403
    assert_headers(post)


def test_hdr002_dash_pages_allow_their_own_inline_scripts_by_hash_and_styles_by_nonce(
    make: Any,
) -> None:
    app = make()
    client = app.server.test_client()
    login(client, "demo-leitung")
    first, second = client.get("/"), client.get("/quartale")
    policy = assert_headers(first)
    page = first.get_data(as_text=True)
    hashes = set(re.findall(r"'sha256-[^']+'", policy["script-src"]))
    assert set(app.csp_hashes()) <= hashes  # the renderer's start, the clientside callbacks
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)
    assert len(inline) == len(hashes)  # every inline script of the page has its hash, no more
    nonce = re.search(r"'nonce-([^']+)'", policy["style-src-elem"])
    assert nonce and f'content="{nonce.group(1)}"' in page
    other = re.search(
        r"'nonce-([^']+)'", directives(second.headers["Content-Security-Policy"])["style-src"]
    )
    assert other and other.group(1) != nonce.group(1)  # a new nonce for every page


def test_hdr003_frame_ancestors_and_hsts_follow_the_settings(make: Any) -> None:
    app = make(ZIELCOCKPIT_FRAME_ANCESTORS="'self'", ZIELCOCKPIT_SECURE_COOKIES="1")
    response = app.server.test_client().get("/login")
    assert_headers(response, frame="'self'")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    intranet = make(ZIELCOCKPIT_FRAME_ANCESTORS="https://intranet.example")
    response = intranet.server.test_client().get("/login")
    assert_headers(response, frame="https://intranet.example")
    assert "X-Frame-Options" not in response.headers  # the old header cannot name an origin


def test_hdr004_a_frame_ancestors_setting_cannot_add_a_directive(make: Any) -> None:
    app = make(ZIELCOCKPIT_FRAME_ANCESTORS="'self'; script-src *")
    policy = app.server.test_client().get("/login").headers["Content-Security-Policy"]
    assert policy.count("script-src") == 1 and "script-src *" not in policy
    assert "frame-ancestors 'self'" in policy
