"""A plan's data for its evaluation, fetched once: measures, indicators, values, places,
overrides, released rules and the reporting calendar (a handful of Core queries).

`zielcockpit.services.evaluation` judges what `load_plan_data` returns.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Float,
    Select,
    and_,
    bindparam,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import BindParameter

from db.deadlines import load_calendar
from db.engine import without_gc_pauses
from db.models import (
    Handlungsfeld,
    Indikator,
    Massnahme,
    Messwert,
    Organisationseinheit,
    Ort,
    Plan,
    StatusOverride,
    Zielprofil,
    indikator_ort,
)
from db.rule_versions import released_rules, rule_as_of
from zielcockpit.domain.deadlines import DeliveryCalendar
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.rules import (
    IndicatorRule,
    Observation,
    Override,
    Thresholds,
    default_baseline_periods,
)
from zielcockpit.domain.vocabulary import combine_places as combine_cells

PlaceObservations = dict[int, dict[str, list[Observation]]]


class NotFound(LookupError):
    """An unknown plan, measure or period; the message is German."""


class MeasureInfo(NamedTuple):
    id: int
    code: str
    title: str
    cluster_id: int
    cluster: str
    owner: str
    owner_name: str
    position: int


class IndicatorInfo(NamedTuple):
    id: int
    code: str
    name: str
    measure_id: int
    rule: IndicatorRule
    source: str | None = None  # the catalogue's `quelle` (its lag moves the deadline)
    # copied by `plan copy`: target and dates not yet confirmed („zu prüfen“)
    to_check: bool = False


@dataclass(frozen=True)
class ClusterInfo:
    id: int
    key: str
    title: str
    position: int
    budget_eur: float | None
    budget_text: str | None


@dataclass
class PlanData:
    """Everything needed to judge a plan year, fetched in one go."""

    plan_id: int
    key: str
    title: str
    year: int
    thresholds: Thresholds
    clusters: list[ClusterInfo]
    measures: list[MeasureInfo]
    indicators: list[IndicatorInfo]
    observations: dict[int, list[Observation]]  # indicator id -> observations of the year
    baselines: dict[int, Observation]  # indicator id -> value at the end of the previous year
    overrides: dict[tuple[int, str], Override] = field(default_factory=dict)
    # indicator id -> place name -> that place's observations (targets per place only)
    place_observations: PlaceObservations = field(default_factory=dict)
    # The reporting calendar: deadlines set by controlling, the sources' lags.
    calendar: DeliveryCalendar = field(default_factory=DeliveryCalendar)
    # indicator id -> (last released quarter, the rule it was judged by), earliest first
    kept_rules: dict[int, list[tuple[Period, IndicatorRule]]] = field(default_factory=dict)

    def indicators_as_of(self, period: Period) -> list[IndicatorInfo]:
        """The indicators with the rule that judges `period` (a released quarter keeps its own)."""
        if not self.kept_rules:
            return self.indicators
        return [
            ind._replace(rule=rule_as_of(ind.rule, self.kept_rules.get(ind.id), period))
            for ind in self.indicators
        ]

    def quarters(self) -> list[Period]:
        return [Period(self.year, quarter=q) for q in range(1, 5)]

    def check_period(self, period: Period) -> None:
        if period.year != self.year:
            raise NotFound(
                f"Zeitraum {period.key} liegt außerhalb des Plans {self.key} "
                f"(Planungsjahr {self.year})."
            )


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise NotFound(str(exc)) from exc


def plan_keys(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(Plan.key).order_by(Plan.year, Plan.key)))


def periods_up_to(period: Period) -> list[Period]:
    """Every period of the year whose values can count for `period` (months, quarters, year)."""
    year = Period(period.year)
    months = [m for m in year.months() if m.end <= period.end]
    quarters = [q for q in year.quarters_to_date() if q.end <= period.end]
    return months + quarters + ([year] if period.kind == "year" else [])


# The statements of `load_plan_data`, built once: building them (some 70 column expressions)
# cost more than running them for a small plan. `plan_id` is bound at execution.
_PLAN_ID: BindParameter[int] = bindparam("plan_id")
_PLAN = select(
    Plan.id,
    Plan.key,
    Plan.title,
    Plan.year,
    Plan.threshold_green,
    Plan.threshold_yellow,
).where(Plan.key == bindparam("plan_key"))
_PLAN_KEYS = select(Plan.key).order_by(Plan.key)
_CLUSTERS = (
    select(
        Handlungsfeld.id,
        Handlungsfeld.key,
        Handlungsfeld.title,
        Handlungsfeld.position,
        Handlungsfeld.budget_eur,
        Handlungsfeld.budget_text,
    )
    .where(Handlungsfeld.plan_id == _PLAN_ID)
    .order_by(Handlungsfeld.position)
)
_MEASURES = (
    select(
        Massnahme.id,
        Massnahme.code,
        Massnahme.title,
        Massnahme.handlungsfeld_id,
        Organisationseinheit.code,
        Organisationseinheit.name,
        Massnahme.position,
    )
    .join(Organisationseinheit, Massnahme.oe_id == Organisationseinheit.id)
    .where(Massnahme.plan_id == _PLAN_ID)
    .order_by(Massnahme.position)
)
_PROFILES = (
    select(Zielprofil.indikator_id, Zielprofil.period, Zielprofil.expected)
    .join(Indikator, Indikator.id == Zielprofil.indikator_id)
    .where(Indikator.plan_id == _PLAN_ID)
)
_INDICATORS = (
    select(
        Indikator.id,
        Indikator.code,
        Indikator.name,
        Indikator.massnahme_id,
        Indikator.kind,
        Indikator.unit,
        Indikator.direction,
        Indikator.aggregation,
        Indikator.steering,
        type_coerce(Indikator.target, Float),
        Indikator.due,
        type_coerce(Indikator.baseline, Float),
        Indikator.baseline_period,
        type_coerce(Indikator.reduction_pct, Float),
        Indikator.parent_id,
        Indikator.start,
        Indikator.strict,
        type_coerce(Indikator.target_per_place, Float),
        Indikator.quelle,
        Indikator.zu_pruefen,
    )
    .where(Indikator.plan_id == _PLAN_ID)
    .order_by(Indikator.massnahme_id, Indikator.position)
)
_PLACE_NAMES = select(Ort.id, Ort.name)
# The places of the indicators with a target per place, in the plan's order.
_INDICATOR_PLACES = (
    select(indikator_ort.c.indikator_id, Ort.name)
    .join(Ort, Ort.id == indikator_ort.c.ort_id)
    .join(Indikator, Indikator.id == indikator_ort.c.indikator_id)
    .where(Indikator.plan_id == _PLAN_ID, Indikator.target_per_place.is_not(None))
    .order_by(indikator_ort.c.indikator_id, indikator_ort.c.position, Ort.name)
)
_OVERRIDES = (
    select(
        StatusOverride.massnahme_id,
        StatusOverride.period,
        StatusOverride.light,
        StatusOverride.justification,
        StatusOverride.set_by,
        StatusOverride.set_at,
    )
    .join(Massnahme, Massnahme.id == StatusOverride.massnahme_id)
    .where(Massnahme.plan_id == _PLAN_ID)
)


# Per dialect: a statement compiled once, with its SQL, the order of its parameters and the
# result processors of its columns (found at the first execution, from the cursor's types).
class _Compiled(NamedTuple):
    stmt: Select
    compiled: Any
    sql: str
    positions: tuple[str, ...] | None
    processors: list[tuple[int, Any]] | None


_COMPILED: weakref.WeakKeyDictionary[Dialect, dict[int, _Compiled]] = weakref.WeakKeyDictionary()


def _compiled(dialect: Dialect, stmt: Select) -> _Compiled:
    per_dialect = _COMPILED.setdefault(dialect, {})
    found = per_dialect.get(id(stmt))
    if found is None or found.stmt is not stmt:
        compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        positions = None if compiled.positiontup is None else tuple(compiled.positiontup)
        found = _Compiled(stmt, compiled, str(compiled), positions, None)
        per_dialect[id(stmt)] = found
    return found


def _driver_rows(conn: Connection, stmt: Select, params: dict[str, Any] | None = None) -> list[Any]:
    """The rows of a statement built once at module level, from the driver's cursor.

    The statement is compiled once per dialect, and each column passes through the same
    result processor SQLAlchemy would apply (a date stored as text on SQLite, a Decimal
    for a float on PostgreSQL), so the values are what `conn.execute` gives, without the
    statement's compilation and Row objects: for a small plan compiling cost as much as
    running, for a large one the per-row processing as much as the query.
    """
    found = _compiled(conn.dialect, stmt)
    values = found.compiled.construct_params(params)
    args: Any = values if found.positions is None else tuple(values[k] for k in found.positions)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(found.sql, args)
        rows = cursor.fetchall()
        processors = found.processors
        if processors is None:
            processors = _processors(conn.dialect, stmt, cursor.description)
            _COMPILED[conn.dialect][id(stmt)] = found._replace(processors=processors)
    finally:
        cursor.close()
    if not processors:
        return list(rows)
    out = []
    for row in rows:
        row = list(row)
        for i, process in processors:
            if row[i] is not None:
                row[i] = process(row[i])
        out.append(row)
    return out


def _processors(dialect: Dialect, stmt: Select, description: Any) -> list[tuple[int, Any]]:
    found = []
    for i, (column, described) in enumerate(zip(stmt.selected_columns, description, strict=True)):
        process = column.type.dialect_impl(dialect).result_processor(dialect, described[1])
        if process is not None:
            found.append((i, process))
    return found


@lru_cache(maxsize=256)
def _values_sql(
    dialect: Dialect,
    plan_key: str,
    year: int,
    wanted_keys: tuple[str, ...] | None,
    baseline_keys: tuple[str, ...],
) -> tuple[str, Any]:
    """The SQL and parameters of every stored value a period can use (compiled once).

    The plan is named by its key, joined as the benchmark's raw query does: with the plan's
    id alone PostgreSQL, before its statistics know the new values (a fresh import), chose a
    sequential scan of every stored value (100 ms for the 2017 plan instead of 1 ms).
    """
    if wanted_keys is None:
        wanted = Messwert.period.like(f"{year}%")
    else:
        wanted = Messwert.period.in_(wanted_keys)
    stmt = (
        select(
            Messwert.indikator_id,
            Messwert.period,
            Messwert.ort_id,
            Messwert.value,
            Messwert.symbol,
            Messwert.status,
            Messwert.demo,
        )
        .join(Indikator, Indikator.id == Messwert.indikator_id)
        .join(Plan, Plan.id == Indikator.plan_id)
        .where(
            Plan.key == plan_key,
            # Values of the year before only matter as the baseline of a reduction.
            or_(
                wanted,
                and_(Messwert.period.in_(baseline_keys), Indikator.kind == "reduction"),
            ),
        )
    )
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args: Any = (
        params if compiled.positiontup is None else tuple(params[k] for k in compiled.positiontup)
    )
    return str(compiled), args


def _raw_rows(conn: Connection, sql: str, args: Any) -> list[tuple[Any, ...]]:
    """Plain tuples from the driver, without any processing (the caller converts).

    Used for the one query that returns every stored value of a plan year: at 100,000 rows
    the result processing costs as much as the query itself.
    """
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


@without_gc_pauses()
def load_plan_data(engine: Engine, plan_key: str, up_to: Period | None = None) -> PlanData:
    """Everything about a plan year; with `up_to`, only the values that period can use."""
    with engine.connect() as conn:
        found = _driver_rows(conn, _PLAN, {"plan_key": plan_key})
        if not found:
            known = ", ".join(r[0] for r in _driver_rows(conn, _PLAN_KEYS)) or "keine"
            raise NotFound(f"Plan „{plan_key}“ gibt es nicht. Vorhandene Pläne: {known}.")
        plan_id, key, title, year, threshold_green, threshold_yellow = found[0]
        by_plan = {"plan_id": plan_id}
        clusters = [
            ClusterInfo(
                id_, key_, title_, position, None if budget is None else float(budget), text
            )
            for id_, key_, title_, position, budget, text in _driver_rows(conn, _CLUSTERS, by_plan)
        ]
        cluster_titles = {c.id: c.title for c in clusters}
        measures = [
            MeasureInfo(id_, code, title_, cluster_id, cluster_titles[cluster_id], oe, oe_name, pos)
            for id_, code, title_, cluster_id, oe, oe_name, pos in _driver_rows(
                conn, _MEASURES, by_plan
            )
        ]
        indicators = indicator_infos(conn, plan_id, year)
        place_names = any(i.rule.places for i in indicators)
        baseline_keys = {p.key for p in default_baseline_periods(year)}
        baseline_keys |= {i.rule.baseline_period for i in indicators if i.rule.baseline_period}
        wanted = None if up_to is None else tuple(p.key for p in periods_up_to(up_to))
        values = _raw_rows(
            conn, *_values_sql(conn.dialect, key, year, wanted, tuple(sorted(baseline_keys)))
        )
        ort_names = dict(_driver_rows(conn, _PLACE_NAMES)) if place_names else {}
        kept_rules = released_rules(conn, plan_id)
        overrides = {
            (measure_id, period_key): Override(light, justification, by, at)
            for measure_id, period_key, light, justification, by, at in _driver_rows(
                conn, _OVERRIDES, by_plan
            )
        }
        calendar = load_calendar(conn, plan_id)
    observations, baselines, by_place = _observations(values, indicators, year, ort_names)
    return PlanData(
        plan_id,
        key,
        title,
        year,
        Thresholds(float(threshold_green) / 100, float(threshold_yellow) / 100),
        clusters,
        measures,
        indicators,
        observations,
        baselines,
        overrides,
        by_place,
        calendar,
        kept_rules,
    )


def indicator_infos(conn: Connection, plan_id: int, year: int) -> list[IndicatorInfo]:
    """The plan's indicators with the rules that judge them (as stored now)."""
    by_plan = {"plan_id": plan_id}
    profiles: dict[int, dict[int, float]] = defaultdict(dict)
    for ind_id, period_key, expected in _driver_rows(conn, _PROFILES, by_plan):
        q = Period.parse(period_key)
        if q.year == year and q.quarter is not None:
            profiles[ind_id][q.quarter] = float(expected)
    rows = _driver_rows(conn, _INDICATORS, by_plan)
    code_of = {r[0]: r[1] for r in rows}
    place_names: dict[int, list[str]] = defaultdict(list)
    if any(r[17] is not None for r in rows):  # a target per place: its places
        for ind_id, place in _driver_rows(conn, _INDICATOR_PLACES, by_plan):
            place_names[ind_id].append(place)
    return [
        IndicatorInfo(
            id_,
            code,
            name,
            measure_id,
            IndicatorRule(
                code,
                kind,
                unit,
                direction,
                aggregation,
                bool(steering),
                target,
                due,
                baseline,
                baseline_period,
                reduction_pct,
                profiles.get(id_) or None,
                code_of.get(parent_id) if parent_id else None,
                start,
                bool(strict),
                target_per_place,
                tuple(place_names.get(id_, ())),
            ),
            source=source,
            to_check=to_check is True,
        )
        for (
            id_,
            code,
            name,
            measure_id,
            kind,
            unit,
            direction,
            aggregation,
            steering,
            target,
            due,
            baseline,
            baseline_period,
            reduction_pct,
            parent_id,
            start,
            strict,
            target_per_place,
            source,
            to_check,
        ) in rows
    ]


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _observations(
    rows: Iterable[Any],
    indicators: list[IndicatorInfo],
    year: int,
    ort_names: dict[int, str] | None = None,
) -> tuple[dict[int, list[Observation]], dict[int, Observation], PlaceObservations]:
    """One observation per indicator and period; place values add up where no total exists.

    For an indicator with a target per place, each place's values are also kept on their own.
    """
    # This loop sees every stored value of the year: keep it lean (see benchmarks/).
    parse = Period.parse
    observations: dict[int, list[Observation]] = defaultdict(list)
    earlier: dict[tuple[int, str], Observation] = {}  # the years before: baselines
    by_place: dict[tuple[int, str], list[Observation]] = defaultdict(list)
    per_place = {i.id for i in indicators if i.rule.place_target is not None}
    place_values: PlaceObservations = defaultdict(lambda: defaultdict(list))
    periods: dict[str, tuple[Period, bool]] = {}  # key -> period, in the plan year
    for ind_id, period_key, ort_id, value, symbol, status, demo in rows:
        found = periods.get(period_key)
        if found is None:
            found = periods[period_key] = (parse(period_key), parse(period_key).year == year)
        period, this_year = found
        obs = Observation(
            period, None if value is None else float(value), symbol, status, bool(demo)
        )
        if ort_id is not None:
            by_place[(ind_id, period_key)].append(obs)
            if ind_id in per_place and ort_names and this_year:
                place_values[ind_id][ort_names[ort_id]].append(obs)
        elif this_year:
            observations[ind_id].append(obs)
        else:
            earlier[(ind_id, period_key)] = obs
    for (ind_id, period_key), parts in by_place.items():
        whole = combine_places(parts)
        if whole.period.year != year:
            earlier.setdefault((ind_id, period_key), whole)
        elif all(o.period != whole.period for o in observations[ind_id]):
            observations[ind_id].append(whole)
    baselines = _baselines(indicators, earlier, year)
    return observations, baselines, {k: dict(v) for k, v in place_values.items()}


