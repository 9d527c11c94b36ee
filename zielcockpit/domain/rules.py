"""The traffic-light rules of domain.md: expected values, attainment, lights, forecasts, roll-up.

Plain Python with no Dash, no SQL and no I/O: everything arrives as arguments.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from zielcockpit.domain.formatting import fmt_attainment, fmt_date, fmt_value
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import (
    LIGHT_WORDS,
    LIGHTS,
    MILESTONE_AT_RISK,
    MILESTONE_DONE,
    SEVERITY,
    SYMBOL_MEANINGS,
    Light,
)

ATTAINMENT_CAP = 10.0  # 1000 %: beyond this a ratio says nothing more
CUMULATIVE_KINDS = frozenset({"count", "money"})


@dataclass(frozen=True)
class Thresholds:
    """Attainment needed for green and for yellow, as ratios (0.95 = 95 %)."""

    green: float = 0.95
    yellow: float = 0.85

    def __post_init__(self) -> None:
        if not 0 < self.yellow <= self.green:
            raise ValueError("Schwelle für Gelb muss größer als 0 und höchstens die für Grün sein.")

    def light(self, attainment: float) -> Light:
        if attainment >= self.green - 1e-12:
            return "green"
        if attainment >= self.yellow - 1e-12:
            return "yellow"
        return "red"


class IndicatorRule(NamedTuple):
    """What the catalogue says about one indicator, as far as judging it is concerned."""

    code: str
    kind: str
    unit: str = "Anzahl"
    direction: str = "higher"
    aggregation: str = "sum"
    steering: bool = True
    target: float | None = None
    due: dt.date | None = None
    baseline: float | None = None
    baseline_period: str | None = None
    reduction_pct: float | None = None
    # Owner's profile: expected cumulative value at the end of quarter n (1..4).
    profile: Mapping[int, float] | None = None
    parent: str | None = None

    @property
    def cumulative(self) -> bool:
        return self.kind in CUMULATIVE_KINDS


class Observation(NamedTuple):
    """One stored value: a number, a statistical symbol instead of a number, or a milestone state."""

    period: Period
    value: float | None = None
    symbol: str | None = None
    status: str | None = None
    demo: bool = False


class Judgement(NamedTuple):
    """The answer for one indicator and period, with the sentence that explains it."""

    code: str
    period: Period
    light: Light | None  # None: "nachrichtlich", never judged
    explanation: str
    target: float | None = None
    expected: float | None = None
    actual: float | None = None
    attainment: float | None = None
    forecast: float | None = None
    forecast_light: Light | None = None
    status: str | None = None
    demo: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    light: Light
    justification: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class MeasureJudgement:
    light: Light
    computed_light: Light
    override: Override | None
    indicators: tuple[Judgement, ...] = field(default=())


class RuleError(ValueError):
    """A rule applied to data it cannot judge; the message is German."""


# -- values of a period -------------------------------------------------------------------------


class _Actual(NamedTuple):
    value: float | None
    missing: Period | None = None  # the first period without a value
    symbol: str | None = None
    symbol_period: Period | None = None
    demo: bool = False
    status: str | None = None


def _index(observations: Iterable[Observation]) -> dict[Period, Observation]:
    return {o.period: o for o in observations}


def _quarter_value(q: Period, by_period: Mapping[Period, Observation], last: bool) -> _Actual:
    """A quarter's value: stored directly, or formed from its months (sum or last month)."""
    direct = by_period.get(q)
    if direct is not None:
        return _from_observation(direct, q)
    months = [by_period[m] for m in q.months() if m in by_period]
    if not months:
        return _Actual(None, missing=q)
    if last:
        return _from_observation(months[-1], months[-1].period)
    total = 0.0
    for obs in months:
        if obs.value is None:
            return _from_observation(obs, obs.period)
        total += obs.value
    return _Actual(total, demo=any(o.demo for o in months))


def _from_observation(obs: Observation, period: Period) -> _Actual:
    if obs.value is None:
        if obs.symbol is not None:
            return _Actual(None, symbol=obs.symbol, symbol_period=period, demo=obs.demo)
        return _Actual(None, missing=period, demo=obs.demo, status=obs.status)
    return _Actual(obs.value, demo=obs.demo, status=obs.status)


