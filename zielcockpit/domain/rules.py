"""The traffic-light rules of domain.md: expected values, attainment, lights, forecasts, roll-up.

Plain Python with no Dash, no SQL and no I/O: everything arrives as arguments.

Over 600 lines on purpose: every kind of target and its sentence in one pure module, the
place where domain.md is implemented and tested table-driven.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from zielcockpit.domain.deadlines import DeliveryCalendar, DeliveryState, delivery_state
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
    # The plan's timing: nothing is expected before `start`, then pro rata up to `due`.
    start: dt.date | None = None
    # "mehr als" / "weniger als": a value exactly at the target is not on target.
    strict: bool = False
    # A target in each place ("in jedem Quartier"): the places in the plan's order.
    place_target: float | None = None
    places: tuple[str, ...] = ()
    # Expected values in whole units (a Stadtteileteam cannot be a quarter founded).
    whole: bool = False

    @property
    def cumulative(self) -> bool:
        """A flow: new cases per period, so the quarters are summed."""
        return self.kind in CUMULATIVE_KINDS and self.aggregation != "last"

    @property
    def stock(self) -> bool:
        """A count that is a level at the end of the period: the last value counts."""
        return self.kind in CUMULATIVE_KINDS and self.aggregation == "last"


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
    # Nothing is due yet by the plan's timing: grey, and left out of the measure's light.
    pending: bool = False
    # A missing value: its delivery deadline and whether it has passed (reporting calendar).
    delivery: DeliveryState | None = None


class Delivery(NamedTuple):
    """What the reporting calendar needs to tell a missing value that is late from one not yet
    due: the calendar, the date „today“, and the indicator's unit and source."""

    calendar: DeliveryCalendar
    today: dt.date
    oe: str = ""
    source: str | None = None

    def state(self, period: Period) -> DeliveryState:
        return delivery_state(self.calendar.due_date(period, self.oe, self.source), self.today)


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
    kind = period.kind
    if kind == "year" and period in by_period:
        return _from_observation(by_period[period], period)
    if rule.cumulative:
        whole = None if kind == "month" else _stored_quarters(period, by_period)
        if whole is not None:
            return whole
        parts: list[_Actual] = [
            _quarter_value(q, by_period, last=False) for q in period.quarters_to_date()
        ]
        if kind == "month":
            # Whole quarters before the month's quarter, then its months up to the month.
            parts = parts[:-1] + [
                _from_observation(by_period[m], m) if m in by_period else _Actual(None, missing=m)
                for m in period.as_quarter().months()
                if m.month is not None and period.month is not None and m.month <= period.month
            ]
        total, demo, skipped = 0.0, False, 0
        for one in parts:
            if one.value is None and _before_start(rule, one):
                skipped += 1  # nothing was due before the plan's start: no value is no gap
                continue
            if one.value is None:
                return one
            total += one.value
            demo = demo or one.demo
        if parts and skipped == len(parts):
            return _Actual(None, missing=period)
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


def _stored_quarters(period: Period, by_period: Mapping[Period, Observation]) -> _Actual | None:
    """The common case of a flow, taken first: every quarter to date stored with a number.
    The same sum in the same order as the general path; None when any quarter is not so."""
    total, demo = 0.0, False
    for q in period.quarters_to_date():
        found = by_period.get(q)
        if found is None or found.value is None:
            return None
        total += found.value
        demo = demo or found.demo
    return _Actual(total, demo=demo)


def _before_start(rule: IndicatorRule, part: _Actual) -> bool:
    return (
        rule.start is not None
        and part.missing is not None
        and part.symbol is None
        and part.missing.end < rule.start
    )


def _quarters_in(period: Period) -> list[Period]:
    if period.kind == "year":
        return [Period(period.year, quarter=q) for q in range(1, 5)]
    return [period] if period.kind == "quarter" else []


# -- expected values ------------------------------------------------------------------------------


def _plan_start(period: Period) -> dt.date:
    return dt.date(period.year, 1, 1)


