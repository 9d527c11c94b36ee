"""Named queries and writes of the districts: the places' hierarchy, context indicators and their
values, the measures located in a place, the Sozialstrukturindex versions and the uploaded map."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.engine import transaction
from db.models import (
    ImportRun,
    Indikator,
    KontextIndikator,
    KontextWert,
    Massnahme,
    Ort,
    OrtKarte,
    Plan,
    SozialindexVersion,
    indikator_ort,
    massnahme_ort,
)
from zielcockpit.domain.value_rows import ContextValueRow

VALUE_COLUMNS = ["code", "ort_id", "period", "value", "symbol", "demo", "source", "recorded_at"]


@dataclass(frozen=True)
class PlaceRow:
    id: int
    name: str
    kind: str
    key: str | None
    parent_id: int | None


@dataclass(frozen=True)
class ContextIndicatorRow:
    id: int
    code: str
    name: str
    unit: str
    measure: str
    base_code: str | None
    source: str | None


@dataclass(frozen=True)
class IndexVersion:
    name: str
    version: int
    level: str
    components: list[dict[str, Any]]  # {code, direction, weight}
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class StoredMap:
    level: str
    name_field: str
    geojson: dict[str, Any]
    file_name: str | None
    uploaded_by: str
    uploaded_at: dt.datetime


def places(engine: Engine) -> list[PlaceRow]:
    with engine.connect() as conn:
        return [
            PlaceRow(r.id, r.name, r.kind, r.key, r.parent_id)
            for r in conn.execute(
                select(Ort.id, Ort.name, Ort.kind, Ort.key, Ort.parent_id).order_by(
                    Ort.key, Ort.name
                )
            )
        ]


def context_indicators(engine: Engine) -> list[ContextIndicatorRow]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                KontextIndikator.id,
                KontextIndikator.code,
                KontextIndikator.name,
                KontextIndikator.unit,
                KontextIndikator.measure,
                KontextIndikator.base_id,
                KontextIndikator.source,
            ).order_by(KontextIndikator.position, KontextIndikator.code)
        ).all()
    code_of = {r.id: r.code for r in rows}
    return [
        ContextIndicatorRow(
            r.id, r.code, r.name, r.unit, r.measure, code_of.get(r.base_id), r.source
        )
        for r in rows
    ]


def context_values(engine: Engine, periods: Sequence[str] | None = None) -> pd.DataFrame:
    """Every context value (optionally of some periods) with where it came from."""
    stmt = (
        select(
            KontextIndikator.code,
            KontextWert.ort_id,
            KontextWert.period,
            KontextWert.value,
            KontextWert.symbol,
            KontextWert.demo,
            ImportRun.file_name,
            KontextWert.recorded_at,
        )
        .join(KontextIndikator, KontextIndikator.id == KontextWert.kontextindikator_id)
        .outerjoin(ImportRun, ImportRun.id == KontextWert.import_run_id)
    )
    if periods is not None:
        stmt = stmt.where(KontextWert.period.in_(list(periods)))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["demo"] = frame["demo"].astype(bool)
    return frame


def places_version(engine: Engine) -> tuple[Any, ...]:
    """A cheap fingerprint of everything the district pages read (values, places, indicators,
    index versions, map): a cache is valid while it stays the same."""
    stmt = select(
        select(func.count(KontextWert.id)).scalar_subquery(),
        select(func.max(KontextWert.id)).scalar_subquery(),
        select(func.max(KontextWert.recorded_at)).scalar_subquery(),
        select(func.count(Ort.id)).scalar_subquery(),
        select(func.sum(Ort.parent_id)).scalar_subquery(),
        select(func.count(KontextIndikator.id)).scalar_subquery(),
        select(func.sum(KontextIndikator.base_id)).scalar_subquery(),
        select(func.max(SozialindexVersion.id)).scalar_subquery(),
        select(func.max(OrtKarte.id)).scalar_subquery(),
    )
    with engine.connect() as conn:
        return tuple(conn.execute(stmt).one())


def context_periods(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.scalars(select(KontextWert.period).distinct()))


def measures_by_place(engine: Engine, plan_key: str) -> dict[int, list[str]]:
    """Codes of the plan's measures located in each place (by the measure or its indicators)."""
    found: dict[int, set[str]] = defaultdict(set)
    with engine.connect() as conn:
        for ort_id, code in conn.execute(
            select(massnahme_ort.c.ort_id, Massnahme.code)
            .join(Massnahme, Massnahme.id == massnahme_ort.c.massnahme_id)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .where(Plan.key == plan_key)
        ):
            found[ort_id].add(code)
        for ort_id, code in conn.execute(
            select(indikator_ort.c.ort_id, Massnahme.code)
            .join(Indikator, Indikator.id == indikator_ort.c.indikator_id)
            .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .where(Plan.key == plan_key)
        ):
            found[ort_id].add(code)
    return {k: sorted(v) for k, v in found.items()}


# -- the Sozialstrukturindex: versions of its definition -----------------------------------------


def index_versions(engine: Engine, name: str | None = None) -> list[IndexVersion]:
    """Every stored version, newest first (of one index, or of all)."""
    stmt = select(SozialindexVersion).order_by(
        SozialindexVersion.name, SozialindexVersion.version.desc()
    )
    if name is not None:
        stmt = stmt.where(SozialindexVersion.name == name)
    with transaction(engine) as session:
        return [
            IndexVersion(
                v.name,
                v.version,
                v.level,
                json.loads(v.definition),
                v.created_by,
                v.created_at,
            )
            for v in session.scalars(stmt)
        ]


