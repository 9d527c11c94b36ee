"""Districts: the /bezirke overview callback and the profile layout on the demo data (goal: median
under 100 ms), and the Sozialstrukturindex over 1,000 places × 20 indicators (under 200 ms).

    python -m benchmarks.bench_places [--runs 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.timing import row, timed
from db.demo import seed_demo
from db.engine import make_engine
from db.migrate import upgrade
from zielcockpit.services import places as svc
from zielcockpit.services.catalogue import load_catalogue
from zielcockpit.settings import CATALOGUE_DIR, Settings


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    lines, ok = [], True
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
            load_catalogue(engine, path)
        seed_demo(engine, "2017")
        import dash

        from app import create_app

        dash.page_registry.clear()
        app = create_app(Settings.resolve({"DATABASE_URL": url}))
        from app.pages import bezirk, bezirke

        with app.server.test_request_context("/"):
            for name, fn in (
                ("Übersicht: Karte+Rangfolge (Index)", lambda: bezirke.overview_parts("2017-Q3", "index", "stadtbezirk")),
                ("Übersicht: Karte (K-SGB2)", lambda: bezirke.overview_parts("2017-Q3", "K-SGB2", "stadtbezirk")),
                ("Übersicht: Stadtteile", lambda: bezirke.overview_parts("2017-Q3", "index", "stadtteil")),
                ("Ortsprofil Baumheide (Seite)", lambda: bezirk.layout(ort="Baumheide")),
                ("Verteilung 250.000 €", lambda: bezirke.allocation_rows("2017-Q3", "stadtbezirk", "250.000", "40", "K-U18")),
            ):  # fmt: skip
                first, times = timed(fn, args.runs)
                line, good = row(name, first, times, 100)
                lines.append(line)
                ok &= good
        engine.dispose()
    rng = np.random.default_rng(15)
    frame = pd.DataFrame(rng.random((1000, 20)) * 100, columns=[f"K{i}" for i in range(20)])
    frame.iloc[::97, 3] = np.nan
    components = [
        {"code": f"K{i}", "direction": "hoeher_belastet" if i % 3 else "niedriger_belastet",
         "weight": 1 + i % 4}
        for i in range(20)
    ]  # fmt: skip
    first, times = timed(lambda: svc.compute_index(frame, components), args.runs)
    line, good = row("Index 1.000 Orte × 20 Indikatoren", first, times, 200)
    lines.append(line)
    ok &= good
    print("Bezirke (Demodaten, SQLite) – Mediane in ms:")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
