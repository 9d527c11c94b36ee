"""The lost-update experiment of issue 11, repeated: pairs of people save one value at once.

Two app instances (gunicorn, 2 workers × 4 threads each) on one PostgreSQL database; for each
pair, two logged-in users open /erfassung (the form's context as the page sends it), then both
press „Speichern“ at the same moment, one on each instance, with different values. Counted:
pairs in which both were told „Gespeichert“, accepted values that are neither current nor in the
value history (lost), replaced values kept twice, and conflicts reported to the slower one.

    python -m benchmarks.concurrent_saves [--pairs 20] [--admin-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, select, text

from benchmarks.dash_requests import save_payload
from db.demo import DEMO_PASSWORD
from db.engine import make_engine
from db.models import Indikator, Messwert, MesswertVersion
from zielcockpit.domain.periods import Period
from zielcockpit.services.entry_form import entry_form

ROOT = Path(__file__).resolve().parents[1]
DASH = "/_dash-update-component"
CODE, UNIT, PERIOD = "510-4.2", "510", "2017-Q3"


def log_in(base: str, name: str, password: str) -> requests.Session:
    """A browser's login through the form; the CSRF header set as Dash's renderer does."""
    s = requests.Session()
    page = s.get(f"{base}/login", timeout=30).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf, "Anmeldeseite ohne CSRF-Feld"
    answer = s.post(
        f"{base}/login",
        data={"name": name, "password": password, "csrf": csrf.group(1), "next": "/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:300]
    s.get(f"{base}/", timeout=30)
    s.headers["X-CSRFToken"] = s.cookies.get("_csrf_token") or ""
    return s


def pressed_at_once(
    users: list[requests.Session],
    bases: list[str],
    payloads: list[dict[str, Any]],
    timings: list[float],
) -> list[str]:
    """Both users press „Speichern“ at the same moment, each on their own instance."""
    barrier = threading.Barrier(len(users))
    answers = [""] * len(users)

    def press(k: int) -> None:
        barrier.wait()
        t0 = time.perf_counter()
        r = users[k].post(f"{bases[k]}{DASH}", json=payloads[k], timeout=60)
        timings.append(time.perf_counter() - t0)
        answers[k] = json.dumps(r.json(), ensure_ascii=False) if r.ok else r.text

    threads = [threading.Thread(target=press, args=(k,)) for k in range(len(users))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def start(url: str, port: int, secret: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "ZIELCOCKPIT_SECRET_KEY": secret}
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", "2", "--threads", "4", "--log-level", "warning", "app.wsgi:server"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def wait_up(base: str) -> None:
    for _ in range(120):
        try:
            if requests.get(f"{base}/api/v1/health", timeout=15).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} antwortet nicht")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    name = f"zc_saves_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.admin_url.replace("postgresql://", "postgresql+psycopg://"))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for step in (["init-db"], ["load-catalogue"], ["seed-demo"]):
            subprocess.run(
                [sys.executable, "-m", "zielcockpit.cli", "--database-url", url, *step],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        secret = uuid.uuid4().hex
        bases = ["http://127.0.0.1:8071", "http://127.0.0.1:8072"]
        procs = [start(url, 8071, secret), start(url, 8072, secret)]
        for base in bases:
            wait_up(base)
        users = [
            log_in(bases[0], "demo-fb-510", DEMO_PASSWORD),
            log_in(bases[1], "demo-controlling", DEMO_PASSWORD),
        ]
        engine = make_engine(url)
        both_saved = conflicts = 0
        accepted: list[Decimal] = []
        timings: list[float] = []
        for n in range(args.pairs):
            form = entry_form(engine, "2017", UNIT, Period.parse(PERIOD))
            context = {"plan": "2017", "period": PERIOD, "oe": UNIT, "seen": form.seen()}
            values = [str(1000 + 2 * n), str(1001 + 2 * n)]
            payloads = [
                save_payload(context, {CODE: v}, comments={CODE: f"Paar {n}, Wert {v}"})
                for v in values
            ]
            answers = pressed_at_once(users, bases, payloads, timings)
            saved = ["Gespeichert für" in a for a in answers]
            both_saved += all(saved)
            conflicts += sum("inzwischen von" in a for a in answers)
            accepted += [Decimal(values[k]) for k in (0, 1) if saved[k]]
        with engine.connect() as conn:
            current = conn.execute(
                select(Messwert.id, Messwert.value)
                .join(Indikator, Indikator.id == Messwert.indikator_id)
                .where(Indikator.code == CODE, Messwert.period == PERIOD, Messwert.ort_id.is_(None))
            ).one()
            history = [
                v
                for (v,) in conn.execute(
                    select(MesswertVersion.value).where(MesswertVersion.messwert_id == current.id)
                )
            ]
        kept = {Decimal(v) for v in [current.value, *history] if v is not None}
        lost = [v for v in accepted if v not in kept]
        twice = sum(1 for _v, c in Counter(history).items() if c > 1)
        timings.sort()
        print(f"Paare: {args.pairs}, zwei Instanzen × 2 Worker × 4 Threads, PostgreSQL")
        print(f"beide „Gespeichert“: {both_saved}")
        print(f"angenommene Werte: {len(accepted)}, davon verloren: {len(lost)}")
        print(f"Konflikt gemeldet: {conflicts}")
        print(f"ersetzte Werte doppelt in der Historie: {twice}")
        print(f"Speichern: Median {timings[len(timings) // 2] * 1000:.0f} ms")
        engine.dispose()
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
