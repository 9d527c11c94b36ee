"""The app under gunicorn as the Dockerfile runs it, but with sync workers (the harshest case):
two workers without a configured key keep one session, and a guessed account slows nobody."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.demo import DEMO_PASSWORD
from db.logins import ACCOUNT_FREE_TRIES

REPO = Path(__file__).resolve().parents[2]
STATUS = "/api/v1/status?plan=2017&period=2017-Q2"


@dataclass
class Gunicorn:
    url: str
    access_log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gunicorn]:
    folder = tmp_path_factory.mktemp("gunicorn")
    shutil.copy(sqlite_templates["demo"], folder / "demo.db")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "ZIELCOCKPIT_SECRET_KEY"}
    env.update(DATABASE_URL=f"sqlite:///{folder / 'demo.db'}", PYTHONPATH=str(REPO))
    log = (folder / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync"),
            *("--timeout", "20", "--bind", f"127.0.0.1:{port}"),
            *("--access-logfile", str(folder / "access.log")),
            *("--access-logformat", "%(p)s %(s)s %(U)s"),
            "app.wsgi:server",
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = Gunicorn(f"http://127.0.0.1:{port}", folder / "access.log")
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, (folder / "gunicorn.log").read_text()
            try:
                with urllib.request.urlopen(server.url + "/api/v1/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn startete nicht"
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        process.wait(30)
        log.close()


class Browser:
    """A user agent with its own cookies, like one browser."""

    def __init__(self, url: str):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> int:
        return self._send(path, None)

    def login(self, name: str, password: str = DEMO_PASSWORD) -> int:
        with self.opener.open(self.url + "/login", timeout=60) as r:
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.read().decode("utf-8"))
        assert csrf
        form = {"name": name, "password": password, "csrf": csrf.group(1), "next": STATUS}
        return self._send("/login", urllib.parse.urlencode(form).encode())

    def _send(self, path: str, data: bytes | None) -> int:
        try:
            with self.opener.open(self.url + path, data=data, timeout=60) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return int(exc.code)


def test_wrk001_two_workers_without_a_configured_key_keep_the_session(gunicorn: Gunicorn) -> None:
    browser = Browser(gunicorn.url)
    assert browser.login("demo-leitung") == 200  # redirected to the API answer
    answers: list[int] = []

    def ask() -> None:
        answers.extend(browser.get(STATUS) for _ in range(10))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 40
    time.sleep(0.5)  # the access log is written after the answer
    served_by = {
        line.split()[0]
        for line in gunicorn.access_log.read_text().splitlines()
        if line.endswith(" 200 /api/v1/status")
    }
    assert len(served_by) == 2  # both workers answered the same session


def test_wrk002_a_guessed_account_does_not_slow_down_a_sync_worker(gunicorn: Gunicorn) -> None:
    guesses: list[int] = []

    def guess() -> None:
        guesser = Browser(gunicorn.url)
        guesses.extend(guesser.login("demo-admin", "falsch-geraten-123") for _ in range(12))

    thread = threading.Thread(target=guess)
    thread.start()
    try:
        while len(guesses) < ACCOUNT_FREE_TRIES + 1 and thread.is_alive():
            time.sleep(0.05)
        started = time.monotonic()
        other = Browser(gunicorn.url)
        assert other.login("demo-fb-510") == 200
        assert other.get("/api/v1/health") == 200
        assert time.monotonic() - started < 10  # a sleeping worker would take 30 s or time out
    finally:
        thread.join()
    assert guesses[:ACCOUNT_FREE_TRIES] == [401] * ACCOUNT_FREE_TRIES
    assert set(guesses[ACCOUNT_FREE_TRIES:]) == {429}
    assert Browser(gunicorn.url).login("demo-admin") == 429  # the right password waits too
