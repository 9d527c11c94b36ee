"""Release and reopening of a plan's quarters, and the check that keeps a released quarter as
it was released (called by every writer of values, comments and manual lights)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.models import (
    AuditEntry,
    Indikator,
    Kommentar,
    Massnahme,
    Messwert,
    Plan,
    QuarterRelease,
    StatusOverride,
    utcnow,
)
from db.plans import plan_id_and_year, plan_quarter
from zielcockpit.domain.formatting import fmt_datetime
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import QUARTER_OPEN, QUARTER_RELEASED

CHUNK = 500


class QuarterError(ValueError):
    """A release or reopening that cannot be done, explained in German."""


class QuarterLocked(QuarterError):
    """A write into a released quarter; nothing of it is kept."""

    def __init__(self, states: Sequence[QuarterState]) -> None:
        self.messages = [s.refusal() for s in states]
        super().__init__(" ".join(self.messages))


@dataclass(frozen=True)
class QuarterState:
    plan_key: str
    period: str  # "2017-Q2"
    state: str  # "offen" or "freigegeben"
    released_by: str | None = None
    released_at: dt.datetime | None = None
    reopened_by: str | None = None
    reopened_at: dt.datetime | None = None
    reopen_reason: str | None = None

    @property
    def released(self) -> bool:
        return self.state == QUARTER_RELEASED

    @property
    def label(self) -> str:
        """„freigegeben am 12.07.2017 14:03 von controlling“, or „Entwurf“ (German, for pages)."""
        if self.released and self.released_at is not None:
            return f"freigegeben am {fmt_datetime(self.released_at)} von {self.released_by}"
        if self.reopened_at is not None:
            return f"Entwurf (wieder geöffnet am {fmt_datetime(self.reopened_at)})"
        return "Entwurf"

    def refusal(self) -> str:
        """What a writer is told when it tries to change this released quarter."""
        return (
            f"{Period.parse(self.period).label} des Plans {self.plan_key} ist freigegeben "
            f"(am {fmt_datetime(self.released_at) if self.released_at else '?'} von "
            f"{self.released_by}): Werte, Kommentare und manuelle Ampeln dieses Quartals "
            "können nicht mehr geändert werden. Das Controlling kann das Quartal mit einer "
            "Begründung wieder öffnen."
        )


def quarter_of(period_key: str) -> str | None:
    """The quarter a stored period belongs to: a month its quarter, a year its last quarter."""
    try:
        period = Period.parse(period_key)
    except PeriodError:
        return None
    if period.kind == "quarter":
        return period.key
    if period.kind == "month":
        return f"{period.year}-Q{period.quarter}"
    return f"{period.year}-Q4"


def _plan(conn: Connection | Session, plan_key: str) -> tuple[int, int]:
    return plan_id_and_year(conn, plan_key, QuarterError)


def _quarter(period_key: str, year: int) -> Period:
    return plan_quarter(period_key, year, QuarterError, "Quartal")


def _state(plan_key: str, period: str, row: QuarterRelease | None) -> QuarterState:
    if row is None:
        return QuarterState(plan_key, period, QUARTER_OPEN)
    return QuarterState(
        plan_key,
        period,
        row.state,
        row.released_by,
        row.released_at,
        row.reopened_by,
        row.reopened_at,
        row.reopen_reason,
    )


def quarter_states(engine: Engine, plan_key: str) -> list[QuarterState]:
    """The four quarters of a plan's year with their state, in order."""
    with Session(engine) as session:
        plan_id, year = _plan(session, plan_key)
        rows = {
            r.period: r
            for r in session.scalars(
                select(QuarterRelease).where(QuarterRelease.plan_id == plan_id)
            )
        }
    keys = [f"{year}-Q{q}" for q in range(1, 5)]
    return [_state(plan_key, k, rows.get(k)) for k in keys]


