"""What each page shows, computed from the plan's evaluations: pure, no Dash, no database."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from app.filters import Filters
from db.plan_data import ClusterInfo, IndicatorInfo
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import Judgement, Override, count_lights
from zielcockpit.domain.vocabulary import SEVERITY, Light
from zielcockpit.services.evaluation import MeasureStatus, PlanSnapshot, StatusReport

# A scorecard of thousands of rows answers no question in ten seconds and costs the browser
# seconds to draw: beyond this the page asks for a filter (the Quartalsvergleich has them all).
MAX_SCORECARD_ROWS = 150
MAX_CLUSTER_ROWS = 100
LIST_LIMIT = 12  # entries of the side lists of the Übersicht; the rest is one link away
SLIDE_ROWS = 6  # measures per slide that stay readable from the back of a room at 1024×768


@dataclass(frozen=True)
class MeasureRow:
    """One measure in one period, with its lights in the quarters up to that period."""

    id: int
    code: str
    title: str
    cluster_id: int
    cluster: str
    owner: str
    owner_name: str
    light: Light
    computed_light: Light
    override: Override | None
    sentence: str  # why the light is what it is
    sentence_indicator: str | None  # the indicator that sentence is about (if several)
    quarter_lights: tuple[Light | None, ...]  # Q1..Q4; None after the chosen quarter
    previous_light: Light | None
    change: str | None  # "better", "worse" or None
    demo: bool


def deciding_judgement(m: MeasureStatus) -> tuple[IndicatorInfo, Judgement] | None:
    """The steering indicator whose light is the measure's computed light (the worst one)."""
    return m.deciding()


def change_of(previous: Light | None, now: Light) -> str | None:
    if previous is None or previous == now:
        return None
    return "worse" if SEVERITY[now] > SEVERITY[previous] else "better"


def measure_row(snapshot: PlanSnapshot, m: MeasureStatus, period: Period) -> MeasureRow:
    indexes, before = snapshot.quarter_indexes(period)
    key = m.info.id
    lights = tuple(None if index is None else index[key].light for index in indexes)
    previous_light = before[key].light if before is not None else None
    sentence, about = m.sentence()
    return MeasureRow(
        id=m.info.id,
        code=m.info.code,
        title=m.info.title,
        cluster_id=m.info.cluster_id,
        cluster=m.info.cluster,
        owner=m.info.owner,
        owner_name=m.info.owner_name,
        light=m.light,
        computed_light=m.computed_light,
        override=m.override,
        sentence=sentence,
        sentence_indicator=about,
        quarter_lights=lights,
        previous_light=previous_light,
        change=change_of(previous_light, m.light),
        demo=m.demo,
    )


def matches(snapshot: PlanSnapshot, m: MeasureStatus, filters: Filters, light: bool = True) -> bool:
    if filters.cluster is not None and m.info.cluster_id != filters.cluster:
        return False
    if filters.oe is not None and m.info.owner != filters.oe:
        return False
    if filters.leitsatz is not None and filters.leitsatz not in snapshot.measure_leitsaetze.get(
        m.info.id, ()
    ):
        return False
    return not (light and filters.light is not None and m.light != filters.light)


def select(
    snapshot: PlanSnapshot, report: StatusReport, filters: Filters, light: bool = True
) -> list[MeasureStatus]:
    return [m for m in report.measures if matches(snapshot, m, filters, light)]


def budget_text(cluster: ClusterInfo) -> str | None:
    if cluster.budget_eur is not None:
        return f"{fmt_number(cluster.budget_eur, 0)}\u00a0€"
    return cluster.budget_text


def missing_sentences(m: MeasureStatus) -> tuple[str, ...]:
    """Explanations of the steering indicators that have no usable value in the period."""
    return tuple(
        j.explanation
        for ind, j in m.indicators
        if ind.rule.steering and j.actual is None and j.status is None and _has_target(ind)
    )


def _has_target(ind: IndicatorInfo) -> bool:
    # Without a quantified target there is nothing to chase: that is a planning gap, not a
    # missing delivery.
    return ind.rule.kind in ("milestone", "reduction") or ind.rule.target is not None


# -- Übersicht ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterRow:
    id: int
    title: str
    counts: dict[str, int]
    total: int
    budget: str | None


@dataclass(frozen=True)
class MissingItem:
    row: MeasureRow
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class OverviewModel:
    filters: Filters
    plan_title: str
    previous: Period | None
    counts: dict[str, int]
    previous_counts: dict[str, int] | None
    clusters: list[ClusterRow]
    rows: list[MeasureRow]  # the scorecard, after every filter, capped
    matching: int  # how many measures the filters leave (before the cap)
    total: int  # measures in the plan
    newly_red: list[MeasureRow]  # the first LIST_LIMIT
    newly_red_count: int
    missing: list[MissingItem]  # the first LIST_LIMIT
    missing_count: int
    demo: bool
    has_budget: bool
    quarters: list[Period]


