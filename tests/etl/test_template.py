"""The Erfassungsvorlage: written by `zielcockpit template`, filled in, imported back."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine, select

from db.models import ImportRun, Indikator, Kommentar, Massnahme, Messwert, Organisationseinheit
from tests.etl.conftest import dump, url_of
from zielcockpit.cli import main


def make_template(engine: Engine, path: Path, oe: str = "540", period: str = "2017-Q2") -> int:
    return main(
        [
            "--database-url",
            url_of(engine),
            "template",
            "--oe",
            oe,
            "--period",
            period,
            "-o",
            str(path),
        ]
    )


def codes_of(engine: Engine, oe: str) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(Indikator.code)
                .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
                .join(Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id)
                .where(Organisationseinheit.code == oe)
                .order_by(Massnahme.position, Indikator.position)
            )
        )


def rows_of(path: Path) -> dict[str, int]:
    ws = openpyxl.load_workbook(path)["Erfassung"]
    return {ws.cell(row=r, column=2).value: r for r in range(9, ws.max_row + 1)}


def test_template_layout(
    demo_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "vorlage.xlsx"
    assert make_template(demo_engine, path) == 0
    assert "Erfassungsvorlage für OE 540" in capsys.readouterr().out
    wb = openpyxl.load_workbook(path)
    ws = wb["Erfassung"]
    assert [c.value for c in ws[8]] == [
        "Schlüssel",
        "Indikator-Code",
        "Maßnahme",
        "Indikator",
        "Einheit",
        "Zielwert",
        "Vorquartal",
        "Art des Werts",
        "Wert",
        "Sachstand",
        "Kommentar (Begründung bei Abweichung)",
    ]
    assert (ws["B3"].value, ws["C3"].value) == ("Organisationseinheit:", "540")
    assert (ws["B4"].value, ws["C4"].value, ws["D4"].value) == (
        "Zeitraum:",
        "2017-Q2",
        "2. Quartal 2017",
    )
    assert ws.column_dimensions["A"].hidden
    assert ws.protection.sheet
    rows = rows_of(path)
    assert list(rows) == codes_of(demo_engine, "540")
    milestone, number = rows["540-9.1"], rows["540-8.1"]
    assert ws.cell(row=number, column=1).value == "2017|540-8.1|2017-Q2"
    for col in range(1, 9):
        assert ws.cell(row=number, column=col).protection.locked
    assert ws.cell(row=number, column=8).value == "Zugänge im Quartal"
    assert ws.cell(row=milestone, column=8).value == "Sachstand"
    assert not ws.cell(row=number, column=9).protection.locked
    assert ws.cell(row=number, column=10).protection.locked
    assert not ws.cell(row=milestone, column=10).protection.locked
    assert ws.cell(row=milestone, column=9).protection.locked
    assert not ws.cell(row=number, column=11).protection.locked
    lists = [v for v in ws.data_validations.dataValidation if v.type == "list"]
    assert lists[0].formula1 == '"erledigt,im Plan,gefährdet,offen"'
    assert f"J{milestone}" in str(lists[0].sqref) and f"J{number}" not in str(lists[0].sqref)
    decimals = [v for v in ws.data_validations.dataValidation if v.type == "decimal"]
    assert any(f"I{number}" in str(v.sqref) for v in decimals)
    # last quarter's value from the stored (demo) values
    with demo_engine.connect() as conn:
        q1 = conn.execute(
            select(Messwert.value)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == "540-8.1", Messwert.period == "2017-Q1")
        ).scalar_one()
    assert q1 is not None
    assert ws.cell(row=number, column=7).value == str(int(q1))
    assert ws.cell(row=number, column=6).value == 40


def test_template_round_trip_with_comments(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = tmp_path / "vorlage_540.xlsx"
    assert make_template(catalogue_engine, path) == 0
    capsys.readouterr()
    rows = rows_of(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Erfassung"]
    ws.cell(row=rows["540-8.1"], column=9, value=18)
    ws.cell(row=rows["540-8.1"], column=11, value="Ein Termin fiel wegen Krankheit aus.")
    ws.cell(row=rows["540-12.1"], column=9, value="47,5")
    ws.cell(row=rows["540-9.1"], column=10, value="gefährdet")
    ws.cell(row=rows["540-9.1"], column=11, value="Rücklauf der Befragung verzögert sich.")
    wb.save(path)
    url = url_of(catalogue_engine)
    assert main(["--database-url", url, "import", str(path), "--json", "--user", "amt540"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "ok" and result["profile"] == "erfassungsvorlage"
    assert (result["values_written"], result["comments_written"]) == (3, 2)
    with catalogue_engine.connect() as conn:
        stored = {
            r.code: (r.value, r.status, r.period, r.recorded_by)
            for r in conn.execute(
                select(
                    Indikator.code,
                    Messwert.value,
                    Messwert.status,
                    Messwert.period,
                    Messwert.recorded_by,
                ).join(Indikator, Indikator.id == Messwert.indikator_id)
            )
        }
        comments = conn.execute(
            select(
                Indikator.code,
                Kommentar.text,
                Kommentar.period,
                Kommentar.author,
                Kommentar.import_run_id,
            )
            .join(Indikator, Indikator.id == Kommentar.indikator_id)
            .order_by(Indikator.code)
        ).all()
        run_id = conn.execute(select(ImportRun.id).where(ImportRun.kind != "katalog")).scalar_one()
    assert stored == {
        "540-8.1": (Decimal("18"), None, "2017-Q2", "amt540"),
        "540-12.1": (Decimal("47.5"), None, "2017-Q2", "amt540"),
        "540-9.1": (None, "gefaehrdet", "2017-Q2", "amt540"),
    }
    assert [tuple(c) for c in comments] == [
        ("540-8.1", "Ein Termin fiel wegen Krankheit aus.", "2017-Q2", "amt540", run_id),
        ("540-9.1", "Rücklauf der Befragung verzögert sich.", "2017-Q2", "amt540", run_id),
    ]
    before = dump(catalogue_engine)
    assert main(["--database-url", url, "import", str(path)]) == 0
    assert "Unverändert" in capsys.readouterr().out
    assert dump(catalogue_engine) == before


def test_template_with_a_changed_key_is_rejected(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = tmp_path / "vorlage.xlsx"
    make_template(catalogue_engine, path)
    rows = rows_of(path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Erfassung"]
    ws.cell(row=rows["540-8.1"], column=2, value="540-6.1")  # someone unlocked and typed over it
    ws.cell(row=rows["540-8.1"], column=9, value=5)
    wb.save(path)
    before = dump(catalogue_engine)
    assert main(["--database-url", url_of(catalogue_engine), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"Zelle A{rows['540-8.1']}" in err and "Schlüssel" in err
    assert dump(catalogue_engine) == before


@pytest.mark.parametrize(
    ("oe", "period", "words"),
    [
        ("999", "2017-Q2", "Organisationseinheit „999“ gibt es nicht"),
        ("540", "2017-06", "Quartal"),
        ("540", "2019-Q1", "Kein Plan"),
    ],
)
def test_template_errors_are_german(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    oe: str,
    period: str,
    words: str,
) -> None:
    assert make_template(catalogue_engine, tmp_path / "v.xlsx", oe, period) == 1
    assert words in capsys.readouterr().err
    assert not (tmp_path / "v.xlsx").exists()


def test_template_asks_for_flows_and_stocks_in_their_words(
    catalogue_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "vorlage_rege.xlsx"
    assert make_template(catalogue_engine, path, oe="REGE") == 0
    ws = openpyxl.load_workbook(path)["Erfassung"]
    rows = rows_of(path)
    label = {code: ws.cell(row=row, column=8).value for code, row in rows.items()}
    assert label["REGE-9.1"] == "Zugänge im Quartal"  # placements: new cases, summed
    assert label["REGE-9.2"] == "Bestand am Quartalsende"  # participants in coaching: a level
    assert label["REGE-10.1"] == "Bestand am Quartalsende"
    assert label["REGE-1.1"] == "Stand am Quartalsende"  # a quota
    prompts = {
        v.prompt: str(v.sqref) for v in ws.data_validations.dataValidation if v.type == "decimal"
    }
    assert f"I{rows['REGE-9.2']}" in prompts["Bestand am Quartalsende"].split()
    assert f"I{rows['REGE-9.1']}" in prompts["Zugänge im Quartal"].split()
