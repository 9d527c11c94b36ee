"""The catalogue as a workbook: export, unchanged round trip, changes old → new, bad input named
by sheet and cell, and a released quarter keeping the rule it was judged by."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import AuditEntry, Indikator, Plan
from db.quarters import release
from zielcockpit.cli import main
from zielcockpit.domain.catalogue_checks import CatalogueError
from zielcockpit.services.catalogue import export_workbook, import_workbook
from zielcockpit.services.evaluation import plan_status

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)


def _edit(content: bytes, changes: dict[tuple[str, str], Any], sheet: str = "Indikatoren") -> bytes:
    """Set cells by (code, column header) on a sheet."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    code_col = header.index("Code")
    for row in ws.iter_rows(min_row=2):
        for (code, column), value in changes.items():
            if row[code_col].value == code:
                row[header.index(column)].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _audit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _target(engine: Engine, code: str) -> Any:
    with engine.connect() as conn:
        return conn.scalar(select(Indikator.target).where(Indikator.code == code))


def test_cwb001_workbook_layout(catalogue_engine: Engine) -> None:
    wb = load_workbook(io.BytesIO(export_workbook(catalogue_engine, "2017")))
    assert wb.sheetnames == ["Hinweise", "Listen", "Maßnahmen", "Indikatoren", "Kontakte"]
    assert wb["Listen"].sheet_state == "hidden"
    measures, indicators = wb["Maßnahmen"], wb["Indikatoren"]
    assert measures.max_row == 49 and indicators.max_row == 96  # 48 measures, 95 indicators
    assert indicators.freeze_panes == "C2"
    header = [c.value for c in indicators[1]]
    for column in ("Art", "Einheit", "Richtung", "Zugänge/Bestand", "Zielwert", "Ziel je Ort"):
        assert column in header
    assert header.index("Indikator (Wortlaut)") > header.index("Zielwert")
    validated = {str(dv.sqref).split(":")[0] for dv in indicators.data_validations.dataValidation}
    letter = {h: chr(ord("A") + i) for i, h in enumerate(header) if i < 26}
    for column in ("Art", "Einheit", "Richtung", "Zugänge/Bestand", "steuernd"):
        assert f"{letter[column]}2" in validated, column
    row = next(r for r in indicators.iter_rows(min_row=2, values_only=True) if r[1] == "500-8.1")
    assert row[header.index("Orte")] == "Heepen; Sennestadt; Jöllenbeck; Stieghorst"
    assert row[header.index("Ziel je Ort")] == 1
    assert row[header.index("Zugänge/Bestand")] in ("Zugänge", "Bestand")


def test_cwb002_round_trip_is_unchanged(catalogue_engine: Engine) -> None:
    content = export_workbook(catalogue_engine, "2017")
    before = _audit_count(catalogue_engine)
    outcome = import_workbook(catalogue_engine, content, "katalog.xlsx", apply=True)
    assert outcome.plan_key == "2017"
    assert outcome.unchanged and not outcome.written
    assert _audit_count(catalogue_engine) == before


def test_cwb003_changes_shown_written_audited_and_then_unchanged(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(catalogue_engine.url.render_as_string(hide_password=False))
    path = tmp_path / "katalog.xlsx"
    assert (
        main(["--database-url", url, "catalogue", "export", "--plan", "2017", "-o", str(path)]) == 0
    )
    path.write_bytes(
        _edit(
            path.read_bytes(),
            {("REGE-3.1", "Zielwert"): 5, ("500-9.1", "Zugänge/Bestand"): "Zugänge"},
        )
    )
    capsys.readouterr()
    base = ["--database-url", url, "catalogue", "import", str(path)]
    assert main(base) == 0  # without --yes: shown, nothing written
    out = capsys.readouterr()
    assert "REGE-3.1 Zielwert: 4 → 5" in out.out
    assert "500-9.1 Zugänge/Bestand: Bestand → Zugänge" in out.out
    assert "Nichts geschrieben" in out.err
    assert _target(catalogue_engine, "REGE-3.1") == 4
    assert main([*base, "--yes", "--user", "anna"]) == 0
    assert "Übernommen (2 Änderungen" in capsys.readouterr().out
    assert _target(catalogue_engine, "REGE-3.1") == 5
    with catalogue_engine.connect() as conn:
        entries = conn.execute(
            select(AuditEntry.entity_key, AuditEntry.old, AuditEntry.new, AuditEntry.source).where(
                AuditEntry.actor == "anna"
            )
        ).all()
    assert {e.entity_key for e in entries} == {"REGE-3.1", "500-9.1"}
    assert all(e.source == "katalog.xlsx" for e in entries)
    assert main(base) == 0
    assert "unverändert" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({("REGE-3.1", "Art"): "Anzahlen"}, "Blatt „Indikatoren“, Zelle D2: „Art“ ist „Anzahlen“"),
        (
            {("REGE-3.1", "Zielwert"): "viele"},
            "Zelle I2: Indikator REGE-3.1: „Zielwert“ muss eine Zahl sein",
        ),
        (
            {("REGE-3.1", "Darunter von"): "REGE-99.1"},
            "Zelle S2: Indikator REGE-3.1: übergeordneter Indikator „REGE-99.1“ gibt es nicht",
        ),
        ({("Jobcenter-1.1", "Code"): "REGE-3.1"}, "Code kommt doppelt vor"),
        (
            {("500-8.1", "Orte"): "Heepen; Sennestadt; Jöllenbeck; Atlantis"},
            "Indikator 500-8.1: Ort „Atlantis“ nennt der Plan nicht",
        ),
    ],
)
def test_cwb004_bad_workbook_named_by_sheet_and_cell_nothing_written(
    catalogue_engine: Engine, changes: dict[tuple[str, str], Any], message: str
) -> None:
    content = _edit(
        export_workbook(catalogue_engine, "2017"), {("REGE-3.1", "Zielwert"): 7, **changes}
    )
    before = _audit_count(catalogue_engine)
    with pytest.raises(CatalogueError) as caught:
        import_workbook(catalogue_engine, content, "katalog.xlsx", apply=True)
    assert any(
        message in p and p.startswith("katalog.xlsx, Blatt") for p in caught.value.problems
    ), caught.value.problems
    assert _target(catalogue_engine, "REGE-3.1") == 4  # the valid change was not written either
    assert _audit_count(catalogue_engine) == before


