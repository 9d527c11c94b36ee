"""The real app in a subprocess (`zielcockpit serve`) on its own port and database, and the
files the tests send it: shared by tests/app and tests/browser."""

from __future__ import annotations

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from db.demo import DEMO_PASSWORD

REPO = Path(__file__).resolve().parents[1]


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


def long_csv(rows: list[tuple[str, str, str]], comments: bool = False) -> bytes:
    """A file in the long format („Langformat“): Indikator;Zeitraum;Wert."""
    head = "Indikator;Zeitraum;Wert" + (";Kommentar" if comments else "")
    lines = [head] + [";".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
