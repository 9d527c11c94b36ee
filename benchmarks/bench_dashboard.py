"""Speed of the dashboard: server-side callbacks and browser time-to-usable; prints the figures.

    .venv/bin/python benchmarks/bench_dashboard.py [--runs 21] [--browser-runs 7]
                                                   [--no-browser] [--measures 5000]

1. The 2017 demo database (SQLite, built in a temporary folder): every page's router callback
   and the app's other callbacks, called through Dash's own HTTP endpoint (so JSON encoding is
   included), the Maßnahme page for REGE-9 and for the largest measure, Jobcenter-3 (21
   charts); median and 90th percentile of `--runs` runs after one warm-up. Goal: < 100 ms.
2. The same database behind the real server (`zielcockpit serve`) in headless Chromium: time
   from navigation to the page's content being on screen (a Maßnahme page: its first chart),
   median of `--browser-runs`; once as a full page load, and for the Maßnahme pages also as a
   click inside the app (a link from the overview, no reload), as a user moves. Goal: < 1 s.
3. A synthetic plan (benchmarks/synthetic.py: 5,000 measures × 3 indicators × 8 quarters): the
   same callbacks; the first call after a change of data fetches and evaluates the plan (shown
   as „kalt“), the median is over the following runs. Goal: < 300 ms.
Goals of issue 24; each line prints its figure with the goal beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import dash  # noqa: E402
from sqlalchemy import Engine, select  # noqa: E402

from app import create_app  # noqa: E402
from benchmarks.dash_requests import log_in, route_payload  # noqa: E402
from benchmarks.synthetic import build_synthetic  # noqa: E402
from benchmarks.timing import row, timed  # noqa: E402
from db.demo import seed_demo  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Handlungsfeld, Plan  # noqa: E402
from db.users import add_user  # noqa: E402
from zielcockpit.services.catalogue import load_catalogue  # noqa: E402
from zielcockpit.settings import CATALOGUE_DIR, Settings  # noqa: E402

BENCH_USER, BENCH_PASSWORD = "messung", "messung-nur-lesen"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_LIMIT_MS = 100.0
BROWSER_LIMIT_MS = 1000.0
SYNTHETIC_LIMIT_MS = 300.0
LARGEST_MEASURE = "Jobcenter-3"  # of the 2017 demo: 21 indicators, 21 charts
FIRST_CHART = ".indicator-panel .js-plotly-plot"  # a Maßnahme page is usable when drawn


# -- measuring -------------------------------------------------------------------------------------


# -- the app's callbacks over HTTP --------------------------------------------------------------------


class Client:
    """Posts callback requests the way the browser's Dash renderer does."""

    def __init__(self, app: dash.Dash):
        self.client = log_in(app.server.test_client(), BENCH_USER, BENCH_PASSWORD)

    def _post(self, payload: dict[str, Any]) -> bytes:
        response = self.client.post("/_dash-update-component", json=payload)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"{payload['output']}: HTTP {response.status_code}")
        return bytes(response.data)

    def page(self, pathname: str, search: str = "") -> bytes:
        body = self._post(route_payload(pathname, search))
        if b"konnte nicht aufgebaut werden" in body or b"Nicht gefunden" in body:
            raise RuntimeError(f"{pathname}{search}: die Seite meldet einen Fehler")
        return body

    def filter_change(self, shown: dict[str, str], chosen: dict[str, str], search: str) -> bytes:
        ids = [{"type": "app-filter", "name": k} for k in shown]
        return self._post(
            {
                "output": "app-url.search",
                "outputs": {"id": "app-url", "property": "search"},
                "inputs": [
                    [
                        {
                            "id": i,
                            "property": "value",
                            "value": chosen.get(i["name"], shown[i["name"]]),
                        }
                        for i in ids
                    ]
                ],
                "changedPropIds": [
                    '{"name":"' + next(iter(chosen)) + '","type":"app-filter"}.value'
                ],
                "state": [
                    [{"id": i, "property": "id", "value": i} for i in ids],
                    [
                        {
                            "id": {"type": "app-filter-shown", "bar": "filters"},
                            "property": "data",
                            "value": shown,
                        }
                    ],
                    {"id": "app-url", "property": "search", "value": search},
                ],
            }
        )

    def navigation(self, pathname: str, search: str) -> bytes:
        links = (  # the links every role sees, in the navigation's order
            "app-nav-overview",
            "app-nav-quartale",
            "app-nav-bezirke",
            "app-nav-praesentation",
            "app-nav-hilfe",
        )
        output = "...".join(
            [f"{link}.href" for link in links] + [f"{link}.className" for link in links]
        )
        return self._post(
            {
                "output": f"..{output}..",
                "outputs": [{"id": link, "property": "href"} for link in links]
                + [{"id": link, "property": "className"} for link in links],
                "inputs": [
                    {"id": "app-url", "property": "pathname", "value": pathname},
                    {"id": "app-url", "property": "search", "value": search},
                ],
                "changedPropIds": ["app-url.search"],
                "state": [],
            }
        )

    def export(self, search: str) -> bytes:
        body = self._post(
            {
                "output": "quartale-download.data",
                "outputs": {"id": "quartale-download", "property": "data"},
                "inputs": [{"id": "quartale-export", "property": "n_clicks", "value": 1}],
                "changedPropIds": ["quartale-export.n_clicks"],
                "state": [
                    {"id": "app-url", "property": "search", "value": search},
                    {"id": "quartale-grid", "property": "virtualRowData", "value": None},
                ],
            }
        )
        if b"xlsx" not in body:
            raise RuntimeError("Export lieferte keine Excel-Datei")
        return body


