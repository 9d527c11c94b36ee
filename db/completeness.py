"""Completeness of a quarter: steering indicators without a value, per unit, late ones first."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from db.plan_data import PlanData
from zielcockpit.domain.deadlines import DeliveryState, delivery_state
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import not_due_by_plan
from zielcockpit.domain.vocabulary import SYMBOL_MEANINGS

# -- completeness --------------------------------------------------------------------------------

MISSING_VALUE = "kein Wert"
MISSING_STATUS = "kein Sachstand"


@dataclass(frozen=True)
class MissingRow:
    oe: str
    oe_name: str
    measure: str
    measure_title: str
    indicator: str
    indicator_name: str
    what: str  # „kein Wert“, „nur Zeichen „*“ (…)“, „kein Sachstand“
    delivery: DeliveryState | None = None  # its deadline and whether it has passed

    @property
    def overdue(self) -> bool:
        return self.delivery is not None and self.delivery.overdue

    @property
    def due(self) -> dt.date | None:
        return None if self.delivery is None else self.delivery.due


@dataclass(frozen=True)
class UnitCount:
    oe: str
    oe_name: str
    steering: int
    missing: int
    overdue: int = 0

    @property
    def complete(self) -> int:
        return self.steering - self.missing


@dataclass(frozen=True)
class Completeness:
    period: Period
    rows: list[MissingRow]
    counts: list[UnitCount]


def completeness(
    data: PlanData, period: Period, oe: str | None = None, today: dt.date | None = None
) -> Completeness:
    """Per unit: the steering indicators without a value (or with only a symbol) in the
    quarter, and the milestones without a Sachstand (pure: plan data in, lists out).

    Indicators the plan's timing does not expect yet are not chased. With `today`, each row
    carries its delivery deadline; inside a unit the late rows come first (longest late first),
    then those not yet due, each in the plan's order."""
    data.check_period(period)
    months = set(period.months())
    measures = {m.id: m for m in data.measures}
    rows: list[MissingRow] = []
    steering: dict[str, int] = defaultdict(int)
    missing: dict[str, int] = defaultdict(int)
    overdue: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for ind in data.indicators:
        m = measures[ind.measure_id]
        if not ind.rule.steering or (oe is not None and m.owner != oe):
            continue
        if not_due_by_plan(ind.rule, period):
            continue  # „laut Plan erst ab …“: nothing to deliver yet
        names[m.owner] = m.owner_name
        steering[m.owner] += 1
        observations = data.observations.get(ind.id, [])
        in_quarter = [o for o in observations if o.period == period or o.period in months]
        what: str | None = None
        if ind.rule.kind == "milestone":
            done = any(o.status == "erledigt" and o.period.end <= period.end for o in observations)
            if not done and not any(o.status for o in in_quarter):
                what = MISSING_STATUS
        elif not in_quarter:
            what = MISSING_VALUE
        elif all(o.value is None for o in in_quarter):
            symbol = next((o.symbol for o in in_quarter if o.symbol), None)
            what = (
                f"nur Zeichen „{symbol}“ ({SYMBOL_MEANINGS.get(symbol, 'kein Zahlenwert')})"
                if symbol
                else MISSING_VALUE
            )
        if what is None:
            continue
        missing[m.owner] += 1
        state = None
        if today is not None:
            state = delivery_state(data.calendar.due_date(period, m.owner, ind.source), today)
            overdue[m.owner] += state.overdue
        rows.append(
            MissingRow(m.owner, m.owner_name, m.code, m.title, ind.code, ind.name, what, state)
        )
    order = {
        code: i
        for i, code in enumerate(
            sorted(steering, key=lambda c: (0 if c[:1].isdigit() else 1, c.lower()))
        )
    }
    counts = [
        UnitCount(code, names[code], steering[code], missing[code], overdue[code]) for code in order
    ]
    # Stable: plan order inside each unit, after the late ones (longest late first).
    rows.sort(key=lambda r: (order[r.oe], _urgency(r)))
    return Completeness(period, rows, counts)


def _urgency(row: MissingRow) -> tuple[int, int]:
    if row.delivery is None:
        return (1, 0)
    if row.delivery.overdue:
        return (0, -row.delivery.days_overdue)
    return (1, row.delivery.due.toordinal())
