"""Benchmark: the committee report (PDF) of the 2017 demo plan and of a synthetic plan.

Times `zielcockpit.services.report.committee_report` end to end (gathering, HTML, WeasyPrint
layout and PDF) on SQLite, split into its parts, and prints the page count. Goals (issue 14):
2017 plan under 5 s (median of N runs), synthetic plan of 5,000 measures under 60 s (one run;
above 200 measures the report is the short form, and the line says which form it was).
CPU seconds are printed beside wall-clock seconds: on a busy machine they differ.

Run: .venv/bin/python -m benchmarks.bench_report [--runs 5] [--measures 5000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from benchmarks.synthetic import build_synthetic
from db.catalogue import load_catalogue
from db.demo import seed_demo
from db.engine import make_engine
from db.migrate import upgrade
from zielcockpit.services.report import render_pdf, report_data
from zielcockpit.services.report_html import report_html, short_form
from zielcockpit.settings import CATALOGUE_DIR


def one_run(engine: object, plan: str, period: str) -> dict[str, float]:
    times: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    data = report_data(engine, plan, period)  # type: ignore[arg-type]
    times["daten"] = time.perf_counter() - wall
    start = time.perf_counter()
    html = report_html(data)
    times["html"] = time.perf_counter() - start
    start = time.perf_counter()
    _pdf, pages = render_pdf(html)
    times["pdf"] = time.perf_counter() - start
    times["gesamt"] = time.perf_counter() - wall
    times["cpu"] = time.process_time() - cpu
    times["seiten"] = pages
    times["kurzfassung"] = float(short_form(data.report))
    return times


def line(label: str, runs: list[dict[str, float]], limit: float) -> str:
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    ok = "ok" if med["gesamt"] < limit else "ZU LANGSAM"
    return (
        f"  {label:<34} Median gesamt {med['gesamt']:7.2f} s (CPU {med['cpu']:7.2f} s; Daten "
        f"{med['daten']:.2f}, HTML {med['html']:.2f}, PDF {med['pdf']:.2f})  "
        f"{int(med['seiten'])} Seiten ({'Kurzfassung' if med['kurzfassung'] else 'vollständig'})  "
        f"Grenze {limit:.0f} s  {ok}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--measures", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
            load_catalogue(engine, path)
        seed_demo(engine, "2017")
        render_pdf("<p>warm</p>")  # WeasyPrint's import and font set-up, once per process
        runs = [one_run(engine, "2017", "2017-Q3") for _ in range(args.runs)]
        print(f"Bericht (SQLite), Mediane aus {args.runs} Läufen:")
        print(line("Plan 2017 (Demo), 2017-Q3", runs, 5))
        if args.measures:
            build_synthetic(engine, measures=args.measures)
            synthetic = [one_run(engine, "synthetisch", "2017-Q3")]
            print(line(f"Synthetisch {args.measures}×3, 2017-Q3 (1 Lauf)", synthetic, 60))
        engine.dispose()


if __name__ == "__main__":
    main()