def current_index(engine: Engine, name: str | None = None) -> IndexVersion | None:
    versions = index_versions(engine, name)
    return versions[0] if versions else None


def save_index(
    engine: Engine, name: str, level: str, components: list[dict[str, Any]], user: str
) -> IndexVersion:
    """A new version of the definition (the earlier ones stay), audited in the same transaction."""
    with transaction(engine) as session:
        last = session.scalars(
            select(SozialindexVersion)
            .where(SozialindexVersion.name == name)
            .order_by(SozialindexVersion.version.desc())
            .limit(1)
        ).first()
        version = 1 if last is None else last.version + 1
        definition = json.dumps(components, ensure_ascii=False)
        row = SozialindexVersion(
            name=name, version=version, level=level, definition=definition, created_by=user
        )
        session.add(row)
        audit(
            session,
            user[:80],
            "sozialindex",
            "sozialindex_version",
            f"{name} v{version}"[:120],
            None if last is None else {"ebene": last.level, "bestandteile": last.definition},
            {"ebene": level, "bestandteile": definition},
            source="Sozialstrukturindex",
        )
        session.flush()
        return IndexVersion(name, version, level, components, user, row.created_at)


# -- the official map ---------------------------------------------------------------------------


def save_map(
    engine: Engine,
    level: str,
    name_field: str,
    geojson: dict[str, Any],
    file_name: str | None,
    user: str,
) -> None:
    with transaction(engine) as session:
        session.add(
            OrtKarte(
                level=level,
                name_field=name_field,
                geojson=json.dumps(geojson, ensure_ascii=False),
                file_name=file_name,
                uploaded_by=user,
            )
        )
        audit(
            session,
            user[:80],
            "karte",
            "ort_karte",
            (file_name or "Karte")[:120],
            None,
            {"ebene": level, "namensfeld": name_field, "flaechen": len(geojson["features"])},
            source=file_name,
        )


def current_map(engine: Engine) -> StoredMap | None:
    with engine.connect() as conn:
        row = conn.execute(select(OrtKarte).order_by(OrtKarte.id.desc()).limit(1)).first()
    if row is None:
        return None
    return StoredMap(
        row.level,
        row.name_field,
        json.loads(row.geojson),
        row.file_name,
        row.uploaded_by,
        row.uploaded_at,
    )


# -- writing context values (the importer's and the demo's one way in) --------------------------


def write_context_values(
    session: Session,
    rows: Sequence[ContextValueRow],
    run_id: int | None,
    user: str,
    demo: bool = False,
) -> tuple[int, int]:
    """Upsert by indicator × period × place inside the caller's transaction (which holds the
    writers' lock); each change audited. Returns (written, unchanged)."""
    if not rows:
        return 0, 0
    wanted = {(r.indicator_id, r.period, r.ort_id) for r in rows}
    ids = sorted({r.indicator_id for r in rows})
    stored = {
        (v.kontextindikator_id, v.period, v.ort_id): v
        for v in session.scalars(
            select(KontextWert).where(KontextWert.kontextindikator_id.in_(ids))
        )
        if (v.kontextindikator_id, v.period, v.ort_id) in wanted
    }
    codes = dict(session.execute(select(KontextIndikator.id, KontextIndikator.code)).all())
    names = dict(session.execute(select(Ort.id, Ort.name)).all())
    written = unchanged = 0
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for r in rows:
        old = stored.get((r.indicator_id, r.period, r.ort_id))
        if old is not None and (old.value, old.symbol) == (r.value, r.symbol) and old.demo == demo:
            unchanged += 1
            continue
        before = None if old is None else _shown(old.value, old.symbol)
        if old is None:
            old = KontextWert(
                kontextindikator_id=r.indicator_id, period=r.period, ort_id=r.ort_id, version=0
            )
            session.add(old)
        old.value, old.symbol, old.demo = r.value, r.symbol, demo
        old.import_run_id, old.source_sheet, old.source_cell = run_id, r.source_sheet, r.source_cell
        old.recorded_by, old.recorded_at = user[:80], now
        old.version = (old.version or 0) + 1
        written += 1
        if not demo:
            audit(
                session,
                user[:80],
                "kontextwert",
                "kontextwert",
                f"{codes.get(r.indicator_id)}|{r.period}|{names.get(r.ort_id)}"[:120],
                before,
                _shown(r.value, r.symbol),
                source=r.source_sheet,
                run_id=run_id,
            )
    return written, unchanged


def changed_context_values(
    session: Session, rows: Sequence[ContextValueRow]
) -> list[ContextValueRow]:
    """The rows that differ from what is stored (an unchanged file writes nothing)."""
    if not rows:
        return []
    ids = sorted({r.indicator_id for r in rows})
    stored = {
        (v.kontextindikator_id, v.period, v.ort_id): (v.value, v.symbol, v.demo)
        for v in session.scalars(
            select(KontextWert).where(KontextWert.kontextindikator_id.in_(ids))
        )
    }
    return [
        r
        for r in rows
        if stored.get((r.indicator_id, r.period, r.ort_id)) != (r.value, r.symbol, False)
    ]


def _shown(value: Decimal | None, symbol: str | None) -> str:
    return (
        symbol if symbol is not None else ("" if value is None else format(value.normalize(), "f"))
    )


def count_context_values(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(KontextWert)) or 0)
