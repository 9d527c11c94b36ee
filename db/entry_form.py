"""What the entry form reads besides the plan snapshot: stored values with their versions,
the quarter's comments and manual lights, unit names. The form model is `services.entry_form`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.models import (
    Kommentar,
    Messwert,
    Organisationseinheit,
    StatusOverride,
)

# -- units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredCell:
    """A stored value of a quarter (no place) with its version and who stored it when."""

    content: tuple[Decimal | None, str | None, str | None]
    version: int
    recorded_by: str | None
    recorded_at: dt.datetime | None


def stored_quarter(
    conn: Connection | Session, ids: Iterable[int], period: str
) -> dict[int, StoredCell]:
    """Indicator id -> its stored value of the period (without place): form and save read it."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {
        r.indikator_id: StoredCell(
            (None if r.value is None else Decimal(r.value), r.symbol, r.status),
            r.version,
            r.recorded_by,
            r.recorded_at,
        )
        for r in conn.execute(
            select(
                Messwert.indikator_id,
                Messwert.value,
                Messwert.symbol,
                Messwert.status,
                Messwert.version,
                Messwert.recorded_by,
                Messwert.recorded_at,
            ).where(
                Messwert.indikator_id.in_(ids),
                Messwert.period == period,
                Messwert.ort_id.is_(None),
            )
        )
    }


@dataclass(frozen=True)
class FormExtras:
    """What the entry form shows beside the plan snapshot, for one quarter."""

    stored: dict[int, StoredCell]  # indicator id -> stored value
    comments: dict[int, str]  # indicator id -> the latest comment of the quarter
    overrides: dict[int, Any]  # measure id -> row (light, justification, set_by)


def unit_names(conn: Connection) -> dict[str, str]:
    """Unit code -> name."""
    return dict(conn.execute(select(Organisationseinheit.code, Organisationseinheit.name)).all())


def form_extras(
    conn: Connection, ids: Sequence[int], measure_ids: Sequence[int], period: str
) -> FormExtras:
    """Stored values, comments and manual lights of a quarter for the form's lines."""
    stored = stored_quarter(conn, ids, period)
    comments: dict[int, str] = {}
    if ids:
        for c in conn.execute(
            select(Kommentar.indikator_id, Kommentar.text)
            .where(Kommentar.indikator_id.in_(ids), Kommentar.period == period)
            .order_by(Kommentar.created_at, Kommentar.id)
        ):
            if c.indikator_id is not None:
                comments[c.indikator_id] = c.text  # the latest wins
    overrides = {
        r.massnahme_id: r
        for r in conn.execute(
            select(
                StatusOverride.massnahme_id,
                StatusOverride.light,
                StatusOverride.justification,
                StatusOverride.set_by,
            ).where(
                StatusOverride.massnahme_id.in_(list(measure_ids)),
                StatusOverride.period == period,
            )
        )
    }
    return FormExtras(stored, comments, overrides)
