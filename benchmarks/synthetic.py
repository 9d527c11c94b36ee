"""A synthetic plan for speed measurements: N measures × k indicators × q quarters of values.

Written with bulk Core inserts so that building 5,000 measures takes seconds, not minutes.
Quarters run backwards from the plan year's Q4 (8 quarters = the plan year and the year before).
"""

from __future__ import annotations

import datetime as dt
import zlib
from decimal import Decimal

from sqlalchemy import Engine, insert, select

from db.models import (
    Handlungsfeld,
    ImportRun,
    Indikator,
    Massnahme,
    Messwert,
    Organisationseinheit,
    Plan,
)

YEAR = 2017
KINDS = (  # (kind, unit, direction, aggregation, target)
    ("count", "Anzahl", "higher", "sum", 400.0),
    ("rate", "%", "lower", "last", 6.0),
    ("milestone", "Meilenstein", "higher", "sum", None),
)


def build_synthetic(
    engine: Engine,
    measures: int = 5000,
    indicators_per_measure: int = 3,
    quarters: int = 8,
    plan_key: str = "synthetisch",
) -> str:
    """Create the plan `plan_key` with values; returns the plan key."""
    quarter_keys = [f"{YEAR - (i // 4)}-Q{4 - (i % 4)}" for i in range(quarters)][
        ::-1
    ]  # oldest first, ending with YEAR-Q4
    with engine.begin() as conn:
        plan_id = conn.execute(
            insert(Plan)
            .values(
                key=plan_key,
                title=f"Synthetischer Plan ({measures} Maßnahmen)",
                year=YEAR,
                municipality="Teststadt",
                kind="jahresplanung",
                threshold_green=Decimal("95"),
                threshold_yellow=Decimal("85"),
            )
            .returning(Plan.id)
        ).scalar_one()
        oe_id = conn.scalar(
            select(Organisationseinheit.id).where(Organisationseinheit.code == "SYN")
        )
        if oe_id is None:
            oe_id = conn.execute(
                insert(Organisationseinheit)
                .values(code="SYN", name="Synthetische OE")
                .returning(Organisationseinheit.id)
            ).scalar_one()
        cluster_ids = [
            conn.execute(
                insert(Handlungsfeld)
                .values(plan_id=plan_id, key=f"hf-{n}", title=f"Handlungsfeld {n}", position=n)
                .returning(Handlungsfeld.id)
            ).scalar_one()
            for n in range(1, 11)
        ]
        run_id = conn.execute(
            insert(ImportRun)
            .values(
                kind="demo",
                profile="synthetisch",
                file_name="synthetisch",
                status="ok",
                started_at=dt.datetime(YEAR, 12, 31),
            )
            .returning(ImportRun.id)
        ).scalar_one()
        conn.execute(
            insert(Massnahme),
            [
                {
                    "plan_id": plan_id,
                    "code": f"SYN-{m}",
                    "title": f"Synthetische Maßnahme {m}",
                    "position": m,
                    "handlungsfeld_id": cluster_ids[m % len(cluster_ids)],
                    "oe_id": oe_id,
                }
                for m in range(1, measures + 1)
            ],
        )
        measure_ids = dict(
            conn.execute(select(Massnahme.code, Massnahme.id).where(Massnahme.plan_id == plan_id))
            .tuples()
            .all()
        )
        rows = []
        for m in range(1, measures + 1):
            for k in range(1, indicators_per_measure + 1):
                kind, unit, direction, aggregation, target = KINDS[(k - 1) % len(KINDS)]
                rows.append(
                    {
                        "plan_id": plan_id,
                        "massnahme_id": measure_ids[f"SYN-{m}"],
                        "code": f"SYN-{m}.{k}",
                        "position": k,
                        "name": f"Indikator {k}",
                        "kind": kind,
                        "unit": unit,
                        "direction": direction,
                        "aggregation": aggregation,
                        "steering": True,
                        "target": None if target is None else Decimal(str(target)),
                        "due": dt.date(YEAR, 12, 31),
                    }
                )
        conn.execute(insert(Indikator), rows)
        indicators = conn.execute(
            select(Indikator.id, Indikator.code, Indikator.kind).where(Indikator.plan_id == plan_id)
        ).all()
        values = []
        for ind_id, code, kind in indicators:
            h = zlib.crc32(code.encode())
            for qi, period in enumerate(quarter_keys):
                row = {
                    "indikator_id": ind_id,
                    "period": period,
                    "demo": True,
                    "value": None,
                    "status": None,
                    "import_run_id": run_id,
                    "recorded_at": dt.datetime(YEAR, 12, 31),
                }
                if kind == "milestone":
                    row["status"] = ("im_plan", "gefaehrdet", "erledigt", "offen")[(h + qi) % 4]
                elif kind == "rate":
                    row["value"] = Decimal(str(round(5 + (h % 30) / 10, 1)))
                else:
                    row["value"] = Decimal(80 + (h + qi) % 40)
                values.append(row)
        for start in range(0, len(values), 20000):
            conn.execute(insert(Messwert), values[start : start + 20000])
    return plan_key