def overview(snapshot: PlanSnapshot, filters: Filters) -> OverviewModel:
    period = filters.period
    report = snapshot.report(period)
    previous = period.previous_quarter()
    # The counts and the cluster table show every light: they are where the light filter is set.
    unlit = select(snapshot, report, filters, light=False)
    counts = count_lights(m.light for m in unlit)
    previous_counts = None
    if previous is not None:
        before = snapshot.measure_index(previous)
        previous_counts = count_lights(before[m.info.id].light for m in unlit)
    by_cluster: dict[int, list[Light]] = {}
    for m in unlit:
        by_cluster.setdefault(m.info.cluster_id, []).append(m.light)
    clusters = [
        ClusterRow(
            c.id,
            c.title,
            count_lights(by_cluster.get(c.id, [])),
            len(by_cluster.get(c.id, [])),
            budget_text(c),
        )
        for c in snapshot.data.clusters
        if filters.cluster is None or c.id == filters.cluster
    ]
    chosen = [m for m in unlit if filters.light is None or m.light == filters.light]
    rows = [measure_row(snapshot, m, period) for m in chosen[:MAX_SCORECARD_ROWS]]
    newly_red = [
        m
        for m in chosen
        if m.light == "red" and previous is not None and _light_in(snapshot, previous, m) != "red"
    ]
    missing = [(m, sentences) for m in chosen if (sentences := missing_sentences(m))]
    return OverviewModel(
        filters=filters,
        plan_title=snapshot.data.title,
        previous=previous,
        counts=counts,
        previous_counts=previous_counts,
        clusters=clusters,
        rows=rows,
        matching=len(chosen),
        total=len(report.measures),
        newly_red=[measure_row(snapshot, m, period) for m in newly_red[:LIST_LIMIT]],
        newly_red_count=len(newly_red),
        missing=[
            MissingItem(measure_row(snapshot, m, period), sentences)
            for m, sentences in missing[:LIST_LIMIT]
        ],
        missing_count=len(missing),
        demo=report.demo,
        has_budget=any(c.budget for c in clusters),
        quarters=snapshot.quarters(),
    )


def _light_in(snapshot: PlanSnapshot, period: Period, m: MeasureStatus) -> Light:
    return snapshot.measure_index(period)[m.info.id].light


# -- indicators across the quarters -----------------------------------------------------------------


@dataclass(frozen=True)
class QuarterPoint:
    period: Period
    reported: bool  # False for quarters after the chosen one
    judgement: Judgement


@dataclass(frozen=True)
class IndicatorView:
    info: IndicatorInfo
    judgement: Judgement  # in the chosen period
    points: tuple[QuarterPoint, ...]  # Q1..Q4

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def unit(self) -> str:
        return self.info.rule.unit

    @property
    def kind(self) -> str:
        return self.info.rule.kind

    @property
    def cumulative(self) -> bool:
        return self.info.rule.kind in ("count", "money")

    @property
    def due(self) -> dt.date | None:
        return self.info.rule.due


def indicator_views(snapshot: PlanSnapshot, measure_id: int, period: Period) -> list[IndicatorView]:
    per_quarter = [(q, snapshot.measure_index(q)[measure_id]) for q in snapshot.quarters()]
    now = snapshot.measure_index(period)[measure_id]
    views = []
    for position, (ind, judgement) in enumerate(now.indicators):
        points = tuple(
            QuarterPoint(q, q.end <= period.end, status.indicators[position][1])
            for q, status in per_quarter
        )
        views.append(IndicatorView(ind, judgement, points))
    return views


def main_indicator(views: Iterable[IndicatorView]) -> IndicatorView | None:
    """The indicator a cluster page shows for a measure: the first steering one with a target."""
    views = list(views)
    for predicate in (
        lambda v: v.info.rule.steering and v.info.rule.target is not None,
        lambda v: v.info.rule.steering,
        lambda v: True,
    ):
        for v in views:
            if predicate(v):
                return v
    return None


# -- Cluster -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterMeasure:
    row: MeasureRow
    main: IndicatorView | None


@dataclass(frozen=True)
class ClusterModel:
    filters: Filters
    cluster: ClusterInfo
    position: int  # 1-based among the plan's clusters
    cluster_count: int
    counts: dict[str, int]
    previous_counts: dict[str, int] | None
    measures: list[ClusterMeasure]
    matching: int
    total: int  # measures of the cluster
    demo: bool
    budget: str | None
    quarters: list[Period]