def quarter_state(engine: Engine, plan_key: str, period_key: str) -> QuarterState:
    with Session(engine) as session:
        plan_id, year = _plan(session, plan_key)
        period = _quarter(period_key, year)
        row = session.scalars(
            select(QuarterRelease).where(
                QuarterRelease.plan_id == plan_id, QuarterRelease.period == period.key
            )
        ).one_or_none()
    return _state(plan_key, period.key, row)


def release(
    session: Session, plan_key: str, period_key: str, user: str, now: dt.datetime | None = None
) -> QuarterState:
    """Release a quarter (inside the caller's transaction, after lock_values)."""
    now = now or utcnow()
    plan_id, year = _plan(session, plan_key)
    period = _quarter(period_key, year)
    row = session.scalars(
        select(QuarterRelease).where(
            QuarterRelease.plan_id == plan_id, QuarterRelease.period == period.key
        )
    ).one_or_none()
    if row is not None and row.state == QUARTER_RELEASED:
        raise QuarterError(
            f"{period.label} des Plans {plan_key} ist bereits freigegeben "
            f"(am {fmt_datetime(row.released_at) if row.released_at else '?'} von "
            f"{row.released_by})."
        )
    if row is None:
        row = QuarterRelease(plan_id=plan_id, period=period.key)
        session.add(row)
    row.state, row.released_by, row.released_at = QUARTER_RELEASED, user[:80], now
    audit(
        session,
        user[:80],
        "quartal_freigegeben",
        "quartal",
        f"{plan_key} {period.key}",
        {"status": QUARTER_OPEN},
        {"status": QUARTER_RELEASED},
    )
    session.flush()
    return _state(plan_key, period.key, row)


def reopen(
    session: Session,
    plan_key: str,
    period_key: str,
    user: str,
    reason: str,
    now: dt.datetime | None = None,
) -> QuarterState:
    """Reopen a released quarter; only with a written reason, which the audit trail keeps."""
    now = now or utcnow()
    plan_id, year = _plan(session, plan_key)
    period = _quarter(period_key, year)
    reason = (reason or "").strip()
    if not reason:
        raise QuarterError(
            "Ein freigegebenes Quartal wird nur mit einer schriftlichen Begründung wieder "
            "geöffnet (--reason „…“)."
        )
    row = session.scalars(
        select(QuarterRelease).where(
            QuarterRelease.plan_id == plan_id, QuarterRelease.period == period.key
        )
    ).one_or_none()
    if row is None or row.state != QUARTER_RELEASED:
        raise QuarterError(f"{period.label} des Plans {plan_key} ist nicht freigegeben.")
    row.state = QUARTER_OPEN
    row.reopened_by, row.reopened_at, row.reopen_reason = user[:80], now, reason[:4000]
    audit(
        session,
        user[:80],
        "quartal_geoeffnet",
        "quartal",
        f"{plan_key} {period.key}",
        {"status": QUARTER_RELEASED},
        {"status": QUARTER_OPEN, "begruendung": reason},
    )
    session.flush()
    return _state(plan_key, period.key, row)


def _released(session: Session) -> dict[tuple[int, str], QuarterState]:
    rows = session.execute(
        select(QuarterRelease, Plan.key)
        .join(Plan, Plan.id == QuarterRelease.plan_id)
        .where(QuarterRelease.state == QUARTER_RELEASED)
    ).all()
    return {(r[0].plan_id, r[0].period): _state(r[1], r[0].period, r[0]) for r in rows}


