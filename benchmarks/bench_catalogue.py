"""Speed of the catalogue workbook, the browser edit and `plan copy`; prints the figures.

    .venv/bin/python -m benchmarks.bench_catalogue [--runs 7]

On the 2017 plan (48 measures, 95 indicators) in a temporary SQLite database with the demo
values: median and 90th percentile of `--runs` runs after one warm-up („kalt“) of
1. the export (the whole catalogue read from the database and written as .xlsx),
2. an import of that export, unchanged (read, checked, compared: „unverändert“),
3. an import with one changed target (written in one transaction, audited), alternating
   between two targets so every run writes,
4. a save of the measure page's form (one indicator),
5. the evaluation of the whole plan for a quarter with and without kept rules of a released
   quarter (ratio printed: what keeping a released quarter's judgement costs the readers).
`plan copy` runs once (it creates a plan).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from openpyxl import load_workbook  # noqa: E402

from benchmarks.timing import row, timed  # noqa: E402
from db.demo import seed_demo  # noqa: E402
from db.engine import make_engine, transaction  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.quarters import release  # noqa: E402
from zielcockpit.domain.access import Principal  # noqa: E402
from zielcockpit.services.catalogue import (  # noqa: E402
    copy_plan,
    export_workbook,
    import_workbook,
    load_catalogue,  # noqa: E402
)
from zielcockpit.services.catalogue_edit import IndicatorEdit, edit_forms, save_indicator  # noqa: E402
from zielcockpit.services.evaluation import plan_status  # noqa: E402
from zielcockpit.settings import CATALOGUE_DIR  # noqa: E402

EXPORT_LIMIT_MS = 3000.0
IMPORT_LIMIT_MS = 5000.0
EDIT_LIMIT_MS = 2000.0


def _with_target(content: bytes, code: str, target: int) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb["Indikatoren"]
    header = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        if r[header.index("Code")].value == code:
            r[header.index("Zielwert")].value = target
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
            load_catalogue(engine, path)
        seed_demo(engine, "2017")
        print("Katalog-Mappe, Plan 2017 (48 Maßnahmen, 95 Indikatoren), SQLite:")
        content = export_workbook(engine, "2017")
        print(f"  Größe der Mappe: {len(content) / 1024:.0f} KiB")
        lines = []
        lines.append(
            row(
                "Export",
                *timed(lambda: export_workbook(engine, "2017"), args.runs),
                EXPORT_LIMIT_MS,
            )
        )
        unchanged = timed(lambda: import_workbook(engine, content, "k.xlsx", apply=True), args.runs)
        lines.append(row("Import unverändert", *unchanged, IMPORT_LIMIT_MS))
        variants = [_with_target(content, "REGE-3.1", t) for t in (5, 6)]
        turn = iter(range(10**6))
        lines.append(
            row(
                "Import mit einer Änderung (geschrieben)",
                *timed(
                    lambda: import_workbook(engine, variants[next(turn) % 2], "k.xlsx", apply=True),
                    args.runs,
                ),
                IMPORT_LIMIT_MS,
            )
        )
        who = Principal("bench", "controlling")
        targets = iter(range(10, 10**6))

        def save() -> None:
            form = edit_forms(engine, "2017", "REGE-3")["REGE-3.1"]
            edit = IndicatorEdit(
                "REGE-3.1",
                form.seen,
                str(next(targets)),
                due=form.due,
                aggregation=form.aggregation,
            )
            outcome = save_indicator(engine, who, "2017", "REGE-3", edit)
            if not outcome.saved:
                raise RuntimeError(outcome.messages)

        lines.append(
            row("Formular: ein Indikator gespeichert", *timed(save, args.runs), EDIT_LIMIT_MS)
        )
        for text, passed in lines:
            print(text)
            ok = ok and passed
        plain = timed(lambda: plan_status(engine, "2017", "2017-Q2"), args.runs)[1]
        with transaction(engine) as session:
            release(session, "2017", "2017-Q2", "bench")
        for code in ("Jobcenter-1.1", "REGE-1.1", "510-4.2"):
            import_workbook(
                engine,
                _with_target(export_workbook(engine, "2017"), code, 999),
                "k.xlsx",
                apply=True,
            )
        kept = timed(lambda: plan_status(engine, "2017", "2017-Q2"), args.runs)[1]
        a, b = statistics.median(plain), statistics.median(kept)
        print(
            f"  Bewertung 2017-Q2 ohne Regelstände {a:8.1f} ms, mit Regelständen {b:8.1f} ms "
            f"(Verhältnis {b / a:.2f})"
        )
        start = time.perf_counter()
        copy_plan(engine, "2017", "2018")
        print(
            f"  plan copy 2017 2018 (einmal)          {(time.perf_counter() - start) * 1000:8.1f} ms"
        )
        engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