def cluster_view(snapshot: PlanSnapshot, cluster: ClusterInfo, filters: Filters) -> ClusterModel:
    period = filters.period
    report = snapshot.report(period)
    own = [m for m in report.measures if m.info.cluster_id == cluster.id]
    unlit = [m for m in own if matches(snapshot, m, filters, light=False)]
    counts = count_lights(m.light for m in unlit)
    previous = period.previous_quarter()
    previous_counts = (
        count_lights(_light_in(snapshot, previous, m) for m in unlit) if previous else None
    )
    chosen = [m for m in unlit if filters.light is None or m.light == filters.light]
    measures = [
        ClusterMeasure(
            measure_row(snapshot, m, period),
            main_indicator(indicator_views(snapshot, m.info.id, period)),
        )
        for m in chosen[:MAX_CLUSTER_ROWS]
    ]
    clusters = snapshot.data.clusters
    return ClusterModel(
        filters=filters,
        cluster=cluster,
        position=[c.id for c in clusters].index(cluster.id) + 1,
        cluster_count=len(clusters),
        counts=counts,
        previous_counts=previous_counts,
        measures=measures,
        matching=len(chosen),
        total=len(own),
        demo=any(m.demo for m in own),
        budget=budget_text(cluster),
        quarters=snapshot.quarters(),
    )


# -- Maßnahme ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureModel:
    filters: Filters
    row: MeasureRow
    indicators: list[IndicatorView]
    quarters: list[Period]


def measure_view(snapshot: PlanSnapshot, code: str, filters: Filters) -> MeasureModel:
    report = snapshot.report(filters.period)
    m = report.measure(code)
    return MeasureModel(
        filters,
        measure_row(snapshot, m, filters.period),
        indicator_views(snapshot, m.info.id, filters.period),
        snapshot.quarters(),
    )


# -- Quartalsvergleich ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterTable:
    filters: Filters
    quarters: list[Period]
    rows: list[MeasureRow]
    total: int
    demo: bool


def quarter_table(snapshot: PlanSnapshot, filters: Filters) -> QuarterTable:
    report = snapshot.report(filters.period)
    chosen = select(snapshot, report, filters)
    return QuarterTable(
        filters,
        snapshot.quarters(),
        [measure_row(snapshot, m, filters.period) for m in chosen],
        len(report.measures),
        report.demo,
    )


# The download reuses the table its page has just built: same plan state (the snapshot and its
# evaluation of the quarter are the same objects), same filters. A few views are kept.
_TABLES: dict[tuple[int, Filters], tuple[PlanSnapshot, StatusReport, QuarterTable]] = {}
_TABLES_KEPT = 4
_TABLES_LOCK = threading.Lock()


def view_table(snapshot: PlanSnapshot, filters: Filters) -> QuarterTable:
    report = snapshot.report(filters.period)
    key = (id(snapshot), filters)
    with _TABLES_LOCK:
        kept = _TABLES.get(key)
    if kept is not None and kept[0] is snapshot and kept[1] is report:
        return kept[2]
    table = quarter_table(snapshot, filters)
    with _TABLES_LOCK:
        while len(_TABLES) >= _TABLES_KEPT:
            del _TABLES[next(iter(_TABLES))]
        _TABLES[key] = (snapshot, report, table)
    return table


# -- Ausschussmodus --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slide:
    number: int  # 1-based
    title: str
    kicker: str  # the line above the title
    counts: dict[str, int]
    measures: list[MeasureStatus]  # rows are made only for the slide that is shown
    cluster_id: int | None
    part: tuple[int, int] | None  # (n, of) when a cluster needs more than one slide


def slides(snapshot: PlanSnapshot, filters: Filters, per_slide: int = SLIDE_ROWS) -> list[Slide]:
    """An overview slide, then one slide per Handlungsfeld (continued where it is long)."""
    period = filters.period
    report = snapshot.report(period)
    chosen = select(snapshot, report, filters)
    result = [
        Slide(
            1,
            snapshot.data.title,
            f"Stand {period.label}",
            count_lights(m.light for m in select(snapshot, report, filters, light=False)),
            [],
            None,
            None,
        )
    ]
    clusters = [
        c for c in snapshot.data.clusters if filters.cluster is None or c.id == filters.cluster
    ]
    for index, cluster in enumerate(snapshot.data.clusters, start=1):
        if cluster not in clusters:
            continue
        own = [m for m in chosen if m.info.cluster_id == cluster.id]
        if not own:
            continue
        counts = count_lights(m.light for m in own)
        parts = [own[i : i + per_slide] for i in range(0, len(own), per_slide)]
        for n, part in enumerate(parts, start=1):
            result.append(
                Slide(
                    len(result) + 1,
                    cluster.title,
                    f"Handlungsfeld {index} von {len(snapshot.data.clusters)} · {period.label}",
                    counts,
                    part,
                    cluster.id,
                    (n, len(parts)) if len(parts) > 1 else None,
                )
            )
    return result


def slide_rows(snapshot: PlanSnapshot, slide: Slide, period: Period) -> list[MeasureRow]:
    return [measure_row(snapshot, m, period) for m in slide.measures]
