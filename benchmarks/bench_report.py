"""Benchmark: the committee report (PDF) of the 2017 demo plan and of a synthetic plan.

Times the report end to end (gathering, the document for the template, Typst's layout and PDF)
on SQLite, split into its parts, and prints the page count. Goals (issue 24): 2017 plan under
1 s (median of N runs); synthetic plan of 5,000 measures *in full* (every measure's section,
as if the short form did not exist) under 30 s (one run); the short form the product gives such
a plan is timed too. Each run is a fresh process, timed from after its imports: Typst keeps
what it laid out in memory, so a second run of the same document in one process would cost
almost nothing and say nothing. CPU seconds (all threads) are printed beside wall-clock
seconds: on a busy machine they differ, and Typst lays out on several threads, so CPU may
also exceed wall-clock.

Run: .venv/bin/python -m benchmarks.bench_report [--runs 5] [--measures 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.synthetic import build_synthetic
from db.demo import seed_demo
from db.engine import make_engine
from db.migrate import upgrade
from zielcockpit.services.catalogue import load_catalogue
from zielcockpit.services.report import report_data
from zielcockpit.services.report_layout import report_document
from zielcockpit.services.report_pdf import render_pdf
from zielcockpit.settings import CATALOGUE_DIR


def _cpu() -> float:
    # All threads of the process (Typst's), not only the calling one.
    times = os.times()
    return times.user + times.system


def one_run(engine: object, plan: str, period: str, short: bool | None) -> dict[str, float]:
    """One report, timed in this process."""
    times: dict[str, float] = {}
    wall, cpu = time.perf_counter(), _cpu()
    data = report_data(engine, plan, period)  # type: ignore[arg-type]
    times["daten"] = time.perf_counter() - wall
    start = time.perf_counter()
    document = report_document(data, short)
    times["dokument"] = time.perf_counter() - start
    start = time.perf_counter()
    _pdf, pages = render_pdf(document, data.created_at)
    times["pdf"] = time.perf_counter() - start
    times["gesamt"] = time.perf_counter() - wall
    times["cpu"] = _cpu() - cpu
    times["seiten"] = pages
    times["kurzfassung"] = float(document["short"])
    return times


def fresh_run(url: str, plan: str, period: str, short: bool | None) -> dict[str, float]:
    """One report in a fresh process (`--one`), its times as JSON on its last line."""
    form = {None: "auto", True: "kurz", False: "voll"}[short]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_report", "--one", url, plan, period, form],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.splitlines()[-1]))


def line(label: str, runs: list[dict[str, float]], limit: float | None) -> str:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    goal = "" if limit is None else f"  Grenze {limit:.0f} s  "
    ok = "" if limit is None else ("ok" if med["gesamt"] < limit else "ZU LANGSAM")
    return (
        f"  {label:<44} Median gesamt {med['gesamt']:7.2f} s (CPU {med['cpu']:7.2f} s; Daten "
        f"{med['daten']:.2f}, Dokument {med['dokument']:.2f}, PDF {med['pdf']:.2f})  "
        f"{int(med['seiten'])} Seiten ({'Kurzfassung' if med['kurzfassung'] else 'vollständig'})"
        f"{goal}{ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--measures", type=int, default=5000)
    parser.add_argument("--one", nargs=4, metavar=("URL", "PLAN", "PERIOD", "FORM"), help="intern")
    args = parser.parse_args()
    if args.one:
        url, plan, period, form = args.one
        engine = make_engine(url)
        short = {"auto": None, "kurz": True, "voll": False}[form]
        print(json.dumps(one_run(engine, plan, period, short)))
        engine.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
            load_catalogue(engine, path)
        seed_demo(engine, "2017")
        runs = [fresh_run(url, "2017", "2017-Q3", None) for _ in range(args.runs)]
        print(
            f"Bericht (SQLite, Typst), je Lauf ein neuer Prozess; Mediane aus {args.runs} Läufen:"
        )
        print(line("Plan 2017 (Demo), 2017-Q3", runs, 1))
        if args.measures:
            build_synthetic(engine, measures=args.measures)
            label = f"Synthetisch {args.measures}×3, 2017-Q3"
            full = [fresh_run(url, "synthetisch", "2017-Q3", False)]
            print(line(f"{label}, vollständig (1 Lauf)", full, 30))
            delivered = [fresh_run(url, "synthetisch", "2017-Q3", None)]
            print(line(f"{label}, wie geliefert (1 Lauf)", delivered, None))
        engine.dispose()


if __name__ == "__main__":
    main()
