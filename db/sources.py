"""The source of one stored value: its import run (file, checksum, archive, who, when) and cell."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine

from db.models import ImportRun, Indikator, Massnahme, Messwert, Organisationseinheit, Ort, Plan
from db.queries import stored_values


@dataclass(frozen=True)
class ValueSource:
    value_id: int
    indicator_code: str
    indicator_name: str
    unit: str
    measure_code: str
    plan_key: str
    owner: str  # OE code of the measure
    period: str
    place: str | None
    value: Decimal | None
    symbol: str | None
    status: str | None
    demo: bool
    sheet: str | None
    cell: str | None
    recorded_by: str | None
    recorded_at: dt.datetime | None
    import_kind: str | None
    file_name: str | None
    checksum: str | None
    archive_path: str | None
    imported_at: dt.datetime | None
    imported_by: str | None
    summed_cells: tuple[str, ...] = ()  # every cell of a value summed from several


def value_source(engine: Engine, value_id: int) -> ValueSource | None:
    """Where a stored value came from; None when there is no such value."""
    with engine.connect() as conn:
        r = conn.execute(
            stored_values(
                Messwert.id,
                Indikator.code.label("indicator_code"),
                Indikator.name.label("indicator_name"),
                Indikator.unit,
                Massnahme.code.label("measure_code"),
                Plan.key.label("plan_key"),
                Organisationseinheit.code.label("owner"),
                Messwert.period,
                Ort.name.label("place"),
                Messwert.value,
                Messwert.symbol,
                Messwert.status,
                Messwert.demo,
                Messwert.source_sheet,
                Messwert.source_cell,
                Messwert.recorded_by,
                Messwert.recorded_at,
                ImportRun.kind,
                ImportRun.file_name,
                ImportRun.checksum,
                ImportRun.archive_path,
                ImportRun.started_at,
                ImportRun.finished_at,
                ImportRun.user_name,
                ImportRun.report,
            )
            .join(Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id)
            .where(Messwert.id == value_id)
        ).one_or_none()
    if r is None:
        return None
    summed: tuple[str, ...] = ()
    if r.report:
        try:
            sums = json.loads(r.report).get("summed_cells") or {}
        except (ValueError, AttributeError):
            sums = {}
        key = f"{r.indicator_code}|{r.period}|{r.place or ''}"
        summed = tuple(str(c) for c in sums.get(key, ()))
    return ValueSource(
        r.id,
        r.indicator_code,
        r.indicator_name,
        r.unit,
        r.measure_code,
        r.plan_key,
        r.owner,
        r.period,
        r.place,
        r.value,
        r.symbol,
        r.status,
        bool(r.demo),
        r.source_sheet,
        r.source_cell,
        r.recorded_by,
        r.recorded_at,
        r.kind,
        r.file_name,
        r.checksum,
        r.archive_path,
        r.finished_at or r.started_at,
        r.user_name,
        summed,
    )
