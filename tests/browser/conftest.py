"""Fixtures of the browser tests: the real server (`zielcockpit serve`) as a subprocess on a copy
of the demo database, Debian's Chromium driven by Playwright; every request a page makes is
recorded and must stay on 127.0.0.1.

One Chromium per worker; one logged-in browser context per role and worker on the shared demo
server (logged in once over HTTP, its cookies kept) for the tests that only read.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SIZES,
    LiveServer,
    Visit,
    browser_pages,
    copy_demo,
    demo_server,
)

# -- live servers -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The real app on a copy of the demo database (SQLite), for the browser flows that read."""
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


@pytest.fixture(scope="session")
def role_contexts(browser: Any, live_server: LiveServer) -> Iterator[Callable[[str | None], Any]]:
    """role_contexts("demo-admin") -> that account's browser context on the shared demo server,
    logged in once per worker (None: logged out); tests open their own pages in it."""
    contexts: dict[str | None, Any] = {}
    # Registered before any script of a page runs, so a violation of the first script counts.
    collect = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' +
                    (e.sourceFile || '') + ':' + e.lineNumber);
});
"""

    def _context(name: str | None) -> Any:
        if name not in contexts:
            width, height = SIZES["gross"]
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="de-DE", accept_downloads=False
            )
            context.add_init_script(collect)
            if name:
                context.add_cookies(live_server.login_cookies(name))
            contexts[name] = context
        return contexts[name]

    yield _context
    for context in contexts.values():
        context.close()


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
