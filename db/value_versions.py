"""The change log of one measure: its values over time, with every replaced version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, select

from db.models import (
    ImportRun,
    Indikator,
    Messwert,
    MesswertVersion,
)
from zielcockpit.domain.formatting import value_text

# -- the measure page: its change log ------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    indicator: str
    period: str
    old: str
    recorded_by: str | None
    recorded_at: dt.datetime
    replaced_by: str | None
    replaced_at: dt.datetime
    source: str | None


def measure_versions(engine: Engine, massnahme_id: int) -> list[VersionRow]:
    """The replaced values of a measure's indicators, newest replacement first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Indikator.code,
                Indikator.unit,
                Messwert.period,
                MesswertVersion.value,
                MesswertVersion.symbol,
                MesswertVersion.status,
                MesswertVersion.recorded_by,
                MesswertVersion.recorded_at,
                MesswertVersion.replaced_by,
                MesswertVersion.replaced_at,
                ImportRun.file_name,
            )
            .join(Messwert, Messwert.id == MesswertVersion.messwert_id)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .outerjoin(ImportRun, ImportRun.id == MesswertVersion.import_run_id)
            .where(Indikator.massnahme_id == massnahme_id)
            .order_by(MesswertVersion.replaced_at.desc(), MesswertVersion.id.desc())
        ).all()
    return [
        VersionRow(
            r.code,
            r.period,
            value_text(r.value, r.symbol, r.status, r.unit),
            r.recorded_by,
            r.recorded_at,
            r.replaced_by,
            r.replaced_at,
            r.file_name,
        )
        for r in rows
    ]
