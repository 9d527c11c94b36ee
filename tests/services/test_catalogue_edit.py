"""Editing an indicator's structured fields (the measure page's form) through the use case:
validated like the workbook, audited, version-checked, and only for controlling."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.models import AuditEntry, Indikator, Plan
from zielcockpit.domain.access import Principal
from zielcockpit.services.catalogue import copy_plan
from zielcockpit.services.catalogue_edit import IndicatorEdit, edit_forms, save_indicator

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

CONTROLLING = Principal("carla", "controlling")


def _edit(
    engine: Engine, code: str = "500-8.1", plan: str = "2017", **changes: object
) -> IndicatorEdit:
    form = edit_forms(engine, plan, code.rsplit(".", 1)[0])[code]
    edit = IndicatorEdit(
        code=code,
        seen=form.seen,
        target=form.target,
        target_per_place=form.target_per_place,
        places=form.places,
        due=form.due,
        start=form.start,
        profile=dict(form.profile),
        aggregation=form.aggregation,
        steering=form.steering,
    )
    return dataclasses.replace(edit, **changes)  # type: ignore[arg-type]


def _row(engine: Engine, code: str, plan: str = "2017") -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(Indikator)
            .join(Plan, Plan.id == Indikator.plan_id)
            .where(Indikator.code == code, Plan.key == plan)
        ).one()


def test_ced001_place_targets_saved_and_audited(catalogue_engine: Engine) -> None:
    form = edit_forms(catalogue_engine, "2017", "500-8")["500-8.1"]
    assert form.places == "Heepen; Sennestadt; Jöllenbeck; Stieghorst"
    assert form.target == "4" and form.target_per_place == "1" and form.due == "31.12.2017"
    edit = _edit(
        catalogue_engine, target="6", target_per_place="2", places="Heepen; Sennestadt; Jöllenbeck"
    )
    outcome = save_indicator(catalogue_engine, CONTROLLING, "2017", "500-8", edit)
    assert outcome.saved, outcome.messages
    row = _row(catalogue_engine, "500-8.1")
    assert row.target == 6 and row.target_per_place == 2
    with catalogue_engine.connect() as conn:
        entry = conn.execute(
            select(AuditEntry).where(
                AuditEntry.actor == "carla", AuditEntry.entity_key == "500-8.1"
            )
        ).one()
    assert entry.source == "Formular Maßnahme 500-8" and entry.massnahme_id is not None
    # The form it was built from is stale now: the second save is refused, naming who changed it.
    again = save_indicator(
        catalogue_engine, CONTROLLING, "2017", "500-8", dataclasses.replace(edit, target="9")
    )
    assert not again.saved and "inzwischen von carla" in again.messages[0]
    assert _row(catalogue_engine, "500-8.1").target == 6


def test_ced002_bad_input_refused_like_the_workbook(catalogue_engine: Engine) -> None:
    cases = {
        "target": ("viele", "„Zielwert“ muss eine Zahl sein, gefunden: „viele“"),
        "due": ("31.13.2017", "„Stichtag“ muss ein Datum"),
        "places": (
            "Heepen; Atlantis; Sennestadt; Jöllenbeck",
            "Ort „Atlantis“ nennt der Plan nicht",
        ),
        "target_per_place": ("3", "„Zielwert“ (4) muss „Ziel je Ort“ × Anzahl der Orte sein"),
    }
    for key, (value, message) in cases.items():
        outcome = save_indicator(
            catalogue_engine, CONTROLLING, "2017", "500-8", _edit(catalogue_engine, **{key: value})
        )
        assert not outcome.saved and any(message in m for m in outcome.messages), (key, outcome)
    assert _row(catalogue_engine, "500-8.1").target == 4


def test_ced003_only_controlling_and_admin(catalogue_engine: Engine) -> None:
    for principal in (
        Principal("x", "fachbereich", frozenset({"500"})),
        Principal("y", "leitung"),
        None,
    ):
        outcome = save_indicator(
            catalogue_engine, principal, "2017", "500-8", _edit(catalogue_engine, target="8")
        )
        assert not outcome.saved
    assert _row(catalogue_engine, "500-8.1").target == 4


def test_ced004_saving_confirms_a_copied_target(catalogue_engine: Engine) -> None:
    copy_plan(catalogue_engine, "2017", "2018")
    assert _row(catalogue_engine, "REGE-3.1", "2018").zu_pruefen
    form = edit_forms(catalogue_engine, "2018", "REGE-3")["REGE-3.1"]
    assert form.to_check and form.due == "31.12.2018"
    outcome = save_indicator(
        catalogue_engine, CONTROLLING, "2018", "REGE-3", _edit(catalogue_engine, "REGE-3.1", "2018")
    )
    assert outcome.saved
    assert not _row(catalogue_engine, "REGE-3.1", "2018").zu_pruefen
    assert _row(catalogue_engine, "REGE-3.1", "2017").zu_pruefen is False
