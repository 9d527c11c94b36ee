"""Helpers of the dashboard tests: building the app, reading component trees."""

from __future__ import annotations

import functools
import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dash
from dash import Dash

from app import create_app
from app.navigation import NavLink, link_class, link_href, link_style, nav_links
from benchmarks.dash_requests import log_in
from db.demo import DEMO_PASSWORD
from zielcockpit.domain.access import Principal
from zielcockpit.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES = {"gross": (1920, 1080), "laptop": (1366, 768), "beamer": (1024, 768)}
READY = ".page, .message-page"  # every page's outermost element, rendered by its layout
BROWSER_TIMEOUT = 30_000
LOCAL_PREFIXES = ("http://127.0.0.1:", "data:", "blob:", "about:")


def build_app(url: str) -> Dash:
    # Dash keeps pages in a process-wide registry; each app re-registers its pages.
    dash.page_registry.clear()
    return create_app(Settings.resolve({"DATABASE_URL": url}))


# -- the navigation as the pages register it ---------------------------------------------------------


@functools.cache
def registered_nav_links() -> tuple[NavLink, ...]:
    """The navigation's links from the registry of a real app (built once; it opens no database)."""
    app = build_app("sqlite://")
    app.server.config["ZC_ENGINE"].dispose()
    return nav_links(dash.page_registry)


def nav_hrefs(search: str | None) -> list[str]:
    """The targets of the links everyone sees, with the current selection."""
    return [link_href(link, search) for link in registered_nav_links() if not link.by_role]


def nav_classes(pathname: str | None) -> list[str]:
    return [link_class(link, pathname) for link in registered_nav_links() if not link.by_role]


def access_links(
    pathname: str | None, search: str | None, principal: Principal | None
) -> list[tuple[str, str, dict[str, str]]]:
    """(href, className, style) of each link shown by role."""
    return [
        (link_href(link, search), link_class(link, pathname), link_style(link, principal))
        for link in registered_nav_links()
        if link.by_role
    ]


def walk(component: Any) -> Iterator[Any]:
    """Every component and string in a layout tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    if not isinstance(children, list | tuple):
        children = [children]
    for child in children:
        if child is not None:
            yield from walk(child)


def text_of(component: Any) -> str:
    """All visible text of a tree, joined by spaces (what a reader sees, roughly)."""
    parts = []
    for node in walk(component):
        if isinstance(node, str | int | float):
            parts.append(str(node))
    return " ".join(parts)


def find_all(component: Any, predicate: Callable[[Any], bool]) -> list[Any]:
    return [n for n in walk(component) if not isinstance(n, str | int | float) and predicate(n)]


def by_id(component: Any, component_id: Any) -> Any:
    found = find_all(component, lambda n: getattr(n, "id", None) == component_id)
    assert found, f"keine Komponente mit id {component_id!r}"
    return found[0]


def classes(node: Any) -> set[str]:
    return set((getattr(node, "className", None) or "").split())


# -- live server and browser pages -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`zielcockpit serve` in a subprocess, on its own port and database."""

    def __init__(
        self,
        database_url: str,
        log: Path,
        env: dict[str, str | None] | None = None,
        archive: Path | None = None,
    ):
        """`env`: settings of this server (None: unset); `archive`: its archive folder."""
        self.database_url = database_url
        self.archive = archive
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zielcockpit.cli",
                "--database-url",
                database_url,
                "serve",
                "--port",
                str(self.port),
            ],
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=_server_env(env, archive),
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Server startete nicht:\n{self.log_path.read_text()}")

    def login_cookies(
        self, name: str = "demo-leitung", password: str = DEMO_PASSWORD
    ) -> list[dict[str, Any]]:
        """Log in over HTTP once and hand the session cookies to browser contexts."""
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with opener.open(self.url + "/login") as r:
            page = r.read().decode("utf-8")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf, "Anmeldeseite ohne CSRF-Feld"
        form = urllib.parse.urlencode(
            {"name": name, "password": password, "csrf": csrf.group(1), "next": "/"}
        )
        with opener.open(self.url + "/login", data=form.encode()) as r:
            assert r.status == 200
        cookies = [{"name": c.name, "value": c.value or "", "url": self.url} for c in jar]
        assert any(c["name"] == "zielcockpit_session" for c in cookies), "Anmeldung fehlgeschlagen"
        return cookies

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