def actual_for(rule: IndicatorRule, observations: Iterable[Observation], period: Period) -> _Actual:
    """The actual value of a period: the sum of the year so far, or the latest value."""
    by_period = _index(observations)
    if period.kind == "year" and period in by_period:
        return _from_observation(by_period[period], period)
    if rule.cumulative:
        parts: list[_Actual] = [
            _quarter_value(q, by_period, last=False) for q in period.quarters_to_date()
        ]
        if period.kind == "month":
            # Whole quarters before the month's quarter, then its months up to the month.
            parts = parts[:-1] + [
                _from_observation(by_period[m], m) if m in by_period else _Actual(None, missing=m)
                for m in period.as_quarter().months()
                if m.month is not None and period.month is not None and m.month <= period.month
            ]
        total, demo = 0.0, False
        for one in parts:
            if one.value is None:
                return one
            total += one.value
            demo = demo or one.demo
        return _Actual(total, demo=demo)
    # Stocks and rates: the latest value inside the period.
    if period in by_period:
        return _from_observation(by_period[period], period)
    candidates = [p for p in period.months() if p in by_period]
    if period.kind != "month":
        candidates += [q for q in _quarters_in(period) if q in by_period]
    if not candidates:
        return _Actual(None, missing=period)
    latest = max(candidates, key=lambda p: (p.end, p.kind == "quarter"))
    return _from_observation(by_period[latest], latest)


def _quarters_in(period: Period) -> list[Period]:
    if period.kind == "year":
        return [Period(period.year, quarter=q) for q in range(1, 5)]
    return [period] if period.kind == "quarter" else []


# -- expected values ------------------------------------------------------------------------------


def _plan_start(period: Period) -> dt.date:
    return dt.date(period.year, 1, 1)


def pro_rata_share(period: Period, due: dt.date | None) -> float:
    """The share of the target due at the end of `period`: linear from 1 January to the due date."""
    start = _plan_start(period)
    due = due or dt.date(period.year, 12, 31)
    total_months = (due.year - start.year) * 12 + due.month - start.month + 1
    elapsed = (period.end.year - start.year) * 12 + period.end.month - start.month + 1
    if total_months <= 0:
        return 1.0
    return max(0.0, min(1.0, elapsed / total_months))


def expected_cumulative(rule: IndicatorRule, period: Period) -> float:
    assert rule.target is not None
    if rule.profile and period.kind == "quarter" and period.quarter in rule.profile:
        return float(rule.profile[period.quarter])  # type: ignore[index]
    return rule.target * pro_rata_share(period, rule.due)


def attainment_ratio(actual: float, expected: float, direction: str) -> float:
    """actual / expected where higher is better, expected / actual where lower is better."""
    if direction == "higher":
        if expected <= 0:
            return 1.0 if actual >= expected else 0.0
        return min(actual / expected, ATTAINMENT_CAP)
    if actual <= 0:
        # Nothing left where less is better: as good as it gets (capped, so it stays a number).
        return ATTAINMENT_CAP if expected > 0 else 1.0
    return min(expected / actual, ATTAINMENT_CAP)


# -- judging --------------------------------------------------------------------------------------


def _due_text(rule: IndicatorRule, period: Period) -> str:
    return _due_words(rule.due or dt.date(period.year, 12, 31), period.year)


@lru_cache(maxsize=1024)
def _due_words(due: dt.date, year: int) -> str:
    if due.year == year:
        return f"bis {due.strftime('%d.%m.')}"
    return f"bis {fmt_date(due)}"


def _sentence(body: str, light: Light | None) -> str:
    return f"{body} – {LIGHT_WORDS[light]}" if light else f"{body} – ohne Ampel"


def _grey(rule: IndicatorRule, period: Period, body: str, **kw: object) -> Judgement:
    return Judgement(
        rule.code,
        period,
        "grey",
        _sentence(body, "grey"),
        target=rule.target,
        **kw,  # type: ignore[arg-type]
    )


def _missing_text(actual: _Actual, period: Period) -> str:
    if actual.symbol is not None:
        where = actual.symbol_period or period
        meaning = SYMBOL_MEANINGS.get(actual.symbol, "kein Zahlenwert")
        return f"Kein Wert für {where.label}: „{actual.symbol}“ ({meaning})"
    return f"Kein Wert für {(actual.missing or period).label}"


