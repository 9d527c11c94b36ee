"""Use case: release a quarter (after showing what is missing) and reopen it with a reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine

from db.completeness import MissingRow, completeness
from db.engine import WriterBusy, lock_values, transaction
from db.plan_data import NotFound, load_plan_data
from db.quarters import QuarterError, QuarterState, quarter_state, release, reopen
from zielcockpit.domain.access import Principal
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.settings import today as settings_today


@dataclass
class ReleaseOutcome:
    """What a release attempt led to; `needs_confirmation` lists what is still missing."""

    state: QuarterState | None = None
    missing: list[MissingRow] = field(default_factory=list)
    needs_confirmation: bool = False
    error: str | None = None

    @property
    def released(self) -> bool:
        return self.error is None and not self.needs_confirmation and self.state is not None


def may_release(principal: Principal | None) -> str | None:
    """Why this principal may not release or reopen (None: may)."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_release:
        return None
    return "Keine Berechtigung: Quartale geben nur Controlling und Administration frei."


def missing_values(engine: Engine, plan_key: str, period_key: str) -> list[MissingRow]:
    """Steering indicators without a value and milestones without a Sachstand in the quarter."""
    try:
        period = Period.parse(period_key)
        data = load_plan_data(engine, plan_key, up_to=period)
        return completeness(data, period, today=settings_today()).rows
    except (PeriodError, NotFound) as exc:
        raise QuarterError(str(exc)) from exc


def release_quarter(
    engine: Engine,
    principal: Principal | None,
    plan_key: str,
    period_key: str,
    *,
    confirmed: bool = False,
    now: dt.datetime | None = None,
) -> ReleaseOutcome:
    """Release a quarter; if anything is still missing, only with `confirmed`."""
    outcome = ReleaseOutcome()
    refusal = may_release(principal)
    if refusal is not None or principal is None:
        outcome.error = refusal
        return outcome
    try:
        current = quarter_state(engine, plan_key, period_key)
        if current.released:
            outcome.state = current
            outcome.error = f"{Period.parse(current.period).label} ist bereits {current.label}."
            return outcome
        outcome.missing = missing_values(engine, plan_key, period_key)
        if outcome.missing and not confirmed:
            outcome.needs_confirmation = True
            return outcome
        with transaction(engine) as session:
            lock_values(session)  # no value is written while the quarter is being released
            outcome.state = release(session, plan_key, period_key, principal.name, now)
    except (QuarterError, WriterBusy) as exc:
        outcome.error = str(exc)
    return outcome


def reopen_quarter(
    engine: Engine,
    principal: Principal | None,
    plan_key: str,
    period_key: str,
    reason: str,
    now: dt.datetime | None = None,
) -> QuarterState:
    """Reopen a released quarter with a written reason; QuarterError explains a refusal."""
    refusal = may_release(principal)
    if refusal is not None or principal is None:
        raise QuarterError(refusal or "Bitte zuerst anmelden.")
    try:
        with transaction(engine) as session:
            lock_values(session)
            return reopen(session, plan_key, period_key, principal.name, reason, now)
    except WriterBusy as exc:
        raise QuarterError(str(exc)) from exc
