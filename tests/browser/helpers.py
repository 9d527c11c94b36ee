"""Helpers of the browser tests: Debian's Chromium, pages that record what they request, waits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.live import LiveServer, copy_demo, demo_server, long_csv

__all__ = ["LiveServer", "copy_demo", "demo_server", "long_csv"]

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