def judge(
    rule: IndicatorRule,
    observations: Sequence[Observation],
    period: Period,
    thresholds: Thresholds = Thresholds(),
    baseline_observation: Observation | None = None,
) -> Judgement:
    """Judge one indicator for one period from all its observations of the plan year."""
    if rule.kind == "milestone":
        return _judge_milestone(rule, observations, period)
    actual = actual_for(rule, observations, period)
    if not rule.steering:
        body = (
            f"Nachrichtlich: Ist {fmt_value(actual.value, rule.unit)}"
            if actual.value is not None
            else f"Nachrichtlich: {_missing_text(actual, period)}"
        )
        return Judgement(
            rule.code,
            period,
            None,
            _sentence(body, None),
            rule.target,
            actual=actual.value,
            demo=actual.demo,
        )
    if rule.kind == "reduction":
        return _judge_reduction(rule, actual, period, thresholds, baseline_observation)
    if rule.kind == "unquantified" or rule.target is None:
        body = "Kein quantifizierter Zielwert"
        if actual.value is not None:
            body += f" (Ist {fmt_value(actual.value, rule.unit)})"
        return _grey(rule, period, body, actual=actual.value, demo=actual.demo)
    if actual.value is None:
        return _grey(rule, period, _missing_text(actual, period), demo=actual.demo)
    if rule.cumulative:
        return _judge_cumulative(rule, actual, period, thresholds)
    return _judge_level(rule, actual, period, thresholds)


def _judge_cumulative(
    rule: IndicatorRule, actual: _Actual, period: Period, thresholds: Thresholds
) -> Judgement:
    assert rule.target is not None and actual.value is not None
    expected = expected_cumulative(rule, period)
    ratio = attainment_ratio(actual.value, expected, rule.direction)
    light = thresholds.light(ratio)
    forecast = forecast_light = None
    if expected > 0:
        forecast = rule.target * actual.value / expected
        forecast_light = thresholds.light(attainment_ratio(forecast, rule.target, rule.direction))
    unit = rule.unit
    body = (
        f"Ist {fmt_value(actual.value, unit)} von erwartet {fmt_value(round(expected, 1), unit)} "
        f"(Ziel {fmt_value(rule.target, unit)} {_due_text(rule, period)}; {fmt_attainment(ratio)})"
    )
    return Judgement(
        rule.code,
        period,
        light,
        _sentence(body, light),
        rule.target,
        expected,
        actual.value,
        ratio,
        forecast,
        forecast_light,
        demo=actual.demo,
    )


def _judge_level(
    rule: IndicatorRule, actual: _Actual, period: Period, thresholds: Thresholds
) -> Judgement:
    """Rates, quotas, stocks and upper bounds: the latest value against the target itself."""
    assert rule.target is not None and actual.value is not None
    ratio = attainment_ratio(actual.value, rule.target, rule.direction)
    light = thresholds.light(ratio)
    unit = rule.unit
    noun = "Quote" if unit == "%" else "Ist"
    relation = (
        "über"
        if actual.value > rule.target
        else "unter"
        if actual.value < rule.target
        else "gleich"
    )
    if rule.kind == "upper_bound":
        goal, how = "Obergrenze", "höchstens"
    else:
        goal, how = (
            "Zielwert",
            "niedriger ist besser" if rule.direction == "lower" else ("höher ist besser"),
        )
    if rule.kind == "upper_bound":
        body = (
            f"{noun} {fmt_value(actual.value, unit)} {relation} {goal} "
            f"{fmt_value(rule.target, unit)} ({how} {fmt_value(rule.target, unit)}; "
            f"{fmt_attainment(ratio)})"
        )
    else:
        body = (
            f"{noun} {fmt_value(actual.value, unit)} {relation} {goal} "
            f"{fmt_value(rule.target, unit)} ({how}; {fmt_attainment(ratio)})"
        )
    return Judgement(
        rule.code,
        period,
        light,
        _sentence(body, light),
        rule.target,
        rule.target,
        actual.value,
        ratio,
        demo=actual.demo,
    )


def default_baseline_periods(plan_year: int) -> tuple[Period, Period]:
    """The end of the year before the plan: December, else Q4 (domain.md)."""
    return Period(plan_year - 1, month=12), Period(plan_year - 1, quarter=4)


def _judge_reduction(
    rule: IndicatorRule,
    actual: _Actual,
    period: Period,
    thresholds: Thresholds,
    baseline_observation: Observation | None,
) -> Judgement:
    baseline = rule.baseline
    if baseline is None and baseline_observation is not None:
        baseline = baseline_observation.value
    if baseline is None or rule.reduction_pct is None:
        return _grey(rule, period, "Ausgangswert fehlt", actual=actual.value, demo=actual.demo)
    target = baseline * (1 - rule.reduction_pct / 100)
    if actual.value is None:
        return Judgement(
            rule.code,
            period,
            "grey",
            _sentence(_missing_text(actual, period), "grey"),
            target,
            demo=actual.demo,
        )
    # On track means on the straight path from the baseline down to the target.
    expected = baseline - (baseline - target) * pro_rata_share(period, rule.due)
    ratio = attainment_ratio(actual.value, expected, "lower")
    light = thresholds.light(ratio)
    unit = rule.unit
    body = (
        f"Ist {fmt_value(actual.value, unit)} bei erwartet {fmt_value(round(expected, 1), unit)} "
        f"(Ausgangswert {fmt_value(baseline, unit)}, Ziel {fmt_value(round(target, 1), unit)} "
        f"{_due_text(rule, period)}; niedriger ist besser; {fmt_attainment(ratio)})"
    )
    return Judgement(
        rule.code,
        period,
        light,
        _sentence(body, light),
        target,
        expected,
        actual.value,
        ratio,
        demo=actual.demo,
    )


