"""The dashboard's named queries on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import (
    Handlungsfeld,
    ImportRun,
    Indikator,
    Kommentar,
    Massnahme,
    Messwert,
    MesswertVersion,
)
from db.plan_data import NotFound, load_plan_data
from db.queries import (
    cluster_plan,
    data_version,
    find_measure_plan,
    measure_comments,
    measure_provenance,
    measure_texts,
    plan_choices,
)
from zielcockpit.domain.periods import Period
from zielcockpit.services.evaluation import _SnapshotCache, evaluate, plan_snapshot

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)


def test_quer001_plan_choices(demo_engine: Engine) -> None:
    choices = plan_choices(demo_engine)
    assert [c.key for c in choices] == ["2017", "corona-2021"]
    assert choices[0].title == "Ziele und Maßnahmen für ein Soziales Bielefeld 2017"


def test_quer002_snapshot_matches_a_direct_evaluation(demo_engine: Engine) -> None:
    snapshot = plan_snapshot(demo_engine, "2017")
    direct = evaluate(load_plan_data(demo_engine, "2017"), Period.parse("2017-Q2"))
    cached = snapshot.report(Period.parse("2017-Q2"))
    assert [(m.info.code, m.light) for m in cached.measures] == [
        (m.info.code, m.light) for m in direct.measures
    ]
    assert [r.period.key for r in snapshot.quarter_reports()] == [
        "2017-Q1",
        "2017-Q2",
        "2017-Q3",
        "2017-Q4",
    ]
    assert snapshot.latest_period().key == "2017-Q3"
    assert snapshot.periods_with_values() == {"2017-Q1", "2017-Q2", "2017-Q3"}
    assert [o.code for o in snapshot.owners()] == ["500", "510", "540", "Jobcenter", "REGE"]
    assert [s.number for s in snapshot.leitsaetze] == [1, 2, 3, 4, 5, 6, 7]
    assert any(snapshot.measure_leitsaetze.values())


def test_quer003_plan_without_values_defaults_to_its_first_quarter(
    catalogue_engine: Engine,
) -> None:
    snapshot = plan_snapshot(catalogue_engine, "2017")
    assert snapshot.latest_period().key == "2017-Q1"
    with pytest.raises(NotFound, match="außerhalb des Plans 2017"):
        snapshot.report(Period.parse("2016-Q4"))


def _add_value(engine: Engine, code: str, period: str, value: str) -> None:
    with transaction(engine) as s:
        ind = s.scalars(select(Indikator).where(Indikator.code == code)).one()
        run = ImportRun(kind="erfassung", user_name="test", status="ok")
        s.add(run)
        s.flush()
        s.add(
            Messwert(
                indikator_id=ind.id,
                period=period,
                value=Decimal(value),
                import_run_id=run.id,
                recorded_by="test",
            )
        )


def test_quer004_the_cache_sees_every_write(demo_engine: Engine) -> None:
    cache = _SnapshotCache()
    first = cache.get(demo_engine, "2017")
    assert cache.get(demo_engine, "2017") is first  # unchanged database: no refetch
    before = data_version(demo_engine)
    _add_value(demo_engine, "REGE-4.1", "2017-Q4", "12")
    assert data_version(demo_engine) != before
    second = cache.get(demo_engine, "2017")
    assert second is not first
    assert second.latest_period().key == "2017-Q4"


def test_quer005_a_replaced_value_changes_the_version(demo_engine: Engine) -> None:
    before = data_version(demo_engine)
    with transaction(demo_engine) as s:
        value = s.scalars(select(Messwert).order_by(Messwert.id)).first()
        assert value is not None
        s.add(
            MesswertVersion(
                messwert_id=value.id,
                value=value.value,
                recorded_at=value.recorded_at,
                recorded_by=value.recorded_by,
            )
        )
        value.value = Decimal("1")
    assert data_version(demo_engine) != before


def test_quer006_measure_texts(demo_engine: Engine) -> None:
    texts = measure_texts(demo_engine, "2017", "REGE-4")
    assert texts.title == "Jugend - Jugend stärken im Quartier"
    assert texts.cluster == "Arbeitssuchende Menschen"
    headings = [h for h, _ in texts.sections]
    assert headings[:2] == ["Ausgangslage / Problemanalyse", "Zielsetzung"]
    assert "Datenquellen" in headings and "Aufwand" in headings
    assert [s.number for s in texts.leitsaetze] == [5]
    assert "Sennestadt" in texts.places
    assert texts.indicators["REGE-4.1"].wortlaut_zielwert == "42"
    with pytest.raises(NotFound, match="„REGE-99“"):
        measure_texts(demo_engine, "2017", "REGE-99")


def test_quer007_comments_newest_period_first(demo_engine: Engine) -> None:
    with transaction(demo_engine) as s:
        measure = s.scalars(select(Massnahme).where(Massnahme.code == "REGE-9")).one()
        s.add(
            Kommentar(
                massnahme_id=measure.id,
                period="2017-Q1",
                text="Start verzögert.",
                author="Test",
                created_at=dt.datetime(2017, 4, 2, 9, 0),
            )
        )
    comments = measure_comments(demo_engine, "2017", "REGE-9")
    assert [c.period.key for c in comments] == ["2017-Q3", "2017-Q1"]
    assert comments[0].indicator_code == "REGE-9.3" and comments[0].demo
    assert comments[1].indicator_code is None and not comments[1].demo


def test_quer008_provenance_names_file_sheet_cell_and_history(demo_engine: Engine) -> None:
    with transaction(demo_engine) as s:
        ind = s.scalars(select(Indikator).where(Indikator.code == "REGE-4.1")).one()
        run = ImportRun(
            kind="datei",
            profile="rekom",
            file_name="REKOM_Q4_2017.xlsx",
            checksum="ab" * 32,
            user_name="controlling",
            started_at=dt.datetime(2018, 1, 10, 8, 0),
            finished_at=dt.datetime(2018, 1, 10, 8, 1),
        )
        s.add(run)
        s.flush()
        value = Messwert(
            indikator_id=ind.id,
            period="2017-Q4",
            value=Decimal("13"),
            import_run_id=run.id,
            source_sheet="Vermittlungen",
            source_cell="C17",
            recorded_by="controlling",
        )
        s.add(value)
        s.flush()
        s.add(
            MesswertVersion(
                messwert_id=value.id,
                value=Decimal("11"),
                recorded_at=dt.datetime(2018, 1, 5),
                recorded_by="controlling",
                import_run_id=run.id,
            )
        )
    rows = measure_provenance(demo_engine, "2017", "REGE-4")
    assert [r.period.key for r in rows] == ["2017-Q1", "2017-Q2", "2017-Q3", "2017-Q4"]
    q4 = rows[-1]
    assert (q4.file_name, q4.sheet, q4.cell, q4.import_kind) == (
        "REKOM_Q4_2017.xlsx",
        "Vermittlungen",
        "C17",
        "datei",
    )
    assert q4.import_finished_at == dt.datetime(2018, 1, 10, 8, 1)
    assert q4.checksum == "ab" * 32 and not q4.demo
    assert [v.value for v in q4.earlier] == [11.0]
    assert rows[0].demo and rows[0].import_kind == "demo" and rows[0].earlier == ()


def test_quer009_places_and_symbols_in_provenance(demo_engine: Engine) -> None:
    rows = measure_provenance(demo_engine, "2017", "Jobcenter-8")
    assert {r.place for r in rows} == {"Sennestadt", "Baumheide", "Sieker"}
    assert "2016-12" in {r.period.key for r in rows}  # the baseline month
    suppressed = measure_provenance(demo_engine, "2017", "REGE-10")
    assert [(r.period.key, r.symbol) for r in suppressed if r.symbol] == [("2017-Q2", "*")]


def test_quer010_plan_of_a_cluster_and_of_a_measure(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        cluster_id = conn.scalar(select(Handlungsfeld.id).order_by(Handlungsfeld.id))
    assert cluster_id is not None
    assert cluster_plan(demo_engine, cluster_id) == "2017"
    with pytest.raises(NotFound, match="Handlungsfeld Nr. 987654"):
        cluster_plan(demo_engine, 987654)
    assert find_measure_plan(demo_engine, "REGE-4") == "2017"
    with pytest.raises(NotFound, match="im Plan corona-2021"):
        find_measure_plan(demo_engine, "REGE-4", "corona-2021")
