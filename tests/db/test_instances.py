"""Two app instances (gunicorn processes) on one database, as behind a load balancer: a session
from A works on B and ends on B when it ends on A, a throttled account is throttled on both,
and a value saved through A is shown by B, whose plan cache was filled before the save."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from app import ids
from benchmarks.dash_requests import DASH, find_prop, form_fields, form_save_payload, route_payload
from db.demo import DEMO_PASSWORD
from db.logins import ACCOUNT_FREE_TRIES
from tests.conftest import Databases

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
STATUS = "/api/v1/status?plan=2017&period=2017-Q2"
UNIT, PERIOD, CODE, MEASURE = "510", "2017-Q3", "510-4.2", "510-4"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(url: str, env: dict[str, str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4"]
    command += ["--graceful-timeout", "3", "--bind", f"127.0.0.1:{port}", "app.wsgi:server"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env={**env, "DATABASE_URL": url}, stdout=out, stderr=out
        )
    return f"http://127.0.0.1:{port}", process


def _wait(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if requests.get(base + "/api/v1/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        assert time.monotonic() < deadline, f"{base} startete nicht: {log.read_text()}"
        time.sleep(0.3)


@pytest.fixture
def instances(databases: Databases, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Instances A and B with the settings that must be equal: database, key, archive."""
    url = databases.url("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZIELCOCKPIT_", "DATABASE"))}
    env.update(
        PYTHONPATH=str(REPO),
        ZIELCOCKPIT_SECRET_KEY=uuid.uuid4().hex,
        ZIELCOCKPIT_ARCHIVE_DIR=str(tmp_path / "archiv"),
    )
    started = [_start(url, env, tmp_path / f"{n}.log") for n in "ab"]
    try:
        for (base, process), n in zip(started, "ab", strict=True):
            _wait(base, process, tmp_path / f"{n}.log")
        yield started[0][0], started[1][0]
    finally:
        for _base, process in started:
            process.terminate()
        for _base, process in started:
            process.wait(30)


def _login(base: str, name: str, password: str = DEMO_PASSWORD) -> tuple[int, requests.Session]:
    browser = requests.Session()
    page = browser.get(base + "/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, "Anmeldeseite ohne CSRF-Feld"
    form = {"name": name, "password": password, "csrf": csrf.group(1), "next": "/"}
    answer = browser.post(base + "/login", data=form, allow_redirects=False, timeout=30)
    if answer.status_code == 302:
        browser.get(base + "/", timeout=30)  # sets the CSRF cookie the renderer sends back
        browser.headers["X-CSRFToken"] = browser.cookies.get("_csrf_token") or ""
    return answer.status_code, browser


def _on(browser: requests.Session, base: str) -> requests.Session:
    """The same cookies and headers, sent to another instance (what a balancer does)."""
    other = requests.Session()
    other.cookies.update(browser.cookies)
    other.headers.update(browser.headers)
    return other


def _page(browser: requests.Session, base: str, path: str, search: str = "") -> Any:
    answer = browser.post(base + DASH, json=route_payload(path, search), timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    return answer.json()


def _page_text(browser: requests.Session, base: str, path: str, search: str = "") -> str:
    return json.dumps(_page(browser, base, path, search), ensure_ascii=False)


def _explanation(browser: requests.Session, base: str) -> str:
    answer = browser.get(f"{base}/api/v1/status?plan=2017&period={PERIOD}", timeout=30)
    return str(
        next(
            i["explanation"]
            for m in answer.json()["measures"]
            for i in m["indicators"]
            if i["code"] == CODE
        )
    )


def test_ins001_two_instances_agree_on_sessions_throttling_and_values(
    instances: tuple[str, str],
) -> None:
    a, b = instances

    # A session opened on A works on B; a logout on A ends it on B as well.
    code, on_a = _login(a, "demo-leitung")
    assert code == 302
    copy_on_b = _on(on_a, b)
    assert copy_on_b.get(b + STATUS, timeout=30).status_code == 200
    assert on_a.post(a + "/logout", allow_redirects=False, timeout=30).status_code == 302
    assert copy_on_b.get(b + STATUS, timeout=30).status_code == 401
    assert _on(on_a, a).get(a + STATUS, timeout=30).status_code == 401

    # An account guessed on A waits on B too, even with the right password.
    tries = [_login(a, "demo-admin", "falsch-geraten")[0] for _ in range(ACCOUNT_FREE_TRIES + 1)]
    assert tries == [401] * ACCOUNT_FREE_TRIES + [429]
    assert _login(b, "demo-admin")[0] == 429
    assert _login(b, "demo-controlling")[0] == 302  # other accounts are not affected

    # B shows the measure's light and its explanation from its plan cache, filled here; then a
    # value is saved on A. The explanation comes from the cached evaluation (the page's history
    # section reads the database directly, so the new number alone would prove nothing).
    _, reader = _login(b, "demo-leitung")
    search = f"?plan=2017&period={PERIOD}"
    before = _explanation(reader, b)
    assert before in _page_text(reader, b, f"/massnahme/{MEASURE}", search)
    _, writer = _login(a, "demo-fb-510")
    form = _page(writer, a, "/erfassung", f"?plan=2017&period={PERIOD}&oe={UNIT}")
    context = find_prop(form, ids.ENTRY_CONTEXT, "data")
    fields = form_fields(form)
    fields[ids.ENTRY_VALUE][CODE] = "4711"
    fields[ids.ENTRY_COMMENT][CODE] = "Gespeichert über Instanz A"
    answer = writer.post(a + DASH, json=form_save_payload(context, fields), timeout=60)
    assert answer.status_code == 200, answer.text[:300]
    assert "Gespeichert für" in str(answer.json()), answer.text[:500]
    after = _explanation(reader, b)  # the API evaluates without the cache
    assert after != before  # cumulative: Q1 to Q3 with the new Q3 value
    assert after in _page_text(reader, b, f"/massnahme/{MEASURE}", search)
