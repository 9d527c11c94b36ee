"""Release and reopening of a quarter: a released quarter stays as released for every writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.models import AuditEntry, Indikator, Messwert
from db.quarters import QuarterError, quarter_of, quarter_state
from db.users import principal_of
from zielcockpit.cli import main
from zielcockpit.services.entry import FieldInput, OverrideInput, Submission, save_entry
from zielcockpit.services.imports import import_files
from zielcockpit.services.quarter import release_quarter, reopen_quarter
from zielcockpit.settings import Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)


def value(engine: Engine, code: str, period: str) -> object:
    with engine.connect() as conn:
        return conn.scalar(
            select(Messwert.value)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == code, Messwert.period == period, Messwert.ort_id.is_(None))
        )


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize(
    ("period", "quarter"),
    [("2017-05", "2017-Q2"), ("2017-Q3", "2017-Q3"), ("2017", "2017-Q4"), ("2017-12", "2017-Q4")],
)
def test_qrt001_a_period_belongs_to_its_quarter(period: str, quarter: str) -> None:
    assert quarter_of(period) == quarter


def test_qrt002_a_released_quarter_refuses_form_import_and_overrides(
    demo_engine: Engine, tmp_path: Path
) -> None:
    controlling = principal_of(demo_engine, "demo-controlling")
    outcome = release_quarter(demo_engine, controlling, "2017", "2017-Q2")
    assert outcome.needs_confirmation and outcome.missing  # the demo leaves gaps
    assert not quarter_state(demo_engine, "2017", "2017-Q2").released
    outcome = release_quarter(demo_engine, controlling, "2017", "2017-Q2", confirmed=True)
    assert outcome.released and outcome.state is not None
    assert "freigegeben am" in outcome.state.label and "demo-controlling" in outcome.state.label
    before = value(demo_engine, "REGE-4.1", "2017-Q2")

    form = save_entry(
        demo_engine,
        controlling,
        Submission("2017", "2017-Q2", {"REGE-4.1": FieldInput("REGE-4.1", "999", None, "x")}),
    )
    assert not form.ok and "ist freigegeben" in form.errors[0]
    assert "2. Quartal 2017" in form.errors[0] and "demo-controlling" in form.errors[0]
    light = save_entry(
        demo_engine,
        controlling,
        Submission("2017", "2017-Q2", overrides={"REGE-4": OverrideInput("REGE-4", "red", "x")}),
    )
    assert not light.ok and "ist freigegeben" in light.errors[0]

    month = tmp_path / "mai.csv"
    month.write_text("Indikator;Zeitraum;Wert\nREGE-4.1;2017-05;999\n", encoding="utf-8")
    settings = Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}, environ={})
    report = import_files(demo_engine, [month], user="t", settings=settings)
    assert report.status == "rejected"
    assert "ist freigegeben" in report.all_errors[0].message
    assert not (tmp_path / "archiv").exists() or not any((tmp_path / "archiv").rglob("*.csv"))
    preview = import_files(demo_engine, [month], user="t", dry_run=True, settings=settings)
    assert preview.status == "rejected"
    assert value(demo_engine, "REGE-4.1", "2017-Q2") == before

    # another quarter stays open
    other = tmp_path / "q4.csv"
    other.write_text("Indikator;Zeitraum;Wert\nREGE-4.1;2017-Q4;5\n", encoding="utf-8")
    assert import_files(demo_engine, [other], user="t", settings=settings).status == "ok"

    # reopened with a reason, the form writes again; both steps are in the audit trail
    with pytest.raises(QuarterError, match="Begründung"):
        reopen_quarter(demo_engine, controlling, "2017", "2017-Q2", "  ")
    state = reopen_quarter(demo_engine, controlling, "2017", "2017-Q2", "Korrektur REGE")
    assert not state.released and state.reopen_reason == "Korrektur REGE"
    again = save_entry(
        demo_engine,
        controlling,
        Submission("2017", "2017-Q2", {"REGE-4.1": FieldInput("REGE-4.1", "999", None, "x")}),
    )
    assert again.ok, again.errors
    actions = audit_actions(demo_engine)
    assert actions.index("quartal_freigegeben") < actions.index("quartal_geoeffnet")
    assert actions[-1] in ("wert", "kommentar")


def test_qrt003_only_controlling_releases_and_not_twice(demo_engine: Engine) -> None:
    fachbereich = principal_of(demo_engine, "demo-fb-510")
    refused = release_quarter(demo_engine, fachbereich, "2017", "2017-Q1", confirmed=True)
    assert refused.error is not None and "Keine Berechtigung" in refused.error
    controlling = principal_of(demo_engine, "demo-controlling")
    assert release_quarter(demo_engine, controlling, "2017", "2017-Q1", confirmed=True).released
    twice = release_quarter(demo_engine, controlling, "2017", "2017-Q1", confirmed=True)
    assert twice.error is not None and "bereits freigegeben" in twice.error
    wrong = release_quarter(demo_engine, controlling, "2017", "2018-Q1", confirmed=True)
    assert wrong.error is not None and "kein Quartal des Planungsjahres 2017" in wrong.error
    unknown = release_quarter(demo_engine, controlling, "1999", "1999-Q1", confirmed=True)
    assert unknown.error is not None and "gibt es nicht" in unknown.error


def test_qrt004_cli_release_reopen_list(
    databases: object, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.url("demo")  # type: ignore[attr-defined]
    base = ["--database-url", url, "quarter"]
    assert main([*base, "release", "--plan", "2017", "--period", "2017-Q2"]) == 1
    err = capsys.readouterr().err
    assert "Es fehlen noch Werte" in err and "Nichts wurde geändert" in err
    assert (
        main([*base, "release", "--plan", "2017", "--period", "2017-Q2", "--yes", "--user", "anna"])
        == 0
    )
    assert "freigegeben am" in capsys.readouterr().out
    assert main([*base, "release", "--plan", "2017", "--period", "2017-Q2", "--yes"]) == 1
    assert "bereits freigegeben" in capsys.readouterr().err
    assert main([*base, "reopen", "--plan", "2017", "--period", "2017-Q2", "--reason", " "]) == 1
    assert "Begründung" in capsys.readouterr().err
    assert main([*base, "list", "--plan", "2017"]) == 0
    listed = capsys.readouterr().out
    assert "2017-Q2" in listed and "freigegeben am" in listed and listed.count("Entwurf") == 3
    assert (
        main([*base, "reopen", "--plan", "2017", "--period", "2017-Q2", "--reason", "Fehler"]) == 0
    )
    assert "wieder geöffnet" in capsys.readouterr().out
