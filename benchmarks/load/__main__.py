"""The load benchmark: Locust users against gunicorn and PostgreSQL, all on 127.0.0.1.

Creates a temporary PostgreSQL database (dropped afterwards), fills it with `zielcockpit
init-db`, `load-catalogue` and `seed-demo`, starts gunicorn as the Dockerfile does (2 workers × 4
threads), runs `benchmarks/load/locustfile.py` headless for a fixed number of users and time,
and prints requests, failures by kind, and median/p95/p99 per request type.

    python -m benchmarks.load [--users 50] [--spawn-rate 10] [--run-time 3m]
        [--admin-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.engine import normalise_url

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _local_only(url: str) -> None:
    host = make_url(normalise_url(url)).host
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"Nur eine PostgreSQL-Datenbank auf 127.0.0.1, nicht {host}.")


def _prepare(url: str) -> None:
    for step in (["init-db"], ["load-catalogue"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "zielcockpit.cli", "--database-url", url, *step],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )


def _gunicorn(
    url: str, port: int, workers: int, threads: int, keep_alive: int, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ZIELCOCKPIT_SECRET_KEY": uuid.uuid4().hex,
        "ZIELCOCKPIT_ARCHIVE_DIR": str(log.parent / "archiv"),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads)]
    command += ["--keep-alive", str(keep_alive), "--graceful-timeout", "5"]
    command += ["--log-level", "warning", "app.wsgi:server"]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


def _wait(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn beendet:\n" + log.read_text())
        try:
            if requests.get(base + "/api/v1/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base} antwortet nicht")


def _ms(value: str) -> str:
    return "–" if value in ("", "N/A") else f"{float(value):.0f}"


def report(prefix: Path, seconds: float, users: int, workers: int, threads: int) -> None:
    """The figures of Locust's CSV files, per request type."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"\nLasttest: {users} Nutzer, {seconds / 60:.1f} Minuten ({seconds:.0f} s), "
        f"gunicorn {workers} Worker × {threads} Threads, PostgreSQL, alles auf 127.0.0.1"
    )
    head = (
        f"{'Art':<9} {'Name':<52} {'Anfragen':>8} {'Fehler':>6} {'Median':>7} {'p95':>6} {'p99':>6}"
    )
    print(head + "\n" + "-" * len(head))
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "Alle Anfragen"
        kind = row["Type"] if row["Name"] != "Aggregated" else ""
        if kind == "Ergebnis":
            print(f"{kind:<9} {name:<52} {row['Request Count']:>8}")
            continue
        print(
            f"{kind:<9} {name[:52]:<52} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{_ms(row['50%']):>7} {_ms(row['95%']):>6} {_ms(row['99%']):>6}"
        )
    print("(Zeiten in ms; „Ergebnis“-Zeilen zählen die Antworten auf „Speichern“)")
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        failures = list(csv.DictReader(handle))
    if not failures:
        print("Fehler nach Art: keine")
        return
    print("Fehler nach Art:")
    for row in sorted(failures, key=lambda r: -int(r["Occurrences"])):
        print(f"  {row['Occurrences']:>6} × {row['Method']} {row['Name']}: {row['Error'][:160]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="gleichzeitige Nutzer (50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="neue Nutzer je Sekunde (10)")
    parser.add_argument("--run-time", default="3m", help="Dauer, z. B. 90s, 3m, 10m (3m)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn-Worker (2)")
    parser.add_argument("--threads", type=int, default=4, help="Threads je Worker (4)")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=75,
        help="Sekunden, die gunicorn eine ruhende Verbindung offen hält (75, wie im Dockerfile)",
    )
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    _local_only(args.admin_url)
    name = f"zc_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(args.admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(args.admin_url)).set(database=name)
    url_text = url.render_as_string(hide_password=False)
    server: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="zc-last-") as work:
            folder = Path(work)
            print(f"Datenbank {name}: init-db, load-catalogue, seed-demo …", flush=True)
            _prepare(url_text)
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            log = folder / "gunicorn.log"
            server = _gunicorn(url_text, port, args.workers, args.threads, args.keep_alive, log)
            _wait(base, server, folder / "gunicorn.log")
            print(f"gunicorn auf {base}; Locust: {args.users} Nutzer für {args.run_time} …")
            prefix = folder / "lauf"
            started = time.monotonic()
            locust = subprocess.run(
                [
                    *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
                    *("--users", str(args.users), "--spawn-rate", str(args.spawn_rate)),
                    *("--run-time", args.run_time, "--host", base, "--csv", str(prefix)),
                    *("--only-summary", "--loglevel", "WARNING", "--stop-timeout", "30"),
                ],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                capture_output=True,
                text=True,
            )
            seconds = time.monotonic() - started
            if not Path(f"{prefix}_stats.csv").exists():
                print(locust.stdout[-3000:], locust.stderr[-3000:], sep="\n")
                return 1
            report(prefix, seconds, args.users, args.workers, args.threads)
            print(f"gunicorn --keep-alive {args.keep_alive} s")
            gunicorn_log = (folder / "gunicorn.log").read_text(errors="replace").strip()
            if gunicorn_log:
                print("gunicorn meldete:\n" + gunicorn_log[-2000:])
            return locust.returncode
    finally:
        if server is not None:
            server.terminate()
            server.wait(30)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
