"""The status of a plan for a period: fetch everything once, judge it with the domain rules.

`load_plan_data` is the only part that talks to the database (a handful of Core queries);
`evaluate` turns the fetched rows into the JSON-ready report shared by CLI, API and dashboard.

Over 600 lines on purpose: loading a plan year and evaluating it share the plan data types.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Float, Select, and_, or_, select, type_coerce

from db.calendar import load_calendar
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
from zielcockpit.domain.calendar import DeliveryCalendar
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.rules import (
    Delivery,
    IndicatorRule,
    Judgement,
    Observation,
    Override,
    Thresholds,
    child_warnings,
    count_lights,
    default_baseline_periods,
    judge,
    judge_measure,
    with_warning,
)
from zielcockpit.domain.vocabulary import Light
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


def _driver_rows(conn: Connection, stmt: Select) -> list[tuple[Any, ...]]:
    """Plain tuples from the driver, without SQLAlchemy's per-row processing.

    Used for the one query that returns every stored value of a plan year: at 100,000 rows
    the result processing costs as much as the query itself.
    """
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args: Any = (
        params if compiled.positiontup is None else tuple(params[k] for k in compiled.positiontup)
    )
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def load_plan_data(engine: Engine, plan_key: str, up_to: Period | None = None) -> PlanData:
    """Everything about a plan year; with `up_to`, only the values that period can use."""
    with engine.connect() as conn:
        plan = conn.execute(
            select(
                Plan.id,
                Plan.key,
                Plan.title,
                Plan.year,
                Plan.threshold_green,
                Plan.threshold_yellow,
            ).where(Plan.key == plan_key)
        ).one_or_none()
        if plan is None:
            known = ", ".join(conn.scalars(select(Plan.key).order_by(Plan.key))) or "keine"
            raise NotFound(f"Plan „{plan_key}“ gibt es nicht. Vorhandene Pläne: {known}.")
        clusters = [
            ClusterInfo(
                r.id,
                r.key,
                r.title,
                r.position,
                None if r.budget_eur is None else float(r.budget_eur),
                r.budget_text,
            )
            for r in conn.execute(
                select(
                    Handlungsfeld.id,
                    Handlungsfeld.key,
                    Handlungsfeld.title,
                    Handlungsfeld.position,
                    Handlungsfeld.budget_eur,
                    Handlungsfeld.budget_text,
                )
                .where(Handlungsfeld.plan_id == plan.id)
                .order_by(Handlungsfeld.position)
            )
        ]
        cluster_titles = {c.id: c.title for c in clusters}
        measures = [
            MeasureInfo(
                r.id,
                r.code,
                r.title,
                r.handlungsfeld_id,
                cluster_titles[r.handlungsfeld_id],
                r.oe_code,
                r.oe_name,
                r.position,
            )
            for r in conn.execute(
                select(
                    Massnahme.id,
                    Massnahme.code,
                    Massnahme.title,
                    Massnahme.handlungsfeld_id,
                    Massnahme.position,
                    Organisationseinheit.code.label("oe_code"),
                    Organisationseinheit.name.label("oe_name"),
                )
                .join(Organisationseinheit, Massnahme.oe_id == Organisationseinheit.id)
                .where(Massnahme.plan_id == plan.id)
                .order_by(Massnahme.position)
            )
        ]
        indicators = indicator_infos(conn, plan.id, plan.year)
        place_names = any(i.rule.places for i in indicators)
        baseline_keys = {p.key for p in default_baseline_periods(plan.year)}
        baseline_keys |= {i.rule.baseline_period for i in indicators if i.rule.baseline_period}
        if up_to is None:
            wanted = Messwert.period.like(f"{plan.year}%")
        else:
            wanted = Messwert.period.in_([p.key for p in periods_up_to(up_to)])
        values = _driver_rows(
            conn,
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
            .where(
                Indikator.plan_id == plan.id,
                # Values of the year before only matter as the baseline of a reduction.
                or_(
                    wanted,
                    and_(Messwert.period.in_(baseline_keys), Indikator.kind == "reduction"),
                ),
            ),
        )
        ort_names = (
            {r.id: r.name for r in conn.execute(select(Ort.id, Ort.name))} if place_names else {}
        )
        kept_rules = released_rules(conn, plan.id)
        overrides = {
            (r.massnahme_id, r.period): Override(r.light, r.justification, r.set_by, r.set_at)
            for r in conn.execute(
                select(*StatusOverride.__table__.c)
                .join(Massnahme, Massnahme.id == StatusOverride.massnahme_id)
                .where(Massnahme.plan_id == plan.id)
            )
        }
        calendar = load_calendar(conn, plan.id)
    observations, baselines, by_place = _observations(values, indicators, plan.year, ort_names)
    return PlanData(
        plan.id,
        plan.key,
        plan.title,
        plan.year,
        Thresholds(float(plan.threshold_green) / 100, float(plan.threshold_yellow) / 100),
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
    profiles: dict[int, dict[int, float]] = defaultdict(dict)
    for r in conn.execute(
        select(Zielprofil.indikator_id, Zielprofil.period, Zielprofil.expected)
        .join(Indikator, Indikator.id == Zielprofil.indikator_id)
        .where(Indikator.plan_id == plan_id)
    ):
        q = Period.parse(r.period)
        if q.year == year and q.quarter is not None:
            profiles[r.indikator_id][q.quarter] = float(r.expected)
    rows = conn.execute(
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
        )
        .where(Indikator.plan_id == plan_id)
        .order_by(Indikator.massnahme_id, Indikator.position)
    ).all()
    code_of = {r[0]: r[1] for r in rows}
    to_check = set(
        conn.scalars(
            select(Indikator.id).where(Indikator.plan_id == plan_id, Indikator.zu_pruefen.is_(True))
        )
    )
    place_names = _places_of(conn, plan_id, [r[0] for r in rows if r[-1] is not None])
    sources = dict(
        conn.execute(
            select(Indikator.id, Indikator.quelle).where(
                Indikator.plan_id == plan_id, Indikator.quelle.is_not(None)
            )
        ).all()
    )
    indicators = [
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
            source=sources.get(id_),
            to_check=id_ in to_check,
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
        ) in rows
    ]
    return indicators


def _places_of(conn: Connection, plan_id: int, ids: list[int]) -> dict[int, list[str]]:
    """The places of the indicators with a target per place, in the plan's order."""
    if not ids:
        return {}
    found: dict[int, list[str]] = defaultdict(list)
    for ind_id, name in conn.execute(
        select(indikator_ort.c.indikator_id, Ort.name)
        .join(Ort, Ort.id == indikator_ort.c.ort_id)
        .where(indikator_ort.c.indikator_id.in_(ids))
        .order_by(indikator_ort.c.indikator_id, indikator_ort.c.position, Ort.name)
    ):
        found[ind_id].append(name)
    return found


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
    for ind_id, period_key, ort_id, value, symbol, status, demo in rows:
        period = parse(period_key)
        obs = Observation(
            period, None if value is None else float(value), symbol, status, bool(demo)
        )
        if ort_id is not None:
            by_place[(ind_id, period_key)].append(obs)
            if ind_id in per_place and ort_names and period.year == year:
                place_values[ind_id][ort_names[ort_id]].append(obs)
        elif period.year == year:
            observations[ind_id].append(obs)
        else:
            earlier[(ind_id, period_key)] = obs
    for (ind_id, period_key), parts in by_place.items():
        whole = combine_places(parts)
        if whole.period.year != year:
            earlier.setdefault((ind_id, period_key), whole)
        elif all(o.period != whole.period for o in observations[ind_id]):
            observations[ind_id].append(whole)
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
    return observations, baselines, {k: dict(v) for k, v in place_values.items()}