def pro_rata_share(period: Period, due: dt.date | None, start: dt.date | None = None) -> float:
    """The share of the target due at the end of `period`: linear in whole months from the
    start (1 January unless the plan names a later one) to the due date; 0 before the start."""
    return _pro_rata_share(period, due, start)


@lru_cache(maxsize=4096)
def _pro_rata_share(period: Period, due: dt.date | None, start: dt.date | None) -> float:
    # Cached: a plan's indicators share a handful of due dates and the same periods.
    start = start or _plan_start(period)
    due = due or dt.date(period.year, 12, 31)
    total_months = (due.year - start.year) * 12 + due.month - start.month + 1
    elapsed = (period.end.year - start.year) * 12 + period.end.month - start.month + 1
    if total_months <= 0:
        return 1.0
    return max(0.0, min(1.0, elapsed / total_months))


def expected_cumulative(rule: IndicatorRule, period: Period) -> float:
    """The value expected at the end of `period`: the profile, else pro rata from the start."""
    assert rule.target is not None
    if rule.profile and period.kind == "quarter" and period.quarter in rule.profile:
        return float(rule.profile[period.quarter])  # type: ignore[index]
    expected = rule.target * pro_rata_share(period, rule.due, rule.start)
    return float(math.floor(expected + 1e-9)) if rule.whole else expected


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


def _missing(
    rule: IndicatorRule,
    period: Period,
    body: str,
    missing: Period | None,
    delivery: Delivery | None,
    **kw: object,
) -> Judgement:
    """Grey for a missing value; with the calendar, the sentence says whether it is late
    („überfällig, fehlt seit …“) or not yet due („noch nicht fällig, Wert fällig am …“)."""
    if delivery is None or missing is None:
        return _grey(rule, period, body, **kw)
    state = delivery.state(missing)
    return _grey(rule, period, f"{body}: {state.text()}", delivery=state, **kw)


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
    by_place: Mapping[str, Sequence[Observation]] | None = None,
    delivery: Delivery | None = None,
) -> Judgement:
    """Judge one indicator for one period from all its observations of the plan year.

    With a target per place, `by_place` holds each place's observations (place name -> list).
    With `delivery`, a missing value says whether its delivery deadline has passed.
    """
    if rule.kind == "milestone":
        return _judge_milestone(rule, observations, period, delivery)
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
        return _judge_reduction(rule, actual, period, thresholds, baseline_observation, delivery)
    if rule.place_target is not None and rule.places:
        return judge_places(rule, by_place or {}, period, thresholds)
    if rule.kind == "unquantified" or rule.target is None:
        body = "Kein quantifizierter Zielwert"
        if actual.value is not None:
            body += f" (Ist {fmt_value(actual.value, rule.unit)})"
        return _grey(rule, period, body, actual=actual.value, demo=actual.demo)
    expected: float | None = None
    if rule.cumulative or rule.stock:
        expected = expected_cumulative(rule, period)
        if rule.direction == "higher" and expected <= 0:  # _not_due_yet, computed once
            return _pending(rule, actual, period)
    if actual.value is None:
        return _missing(
            rule,
            period,
            _missing_text(actual, period),
            _gap(actual, period),
            delivery,
            demo=actual.demo,
        )
    if expected is not None:
        return _judge_cumulative(rule, actual, period, thresholds, expected)
    return _judge_level(rule, actual, period, thresholds)


def _gap(actual: _Actual, period: Period) -> Period | None:
    """The period whose value is missing (none when a statistical symbol stands for it)."""
    return None if actual.symbol is not None else (actual.missing or period)


def not_due_by_plan(rule: IndicatorRule, period: Period) -> bool:
    """Nothing to chase: by the plan's timing (start date, profile) no value is expected yet."""
    if rule.place_target is not None and rule.places:
        rule = place_rule(rule)
    if rule.target is None or rule.kind in ("unquantified", "milestone", "reduction"):
        return False
    return (rule.cumulative or rule.stock) and _not_due_yet(rule, period)


