"""Looking up a plan and one of its quarters by what a user typed, with the German refusal."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.models import Plan
from zielcockpit.domain.periods import Period, PeriodError


def unknown_plan(conn: Connection | Session, plan_key: str) -> str:
    """„Plan „1999“ gibt es nicht. Vorhandene Pläne: 2017, …“"""
    known = ", ".join(conn.scalars(select(Plan.key).order_by(Plan.key))) or "keine"
    return f"Plan „{plan_key}“ gibt es nicht. Vorhandene Pläne: {known}."


def plan_id_and_year(
    conn: Connection | Session, plan_key: str, error: type[Exception]
) -> tuple[int, int]:
    """The plan's id and year; `error(message)` for an unknown plan."""
    found = conn.execute(select(Plan.id, Plan.year).where(Plan.key == plan_key)).one_or_none()
    if found is None:
        raise error(unknown_plan(conn, plan_key))
    return found.id, found.year


def plan_quarter(text: str, year: int, error: type[Exception], label: str) -> Period:
    """`text` as a quarter of the plan's year; `error(message)` names the field as `label`."""
    try:
        period = Period.parse(text)
    except PeriodError as exc:
        raise error(f"{label}: {exc}") from exc
    if period.kind != "quarter" or period.year != year:
        raise error(
            f"{label}: „{text}“ ist kein Quartal des Planungsjahres {year} (z. B. {year}-Q3)."
        )
    return period
