"""The light rules of domain.md: one row per indicator kind of the 2017 plan, and invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.status import ClusterInfo, IndicatorInfo, MeasureInfo, PlanData, evaluate
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import (
    IndicatorRule,
    Judgement,
    Observation,
    Override,
    RuleError,
    Thresholds,
    judge,
    judge_measure,
    worst,
)
from zielcockpit.domain.vocabulary import SEVERITY, Light

Q1, Q2, Q3, Q4 = (Period(2017, quarter=q) for q in range(1, 5))


def months(*values: float) -> list[Observation]:
    return [Observation(Period(2017, month=m), v) for m, v in enumerate(values, start=1)]


def quarters(*values: float | None) -> list[Observation]:
    return [Observation(Period(2017, quarter=q), v) for q, v in enumerate(values, start=1)]


REGE_4 = IndicatorRule("REGE-4.1", "count", target=42)
REGE_1 = IndicatorRule("REGE-1.1", "rate", unit="%", aggregation="last", target=45)
JC_2 = IndicatorRule(
    "Jobcenter-2.1", "rate", unit="%", direction="lower", aggregation="last", target=5.9
)
HZE_7 = IndicatorRule(
    "510-7.2", "upper_bound", unit="%", direction="lower", aggregation="last", target=40
)
JC_8 = IndicatorRule(
    "Jobcenter-8.1", "reduction", direction="lower", aggregation="last", reduction_pct=5
)
JC_6 = IndicatorRule("Jobcenter-6.1", "money", unit="EUR", target=255000)
M_540_14 = IndicatorRule("540-14.1", "milestone", unit="Meilenstein", due=dt.date(2017, 12, 31))
M_510_5 = IndicatorRule("510-5.3", "milestone", unit="Meilenstein", due=dt.date(2017, 3, 31))
JC_3_U25 = IndicatorRule("Jobcenter-3.2", "count", steering=False, parent="Jobcenter-3.1")
FH_510_6 = IndicatorRule("510-6.1", "unquantified")
REGE_5 = IndicatorRule(  # school-year placements: the owner's profile, not a straight line
    "REGE-5.1", "count", target=42, profile={1: 2, 2: 6, 3: 30, 4: 42}
)
BASELINE = Observation(Period(2016, month=12), 460)

CASES = [
    # (kind, rule, observations, period, light, explanation)
    (
        "count, cumulative (REGE-4)",
        REGE_4,
        quarters(10, 10),
        Q2,
        "green",
        "Ist 20 von erwartet 21 (Ziel 42 bis 31.12.; 95 %) – grün",
    ),
    (
        "count from months (REGE-4)",
        REGE_4,
        months(3, 3, 3, 3, 3, 3),
        Q2,
        "yellow",
        "Ist 18 von erwartet 21 (Ziel 42 bis 31.12.; 85 %) – gelb",
    ),
    (
        "count with a profile (REGE-5)",
        REGE_5,
        quarters(2, 3),
        Q2,
        "red",
        "Ist 5 von erwartet 6 (Ziel 42 bis 31.12.; 83 %) – rot",
    ),
    (
        "rate, higher is better (REGE-1)",
        REGE_1,
        quarters(40, 44),
        Q2,
        "green",
        "Quote 44 % unter Zielwert 45 % (höher ist besser; 97 %) – grün",
    ),
    (
        "rate, lower is better (Jobcenter-2)",
        JC_2,
        months(6.0, 6.1, 6.2, 6.3, 6.4, 6.6),
        Q2,
        "yellow",
        "Quote 6,6 % über Zielwert 5,9 % (niedriger ist besser; 89 %) – gelb",
    ),
    (
        "upper bound (510-7)",
        HZE_7,
        quarters(48),
        Q1,
        "red",
        "Quote 48 % über Obergrenze 40 % (höchstens 40 %; 83 %) – rot",
    ),
    (
        "reduction against a baseline (Jobcenter-8)",
        JC_8,
        quarters(460, 455),
        Q2,
        "green",
        "Ist 455 bei erwartet 448,5 (Ausgangswert 460, Ziel 437 bis 31.12.; niedriger ist besser; 98 %) – grün",
    ),
    (
        "money (Jobcenter-6)",
        JC_6,
        quarters(50000),
        Q1,
        "red",
        "Ist 50.000 € von erwartet 63.750 € (Ziel 255.000 € bis 31.12.; 78 %) – rot",
    ),
    (
        "milestone on schedule (540-14)",
        M_540_14,
        [Observation(Q2, status="im_plan")],
        Q2,
        "green",
        "Meilenstein fällig 31.12.2017, Sachstand im Plan – grün",
    ),
    (
        "milestone at risk (540-14)",
        M_540_14,
        [Observation(Q2, status="gefaehrdet")],
        Q2,
        "yellow",
        "Meilenstein fällig 31.12.2017, als gefährdet gemeldet – gelb",
    ),
    (
        "milestone overdue (510-5)",
        M_510_5,
        [Observation(Q1, status="im_plan"), Observation(Q2, status="offen")],
        Q2,
        "red",
        "Meilenstein fällig 31.03.2017, nicht erledigt – rot",
    ),
    (
        "milestone without this quarter's Sachstand (540-14)",
        M_540_14,
        [Observation(Q1, status="im_plan")],
        Q2,
        "grey",
        "Kein Sachstand für 2. Quartal 2017 (zuletzt im Plan, 1. Quartal 2017) – grau",
    ),
    (
        "milestone done (510-5)",
        M_510_5,
        [Observation(Q2, status="erledigt")],
        Q3,
        "green",
        "Meilenstein erledigt (fällig 31.03.2017) – grün",
    ),
    (
        "nachrichtlich (Jobcenter-3)",
        JC_3_U25,
        quarters(120, 130),
        Q2,
        None,
        "Nachrichtlich: Ist 250 – ohne Ampel",
    ),
    (
        "no quantified target (510-6)",
        FH_510_6,
        quarters(3),
        Q1,
        "grey",
        "Kein quantifizierter Zielwert (Ist 3) – grau",
    ),
    (
        "no value for the quarter (REGE-4)",
        REGE_4,
        quarters(10),
        Q2,
        "grey",
        "Kein Wert für 2. Quartal 2017 – grau",
    ),
    (
        "suppressed value (REGE-4)",
        REGE_4,
        [Observation(Q1, 9), Observation(Q2, symbol="*")],
        Q2,
        "grey",
        "Kein Wert für 2. Quartal 2017: „*“ (anonymisiert (Datenschutz)) – grau",
    ),
]


@pytest.mark.parametrize(
    ("kind", "rule", "observations", "period", "light", "explanation"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_rul001_every_kind_of_the_seed(
    kind: str,
    rule: IndicatorRule,
    observations: list[Observation],
    period: Period,
    light: str | None,
    explanation: str,
) -> None:
    baseline = BASELINE if rule.kind == "reduction" else None
    j = judge(rule, observations, period, Thresholds(), baseline)
    assert j.light == light
    assert j.explanation.replace("\u00a0", " ") == explanation


def test_rul002_reduction_without_baseline_is_grey() -> None:
    j = judge(JC_8, quarters(455), Q1)
    assert (j.light, j.explanation) == ("grey", "Ausgangswert fehlt – grau")


def test_rul003_forecast_for_cumulative_indicators() -> None:
    j = judge(REGE_4, quarters(10, 10), Q2)
    assert j.forecast == pytest.approx(40)
    assert j.forecast_light == "green"
    behind = judge(JC_6, quarters(30000, 30000), Q2)
    assert behind.forecast == pytest.approx(120000)
    assert behind.forecast_light == "red"
    assert judge(REGE_1, quarters(44), Q1).forecast is None  # a rate has no year-end sum


def test_rul004_thresholds_are_configurable() -> None:
    strict = Thresholds(green=0.99, yellow=0.97)
    assert judge(REGE_4, quarters(10, 10), Q2, strict).light == "red"
    assert judge(REGE_4, quarters(10, 10), Q2, Thresholds(green=0.9, yellow=0.8)).light == "green"
    with pytest.raises(ValueError, match="Schwelle"):
        Thresholds(green=0.8, yellow=0.9)


def test_rul005_override_needs_a_justification() -> None:
    red = Judgement("X.1", Q2, "red", "…")
    ok = judge_measure(
        [red], Override("yellow", "Verzögerung beim Träger", "510", dt.datetime(2017, 7, 1))
    )
    assert (ok.light, ok.computed_light, ok.override is not None) == ("yellow", "red", True)
    with pytest.raises(RuleError, match="Begründung"):
        judge_measure([red], Override("green", "  ", "510", dt.datetime(2017, 7, 1)))


# -- a plan in memory, for the roll-up ----------------------------------------------------------------


def plan_with(rules: list[IndicatorRule], values: dict[str, list[Observation]]) -> PlanData:
    indicators = [IndicatorInfo(n, r.code, r.code, 1, r) for n, r in enumerate(rules, start=1)]
    return PlanData(
        1,
        "test",
        "Testplan",
        2017,
        Thresholds(),
        [ClusterInfo(1, "hf", "Handlungsfeld", 1, None, None)],
        [MeasureInfo(1, "REGE-9", "KAF", 1, "Handlungsfeld", "REGE", "REGE mbH", 1)],
        indicators,
        {i.id: values.get(i.code, []) for i in indicators},
        {},
    )


REGE_9 = [
    IndicatorRule("REGE-9.1", "count", target=97),
    IndicatorRule("REGE-9.2", "count", target=530),
    IndicatorRule("REGE-9.3", "count", target=160, parent="REGE-9.2"),
]


def test_rul006_several_targets_roll_up_to_the_worst() -> None:
    report = evaluate(
        plan_with(
            REGE_9,
            {
                "REGE-9.1": quarters(25, 24),
                "REGE-9.2": quarters(100, 80),
                "REGE-9.3": quarters(40, 40),
            },
        ),
        Q2,
    )
    measure = report.measures[0]
    assert [j.light for _, j in measure.indicators] == ["green", "red", "green"]
    assert measure.light == "red"
    assert report.cluster_counts()[1] == {"green": 0, "yellow": 0, "red": 1, "grey": 0}


def test_rul007_child_above_parent_is_reported() -> None:
    report = evaluate(
        plan_with(
            REGE_9,
            {
                "REGE-9.1": quarters(25, 24),
                "REGE-9.2": quarters(30, 30),
                "REGE-9.3": quarters(40, 40),
            },
        ),
        Q2,
    )
    child = report.measures[0].indicators[2][1]
    assert child.warnings and "größer als der Wert von REGE-9.2" in child.warnings[0]
    assert "Achtung" in child.explanation
    assert child.light != "green"


# -- invariants ---------------------------------------------------------------------------------------

targets = st.floats(min_value=0.5, max_value=10_000, allow_nan=False, allow_infinity=False)
actuals = st.floats(min_value=0, max_value=20_000, allow_nan=False, allow_infinity=False)
steps = st.floats(min_value=0.01, max_value=5_000, allow_nan=False, allow_infinity=False)
level_rules = st.builds(
    lambda kind, direction, target: IndicatorRule(
        "T.1",
        kind,
        direction="lower" if kind == "upper_bound" else direction,
        aggregation="last",
        target=target,
    ),
    st.sampled_from(["rate", "upper_bound"]),
    st.sampled_from(["higher", "lower"]),
    targets,
)
cumulative_rules = st.builds(
    lambda kind, target: IndicatorRule("T.1", kind, target=target),
    st.sampled_from(["count", "money"]),
    targets,
)
quarter = st.sampled_from([Q1, Q2, Q3, Q4])


def _value_at(rule: IndicatorRule, period: Period, actual: float) -> list[Observation]:
    """Observations whose actual for `period` is `actual` (spread over the quarters for sums)."""
    qs = period.quarters_to_date()
    if rule.cumulative:
        return [Observation(q, actual / len(qs)) for q in qs]
    return [Observation(period, actual)]


@settings(max_examples=300, deadline=None)
@given(rule=st.one_of(level_rules, cumulative_rules), period=quarter, actual=actuals, step=steps)
def test_rul101_a_worse_actual_never_gives_a_better_light(
    rule: IndicatorRule, period: Period, actual: float, step: float
) -> None:
    worse = actual - step if rule.direction == "higher" else actual + step
    if worse < 0:
        return
    before = judge(rule, _value_at(rule, period, actual), period).light
    after = judge(rule, _value_at(rule, period, worse), period).light
    assert before is not None and after is not None
    assert SEVERITY[after] >= SEVERITY[before]


any_rule = st.one_of(
    level_rules,
    cumulative_rules,
    st.builds(
        lambda due: IndicatorRule("T.1", "milestone", due=due),
        st.dates(dt.date(2017, 1, 1), dt.date(2018, 12, 31)),
    ),
    st.builds(
        lambda pct: IndicatorRule(
            "T.1", "reduction", direction="lower", aggregation="last", reduction_pct=pct
        ),
        st.floats(1, 50),
    ),
    st.just(IndicatorRule("T.1", "unquantified")),
)
missing = st.lists(
    st.builds(
        lambda q, symbol: Observation(q, None, symbol),
        quarter,
        st.sampled_from(["*", "-", "x", ".", "...", None]),
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(rule=any_rule, period=quarter, observations=missing)
def test_rul102_missing_data_is_never_green(
    rule: IndicatorRule, period: Period, observations: list[Observation]
) -> None:
    assert judge(rule, observations, period, Thresholds(), BASELINE).light != "green"


@settings(max_examples=300, deadline=None)
@given(target=targets, actual=st.floats(min_value=0.01, max_value=20_000), period=quarter)
def test_rul103_lower_and_higher_are_mirror_images(
    target: float, actual: float, period: Period
) -> None:
    higher = IndicatorRule("T.1", "rate", aggregation="last", target=target)
    lower = IndicatorRule("T.1", "rate", direction="lower", aggregation="last", target=actual)
    a = judge(higher, [Observation(period, actual)], period)
    b = judge(lower, [Observation(period, target)], period)
    assert a.light == b.light
    assert a.attainment == pytest.approx(b.attainment)


@settings(max_examples=200, deadline=None)
@given(
    parent=st.lists(st.integers(0, 300), min_size=2, max_size=2),
    child=st.lists(st.integers(0, 300), min_size=2, max_size=2),
)
def test_rul104_a_child_never_exceeds_its_parent_unreported(
    parent: list[int], child: list[int]
) -> None:
    report = evaluate(
        plan_with(
            REGE_9,
            {
                "REGE-9.2": quarters(*map(float, parent)),
                "REGE-9.3": quarters(*map(float, child)),
            },
        ),
        Q2,
    )
    judged = {ind.code: j for ind, j in report.measures[0].indicators}
    over = sum(child) > sum(parent)
    assert bool(judged["REGE-9.3"].warnings) == over


lights: st.SearchStrategy[Light] = st.sampled_from(["green", "yellow", "red", "grey"])


@settings(max_examples=300, deadline=None)
@given(
    found=st.lists(st.one_of(lights, st.none()), max_size=6), override=st.one_of(st.none(), lights)
)
def test_rul105_a_measure_is_never_better_than_its_worst_indicator(
    found: list[Light | None], override: Light | None
) -> None:
    judgements = [Judgement(f"T.{n}", Q2, light, "") for n, light in enumerate(found)]
    ov = (
        None if override is None else Override(override, "Begründung", "x", dt.datetime(2017, 1, 1))
    )
    result = judge_measure(judgements, ov)
    assert result.computed_light == worst(j.light for j in judgements)
    present = [light for light in found if light is not None]
    if present:
        assert SEVERITY[result.computed_light] >= max(SEVERITY[x] for x in present)
    else:
        assert result.computed_light == "grey"
    if ov is None:
        assert result.light == result.computed_light
    else:
        assert result.light == override and result.override is ov
