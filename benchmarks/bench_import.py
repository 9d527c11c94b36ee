"""Import of one 100,000-row workbook end to end against reading it with openpyxl alone.

Run: .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--repeat 5]
Builds a temporary SQLite database (migrations, the real catalogues, and a generated benchmark
plan with 100 indicators broken down over 84 Quartiere, so 100,000 rows are 100,000 distinct
values), writes the workbook in the long format, then times in the same run:
  - `import_files` end to end (read with calamine, detect the profile, extract, check against the
    catalogue, write in one transaction, archive the file) into a fresh copy of the database;
  - the same import again (every value unchanged): answered from the run that wrote it, at
    most half the fresh import (issue 24);
  - `pandas.read_excel(engine="openpyxl")` of the same file, reading only;
  - a raw python-calamine read of the same file (every cell of the sheet as Python values), the
    floor of any import that reads with calamine (issue 16: the import ≤ 2× this read);
  - the same fresh import with the profile named (`--profile langformat`), alternating with the
    auto-detected one, so auto-detection over all profiles is measured against no detection;
    the database holds `--saved` (20) profiles taught in the browser besides the shipped ones,
    tried before them (as taught profiles are), so detection walks them all.
Prints medians and the ratios; exits 1 when the import is not at least 5 times faster than
openpyxl's reading, takes more than twice the raw calamine read, the unchanged import costs more
than half the fresh one, or auto-detection makes it more than 1.2 times slower than naming the
profile.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from python_calamine import CalamineWorkbook  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from db.engine import make_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.saved_profiles import add_saved_profile  # noqa: E402
from zielcockpit.services.catalogue import load_catalogue  # noqa: E402
from zielcockpit.services.imports import all_profiles, import_files  # noqa: E402
from zielcockpit.settings import CATALOGUE_DIR, Settings  # noqa: E402

INDICATORS = 100
PLACES = 84
REQUIRED_RATIO = 5.0
MAX_DETECTION_RATIO = 1.2
MAX_CALAMINE_RATIO = 2.0
MAX_UNCHANGED_RATIO = 0.5  # issue 24: an unchanged file re-imported costs at most half a fresh one
NAMED_PROFILE = "langformat"


def bench_catalogue(path: Path) -> None:
    """A plan of the year 2017 whose indicators are reported per Quartier."""
    places = [
        {"name": f"Bench-Quartier {i:03d}", "art": "quartier", "schluessel": None, "parent": None}
        for i in range(PLACES)
    ]
    measures = []
    for m in range(INDICATORS // 10):
        measures.append(
            {
                "code": f"BENCH-{m + 1}",
                "titel": f"Benchmark-Maßnahme {m + 1}",
                "handlungsfeld": "bench",
                "oe": "BENCH",
                "indikatoren": [
                    {
                        "code": f"BENCH-{m + 1}.{i + 1}",
                        "name": f"Benchmark-Indikator {m + 1}.{i + 1}",
                        "kind": "count",
                        "unit": "Anzahl",
                        "direction": "higher",
                        "target": 1000,
                    }
                    for i in range(10)
                ],
            }
        )
    data = {
        "plan": {
            "key": "bench-2017",
            "titel": "Benchmark-Plan",
            "jahr": 2017,
            "kommune": "Bielefeld",
            "art": "jahresplanung",
        },
        "organisationseinheiten": [{"code": "BENCH", "name": "Benchmark", "parent": None}],
        "orte": places,
        "handlungsfelder": [{"key": "bench", "titel": "Benchmark"}],
        "massnahmen": measures,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def saved_profile(i: int) -> dict[str, object]:
    """A profile as „Aufbau anlernen“ saves it: labels of a header row, rows by their label."""
    return {
        "name": f"angelernt-{i:02d}",
        "title": f"Angelernter Aufbau {i}",
        "kind": "table",
        "priority": 10,
        "formats": ["xlsx", "xlsm", "xls", "ods"],
        "header": [[f"kennzahl {i}"], ["faelle im quartal"], ["vorquartal"]],
        "label_column": True,
        "periods": [{"from": "title", "labels": ["berichtszeitraum"]}],
        "mappings": [
            {
                "indicator": "500-1.1",
                "column": {"labels": ["faelle im quartal"], "take": "first"},
                "rows": [{"label": "^arbeitsaufnahmen$"}],
            },
            {
                "indicator": "500-1.2",
                "column": {"labels": ["faelle im quartal"], "take": "first"},
                "rows": [{"label": "^massnahmeeintritte$"}],
            },
        ],
    }


def bench_workbook(path: Path, rows: int) -> None:
    """The long format as a system would export it: a title row, numbers, German text, symbols."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Export")
    ws.append(["Export Ist-Werte 2017 (Benchmark)"])
    ws.append([])
    ws.append(["Indikator", "Zeitraum", "Ort", "Wert", "Kommentar"])
    n = 0
    for ind in range(INDICATORS):
        code = f"BENCH-{ind // 10 + 1}.{ind % 10 + 1}"
        for month in range(1, 13):
            period = f"2017-{month:02d}"
            for place in range(PLACES):
                if n >= rows:
                    break
                value: object = float((n * 7919) % 1000)
                if n % 10 == 0:
                    value = f"{(n * 7919) % 1000},5"
                elif n % 97 == 0:
                    value = "*"
                ws.append([code, period, f"Bench-Quartier {place:03d}", value, None])
                n += 1
    wb.save(path)