def _not_due_yet(rule: IndicatorRule, period: Period) -> bool:
    """By the plan's timing (start date or profile) nothing is expected by the end of `period`."""
    return rule.direction == "higher" and expected_cumulative(rule, period) <= 0


def _pending(rule: IndicatorRule, actual: _Actual, period: Period) -> Judgement:
    """Before the plan's start nothing is due: neither a missed target nor a missing value."""
    if rule.start is not None and period.end < rule.start:
        when = f"laut Plan erst ab {fmt_date(rule.start)} erwartet"
    else:
        when = f"für {period.label} laut Plan noch nichts erwartet"
    body = f"Noch nicht fällig: {when} (Ziel {fmt_value(rule.target, rule.unit)} "
    body += f"{_due_text(rule, period)})"
    if actual.value is not None:
        body += f"; Ist {fmt_value(actual.value, rule.unit)}"
    return Judgement(
        rule.code,
        period,
        "grey",
        _sentence(body, "grey"),
        rule.target,
        0.0,
        actual.value,
        demo=actual.demo,
        pending=True,
    )


def _judge_cumulative(
    rule: IndicatorRule,
    actual: _Actual,
    period: Period,
    thresholds: Thresholds,
    expected: float | None = None,
) -> Judgement:
    assert rule.target is not None and actual.value is not None
    if expected is None:
        expected = expected_cumulative(rule, period)
    ratio = attainment_ratio(actual.value, expected, rule.direction)
    light = thresholds.light(ratio)
    forecast = forecast_light = None
    if expected > 0 and rule.cumulative:
        # A flow's pace leads somewhere by the due date; a stock's level has no such pace.
        forecast = rule.target * actual.value / expected
        forecast_light = thresholds.light(attainment_ratio(forecast, rule.target, rule.direction))
    unit = rule.unit
    noun = "Bestand" if rule.stock else "Ist"
    since = f", ab {fmt_date(rule.start)}" if rule.start is not None else ""
    body = (
        f"{noun} {fmt_value(actual.value, unit)} von erwartet "
        f"{fmt_value(round(expected, 1), unit)} (Ziel {fmt_value(rule.target, unit)} "
        f"{_due_text(rule, period)}{since}; {fmt_attainment(ratio)})"
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
    beyond = (
        actual.value > rule.target if rule.direction == "higher" else actual.value < rule.target
    )
    if rule.strict and light == "green" and not beyond:
        light = "yellow"  # "mehr als 50 %": 50 % itself, or just below, is not on target
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
        if rule.strict:
            how = f"{'weniger' if rule.direction == 'lower' else 'mehr'} als "
            how += f"{fmt_value(rule.target, unit)} verlangt"
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


# -- a target in each place ----------------------------------------------------------------------

# How the sentence groups the places, in this order (the word after the count is "im Plan").
PLACE_GROUPS: tuple[tuple[str, str], ...] = (
    ("green", "im Plan"),
    ("yellow", "gefährdet"),
    ("red", "nicht im Plan"),
    ("grey", "fehlt"),
    ("pending", "noch nicht fällig"),
)


def place_rule(rule: IndicatorRule) -> IndicatorRule:
    """The rule one place is judged by: the place's own target, whole units for counts."""
    return rule._replace(
        target=rule.place_target,
        place_target=None,
        places=(),
        whole=rule.unit == "Anzahl" and (rule.cumulative or rule.stock),
    )


def _place_group(one: IndicatorRule, j: Judgement) -> str:
    if j.pending:
        reached = j.actual is not None and one.target is not None and j.actual >= one.target
        return "green" if reached else "pending"  # done ahead of the plan's timing
    return j.light or "grey"


def judge_places(
    rule: IndicatorRule,
    by_place: Mapping[str, Sequence[Observation]],
    period: Period,
    thresholds: Thresholds = Thresholds(),
) -> Judgement:
    """Each place judged on its own; the indicator shows the worst place and names them all."""
    one = place_rule(rule)
    judged = [
        (place, judge(one, by_place.get(place, ()), period, thresholds)) for place in rule.places
    ]
    groups: dict[str, list[str]] = {}
    due: list[Light] = []
    for place, j in judged:
        group = _place_group(one, j)
        shown = place if j.actual is None else f"{place} ({fmt_value(j.actual, '')})"
        groups.setdefault(group, []).append(shown)
        if group != "pending":
            due.append("green" if group == "green" else (j.light or "grey"))
    pending = not due
    light = worst(due)
    on_plan = groups.get("green", [])
    body = f"{len(on_plan)} von {len(rule.places)} Quartieren im Plan"
    parts = [f"{body}: {', '.join(on_plan)}" if on_plan else body]
    parts += [
        f"{word}: {', '.join(groups[key])}" for key, word in PLACE_GROUPS[1:] if groups.get(key)
    ]
    unit = rule.unit
    goal = f"Ziel je Quartier {fmt_value(rule.place_target, unit)} {_due_text(rule, period)}"
    if rule.start is not None:
        goal += f", ab {fmt_date(rule.start)}"
    actuals = [j.actual for _, j in judged]
    expected = [j.expected for _, j in judged]
    return Judgement(
        rule.code,
        period,
        light,
        _sentence(f"{'; '.join(parts)} ({goal})", light),
        rule.target,
        None if any(e is None for e in expected) else sum(e or 0.0 for e in expected),
        None if any(a is None for a in actuals) else sum(a or 0.0 for a in actuals),
        demo=any(j.demo for _, j in judged),
        pending=pending,
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
    delivery: Delivery | None = None,
) -> Judgement:
    baseline = rule.baseline
    if baseline is None and baseline_observation is not None:
        baseline = baseline_observation.value
    if baseline is None or rule.reduction_pct is None:
        return _grey(rule, period, "Ausgangswert fehlt", actual=actual.value, demo=actual.demo)
    target = baseline * (1 - rule.reduction_pct / 100)
    if actual.value is None:
        return _missing(
            rule._replace(target=target),
            period,
            _missing_text(actual, period),
            _gap(actual, period),
            delivery,
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
    rule: IndicatorRule,
    observations: Sequence[Observation],
    period: Period,
    delivery: Delivery | None = None,
) -> Judgement:
    due = rule.due or dt.date(period.year, 12, 31)
    known = [o for o in observations if o.status is not None and o.period.start <= period.end]
    if not rule.steering:
        state = max(known, key=lambda o: o.period.end).status if known else None
        body = f"Nachrichtlich: Sachstand {_state_word(state)}" if state else "Nachrichtlich"
        return Judgement(rule.code, period, None, _sentence(body, None), status=state)
    if not known:
        return _missing(rule, period, f"Kein Sachstand für {period.label}", period, delivery)
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
        return _missing(
            rule,
            period,
            f"Kein Sachstand für {period.label} (zuletzt {_state_word(state)}, "
            f"{latest.period.label})",
            period,
            delivery,
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
    return max(present, key=SEVERITY.__getitem__)


def judge_measure(
    judgements: Sequence[Judgement], override: Override | None = None
) -> MeasureJudgement:
    """Worst of the steering indicators that are due; an override replaces it only with a
    justification. An indicator not yet due by the plan's timing does not count; if none is
    due, the measure is grey."""
    computed = worst(j.light for j in judgements if not j.pending)
    if override is not None:
        if not override.justification.strip():
            raise RuleError("Eine manuelle Ampel braucht eine schriftliche Begründung.")
        return MeasureJudgement(override.light, computed, override, tuple(judgements))
    return MeasureJudgement(computed, computed, None, tuple(judgements))


def count_lights(lights: Iterable[Light]) -> dict[str, int]:
    """How many measures are green / yellow / red / grey (all four keys, always)."""
    counted = Counter(lights)
    return {light: counted.get(light, 0) for light in LIGHTS}
