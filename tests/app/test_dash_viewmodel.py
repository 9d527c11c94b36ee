"""What the pages show, computed from the demo plan's evaluations (both backends)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import Engine

from app.filters import parse_filters
from app.viewmodel import (
    change_of,
    cluster_view,
    measure_view,
    overview,
    quarter_table,
    slides,
    view_table,
)
from zielcockpit.domain.rules import count_lights
from zielcockpit.services.evaluation import PlanSnapshot, plan_snapshot


@pytest.fixture
def snapshot(demo_engine: Engine) -> PlanSnapshot:
    return plan_snapshot(demo_engine, "2017")


def test_view001_overview_counts_and_changes(snapshot: PlanSnapshot) -> None:
    model = overview(snapshot, parse_filters({}, snapshot))
    report = snapshot.report(model.filters.period)
    assert model.counts == report.counts()
    assert sum(model.counts.values()) == model.total == 48
    assert model.previous is not None and model.previous.key == "2017-Q2"
    before = snapshot.report(model.previous)
    assert model.previous_counts == before.counts()
    # Every row has a light for Q1..Q3 and none for Q4, which comes after the chosen quarter.
    assert all(r.quarter_lights[3] is None and None not in r.quarter_lights[:3] for r in model.rows)
    assert [c.total for c in model.clusters] == [sum(c.counts.values()) for c in model.clusters]
    assert sum(c.total for c in model.clusters) == 48


def test_view002_newly_red_and_missing(snapshot: PlanSnapshot) -> None:
    model = overview(snapshot, parse_filters({"period": "2017-Q3"}, snapshot))
    before = snapshot.measure_index(model.previous)  # type: ignore[arg-type]
    for row in model.newly_red:
        assert row.light == "red" and before[row.id].light != "red"
    missing = {item.row.code: item.sentences for item in model.missing}
    # REGE-10 has a suppressed value ("*") in Q2; it is a stock, so Q2 itself lacks a number.
    q2 = overview(snapshot, parse_filters({"period": "2017-Q2"}, snapshot))
    missing_q2 = {item.row.code: item.sentences for item in q2.missing}
    assert "REGE-10" in missing_q2
    assert any("„*“" in s for s in missing_q2["REGE-10"])
    # A measure without quantified targets is a planning gap, not a missing delivery.
    assert "540-4" not in missing


def test_view003_filters_narrow_the_scorecard_not_the_counts_of_lights(
    snapshot: PlanSnapshot,
) -> None:
    model = overview(snapshot, parse_filters({"light": "red", "oe": "Jobcenter"}, snapshot))
    assert model.rows and all(r.light == "red" and r.owner == "Jobcenter" for r in model.rows)
    # The counts keep all four lights (they are where the light filter is set), for the OE.
    report = snapshot.report(model.filters.period)
    jobcenter = [m for m in report.measures if m.info.owner == "Jobcenter"]
    assert model.counts == count_lights(m.light for m in jobcenter)
    principle = overview(snapshot, parse_filters({"leitsatz": "4"}, snapshot))
    assert all(4 in snapshot.measure_leitsaetze[r.id] for r in principle.rows)
    assert 0 < principle.matching < 48


def test_view004_the_override_is_shown_with_its_computed_light(snapshot: PlanSnapshot) -> None:
    model = measure_view(snapshot, "510-1", parse_filters({}, snapshot))
    assert model.row.override is not None
    assert model.row.light == "yellow" and model.row.computed_light == "green"
    assert "Investorensuche" in model.row.override.justification
    q2 = measure_view(snapshot, "510-1", parse_filters({"period": "2017-Q2"}, snapshot))
    assert q2.row.override is None  # the override is for Q3 only


def test_view005_indicator_views_cover_all_quarters(snapshot: PlanSnapshot) -> None:
    model = measure_view(snapshot, "REGE-9", parse_filters({"period": "2017-Q2"}, snapshot))
    assert [v.code for v in model.indicators] == ["REGE-9.1", "REGE-9.2", "REGE-9.3"]
    for view in model.indicators:
        assert [p.period.key for p in view.points] == ["2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
        assert [p.reported for p in view.points] == [True, True, False, False]
        assert view.judgement.explanation.endswith(("grün", "gelb", "rot", "grau"))
    assert model.row.sentence_indicator is not None  # several steering indicators: say which


def test_view006_cluster_view(snapshot: PlanSnapshot) -> None:
    cluster = snapshot.data.clusters[0]
    model = cluster_view(snapshot, cluster, parse_filters({}, snapshot))
    assert model.position == 1 and model.cluster_count == 8
    assert model.total == len(model.measures) == 16
    assert model.counts == {"green": 9, "yellow": 3, "red": 4, "grey": 0}
    for item in model.measures:
        assert item.row.cluster_id == cluster.id
        assert item.main is not None and item.main.info.measure_id == item.row.id


def test_view007_quarter_table_and_slides_cover_every_measure_once(snapshot: PlanSnapshot) -> None:
    f = parse_filters({}, snapshot)
    table = quarter_table(snapshot, f)
    assert len(table.rows) == table.total == 48
    deck = slides(snapshot, f, per_slide=6)
    assert deck[0].cluster_id is None and sum(deck[0].counts.values()) == 48
    codes = [m.info.code for s in deck[1:] for m in s.measures]
    assert sorted(codes) == sorted(r.code for r in table.rows)
    assert all(len(s.measures) <= 6 for s in deck)
    assert [s.number for s in deck] == list(range(1, len(deck) + 1))
    long = [s for s in deck if s.part is not None]
    assert long and all(s.part[1] > 1 for s in long if s.part)


def test_view008_change_of() -> None:
    assert change_of(None, "red") is None
    assert change_of("red", "red") is None
    assert change_of("green", "yellow") == "worse"
    assert change_of("grey", "green") == "better"
    assert change_of("yellow", "grey") == "better"  # grey ranks between green and yellow


def test_view009_plan_without_measures(catalogue_engine: Engine) -> None:
    snapshot = plan_snapshot(catalogue_engine, "corona-2021")
    model = overview(snapshot, parse_filters({}, snapshot))
    assert model.total == 0 and model.rows == []
    assert len(model.clusters) == 8
    assert model.has_budget and all(c.budget for c in model.clusters)
    assert len(slides(snapshot, model.filters)) == 1


def test_view010_download_reuses_the_page_table_only_for_the_same_plan_state(
    snapshot: PlanSnapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = parse_filters({}, snapshot)
    first = view_table(snapshot, f)
    assert view_table(snapshot, f) is first  # the page built it; the download takes it
    # Other filters: another table.
    narrow = parse_filters({"oe": ["510"]}, snapshot)
    assert view_table(snapshot, narrow) is not first
    assert {r.owner for r in view_table(snapshot, narrow).rows} == {"510"}
    # Another plan state (a new snapshot after a change): built anew, not taken from the cache.
    fresh = dataclasses.replace(snapshot, _reports={}, _indexes={}, _quarter_indexes={})
    again = view_table(fresh, f)
    assert again is not first and [r.code for r in again.rows] == [r.code for r in first.rows]
    # A new day judges missing values anew: the evaluation changes, so does the table.
    monkeypatch.setenv("ZIELCOCKPIT_TODAY", "2018-03-01")
    assert view_table(fresh, f) is not again