def _judge_milestone(
    rule: IndicatorRule, observations: Sequence[Observation], period: Period
) -> Judgement:
    due = rule.due or dt.date(period.year, 12, 31)
    known = [o for o in observations if o.status is not None and o.period.start <= period.end]
    if not rule.steering:
        state = max(known, key=lambda o: o.period.end).status if known else None
        body = f"Nachrichtlich: Sachstand {_state_word(state)}" if state else "Nachrichtlich"
        return Judgement(rule.code, period, None, _sentence(body, None), status=state)
    if not known:
        return _grey(rule, period, f"Kein Sachstand für {period.label}")
    latest = max(known, key=lambda o: (o.period.end, o.period.kind == "month"))
    state = latest.status
    demo = latest.demo
    if state == MILESTONE_DONE:
        light: Light = "green"
        body = f"Meilenstein erledigt (fällig {fmt_date(due)})"
    elif due <= period.end:
        light = "red"
        body = f"Meilenstein fällig {fmt_date(due)}, nicht erledigt"
    elif latest.period.end < period.start:
        # A Sachstand from an earlier quarter says nothing about this one (unless done).
        return _grey(
            rule,
            period,
            f"Kein Sachstand für {period.label} (zuletzt {_state_word(state)}, "
            f"{latest.period.label})",
            status=state,
            demo=demo,
        )
    elif state == MILESTONE_AT_RISK:
        light = "yellow"
        body = f"Meilenstein fällig {fmt_date(due)}, als gefährdet gemeldet"
    else:
        light = "green"
        body = f"Meilenstein fällig {fmt_date(due)}, Sachstand {_state_word(state)}"
    return Judgement(rule.code, period, light, _sentence(body, light), status=state, demo=demo)


def _state_word(state: str | None) -> str:
    return {"im_plan": "im Plan", "gefaehrdet": "gefährdet", "offen": "offen"}.get(
        state or "", state or "unbekannt"
    )


# -- children, roll-up, clusters -------------------------------------------------------------------


def child_warnings(
    judgements: Mapping[str, Judgement], parents: Mapping[str, str]
) -> dict[str, str]:
    """Children ("darunter") whose value exceeds their parent's: code -> German warning."""
    warnings: dict[str, str] = {}
    for child, parent in parents.items():
        c, p = judgements.get(child), judgements.get(parent)
        if c is None or p is None or c.actual is None or p.actual is None:
            continue
        if c.actual > p.actual + 1e-9:
            warnings[child] = (
                f"Darunter-Wert {fmt_value(c.actual, '')} ist größer als der Wert von "
                f"{parent} ({fmt_value(p.actual, '')})"
            )
    return warnings


def with_warning(judgement: Judgement, warning: str) -> Judgement:
    """Report a child above its parent: the value is implausible, so it is not judged green."""
    light: Light | None = judgement.light
    if light == "green":
        light = "yellow"
    return judgement._replace(
        light=light,
        explanation=f"{judgement.explanation}. Achtung: {warning}",
        warnings=judgement.warnings + (warning,),
    )


def worst(lights: Iterable[Light | None]) -> Light:
    """The worst light; no lights at all is grey (nothing to judge is never green)."""
    present = [light for light in lights if light is not None]
    if not present:
        return "grey"
    return max(present, key=lambda light: SEVERITY[light])


def judge_measure(
    judgements: Sequence[Judgement], override: Override | None = None
) -> MeasureJudgement:
    """Worst of the steering indicators; an override replaces it only with a justification."""
    computed = worst(j.light for j in judgements)
    if override is not None:
        if not override.justification.strip():
            raise RuleError("Eine manuelle Ampel braucht eine schriftliche Begründung.")
        return MeasureJudgement(override.light, computed, override, tuple(judgements))
    return MeasureJudgement(computed, computed, None, tuple(judgements))


def count_lights(lights: Iterable[Light]) -> dict[str, int]:
    """How many measures are green / yellow / red / grey (all four keys, always)."""
    counted = Counter(lights)
    return {light: counted.get(light, 0) for light in LIGHTS}