def combine_places(parts: list[Observation]) -> Observation:
    """The whole from its places, by the one rule for sums (domain.vocabulary.combine_places)."""
    value, symbol, status = combine_cells((p.value, p.symbol, p.status) for p in parts)
    return Observation(parts[0].period, value, symbol, status, any(p.demo for p in parts))


# -- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureStatus:
    info: MeasureInfo
    light: Light
    computed_light: Light
    override: Override | None
    indicators: list[tuple[IndicatorInfo, Judgement]]

    @property
    def demo(self) -> bool:
        return any(j.demo for _, j in self.indicators)

    def deciding(self) -> tuple[IndicatorInfo, Judgement] | None:
        """The steering indicator whose light is the measure's computed light (the worst one)."""
        steering = [
            (ind, j) for ind, j in self.indicators if ind.rule.steering and j.light is not None
        ]
        for ind, j in steering:
            if j.light == self.computed_light:
                return ind, j
        return steering[0] if steering else None

    def sentence(self) -> tuple[str, str | None]:
        """Why the light is what it is, and the indicator that sentence is about (if several)."""
        deciding = self.deciding()
        if deciding is None:
            return "Keine steuernden Indikatoren – ohne Ampel", None
        ind, j = deciding
        steering_count = sum(1 for i, _ in self.indicators if i.rule.steering)
        return j.explanation, (ind.name if steering_count > 1 else None)


@dataclass(frozen=True)
class StatusReport:
    plan: PlanData
    period: Period
    measures: list[MeasureStatus]

    def measure(self, code: str) -> MeasureStatus:
        for m in self.measures:
            if m.info.code == code:
                return m
        raise NotFound(f"Maßnahme „{code}“ gibt es im Plan {self.plan.key} nicht.")

    def cluster_counts(self) -> dict[int, dict[str, int]]:
        grouped: dict[int, list[Light]] = defaultdict(list)
        for m in self.measures:
            grouped[m.info.cluster_id].append(m.light)
        return {c.id: count_lights(grouped.get(c.id, [])) for c in self.plan.clusters}

    def counts(self) -> dict[str, int]:
        return count_lights(m.light for m in self.measures)

    @property
    def demo(self) -> bool:
        return any(m.demo for m in self.measures)