def _server_env(settings: dict[str, str | None] | None, archive: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if archive is not None:
        env["ZIELCOCKPIT_ARCHIVE_DIR"] = str(archive)
    for name, value in (settings or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def copy_demo(templates: dict[str, Path], folder: Path) -> Path:
    """A copy of the demo database in `folder`, for a server of one test module."""
    db = folder / "demo.db"
    shutil.copy(templates["demo"], db)
    return db


@contextmanager
def demo_server(
    folder: Path, db: Path, env: dict[str, str | None] | None = None
) -> Iterator[LiveServer]:
    """The real app on `db` (SQLite) with its archive in `folder`, stopped afterwards."""
    server = LiveServer(f"sqlite:///{db}", folder / "server.log", env, folder / "archiv")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def browser_pages(
    browser: Any, server: LiveServer, downloads: bool = True, dialogs: bool = False
) -> Iterator[Callable[..., Visit]]:
    """open(name, size) -> a fresh page logged in as `name` (None: logged out); afterwards
    every page is checked: no request left the machine, no browser error, and with `dialogs`
    no dialog was opened (a script of a user's text would open one)."""
    opened: list[tuple[Any, Visit, list[str]]] = []

    def _open(name: str | None = "demo-leitung", size: str = "gross") -> Visit:
        width, height = SIZES[size]
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="de-DE", accept_downloads=downloads
        )
        if name:
            context.add_cookies(server.login_cookies(name))
        v = Visit(context.new_page(), size)
        seen: list[str] = []
        if dialogs:

            def note_and_dismiss(dialog: Any) -> None:
                seen.append(dialog.message)
                dialog.dismiss()

            v.page.on("dialog", note_and_dismiss)
        opened.append((context, v, seen))
        return v

    yield _open
    for context, v, seen in opened:
        context.close()
        assert not seen, f"Dialoge geöffnet (Skript ausgeführt?): {seen}"
        assert not v.outside(), f"Anfragen nach außen: {v.outside()}"
        assert not v.errors, f"Fehler im Browser: {v.errors}"


def go(v: Visit, url: str, timeout: int = BROWSER_TIMEOUT) -> Any:
    """Open `url` and wait until the page's outermost element is drawn."""
    v.page.goto(url)
    v.page.wait_for_selector(READY, timeout=timeout)
    return v.page


def wait_text(page: Any, selector: str, text: str, timeout: int = BROWSER_TIMEOUT) -> str:
    """The text of `selector` once it holds `text` (the text that held it, not a later one)."""
    found = page.wait_for_function(
        """([s, t]) => { const e = document.querySelector(s);
             return e && e.innerText.includes(t) ? e.innerText : null; }""",
        arg=[selector, text],
        timeout=timeout,
    )
    return str(found.json_value())


def field(kind: str, code: str) -> str:
    """The CSS selector of a pattern-matching id as Dash renders it (JSON, keys sorted)."""
    return f'[id=\'{{"index":"{code}","type":"{kind}"}}\']'


class Visit:
    """A browser page that records every request and every browser error it sees."""

    def __init__(self, page: Any, size: str):
        self.page, self.size = page, size
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_PREFIXES)]

    def shoot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width, height = SIZES[self.size]
        path = SCREENSHOTS / f"{name}_{width}x{height}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def logged_in_client(app: Dash, name: str = "demo-leitung", password: str = DEMO_PASSWORD) -> Any:
    """A Flask test client with a session (through the real login form)."""
    return log_in(app.server.test_client(), name, password)
