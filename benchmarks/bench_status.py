"""Benchmark: evaluating a whole plan for one period against the raw SQL fetch of its values.

For the 2017 demo plan and a synthetic plan (5,000 measures × 3 indicators × 8 quarters), on
SQLite and (when reachable) PostgreSQL, in the same run:

- raw:      the driver's cursor runs the SQL that returns the indicators and the values the
            evaluation uses, and fetches all rows (no SQLAlchemy, no Python objects);
- raw SA:   the same SQL through SQLAlchemy's text() (rows with type processing);
- load:     db.plan_data.load_plan_data (the same queries plus building the rule inputs);
- judge:    zielcockpit.services.evaluation.evaluate (every light, expected value, forecast and explanation);
- total:    load + judge.

Prints medians of N runs and the ratios judge/raw and total/raw.
Run: .venv/bin/python -m benchmarks.bench_status [--runs 7] [--measures 5000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, text

from benchmarks.synthetic import build_synthetic
from db.demo import seed_demo
from db.engine import make_engine, normalise_url
from db.migrate import upgrade
from db.plan_data import load_plan_data, periods_up_to
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import default_baseline_periods
from zielcockpit.services.catalogue import load_catalogue
from zielcockpit.services.evaluation import evaluate
from zielcockpit.settings import CATALOGUE_DIR

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

RAW_INDICATORS = """
SELECT i.id, i.code, i.name, i.massnahme_id, i.kind, i.unit, i.direction, i.aggregation,
       i.steering, i.target, i.due, i.baseline, i.baseline_period, i.reduction_pct, i.parent_id
FROM indikator i JOIN plan p ON p.id = i.plan_id WHERE p.key = '{plan}'
"""
RAW_VALUES = """
SELECT m.indikator_id, m.period, m.ort_id, m.value, m.symbol, m.status, m.demo
FROM messwert m JOIN indikator i ON i.id = m.indikator_id JOIN plan p ON p.id = i.plan_id
WHERE p.key = '{plan}' AND (m.period IN ({wanted})
   OR (m.period IN ({baseline}) AND i.kind = 'reduction'))
"""


def median_time(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm caches and compiled statements once
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_fetch(engine: Engine, plan: str, period: Period, year: int) -> Callable[[], object]:
    wanted = ", ".join(f"'{p.key}'" for p in periods_up_to(period))
    baseline = ", ".join(f"'{p.key}'" for p in default_baseline_periods(year))
    sql_i = RAW_INDICATORS.format(plan=plan)
    sql_v = RAW_VALUES.format(plan=plan, wanted=wanted, baseline=baseline)
    connection = engine.raw_connection()

    def run() -> int:
        cursor = connection.cursor()
        cursor.execute(sql_i)
        n = len(cursor.fetchall())
        cursor.execute(sql_v)
        n += len(cursor.fetchall())
        cursor.close()
        return n

    return run


def raw_fetch_sqlalchemy(
    engine: Engine, plan: str, period: Period, year: int
) -> Callable[[], object]:
    """The same SQL through SQLAlchemy's text(): what application code usually calls raw SQL."""
    wanted = ", ".join(f"'{p.key}'" for p in periods_up_to(period))
    baseline = ", ".join(f"'{p.key}'" for p in default_baseline_periods(year))
    sql_i = text(RAW_INDICATORS.format(plan=plan))
    sql_v = text(RAW_VALUES.format(plan=plan, wanted=wanted, baseline=baseline))

    def run() -> int:
        with engine.connect() as conn:
            return len(conn.execute(sql_i).all()) + len(conn.execute(sql_v).all())

    return run


def measure(engine: Engine, plan: str, period_text: str, runs: int) -> dict[str, float]:
    period = Period.parse(period_text)
    data = load_plan_data(engine, plan, up_to=period)
    raw = median_time(raw_fetch(engine, plan, period, data.year), runs)
    raw_sa = median_time(raw_fetch_sqlalchemy(engine, plan, period, data.year), runs)
    load = median_time(lambda: load_plan_data(engine, plan, up_to=period), runs)
    judge = median_time(lambda: evaluate(data, period), runs)
    values = sum(len(v) for v in data.observations.values())
    return {
        "raw": raw,
        "raw_sa": raw_sa,
        "load": load,
        "judge": judge,
        "total": load + judge,
        "indicators": len(data.indicators),
        "values": values,
    }


def report(label: str, r: dict[str, float]) -> None:
    ms = {k: f"{v * 1000:8.1f} ms" for k, v in r.items() if k not in ("indicators", "values")}
    print(
        f"{label:<42} {int(r['indicators']):>6} Ind. {int(r['values']):>7} Werte | "
        f"raw {ms['raw']} | raw SA {ms['raw_sa']} | load {ms['load']} | judge {ms['judge']} | "
        f"total {ms['total']} | judge/raw {r['judge'] / r['raw']:4.2f} | "
        f"total/raw {r['total'] / r['raw']:4.2f} | total/raw SA {r['total'] / r['raw_sa']:4.2f}"
    )


def prepare(engine: Engine, measures: int) -> None:
    upgrade(engine)
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        load_catalogue(engine, path)
    seed_demo(engine, "2017")
    build_synthetic(engine, measures=measures, indicators_per_measure=3, quarters=8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--measures", type=int, default=5000)
    args = parser.parse_args()
    print(f"Mediane aus {args.runs} Läufen; Zeitraum 2017-Q2 und 2017-Q4.")
    with tempfile.TemporaryDirectory() as folder:
        engines = [("SQLite", make_engine(f"sqlite:///{folder}/bench.db"))]
        admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
        name = f"zc_bench_{os.getpid()}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            pg_url = admin.url.set(database=name).render_as_string(hide_password=False)
            engines.append(("PostgreSQL", make_engine(pg_url)))
        except Exception as exc:  # noqa: BLE001 - report and go on with SQLite only
            print(f"PostgreSQL nicht erreichbar ({str(exc).splitlines()[0]}), nur SQLite.")
        try:
            for backend, engine in engines:
                prepare(engine, args.measures)
                for plan, label in (
                    ("2017", "Plan 2017 (Demo)"),
                    ("synthetisch", f"Synthetisch {args.measures}×3×8"),
                ):
                    for period in ("2017-Q2", "2017-Q4"):
                        report(
                            f"{backend}: {label}, {period}",
                            measure(engine, plan, period, args.runs),
                        )
                engine.dispose()
        finally:
            if len(engines) > 1:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