def _plans_of(session: Session, column: Any, key_column: Any, ids: Sequence[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        for key, plan_id in session.execute(
            select(key_column, column).where(key_column.in_(ids[start : start + CHUNK]))
        ):
            found[key] = plan_id
    return found


def locked(
    session: Session,
    indicator_periods: Iterable[tuple[int, str]] = (),
    measure_periods: Iterable[tuple[int, str]] = (),
) -> list[QuarterState]:
    """The released quarters that the given writes (indicator or measure × period) would change.

    Called inside the writer's transaction after lock_values, so a release cannot slip in
    between this check and the write.
    """
    released = _released(session)
    if not released:
        return []  # the common case, kept to one small query
    hits: dict[tuple[int, str], QuarterState] = {}
    pairs = list(indicator_periods)
    plan_of = _plans_of(session, Indikator.plan_id, Indikator.id, sorted({i for i, _ in pairs}))
    measures = list(measure_periods)
    plan_of_measure = _plans_of(
        session, Massnahme.plan_id, Massnahme.id, sorted({m for m, _ in measures})
    )
    for plans, items in ((plan_of, pairs), (plan_of_measure, measures)):
        for key, period in items:
            quarter = quarter_of(period)
            found = released.get((plans.get(key, -1), quarter or ""))
            if found is not None:
                hits[(plans[key], found.period)] = found
    return list(hits.values())


def refuse_locked(
    session: Session,
    indicator_periods: Iterable[tuple[int, str]] = (),
    measure_periods: Iterable[tuple[int, str]] = (),
) -> None:
    """Raise QuarterLocked when the writes touch a released quarter (the caller rolls back)."""
    hits = locked(session, indicator_periods, measure_periods)
    if hits:
        raise QuarterLocked(hits)


# -- what the report says about a quarter's history --------------------------------------------


@dataclass(frozen=True)
class QuarterEvent:
    """A release or reopening of a quarter, from the audit trail."""

    action: str  # "quartal_freigegeben" or "quartal_geoeffnet"
    at: dt.datetime
    by: str
    reason: str | None


def quarter_history(engine: Engine, plan_key: str, period_key: str) -> list[QuarterEvent]:
    """Every release and reopening of the quarter, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.action, AuditEntry.at, AuditEntry.actor, AuditEntry.new)
            .where(
                AuditEntry.entity == "quartal",
                AuditEntry.entity_key == f"{plan_key} {period_key}",
                AuditEntry.action.in_(("quartal_freigegeben", "quartal_geoeffnet")),
            )
            .order_by(AuditEntry.at, AuditEntry.id)
        ).all()
    events = []
    for action, at, actor, new in rows:
        reason = None
        if action == "quartal_geoeffnet" and new:
            try:
                reason = json.loads(new).get("begruendung")
            except (ValueError, AttributeError):
                reason = new
        events.append(QuarterEvent(action, at, actor, reason))
    return events


@dataclass(frozen=True)
class ChangedAfterRelease:
    """Indicator codes whose value, and measure codes whose comment or manual light, of the
    quarter were recorded after `since` (the quarter's first release)."""

    values: frozenset[str]
    comments: frozenset[str]
    overrides: frozenset[str]


def changed_after(
    engine: Engine, plan_key: str, period: Period, since: dt.datetime
) -> ChangedAfterRelease:
    keys = [period.key] + [m.key for m in period.months()]
    with engine.connect() as conn:
        plan_id = conn.scalar(select(Plan.id).where(Plan.key == plan_key))

        def codes(owner: Any, row: Any, join: Any, *where: Any) -> frozenset[str]:
            """The codes of the indicators or measures with a row written after `since`."""
            query = select(owner.code).join(row, join).where(owner.plan_id == plan_id, *where)
            return frozenset(conn.scalars(query.distinct()))

        values = codes(
            Indikator,
            Messwert,
            Messwert.indikator_id == Indikator.id,
            Messwert.period.in_(keys),
            Messwert.recorded_at > since,
        )
        comments = codes(
            Massnahme,
            Kommentar,
            Kommentar.massnahme_id == Massnahme.id,
            Kommentar.period.in_(keys),
            Kommentar.created_at > since,
        )
        overrides = codes(
            Massnahme,
            StatusOverride,
            StatusOverride.massnahme_id == Massnahme.id,
            StatusOverride.period == period.key,
            StatusOverride.set_at > since,
        )
    return ChangedAfterRelease(values, comments, overrides)
