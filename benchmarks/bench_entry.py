"""Speed of data entry, upload preview, audit trail and completeness; prints the figures.

    .venv/bin/python benchmarks/bench_entry.py [--runs 15] [--measures 5000]

Everything is called through Dash's own HTTP endpoint with a logged-in session (login, CSRF
check and JSON encoding included); median and 90th percentile of `--runs` runs after one
warm-up („kalt“).
1. The 2017 demo database (SQLite, temporary folder): the form of the largest unit, a save that
   writes one value (judged, audited) and one that changes nothing, the audit trail, the
   completeness list and its Excel file, the preview of an upload (84 monthly values).
2. A synthetic plan (benchmarks/synthetic.py, `--measures` × 3 indicators × 8 quarters) next to
   it: the audit trail (value history of every stored value) and the completeness list.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import dash  # noqa: E402

from app import create_app  # noqa: E402
from benchmarks.dash_requests import DASH, log_in, route_payload  # noqa: E402
from benchmarks.synthetic import build_synthetic  # noqa: E402
from benchmarks.timing import row, timed  # noqa: E402
from db.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from zielcockpit.services.catalogue import load_catalogue  # noqa: E402
from zielcockpit.settings import CATALOGUE_DIR, Settings  # noqa: E402

PAGE_LIMIT_MS = 300.0  # a form of 20 indicators or a grid of 2,000 changes, server side
SAVE_LIMIT_MS = 500.0
PREVIEW_LIMIT_MS = 1000.0  # read, detected, checked, compared with what is stored


class Session:
    """A logged-in browser, as far as the server can tell."""

    def __init__(self, app: dash.Dash, name: str):
        self.client = log_in(app.server.test_client(), name, DEMO_PASSWORD)

    def post(self, payload: dict[str, Any], must: bytes | None = None) -> bytes:
        response = self.client.post(DASH, json=payload)
        if response.status_code != 200:
            raise RuntimeError(f"{payload['output']}: HTTP {response.status_code}")
        body = bytes(response.data)
        if must is not None and must not in body:
            raise RuntimeError(f"{payload['output']}: Antwort ohne {must!r}: {body[:300]!r}")
        return body

    def page(self, pathname: str, search: str = "") -> bytes:
        return self.post(
            route_payload(pathname, search),
            must=b"page-",
        )


def save_payload(value: str) -> dict[str, Any]:
    return {
        "output": "erfassung-message.children",
        "outputs": {"id": "erfassung-message", "property": "children"},
        "inputs": [{"id": "erfassung-save", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["erfassung-save.n_clicks"],
        "state": [
            {
                "id": "erfassung-context",
                "property": "data",
                "value": {"plan": "2017", "period": "2017-Q3", "oe": "540"},
            },
            [
                {
                    "id": {"index": "540-9.2", "type": "erfassung-value"},
                    "property": "value",
                    "value": value,
                }
            ],
            [],
            [
                {
                    "id": {"index": "540-9.2", "type": "erfassung-comment"},
                    "property": "value",
                    "value": "Messung",
                }
            ],
            [],
            [],
        ],
    }


def trail_payload(kind: str = "alle") -> dict[str, Any]:
    return {
        "output": "..protokoll-grid.rowData...protokoll-count.children..",
        "outputs": [
            {"id": "protokoll-grid", "property": "rowData"},
            {"id": "protokoll-count", "property": "children"},
        ],
        "inputs": [
            {"id": "protokoll-measure", "property": "value", "value": "alle"},
            {"id": "protokoll-user", "property": "value", "value": "alle"},
            {"id": "protokoll-kind", "property": "value", "value": kind},
        ],
        "changedPropIds": ["protokoll-kind.value"],
        "state": [],
    }


def download_payload(search: str) -> dict[str, Any]:
    return {
        "output": "vollstaendigkeit-download.data",
        "outputs": {"id": "vollstaendigkeit-download", "property": "data"},
        "inputs": [{"id": "vollstaendigkeit-export", "property": "n_clicks", "value": 1}],
        "changedPropIds": ["vollstaendigkeit-export.n_clicks"],
        "state": [{"id": "app-url", "property": "search", "value": search}],
    }


def preview_payload(content: bytes) -> dict[str, Any]:
    url = "data:text/csv;base64," + base64.b64encode(content).decode("ascii")
    return {
        "output": "..import-preview.children...import-checked.data..",
        "outputs": [
            {"id": "import-preview", "property": "children"},
            {"id": "import-checked", "property": "data"},
        ],
        "inputs": [
            {
                "id": "import-file",
                "property": "data",
                "value": {"name": "werte.csv", "contents": url},
            }
        ],
        "changedPropIds": ["import-file.data"],
        "state": [],
    }


def upload_csv() -> bytes:
    """Monthly values of seven indicators over 2017 in the long format (84 values)."""
    codes = ["REGE-4.1", "REGE-9.2", "REGE-13.1", "REGE-7.1", "REGE-2.1", "REGE-11.1", "REGE-12.1"]
    lines = ["Indikator;Zeitraum;Wert"]
    lines += [
        f"{code};2017-{month:02d};{(n * 7 + month) % 50}"
        for n, code in enumerate(codes)
        for month in range(1, 13)
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build(folder: Path, measures: int) -> str:
    path = folder / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    for catalogue in sorted(CATALOGUE_DIR.glob("*.yaml")):
        load_catalogue(engine, catalogue)
    seed_demo(engine, "2017")
    if measures:
        build_synthetic(engine, measures=measures)
    engine.dispose()
    return f"sqlite:///{path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--measures", type=int, default=5000)
    args = parser.parse_args(argv)
    results: list[bool] = []
    with tempfile.TemporaryDirectory(prefix="zc-bench-entry-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        url = build(folder, args.measures)
        print(
            f"Datenbank: Demodaten 2017 + synthetischer Plan ({args.measures} Maßnahmen), "
            f"aufgebaut in {time.perf_counter() - start:.1f} s"
        )
        dash.page_registry.clear()
        app = create_app(
            Settings.resolve({"DATABASE_URL": url, "ZIELCOCKPIT_ARCHIVE_DIR": str(folder / "a")})
        )
        controlling = Session(app, "demo-controlling")
        admin = Session(app, "demo-admin")
        values = iter(range(10, 10_000))

        print("Plan 2017 (Demodaten):")
        cases: list[tuple[str, Callable[[], Any], float]] = [
            (
                "Erfassung 540, 3. Quartal (Formular)",
                lambda: controlling.page("/erfassung", "?plan=2017&period=2017-Q3&oe=540"),
                PAGE_LIMIT_MS,
            ),
            (
                "Speichern: 1 Wert geändert (geprüft, geschrieben)",
                lambda: controlling.post(save_payload(str(next(values))), must=b"Gespeichert"),
                SAVE_LIMIT_MS,
            ),
            (
                "Speichern: nichts geändert",
                # the first call stores 9999, every following one finds it stored
                lambda: controlling.post(save_payload("9999"), must=b"Keine"),
                SAVE_LIMIT_MS,
            ),
            (
                "Vollständigkeit (Seite)",
                lambda: controlling.page("/vollstaendigkeit"),
                PAGE_LIMIT_MS,
            ),
            (
                "Vollständigkeit als Excel-Datei",
                lambda: controlling.post(download_payload("?plan=2017&period=2017-Q3"), b"xlsx"),
                PAGE_LIMIT_MS,
            ),
        ]
        for name, fn, limit in cases:
            if name == "Speichern: nichts geändert":
                controlling.post(save_payload("9999"))  # what the unchanged saves compare with
            text, ok = row(name, *timed(fn, args.runs), limit)
            print(text)
            results.append(ok)
        content = upload_csv()
        text, ok = row(
            "Import-Vorschau (84 Werte, CSV)",
            *timed(lambda: controlling.post(preview_payload(content), b"Vorschau"), args.runs),
            PREVIEW_LIMIT_MS,
        )
        print(text)
        results.append(ok)

        print(f"Mit synthetischem Plan ({args.measures} Maßnahmen, alle Werte im Protokoll):")
        for name, fn in (
            ("Protokoll (Seite, neueste 2.000)", lambda: admin.page("/protokoll")),
            ("Protokoll gefiltert: Demodaten", lambda: admin.post(trail_payload("demo"))),
            (
                "Vollständigkeit synthetischer Plan",
                lambda: controlling.page("/vollstaendigkeit", "?plan=synthetisch&period=2017-Q3"),
            ),
        ):
            text, ok = row(name, *timed(fn, args.runs), PAGE_LIMIT_MS * 3)
            print(text)
            results.append(ok)
        app.server.config["ZC_ENGINE"].dispose()
    print("Alle Grenzen eingehalten." if all(results) else "Mindestens eine Grenze überschritten.")
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