def test_cwb005_cli_bad_workbook_exits_1(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(catalogue_engine.url.render_as_string(hide_password=False))
    path = tmp_path / "katalog.xlsx"
    path.write_bytes(
        _edit(export_workbook(catalogue_engine, "2017"), {("REGE-3.1", "Zielwert"): "viele"})
    )
    assert main(["--database-url", url, "catalogue", "import", str(path), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "nichts wurde geschrieben" in err and "Zelle I2" in err
    assert (
        main(["--database-url", url, "catalogue", "import", str(path), "--plan", "corona-2021"])
        == 1
    )
    assert "gehört zu Plan 2017" in capsys.readouterr().err


def _indicator(engine: Engine, code: str, period: str) -> tuple[str | None, str, float | None]:
    report = plan_status(engine, "2017", period)
    for m in report.measures:
        for ind, j in m.indicators:
            if ind.code == code:
                return j.light, j.explanation, j.target
    raise AssertionError(code)


def test_cwb006_released_quarter_keeps_its_judgement(demo_engine: Engine) -> None:
    q2_before = _indicator(demo_engine, "REGE-3.1", "2017-Q2")
    q3_before = _indicator(demo_engine, "REGE-3.1", "2017-Q3")
    with transaction(demo_engine) as session:
        release(session, "2017", "2017-Q2", "anna")
    content = _edit(export_workbook(demo_engine, "2017"), {("REGE-3.1", "Zielwert"): 400})
    outcome = import_workbook(demo_engine, content, "katalog.xlsx", apply=True, actor="anna")
    assert outcome.result is not None and outcome.result.kept_for_released == ("REGE-3.1",)
    assert _indicator(demo_engine, "REGE-3.1", "2017-Q2") == q2_before
    q3 = _indicator(demo_engine, "REGE-3.1", "2017-Q3")
    assert q3[2] == 400 and q3[0] == "red" and q3 != q3_before
    # A second edit while Q2 is still the latest released quarter: Q2 keeps its first rule.
    content = _edit(export_workbook(demo_engine, "2017"), {("REGE-3.1", "Zielwert"): 2})
    import_workbook(demo_engine, content, "katalog.xlsx", apply=True, actor="anna")
    assert _indicator(demo_engine, "REGE-3.1", "2017-Q2") == q2_before
    assert _indicator(demo_engine, "REGE-3.1", "2017-Q3")[2] == 2


def test_cwb007_plan_copy_starts_next_years_plan(
    catalogue_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    url = str(catalogue_engine.url.render_as_string(hide_password=False))
    base = ["--database-url", url]
    assert main([*base, "plan", "copy", "2017", "2018", "--user", "anna"]) == 0
    assert "48 Maßnahmen, 95 Indikatoren" in capsys.readouterr().out
    assert main([*base, "status", "--plan", "2018", "--period", "2018-Q2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["plan_title"] == "Ziele und Maßnahmen für ein Soziales Bielefeld 2018"
    assert len(report["measures"]) == 48
    indicators = {i["code"]: i for m in report["measures"] for i in m["indicators"]}
    assert len(indicators) == 95
    assert indicators["REGE-3.1"]["due"] == "2018-12-31" and indicators["REGE-3.1"]["zu_pruefen"]
    assert indicators["REGE-3.1"]["target"] == 4
    # 2017 is untouched, and a second copy is refused in German with nothing written
    assert main([*base, "status", "--plan", "2017", "--period", "2017-Q2", "--json"]) == 0
    old = json.loads(capsys.readouterr().out)
    assert not any(i["zu_pruefen"] for m in old["measures"] for i in m["indicators"])
    assert main([*base, "plan", "copy", "2017", "2018"]) == 1
    assert "Plan „2018“ gibt es schon" in capsys.readouterr().err
    # Confirming by the workbook: a changed target is no longer „zu prüfen“
    content = _edit(export_workbook(catalogue_engine, "2018"), {("REGE-3.1", "Zielwert"): 6})
    import_workbook(catalogue_engine, content, "katalog-2018.xlsx", apply=True)
    with catalogue_engine.connect() as conn:
        flags = dict(
            conn.execute(
                select(Indikator.code, Indikator.zu_pruefen)
                .join(Plan, Plan.id == Indikator.plan_id)
                .where(Plan.key == "2018", Indikator.code.in_(["REGE-3.1", "Jobcenter-1.1"]))
            ).all()
        )
    assert flags == {"REGE-3.1": False, "Jobcenter-1.1": True}


def test_cwb008_not_a_workbook_or_columns_missing(catalogue_engine: Engine) -> None:
    with pytest.raises(CatalogueError, match="keine lesbare Excel-Mappe"):
        import_workbook(catalogue_engine, b"kein Excel", "katalog.xlsx", "2017", apply=True)
    wb = load_workbook(io.BytesIO(export_workbook(catalogue_engine, "2017")))
    wb["Indikatoren"]["I1"].value = "Ziel"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(CatalogueError, match="Blatt „Indikatoren“: Spalte „Zielwert“ fehlt"):
        import_workbook(catalogue_engine, out.getvalue(), "katalog.xlsx", apply=True)


def test_cwb_contacts_sheet_round_trip_changes_and_cells(catalogue_engine: Engine) -> None:
    from db.audit_trail import audit_entries
    from db.contacts import add_contact, list_contacts

    add_contact(catalogue_engine, "510", "Anna Jugend", "jugend@bielefeld.de", actor="ctrl")
    wb = load_workbook(io.BytesIO(export_workbook(catalogue_engine, "2017")))
    sheet = wb["Kontakte"]
    assert [c.value for c in sheet[1]] == ["OE", "Maßnahme", "Name", "E-Mail"]
    assert [c.value for c in sheet[2]] == ["510", None, "Anna Jugend", "jugend@bielefeld.de"]

    def save() -> bytes:
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    # Unchanged: nothing to do.
    assert import_workbook(catalogue_engine, save(), "katalog.xlsx").unchanged
    # A bad address and a measure of another unit: every problem with its cell, nothing written.
    sheet.append(["REGE", "510-1", "Falsch", "rege(at)bielefeld.de"])
    with pytest.raises(CatalogueError) as raised:
        import_workbook(catalogue_engine, save(), "katalog.xlsx", apply=True)
    assert "katalog.xlsx, Blatt „Kontakte“, Zelle D3: „rege(at)bielefeld.de“ ist keine gültige" in (
        " ".join(raised.value.problems)
    )
    assert "Zelle B3: Maßnahme „510-1“ gehört nicht zur OE REGE" in " ".join(raised.value.problems)
    assert [c.email for c in list_contacts(catalogue_engine)] == ["jugend@bielefeld.de"]
    # A new contact, a renamed one, and one removed: listed old → new, written with apply.
    sheet.delete_rows(3)
    sheet["C2"] = "Anna Jugend-Amt"
    sheet.append(["REGE", "REGE-1", "Rege Büro", "rege@bielefeld.de"])
    outcome = import_workbook(catalogue_engine, save(), "katalog.xlsx", apply=True, actor="anna")
    assert sorted(c.line() for c in outcome.changes) == [
        "510 jugend@bielefeld.de Name: Anna Jugend → Anna Jugend-Amt",
        "Kontakte REGE REGE-1 rege@bielefeld.de: – → neu: Rege Büro",
    ]
    assert outcome.written and outcome.result is None  # the measures were not touched
    assert {(c.oe, c.measure, c.name) for c in list_contacts(catalogue_engine)} == {
        ("510", "", "Anna Jugend-Amt"),
        ("REGE", "REGE-1", "Rege Büro"),
    }
    sheet.delete_rows(2)
    outcome = import_workbook(catalogue_engine, save(), "katalog.xlsx", apply=True, actor="anna")
    assert [c.line() for c in outcome.changes] == [
        "Kontakte 510 jugend@bielefeld.de: vorhanden → entfällt"
    ]
    actions = [e["action"] for e in audit_entries(catalogue_engine) if e["actor"] == "anna"]
    assert sorted(actions) == ["kontakt_angelegt", "kontakt_entfernt", "kontakt_geaendert"]
