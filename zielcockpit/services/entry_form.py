"""The entry form of /erfassung as a model: a unit's measures with their indicators for one
quarter, what is stored, the previous quarter, the lights. Saving is `services.entry`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from db.entry_form import form_extras, unit_names
from db.plan_data import NotFound
from db.units import unit_parents
from zielcockpit.domain.access import Principal, units_with_children
from zielcockpit.domain.formatting import fmt_exact, fmt_value
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import Observation
from zielcockpit.domain.vocabulary import MILESTONE_WORDS, SYMBOL_MEANINGS, Light
from zielcockpit.services.evaluation import plan_snapshot

# -- units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str


def entry_units(engine: Engine, plan_key: str, principal: Principal | None) -> list[UnitChoice]:
    """The units owning measures of the plan that this principal may enter values for."""
    if principal is None or principal.role == "leitung":
        return []
    owners = plan_snapshot(engine, plan_key).owners()
    if principal.role == "fachbereich":
        return [UnitChoice(o.code, o.name) for o in owners if o.code in principal.units]
    return [UnitChoice(o.code, o.name) for o in owners]


# -- the form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    """One indicator row of the form, with what is stored for the quarter."""

    indikator_id: int
    code: str
    name: str
    kind: str
    unit: str
    steering: bool
    target: float | None
    due: dt.date | None
    parent: str | None
    previous: str | None  # last quarter's value as shown
    value_text: str  # this quarter's stored value as the input shows it ("" = none)
    status: str | None  # this quarter's stored milestone state
    comment: str  # the latest comment of this quarter ("" = none)
    light: Light | None
    explanation: str
    demo: bool
    version: int = 0  # of the stored value the form shows (0: none): the basis of a save


@dataclass(frozen=True)
class EntryMeasure:
    id: int
    code: str
    title: str
    owner: str
    light: Light
    computed_light: Light
    override_light: str | None
    override_text: str
    override_by: str | None
    lines: tuple[EntryLine, ...]


@dataclass(frozen=True)
class EntryForm:
    plan_key: str
    plan_title: str
    period: Period
    oe: str
    oe_name: str
    measures: tuple[EntryMeasure, ...]

    @property
    def demo(self) -> bool:
        return any(line.demo for m in self.measures for line in m.lines)

    def seen(self) -> dict[str, Any]:
        """What the user is shown, sent back with a save so it can tell what changed meanwhile:
        per indicator [version, input text, state], per measure [manual light, justification]."""
        return {
            "values": {
                line.code: [line.version, line.value_text, line.status]
                for m in self.measures
                for line in m.lines
            },
            "overrides": {m.code: [m.override_light, m.override_text] for m in self.measures},
        }


def shown_input(value: Decimal | float | None, symbol: str | None) -> str:
    """A stored value as the form's input shows it: the symbol, or the German number."""
    # a stored number as the form shows it: German, every stored decimal (reads back exactly)
    return symbol or (fmt_exact(value) if value is not None else "")


def _quarter_text(
    observations: Sequence[Observation], quarter: Period, unit: str, last: bool
) -> str | None:
    """A quarter's value in words: stored for the quarter, or formed from its months."""
    by_period = {o.period: o for o in observations}
    direct = by_period.get(quarter)
    parts = (
        [direct]
        if direct is not None
        else [by_period[m] for m in quarter.months() if m in by_period]
    )
    if not parts:
        return None
    if any(p.status for p in parts):
        return MILESTONE_WORDS.get(parts[-1].status or "", parts[-1].status)
    symbols = [p.symbol for p in parts if p.value is None and p.symbol]
    if symbols:
        return f"„{symbols[0]}“ ({SYMBOL_MEANINGS.get(symbols[0], 'kein Zahlenwert')})"
    numbers = [p.value for p in parts if p.value is not None]
    if not numbers:
        return None
    return fmt_value(numbers[-1] if last else sum(numbers), unit)


def entry_form(engine: Engine, plan_key: str, oe: str, period: Period) -> EntryForm:
    """The measures of a unit (and its sub-units) with their indicators for one quarter."""
    snapshot = plan_snapshot(engine, plan_key)
    data = snapshot.data
    data.check_period(period)
    if period.kind != "quarter":
        raise NotFound(f"Erfasst wird je Quartal: {period.label} ist kein Quartal.")
    report = snapshot.report(period)
    with engine.connect() as conn:
        parents = unit_parents(conn)
        names = unit_names(conn)
        if oe not in names:
            raise NotFound(f"Organisationseinheit „{oe}“ gibt es nicht.")
        units = units_with_children([oe], parents)
        measures = [m for m in report.measures if m.info.owner in units]
        ids = [ind.id for m in measures for ind, _j in m.indicators]
        extras = form_extras(conn, ids, [m.info.id for m in measures], period.key)
    stored, comments, overrides = extras.stored, extras.comments, extras.overrides
    previous = period.previous_quarter()
    result = []
    for m in measures:
        lines = []
        for ind, j in m.indicators:
            rule = ind.rule
            cell = stored.get(ind.id)
            value, symbol, status = cell.content if cell else (None, None, None)
            version = cell.version if cell else 0
            obs = data.observations.get(ind.id, [])
            lines.append(
                EntryLine(
                    ind.id,
                    ind.code,
                    ind.name,
                    rule.kind,
                    rule.unit,
                    rule.steering,
                    rule.target,
                    rule.due,
                    rule.parent,
                    None
                    if previous is None
                    else _quarter_text(obs, previous, rule.unit, rule.aggregation == "last"),
                    shown_input(value, symbol),
                    status,
                    comments.get(ind.id, ""),
                    j.light,
                    j.explanation,
                    j.demo,
                    version,
                )
            )
        o = overrides.get(m.info.id)
        result.append(
            EntryMeasure(
                m.info.id,
                m.info.code,
                m.info.title,
                m.info.owner,
                m.light,
                m.computed_light,
                o.light if o else None,
                o.justification if o else "",
                o.set_by if o else None,
                tuple(lines),
            )
        )
    return EntryForm(data.key, data.title, period, oe, names[oe], tuple(result))