def _baselines(
    indicators: list[IndicatorInfo], earlier: dict[tuple[int, str], Observation], year: int
) -> dict[int, Observation]:
    """The value of a reduction at the end of the year before (or in its named period)."""
    baselines: dict[int, Observation] = {}
    default = [p.key for p in default_baseline_periods(year)]
    for ind in indicators:
        if ind.rule.kind != "reduction":
            continue
        for candidate in [ind.rule.baseline_period] if ind.rule.baseline_period else default:
            found = earlier.get((ind.id, candidate))
            if found is not None and found.value is not None:
                baselines[ind.id] = found
                break
    return baselines


def combine_places(parts: list[Observation]) -> Observation:
    """The whole from its places, by the one rule for sums (domain.vocabulary.combine_places)."""
    value, symbol, status = combine_cells((p.value, p.symbol, p.status) for p in parts)
    return Observation(parts[0].period, value, symbol, status, any(p.demo for p in parts))


# -- evaluation ---------------------------------------------------------------------------------


def find_plan_of_measure(engine: Engine, code: str, plan_key: str | None = None) -> str:
    """The plan a measure code belongs to (the newest plan if several have it)."""
    with engine.connect() as conn:
        stmt = (
            select(Plan.key)
            .join(Massnahme, Massnahme.plan_id == Plan.id)
            .where(
                and_(Massnahme.code == code, Plan.key == plan_key)
                if plan_key
                else Massnahme.code == code
            )
            .order_by(Plan.year.desc())
        )
        key = conn.scalars(stmt).first()
    if key is None:
        where = f" im Plan {plan_key}" if plan_key else ""
        raise NotFound(f"Maßnahme „{code}“ gibt es{where} nicht.")
    return key


# -- JSON ------------------------------------------------------------------------------------------
