"""Fixtures of the dashboard tests: the app on a real database, a live server, a real browser.

Layout and callback tests build the app with `create_app` on a per-test database of either
backend and call layouts and callbacks as plain functions inside a request context. Browser tests
start the real server (`zielcockpit serve`) as a subprocess on a copy of the demo database and
drive Debian's Chromium with Playwright; every request a page makes is recorded and must stay on
127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dash import Dash
from dash_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LiveServer,
    Visit,
    browser_pages,
    build_app,
    copy_demo,
    demo_server,
)
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

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


# -- live server --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real app on a copy of the demo database (SQLite), for the browser flows."""
    folder = tmp_path_factory.mktemp("live")
    db = folder / "demo.db"
    shutil.copy(sqlite_templates["demo"], db)
    server = LiveServer(f"sqlite:///{db}", folder / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_server_postgres(
    pg_admin: Engine, pg_templates: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real app on a PostgreSQL copy of the demo database."""
    name = f"zc_live_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_templates["demo"]}"'))
    url = make_url(pg_admin.url).set(database=name).render_as_string(hide_password=False)
    server = LiveServer(url, tmp_path_factory.mktemp("live_pg") / "server.log")
    try:
        yield server
    finally:
        server.stop()
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"Chromium fehlt ({CHROMIUM}); Browsertests brauchen Debians Paket „chromium“"
        if os.environ.get("ZIELCOCKPIT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (ZIELCOCKPIT_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def module_server(
    sqlite_templates: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[LiveServer]:
    """A server of its own for one test module, on a writable copy of the demo database: what the
    module's tests change stays in that module."""
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    with demo_server(folder, copy_demo(sqlite_templates, folder)) as server:
        yield server


@pytest.fixture
def as_user(browser: Any, module_server: LiveServer) -> Iterator[Callable[..., Visit]]:
    """as_user("demo-controlling", "laptop") -> a fresh page of that account on the module's
    own server (None: logged out), checked afterwards like every browser page."""
    with browser_pages(browser, module_server) as open_page:
        yield open_page


@pytest.fixture
def as_role(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Visit]]:
    """as_role("demo-admin", "beamer") -> a fresh page of that account on the shared demo server
    (None: logged out); afterwards no request left the machine and no browser error."""
    with browser_pages(browser, live_server, downloads=False) as open_page:
        yield open_page


@pytest.fixture
def visit(browser: Any, live_server: LiveServer) -> Iterator[Callable[[str], Visit]]:
    """visit("gross") -> a fresh page at 1920×1080 (or "beamer": 1024×768), checked afterwards."""
    with browser_pages(browser, live_server) as open_page:

        def _open(size: str = "gross") -> Visit:
            return open_page("demo-leitung", size)

        yield _open