def first_cluster(engine: Engine, plan_key: str) -> int:
    with engine.connect() as conn:
        found = conn.scalar(
            select(Handlungsfeld.id)
            .join(Plan, Plan.id == Handlungsfeld.plan_id)
            .where(Plan.key == plan_key)
            .order_by(Handlungsfeld.position)
        )
    assert found is not None
    return int(found)


def server_cases(
    client: Client, plan: str, period: str, cluster: int, measures: tuple[str, ...]
) -> list[tuple[str, Callable[[], Any]]]:
    q = f"?plan={plan}&period={period}"

    def measure_page(code: str) -> tuple[str, Callable[[], Any]]:
        return f"Maßnahme /massnahme/{code}", lambda: client.page(f"/massnahme/{code}", q)

    return [
        ("Übersicht /", lambda: client.page("/", q)),
        ("Übersicht, Filter Ampel rot", lambda: client.page("/", q + "&light=red")),
        ("Handlungsfeld /cluster/<id>", lambda: client.page(f"/cluster/{cluster}", q)),
        *[measure_page(code) for code in measures],
        ("Quartalsvergleich /quartale", lambda: client.page("/quartale", q)),
        (
            "Ausschussmodus /praesentation?folie=2",
            lambda: client.page("/praesentation", q + "&folie=2"),
        ),
        ("Seite nicht gefunden", lambda: client.page("/gibt-es-nicht")),
        (
            "Callback Filter → Adresse",
            lambda: client.filter_change(
                {"plan": plan, "period": period, "light": "alle"}, {"light": "red"}, q
            ),
        ),
        ("Callback Navigation", lambda: client.navigation("/", q)),
        ("Callback Excel-Export (alle Maßnahmen)", lambda: client.export(q)),
    ]


def run_server_part(
    title: str, cases: list[tuple[str, Callable[[], Any]]], runs: int, limit: float
) -> bool:
    print(title)
    all_ok = True
    for name, fn in cases:
        first, times = timed(fn, runs)
        line, ok = row(name, first, times, limit)
        all_ok &= ok
        print(line)
    return all_ok


# -- the browser ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "zielcockpit.cli",
            "--database-url",
            url,
            "serve",
            "--port",
            str(port),
        ],
        cwd=REPO,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/api/v1/health", timeout=2):
                return process, base
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("Server startete nicht:\n" + log.read_text())


def click_to_measure(page: Any, base: str, code: str) -> float:
    """Milliseconds from a click on the overview's link to a measure until its first chart is
    drawn. Dash draws the new page without reloading; a mark set on the window before the click
    proves it."""
    page.goto(base + "/")
    page.wait_for_selector("#overview-scorecard table", state="visible")
    page.evaluate("() => { window.zcSamePage = true; }")
    link = page.locator(f'a[href^="/massnahme/{code}?"], a[href="/massnahme/{code}"]').first
    start = time.perf_counter()
    link.click()
    page.wait_for_selector(FIRST_CHART, state="visible", timeout=15_000)
    took = (time.perf_counter() - start) * 1000
    if not page.evaluate("() => window.zcSamePage === true"):
        raise RuntimeError(f"/massnahme/{code}: die Seite wurde neu geladen")
    return took


