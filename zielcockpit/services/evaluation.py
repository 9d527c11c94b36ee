"""The use case „evaluate a plan“: every indicator and measure of a plan judged for a period,
and the JSON of the result (API and `zielcockpit status --json`).

The plan's data comes from `db.plan_data` (one fetch); the rules are `zielcockpit.domain.rules`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from db.engine import without_gc_pauses
from db.plan_data import (
    IndicatorInfo,
    MeasureInfo,
    NotFound,
    PlanData,
    load_plan_data,
    parse_period,
)
from db.queries import LeitsatzInfo, data_version, leitsatz_links
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import (
    Delivery,
    Judgement,
    Override,
    child_warnings,
    count_lights,
    judge,
    judge_measure,
    with_warning,
)
from zielcockpit.domain.vocabulary import Light
from zielcockpit.settings import today as settings_today


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


@without_gc_pauses()
def evaluate(data: PlanData, period: Period, today: dt.date | None = None) -> StatusReport:
    """Judge every indicator and measure; with `today`, a missing value says whether its
    delivery deadline has passed (the reporting calendar)."""
    data.check_period(period)
    indicators = data.indicators_as_of(period)
    by_measure: dict[int, list[IndicatorInfo]] = defaultdict(list)
    for ind in indicators:
        by_measure[ind.measure_id].append(ind)
    observations, baselines = data.observations.get, data.baselines.get
    places, thresholds = data.place_observations.get, data.thresholds
    owners = {m.id: m.owner for m in data.measures} if today is not None else {}

    def delivery(ind: IndicatorInfo) -> Delivery | None:
        if today is None:
            return None
        return Delivery(data.calendar, today, owners.get(ind.measure_id, ""), ind.source)

    judged = {
        ind.code: judge(
            ind.rule,
            observations(ind.id, ()),
            period,
            thresholds,
            baselines(ind.id),
            places(ind.id),
            delivery(ind),
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


# -- the cached plan snapshot of the dashboard ----------------------------------------------------

# Catalogue reloads update texts and targets in place without leaving a trace the version query
# sees; after this many seconds a snapshot is rebuilt anyway.
SNAPSHOT_MAX_AGE_SECONDS = 300.0
CACHE_SIZE = 8


@dataclass(frozen=True)
class OwnerInfo:
    code: str
    name: str


@dataclass
class PlanSnapshot:
    """A plan as fetched once, with its evaluations per period made on first use."""

    data: PlanData
    leitsaetze: list[LeitsatzInfo]
    measure_leitsaetze: dict[int, frozenset[int]]  # measure id -> Leitsatz numbers
    version: tuple[Any, ...] = ()
    _reports: dict[str, StatusReport] = field(default_factory=dict)
    _indexes: dict[str, dict[int, MeasureStatus]] = field(default_factory=dict)
    _quarter_indexes: dict[
        str,
        tuple[tuple[dict[int, MeasureStatus] | None, ...], dict[int, MeasureStatus] | None],
    ] = field(default_factory=dict)
    _quarters_with_values: frozenset[Period] | None = None
    _owners: list[OwnerInfo] | None = None
    _quarter_list: list[Period] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _today: dt.date | None = None  # the date the evaluations were made for (reporting calendar)

    @property
    def key(self) -> str:
        return self.data.key

    def report(self, period: Period) -> StatusReport:
        """The evaluation for one period (raises NotFound outside the plan year)."""
        self.data.check_period(period)
        today = settings_today()
        with self._lock:
            if today != self._today:
                # „Überfällig“ depends on the date: a new day judges missing values anew.
                self._reports.clear()
                self._indexes.clear()
                self._quarter_indexes.clear()
                self._today = today
            found = self._reports.get(period.key)
        if found is None:
            found = evaluate(self.data, period, today)
            with self._lock:
                self._reports[period.key] = found
        return found

    def measure_index(self, period: Period) -> dict[int, MeasureStatus]:
        """Measure id -> its status in `period`, for looking up one measure in many quarters."""
        found = self._indexes.get(period.key)
        if found is None:
            found = {m.info.id: m for m in self.report(period).measures}
            self._indexes[period.key] = found
        return found

    def quarter_reports(self) -> list[StatusReport]:
        """Q1..Q4 of the plan year: the scorecard and every trend need all four."""
        return [self.report(q) for q in self.data.quarters()]

    def quarters(self) -> list[Period]:
        if self._quarter_list is None:
            self._quarter_list = self.data.quarters()
        return self._quarter_list

    def latest_period(self) -> Period:
        """The latest quarter with any stored value; Q1 when the plan has none yet."""
        reported = self._reported_quarters()
        if not reported:
            return Period(self.data.year, quarter=1)
        return max(reported, key=lambda q: q.quarter or 0)

    def periods_with_values(self) -> set[str]:
        """Keys of the quarters of the plan year with at least one stored value."""
        return {q.key for q in self._reported_quarters()}

    def _reported_quarters(self) -> frozenset[Period]:
        if self._quarters_with_values is None:
            # Few distinct periods behind many values: look at each period once.
            periods = {
                obs.period
                for observations in self.data.observations.values()
                for obs in observations
            }
            quarters = set()
            for p in periods:
                if p.year != self.data.year:
                    continue
                # A value for the whole year counts as reported at its end.
                quarters.add(Period(p.year, quarter=4) if p.kind == "year" else p.as_quarter())
            self._quarters_with_values = frozenset(quarters)
        return self._quarters_with_values

    def quarter_indexes(
        self, period: Period
    ) -> tuple[tuple[dict[int, MeasureStatus] | None, ...], dict[int, MeasureStatus] | None]:
        """For `period`: the measure index of each quarter up to it (None after it), and of
        the quarter before it (None in the first quarter)."""
        found = self._quarter_indexes.get(period.key)
        if found is None:
            quarters = tuple(
                self.measure_index(q) if q.end <= period.end else None for q in self.quarters()
            )
            previous = period.previous_quarter()
            found = (quarters, self.measure_index(previous) if previous else None)
            self._quarter_indexes[period.key] = found
        return found

    def owners(self) -> list[OwnerInfo]:
        if self._owners is None:
            seen: dict[str, str] = {}
            for m in self.data.measures:
                seen.setdefault(m.owner, m.owner_name)
            self._owners = [
                OwnerInfo(code, name) for code, name in sorted(seen.items(), key=_owner_order)
            ]
        return self._owners


def _owner_order(item: tuple[str, str]) -> tuple[int, str]:
    code = item[0]
    return (0 if code[:1].isdigit() else 1, code.lower())


class _SnapshotCache:
    """A small LRU of plan snapshots, checked against `data_version` before use."""

    def __init__(self, size: int = CACHE_SIZE, clock: Callable[[], float] = time.monotonic):
        self.size, self.clock = size, clock
        self._items: OrderedDict[tuple[str, str], tuple[float, PlanSnapshot]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, engine: Engine, plan_key: str) -> PlanSnapshot:
        key = (engine.url.render_as_string(hide_password=True), plan_key)
        now = self.clock()
        with self._lock:
            entry = self._items.get(key)
        version = data_version(engine)
        if entry is not None:
            built_at, snapshot = entry
            if now - built_at < SNAPSHOT_MAX_AGE_SECONDS and snapshot.version == version:
                with self._lock:
                    self._items.move_to_end(key)
                return snapshot
        # The version is read before the data: a write in between makes the next call refetch.
        snapshot = _fetch_snapshot(engine, plan_key)
        snapshot.version = version
        with self._lock:
            self._items[key] = (now, snapshot)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return snapshot

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = _SnapshotCache()


def plan_snapshot(engine: Engine, plan_key: str) -> PlanSnapshot:
    """The plan's data and evaluations; refetched only when the database has changed."""
    return _CACHE.get(engine, plan_key)


def clear_cache() -> None:
    _CACHE.clear()


def _fetch_snapshot(engine: Engine, plan_key: str) -> PlanSnapshot:
    data = load_plan_data(engine, plan_key)
    leitsaetze, links = leitsatz_links(engine, data.plan_id)
    return PlanSnapshot(data, leitsaetze, links)
