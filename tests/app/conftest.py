"""Fixtures of the dashboard tests: the app on a real database, a live server, a real browser.

Layout and callback tests build the app with `create_app` on a per-test database of either
backend and call layouts and callbacks as plain functions inside a request context. The browser
tests are in tests/browser.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from dash_helpers import build_app

from zielcockpit.services.evaluation import clear_cache

# -- the app on a real database ---------------------------------------------------------------------


@pytest.fixture
def demo_app(databases: Any) -> Iterator[Dash]:
    """The app on a fresh demo database (both backends)."""
    app = build_app(databases.url("demo"))
    yield app
    app.server.config["ZC_ENGINE"].dispose()
    clear_cache()


@pytest.fixture
def web(databases: Any, tmp_path: Path) -> Iterator[Dash]:
    """The app on a fresh demo database with the access rules, its archive in a temporary
    folder and a small upload limit (both backends)."""
    from access_helpers import access_app

    app = access_app(databases.url("demo"), tmp_path / "archiv")
    yield app
    app.server.config["ZC_ENGINE"].dispose()
    clear_cache()


@pytest.fixture
def catalogue_app(databases: Any) -> Iterator[Dash]:
    """The app on a database with both plans and no values."""
    app = build_app(databases.url("catalogue"))
    yield app
    app.server.config["ZC_ENGINE"].dispose()
    clear_cache()


@pytest.fixture
def render(demo_app: Dash) -> Callable[..., Any]:
    """render("overview", period="2017-Q2") -> the layout of that page as a component tree."""

    def _render(page: str, **query: Any) -> Any:
        module = sys.modules[f"app.pages.{page}"]
        with demo_app.server.test_request_context("/"):
            return module.layout(**query)

    return _render