def median_time(action: Callable[[], None], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repeat-openpyxl", type=int, default=3)
    parser.add_argument("--saved", type=int, default=20, help="taught profiles in the database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zc-bench-") as folder:
        tmp = Path(folder)
        template = tmp / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        for catalogue in sorted(CATALOGUE_DIR.glob("*.yaml")):
            load_catalogue(engine, catalogue)
        bench_catalogue(tmp / "bench.yaml")
        load_catalogue(engine, tmp / "bench.yaml")
        with Session(engine) as session, session.begin():
            for i in range(args.saved):
                add_saved_profile(session, saved_profile(i), "bench")
        with engine.connect() as conn:
            profiles = all_profiles(conn)
        print(
            f"Profile: {len(profiles)} ({args.saved} angelernt, "
            f"{len(profiles) - args.saved} mitgeliefert)"
        )
        engine.dispose()
        workbook = tmp / "ist_2017.xlsx"
        start = time.perf_counter()
        bench_workbook(workbook, args.rows)
        rows = f"{args.rows:,}".replace(",", ".")
        size = f"{workbook.stat().st_size / 1e6:.1f}".replace(".", ",")
        print(
            f"Arbeitsmappe: {rows} Zeilen, {size} MB "
            f"(geschrieben in {time.perf_counter() - start:.1f} s)"
        )
        settings = Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp / "archiv")}, environ={})
        runs = iter(range(1000))

        def fresh_import(profile: str | None = None) -> None:
            db = tmp / f"run{next(runs)}.db"
            shutil.copy(template, db)
            engine = make_engine(f"sqlite:///{db}")
            report = import_files(
                engine, [workbook], profile=profile, user="bench", settings=settings
            )
            engine.dispose()
            db.unlink()
            shutil.rmtree(tmp / "archiv", ignore_errors=True)
            if report.status != "ok" or report.as_json()["values_written"] != args.rows:
                raise SystemExit(f"Import fehlgeschlagen: {report.lines()[:5]}")
            if report.files[0].detected == (profile is not None):
                raise SystemExit("Profil wurde nicht wie verlangt erkannt bzw. benannt.")

        # alternating, so a drift of the machine's speed hits both alike
        import_times, named_times = [], []
        for _ in range(args.repeat):
            import_times.append(median_time(fresh_import, 1)[0])
            named_times.append(median_time(lambda: fresh_import(NAMED_PROFILE), 1)[0])
        imported = statistics.median(import_times)
        named = statistics.median(named_times)

        again_db = tmp / "again.db"
        shutil.copy(template, again_db)
        again_engine = make_engine(f"sqlite:///{again_db}")
        import_files(again_engine, [workbook], user="bench", settings=settings)

        def second_import() -> None:
            report = import_files(again_engine, [workbook], user="bench", settings=settings)
            if report.status != "unchanged":
                raise SystemExit("Zweiter Import hat etwas geändert.")

        unchanged, _ = median_time(second_import, args.repeat)
        again_engine.dispose()

        def openpyxl_read() -> None:
            frame = pd.read_excel(workbook, engine="openpyxl", skiprows=2)
            assert len(frame) == args.rows

        read_openpyxl, openpyxl_times = median_time(openpyxl_read, args.repeat_openpyxl)

        def calamine_read() -> None:
            rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_index(0).to_python()
            assert len(rows) >= args.rows

        read_calamine, calamine_times = median_time(calamine_read, args.repeat)
    ratio = read_openpyxl / imported
    over_calamine = imported / read_calamine
    detection = imported / named
    print(
        f"Import Ende-zu-Ende (calamine, prüfen, schreiben): Median {imported:.2f} s  {_all(import_times)}"
    )
    print(
        f"dasselbe mit --profile {NAMED_PROFILE} (ohne Erkennung):  Median {named:.2f} s  {_all(named_times)}"
    )
    print(
        f"Verhältnis automatische Erkennung / Profil benannt: {detection:.2f}× "
        f"(verlangt: ≤ {MAX_DETECTION_RATIO:g}×)"
    )
    again_ratio = unchanged / imported
    print(f"Zweiter Import derselben Datei (unverändert):      Median {unchanged:.2f} s")
    print(
        f"Verhältnis zweiter Import / erster Import: {again_ratio:.2f}× "
        f"(verlangt: ≤ {MAX_UNCHANGED_RATIO:g}×)"
    )
    print(
        f"pandas.read_excel(engine='openpyxl'), nur lesen:    Median {read_openpyxl:.2f} s  {_all(openpyxl_times)}"
    )
    print(f"Verhältnis openpyxl-Lesen / Import: {ratio:.1f}× (verlangt: ≥ {REQUIRED_RATIO:g}×)")
    print(
        f"python-calamine, nur lesen (alle Zellen):          Median {read_calamine:.2f} s  {_all(calamine_times)}"
    )
    print(
        f"Verhältnis Import / calamine-Lesen: {over_calamine:.2f}× "
        f"(verlangt: ≤ {MAX_CALAMINE_RATIO:g}×)"
    )
    met = (
        ratio >= REQUIRED_RATIO
        and detection <= MAX_DETECTION_RATIO
        and over_calamine <= MAX_CALAMINE_RATIO
        and again_ratio <= MAX_UNCHANGED_RATIO
    )
    return 0 if met else 1


def _all(times: list[float]) -> str:
    return "(" + ", ".join(f"{t:.2f}" for t in times) + ")"


if __name__ == "__main__":
    raise SystemExit(main())