def run_browser_part(base: str, cluster: int, runs: int) -> bool:
    from playwright.sync_api import sync_playwright

    # What "usable" means per page: its main content is drawn (grid rows, charts, slide).
    pages = [
        ("Übersicht /", "/", "#overview-scorecard table"),
        ("Handlungsfeld /cluster/<id>", f"/cluster/{cluster}", "#cluster-table table"),
        ("Maßnahme /massnahme/REGE-9", "/massnahme/REGE-9", FIRST_CHART),
        (
            f"Maßnahme /massnahme/{LARGEST_MEASURE}",
            f"/massnahme/{LARGEST_MEASURE}",
            FIRST_CHART,
        ),
        ("Quartalsvergleich /quartale", "/quartale", ".ag-row"),
        ("Ausschussmodus /praesentation", "/praesentation?folie=2", ".slide-item"),
    ]
    print(f"Browser (Chromium, 1920×1080), Zeit bis benutzbar, Median aus {runs} Aufrufen:")
    all_ok = True
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        page = context.new_page()
        page.goto(base + "/login")
        page.fill("#name", BENCH_USER)
        page.fill("#password", BENCH_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        outside: list[str] = []
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith((base, "data:")) else None,
        )
        for name, path, ready in pages:

            def load(path: str = path, ready: str = ready) -> None:
                page.goto(base + path)
                page.wait_for_selector(ready, state="visible", timeout=15_000)

            first, times = timed(load, runs)
            line, ok = row(name, first, times, BROWSER_LIMIT_MS)
            all_ok &= ok
            print(line)
        for code in ("REGE-9", LARGEST_MEASURE):
            took = [click_to_measure(page, base, code) for _ in range(runs + 1)]
            line, ok = row(
                f"Maßnahme {code}, Klick in der App (ohne Neuladen)",
                took[0],
                took[1:],
                BROWSER_LIMIT_MS,
            )
            all_ok &= ok
            print(line)
        context.close()
        browser.close()
    if outside:
        print(f"  Anfragen nach außen: {outside}")
        all_ok = False
    else:
        print("  Anfragen nach außen: keine")
    return all_ok


# -- main ------------------------------------------------------------------------------------------------


def build_demo(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        load_catalogue(engine, path)
    seed_demo(engine, "2017")
    add_bench_user(engine)
    return engine


def add_bench_user(engine: Engine) -> None:
    """Every page needs a login: the measurement reads as the Dezernatsleitung would."""
    add_user(engine, BENCH_USER, "leitung", BENCH_PASSWORD, [], actor="benchmark")


def app_for(url: str) -> dash.Dash:
    dash.page_registry.clear()
    return create_app(Settings.resolve({"DATABASE_URL": url}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Geschwindigkeit des Dashboards messen.")
    parser.add_argument("--runs", type=int, default=21, help="Läufe je Callback (Standard 21)")
    parser.add_argument("--browser-runs", type=int, default=7, help="Aufrufe je Seite im Browser")
    parser.add_argument("--no-browser", action="store_true", help="ohne Browsermessung")
    parser.add_argument(
        "--measures", type=int, default=5000, help="Maßnahmen des synthetischen Plans"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="zc_bench_dash_"))
    ok = True
    try:
        demo_url = f"sqlite:///{folder / 'demo.db'}"
        demo = build_demo(demo_url)
        cluster = first_cluster(demo, "2017")
        print(
            f"Zielcockpit-Dashboard, {dt.datetime.now():%d.%m.%Y %H:%M}, Python {sys.version.split()[0]}"
        )
        print(f"Demodatenbank 2017 (SQLite), {args.runs} Läufe nach einem Aufwärmlauf:")
        client = Client(app_for(demo_url))
        ok &= run_server_part(
            "Server (Dash-Callbacks über HTTP, inkl. JSON):",
            server_cases(client, "2017", "2017-Q3", cluster, ("REGE-9", LARGEST_MEASURE)),
            args.runs,
            SERVER_LIMIT_MS,
        )
        if args.no_browser:
            print("Browser: übersprungen (--no-browser)")
        elif not CHROMIUM.exists():
            print(f"Browser: übersprungen, {CHROMIUM} fehlt")
        else:
            live = folder / "live.db"
            shutil.copy(folder / "demo.db", live)
            process, base = start_server(f"sqlite:///{live}", folder / "server.log")
            try:
                ok &= run_browser_part(base, cluster, args.browser_runs)
            finally:
                process.terminate()
                process.wait(10)
        syn_url = f"sqlite:///{folder / 'synthetic.db'}"
        syn = make_engine(syn_url)
        upgrade(syn)
        start = time.perf_counter()
        key = build_synthetic(syn, measures=args.measures, indicators_per_measure=3, quarters=8)
        built = time.perf_counter() - start
        add_bench_user(syn)
        print(
            f"Synthetischer Plan: {args.measures} Maßnahmen × 3 Indikatoren × 8 Quartale "
            f"(aufgebaut in {built:.1f} s), {max(5, args.runs // 2)} Läufe:"
        )
        syn_client = Client(app_for(syn_url))
        ok &= run_server_part(
            "Server (Dash-Callbacks über HTTP, inkl. JSON):",
            server_cases(syn_client, key, "2017-Q4", first_cluster(syn, key), ("SYN-17",)),
            max(5, args.runs // 2),
            SYNTHETIC_LIMIT_MS,
        )
        print("Ergebnis:", "alle Grenzen eingehalten" if ok else "Grenze überschritten")
        return 0 if ok else 1
    finally:
        if os.environ.get("ZC_BENCH_KEEP") != "1":
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