def evaluate(data: PlanData, period: Period, today: dt.date | None = None) -> StatusReport:
    """Judge every indicator and measure; with `today`, a missing value says whether its
    delivery deadline has passed (the reporting calendar)."""
    data.check_period(period)
    indicators = data.indicators_as_of(period)
    by_measure: dict[int, list[IndicatorInfo]] = defaultdict(list)
    for ind in indicators:
        by_measure[ind.measure_id].append(ind)
    owners = {m.id: m.owner for m in data.measures}
    judged = {
        ind.code: judge(
            ind.rule,
            data.observations.get(ind.id, ()),
            period,
            data.thresholds,
            data.baselines.get(ind.id),
            data.place_observations.get(ind.id),
            None
            if today is None
            else Delivery(data.calendar, today, owners.get(ind.measure_id, ""), ind.source),
        )
        for ind in indicators
    }
    # Plan-wide: a "darunter" value may belong to another measure (REGE-10.1 under REGE-9.2).
    parents = {i.code: i.rule.parent for i in indicators if i.rule.parent is not None}
    for child, warning in child_warnings(judged, parents).items():
        judged[child] = with_warning(judged[child], warning)
    measures = []
    for m in data.measures:
        inds = by_measure.get(m.id, [])
        pairs = [(ind, judged[ind.code]) for ind in inds]
        override = data.overrides.get((m.id, period.key))
        mj = judge_measure([j for ind, j in pairs if ind.rule.steering], override)
        measures.append(MeasureStatus(m, mj.light, mj.computed_light, mj.override, pairs))
    return StatusReport(data, period, measures)


def plan_status(
    engine: Engine, plan_key: str, period_text: str, today: dt.date | None = None
) -> StatusReport:
    period = parse_period(period_text)
    return evaluate(load_plan_data(engine, plan_key, up_to=period), period, today)


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


def _r(value: float | None, digits: int = 4) -> float | None:
    if value is None:
        return None
    if value == float("inf"):
        return None
    return round(value, digits)


def _iso(moment: dt.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def indicator_json(ind: IndicatorInfo, j: Judgement) -> dict[str, Any]:
    rule = ind.rule
    return {
        "code": ind.code,
        "name": ind.name,
        "kind": rule.kind,
        "unit": rule.unit,
        "direction": rule.direction,
        "steering": rule.steering,
        "parent": rule.parent,
        "due": rule.due.isoformat() if rule.due else None,
        "target": _r(j.target),
        "expected": _r(j.expected),
        "actual": _r(j.actual),
        "status": j.status,
        "attainment": _r(j.attainment),
        "light": j.light,
        "forecast": _r(j.forecast, 2),
        "forecast_light": j.forecast_light,
        "explanation": j.explanation,
        "warnings": list(j.warnings),
        "demo": j.demo,
        # A missing value: when it is due and whether that date has passed (reporting calendar).
        "due_date": None if j.delivery is None else j.delivery.due.isoformat(),
        "overdue": None if j.delivery is None else j.delivery.overdue,
        "zu_pruefen": ind.to_check,
    }


def measure_json(m: MeasureStatus) -> dict[str, Any]:
    return {
        "code": m.info.code,
        "title": m.info.title,
        "cluster": m.info.cluster,
        "cluster_id": m.info.cluster_id,
        "owner": m.info.owner,
        "owner_name": m.info.owner_name,
        "light": m.light,
        "computed_light": m.computed_light,
        "override": None
        if m.override is None
        else {
            "light": m.override.light,
            "justification": m.override.justification,
            "by": m.override.by,
            "at": _iso(m.override.at),
        },
        "demo": m.demo,
        "indicators": [indicator_json(ind, j) for ind, j in m.indicators],
    }


def report_json(report: StatusReport) -> dict[str, Any]:
    counts = report.cluster_counts()
    return {
        "plan": report.plan.key,
        "plan_title": report.plan.title,
        "period": report.period.key,
        "period_label": report.period.label,
        "thresholds": {
            "green": report.plan.thresholds.green,
            "yellow": report.plan.thresholds.yellow,
        },
        "demo": report.demo,
        "counts": report.counts(),
        "clusters": [
            {
                "id": c.id,
                "key": c.key,
                "title": c.title,
                "budget_eur": c.budget_eur,
                "counts": counts[c.id],
            }
            for c in report.plan.clusters
        ],
        "measures": [measure_json(m) for m in report.measures],
    }
