"""The Excel export of the Quartalsvergleich for 5,000 measures (issue 16: goal < 500 ms).

Run: .venv/bin/python -m benchmarks.bench_export [--runs 9] [--measures 5000]
Builds the synthetic plan (benchmarks/synthetic.py: 5,000 measures × 3 indicators × 8 quarters)
in a temporary SQLite file, then times in one run, medians of `--runs` after one warm-up:
  - the whole download callback through Dash's HTTP endpoint, as „Als Excel-Datei herunterladen“
    sends it (the plan evaluated and cached, as on a page that is already open);
  - its parts: the table of the view (`quarter_table`) and the workbook (`workbook_bytes`).
Prints the medians and the export against the goal; exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.export import workbook_bytes  # noqa: E402
from app.filters import parse_filters  # noqa: E402
from app.viewmodel import quarter_table  # noqa: E402
from benchmarks.bench_dashboard import Client, add_bench_user, app_for  # noqa: E402
from benchmarks.synthetic import build_synthetic  # noqa: E402
from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from zielcockpit.services.evaluation import plan_snapshot  # noqa: E402

GOAL_MS = 500.0


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--measures", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zc-bench-export-") as folder:
        url = f"sqlite:///{folder}/synthetic.db"
        engine = make_engine(url)
        upgrade(engine)
        key = build_synthetic(engine, measures=args.measures, indicators_per_measure=3, quarters=8)
        add_bench_user(engine)
        client = Client(app_for(url))
        search = f"?plan={key}&period=2017-Q4"
        callback, times = median_ms(lambda: client.export(search), args.runs)

        snapshot = plan_snapshot(engine, key)
        filters = parse_filters({"plan": [key], "period": ["2017-Q4"]}, snapshot)
        table_ms, _ = median_ms(lambda: quarter_table(snapshot, filters), args.runs)
        table = quarter_table(snapshot, filters)
        now = dt.datetime.now()
        book_ms, _ = median_ms(
            lambda: workbook_bytes(table.rows, table.quarters, [("Plan", "x")], now), args.runs
        )
        engine.dispose()
    rows = len(table.rows)
    print(f"Excel-Export des Quartalsvergleichs, {rows} Maßnahmen, Mediane aus {args.runs} Läufen:")
    print(f"  Tabelle der Ansicht (quarter_table):   {table_ms:8.1f} ms")
    print(f"  Arbeitsmappe (workbook_bytes):         {book_ms:8.1f} ms")
    print(
        f"  Download-Callback über HTTP (gesamt):  {callback:8.1f} ms  "
        f"(alle: {', '.join(f'{t:.0f}' for t in times)})"
    )
    met = callback < GOAL_MS
    print(
        f"  Ziel < {GOAL_MS:.0f} ms: {'erreicht' if met else 'verfehlt'} "
        f"(Verhältnis zum Ziel {callback / GOAL_MS:.2f})"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
