"""Issue 13, item 3: a layout no profile knows, taught once (saved as a profile in the database,
audited, listed), then found by auto-detection for the next file; bad profiles refused."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from db.models import AuditEntry, SavedProfile
from etl.extract import extract, locate
from etl.reading import open_book
from etl.teach import Assignment, TeachSpec, build_profile, label_pattern
from tests.etl.ba_layouts import ECKWERTE_SGB2_U25, real_eckwerte, real_sonderauswertung
from tests.etl.conftest import write_xlsx
from tests.etl.test_sources import _values
from zielcockpit.cli import main
from zielcockpit.domain.access import Principal
from zielcockpit.services.imports import import_files
from zielcockpit.services.teach import preview_taught, profile_list, save_taught, sheet_view
from zielcockpit.settings import Settings

CONTROLLING = Principal("controller", "controlling")


def schuldnerberatung(
    path: Path, quarter: str = "2. Quartal 2017", values: tuple[Any, Any] = (9, 7)
) -> Path:
    """A layout no shipped profile knows: a quarterly report of the debt counselling service."""
    rows: list[list[Any]] = [
        ["Schuldner- und Insolvenzberatung Bielefeld"],
        [f"Berichtszeitraum: {quarter}"],
        [],
        ["Kennzahl", "Fälle im Quartal", "Vorquartal", "Bemerkung"],
        ["Arbeitsaufnahmen 1)", values[0], 5, "über Jobcenter"],
        ["Maßnahmeeintritte", values[1], 6, ""],
        ["Beratungsgespräche", 310, 290, "alle Stellen"],
        [],
        ["1) nach Abschluss der Beratung"],
    ]
    return write_xlsx(path, {"Quartalsbericht": rows})


def _contents(path: Path) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(path.read_bytes()).decode()


def _spec(name: str = "Schuldnerberatung", **changes: Any) -> TeachSpec:
    base: dict[str, Any] = {
        "name": name,
        "title": "Schuldnerberatung – Quartalsbericht",
        "sheet": "Quartalsbericht",
        "header_rows": (3,),
        "label_column": 0,
        "assignments": (
            Assignment("500-1.1", column=1, row=4),
            Assignment("500-1.2", column=1, row=5),
        ),
        "period_from": "cell",
        "period_cell": (1, 0),
    }
    base.update(changes)
    return TeachSpec(**base)


def _saved_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(SavedProfile)) or 0)


def test_teach001_unknown_layout_taught_then_detected(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first = schuldnerberatung(tmp_path / "Bericht_Q2.xlsx")
    rejected = import_files(catalogue_engine, [first], user="x", settings=settings)
    assert rejected.status == "rejected"
    assert "Kein Importprofil passt" in rejected.files[0].errors[0].message

    view = sheet_view(
        __import__("zielcockpit.services.teach", fromlist=["open_upload"]).open_upload(
            settings, first.name, _contents(first)
        )
    )
    assert view.sheet == "Quartalsbericht"
    assert view.header_rows == [3] and view.label_column == 0
    assert view.cells[3][:2] == ["Kennzahl", "Fälle im Quartal"]

    preview = preview_taught(
        catalogue_engine, settings, CONTROLLING, first.name, _contents(first), _spec()
    )
    assert preview.ok, (preview.errors, preview.taught.errors)
    assert preview.preview is not None and preview.preview.report is not None
    changes = {(c.indicator, c.period, c.new) for c in preview.preview.report.files[0].changes}
    assert changes == {("500-1.1", "2017-Q2", "9"), ("500-1.2", "2017-Q2", "7")}
    assert _saved_count(catalogue_engine) == 0  # a preview saves nothing

    saved = save_taught(
        catalogue_engine, settings, CONTROLLING, first.name, _contents(first), _spec()
    )
    assert saved.saved, saved.errors
    with catalogue_engine.connect() as conn:
        stored = conn.execute(select(SavedProfile)).one()
        audit = conn.execute(
            select(AuditEntry).where(AuditEntry.action == "importprofil_angelernt")
        ).one()
    data = json.loads(stored.data)
    assert data["name"] == "Schuldnerberatung" and data["kind"] == "table"
    assert data["periods"] == [{"from": "title", "labels": ["berichtszeitraum"]}]
    assert stored.created_by == "controller" and audit.actor == "controller"
    assert audit.entity_key == "Schuldnerberatung"

    # next quarter: a title row more, other values, a moved column; found without help
    second = tmp_path / "Bericht_Q3.xlsx"
    schuldnerberatung(second, "3. Quartal 2017", (4, "*"))
    report = import_files(catalogue_engine, [first, second], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert [f.profile for f in report.files] == ["Schuldnerberatung"] * 2
    values = _values(catalogue_engine)
    assert values[("500-1.1", "2017-Q2", None)][:1] == (Decimal("9"),)
    assert values[("500-1.1", "2017-Q3", None)] == (Decimal("4"), None, "Quartalsbericht", "B5")
    assert values[("500-1.2", "2017-Q3", None)][:2] == (None, "*")
    assert any("Beratungsgespräche" in n for n in report.files[1].notes)

    listed = {r["name"]: r for r in profile_list(catalogue_engine)}
    assert listed["Schuldnerberatung"]["origin"] == "angelernt"
    assert listed["Schuldnerberatung"]["created_by"] == "controller"
    assert listed["rekom"]["origin"] == "mitgeliefert"
    url = catalogue_engine.url.render_as_string(hide_password=False)
    assert main(["--database-url", url, "profiles"]) == 0
    out = capsys.readouterr().out
    assert "Schuldnerberatung" in out and "angelernt" in out and "controller am" in out
    assert "ba_eckwerte" in out and "mitgeliefert" in out
    # the saved profile can be named, too
    named = import_files(
        catalogue_engine, [second], profile="schuldnerberatung", user="x", settings=settings
    )
    assert named.status == "unchanged", named.lines()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "rekom"}, "Ein Importprofil „rekom“ gibt es schon"),
        (
            {"assignments": (Assignment("500-1.1", column=3, row=4),)},
            "Spalte D („Bemerkung“) würde als Zahlen gelesen (500-1.1), enthält aber Text: "
            "Zelle D5 „über Jobcenter“",
        ),
        (
            {
                "assignments": (
                    Assignment("500-1.1", column=1, row=4),
                    Assignment("500-1.1", column=1, row=5),
                )
            },
            "500-1.1 ist zweimal für denselben Zeitraum zugeordnet: Zelle B5 und Zelle B6",
        ),
        ({"period_cell": (0, 0)}, "Zelle A1 „Schuldner- und Insolvenzberatung Bielefeld“ nennt"),
        ({"assignments": ()}, "mindestens eine Spalte oder Zeile einem Indikator zuordnen"),
    ],
)
def test_teach002_bad_profiles_refused_nothing_saved(
    catalogue_engine: Engine,
    tmp_path: Path,
    settings: Settings,
    changes: dict[str, Any],
    message: str,
) -> None:
    first = schuldnerberatung(tmp_path / "Bericht_Q2.xlsx")
    out = save_taught(
        catalogue_engine, settings, CONTROLLING, first.name, _contents(first), _spec(**changes)
    )
    assert not out.saved
    assert any(message in e for e in out.taught.errors + out.errors), out.taught.errors
    assert _saved_count(catalogue_engine) == 0


def test_teach003_name_taken_by_a_saved_profile_and_roles(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    first = schuldnerberatung(tmp_path / "Bericht_Q2.xlsx")
    assert save_taught(
        catalogue_engine, settings, CONTROLLING, first.name, _contents(first), _spec()
    ).saved
    again = save_taught(
        catalogue_engine,
        settings,
        CONTROLLING,
        first.name,
        _contents(first),
        _spec(name="SCHULDNERBERATUNG"),
    )
    assert not again.saved
    assert "gibt es schon" in " ".join(again.taught.errors)
    reader = Principal("leser", "fachbereich", frozenset({"500"}))
    refused = save_taught(
        catalogue_engine, settings, reader, first.name, _contents(first), _spec(name="Anders")
    )
    assert not refused.saved and "nur das Controlling" in refused.taught.errors[0]
    assert _saved_count(catalogue_engine) == 1


def test_teach004_columns_with_places_and_periods(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    """A Stadtteil table in a new shape: the place from a column, the month from the column
    header (Excel date serials), one value column mapped; fixed period and place work too."""
    rows: list[list[Any]] = [
        ["Alleinerziehende im SGB II"],
        [],
        ["Stadtteil", "Alleinerziehende im Bezug", "Alleinerziehende im Bezug"],
        [None, 42887, 42795],
        ["091 Sennestadt", 120, 118],
        ["021 Baumheide", 95, 90],
        ["099 Nirgendwo", 5, 4],
    ]
    path = write_xlsx(tmp_path / "alleinerziehende.xlsx", {"Tabelle1": rows})
    spec = TeachSpec(
        name="Alleinerziehende Stadtteile",
        title="",
        sheet="Tabelle1",
        header_rows=(2, 3),
        label_column=0,
        assignments=(Assignment("Jobcenter-8.1", column=1),),
        period_from="column",
        place_from="column",
        place_column=0,
    )
    out = save_taught(catalogue_engine, settings, CONTROLLING, path.name, _contents(path), spec)
    assert out.saved, (out.errors, out.taught.errors)
    report = import_files(catalogue_engine, [path], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    values = _values(catalogue_engine)
    assert values[("Jobcenter-8.1", "2017-06", "Sennestadt")][:1] == (Decimal("120"),)
    assert values[("Jobcenter-8.1", "2017-06", "Baumheide")][:1] == (Decimal("95"),)
    assert ("Jobcenter-8.1", "2017-03", "Sennestadt") not in values


def test_teach005_rows_by_label_and_section_pure(tmp_path: Path) -> None:
    """The Eckwerte layout taught by hand: the row „15 bis unter 25 Jahre“ under the section of
    the rates (not the one under „Arbeitslose“), the month from the stacked merged header; the
    saved data names labels, never positions, and reads the same value from the next month's
    file with a title row more and other footnote markers."""

    book = open_book(real_eckwerte(tmp_path / "eckwerte.xlsx"), 10**8)
    spec = TeachSpec(
        name="Eckwerte von Hand",
        title="",
        sheet="1.1 Eckwerte",
        header_rows=(4, 5),
        label_column=0,
        assignments=(Assignment("Jobcenter-2.1", column=3, row=17),),
        period_from="column",
    )
    taught = build_profile(spec, book, lambda _name: False, lambda _label: None)
    assert not taught.errors and taught.profile is not None
    (mapping,) = taught.data["mappings"]
    assert mapping["rows"] == [
        {
            "label": "^15 bis unter 25 jahre$",
            "section": "arbeitslosenquoten bezogen auf alle zivilen erwerbspersonen",
        }
    ]
    assert mapping["column"] == {
        "labels": ["rechtskreis sgb ii"],
        "take": "first",
        "period": "required",
    }
    assert taught.data["sheets"] == ["^1\\.1 eckwerte$"] and taught.data["label_column"] is True
    located = locate(taught.profile, book)
    assert isinstance(located, list)
    out = extract(book, taught.profile, located, lambda _code: None)
    assert not out.problems, [p.text() for p in out.problems]
    (value,) = out.values
    assert (value.code, value.period.key, value.cells) == ("Jobcenter-2.1", "2017-06", ("D18",))
    assert value.cell.value == Decimal(ECKWERTE_SGB2_U25.replace(",", "."))
    # the next month: another month in the header, the title row text changed
    later = open_book(
        real_eckwerte(tmp_path / "eckwerte_juli.xlsx", month="Juli 2017", sgb2_header="Juli 2017"),
        10**8,
    )
    located = locate(taught.profile, later)
    assert isinstance(located, list)
    (value,) = extract(later, taught.profile, located, lambda _code: None).values
    assert value.period.key == "2017-07"


@pytest.mark.parametrize(
    ("file_name", "changes", "period", "place", "saved_period"),
    [
        (
            "Schuldnerberatung_201706.xlsx",
            {"period_from": "file_name"},
            "2017-06",
            None,
            {
                "from": "file_name",
                "pattern": "(?<!\\d)(?P<year>20\\d\\d)(?P<month>0[1-9]|1[0-2])(?!\\d)",
            },
        ),
        (
            "Bericht Juni 2017.xlsx",
            {"period_from": "file_name"},
            "2017-06",
            None,
            {"from": "file_name"},
        ),
        (
            "x.xlsx",
            {
                "period_from": "fixed",
                "period_value": "2017-Q2",
                "place_from": "fixed",
                "place_value": "Sennestadt",
            },
            "2017-Q2",
            "Sennestadt",
            {"from": "fixed", "value": "2017-Q2"},
        ),
    ],
)
def test_teach006_period_from_the_file_name_or_fixed_and_a_fixed_place(
    tmp_path: Path,
    file_name: str,
    changes: dict[str, Any],
    period: str,
    place: str | None,
    saved_period: dict[str, Any],
) -> None:
    book = open_book(schuldnerberatung(tmp_path / file_name), 10**8)
    taught = build_profile(_spec(**changes), book, lambda _name: False, lambda _label: None)
    assert not taught.errors and taught.profile is not None, taught.errors
    assert taught.data["periods"] == [saved_period]
    located = locate(taught.profile, book)
    assert isinstance(located, list)
    out = extract(book, taught.profile, located, lambda _code: None)
    assert {(v.code, v.period.key, v.place) for v in out.values} == {
        ("500-1.1", period, place),
        ("500-1.2", period, place),
    }


def test_teach007_a_label_as_pattern_normalised_and_escaped() -> None:
    assert label_pattern("Vermittlungen ges. (in %) 2)") == "vermittlungen gesamt \\(in %\\)"


def test_teach008_sheet_as_read_with_the_recognised_header(tmp_path: Path) -> None:
    """A file a shipped profile reads in part: its header rows are marked, merged cells kept,
    date serials in the header shown with their month; the notes sheet in front is skipped."""
    book = open_book(real_sonderauswertung(tmp_path / "s.xlsx", brackwede_sued=True), 10**8)
    view = sheet_view(book)
    assert view.sheet == "Stadtteile" and view.sheet_names == ["Hinweise", "Stadtteile"]
    assert view.recognised_by == "BA-Statistik Sonderauswertung nach Stadtteilen"
    assert view.header_rows == [5, 6, 7] and view.label_column == 0
    assert (5, 0, 7, 0) in view.merged and (5, 2, 5, 4) in view.merged
    assert view.cells[7][2:5] == [
        "42705 (Dezember 2016)",
        "42795 (März 2017)",
        "42887 (Juni 2017)",
    ]
    assert view.cells[8][:3] == ["01 Mitte", "011 Altstadt", "90"]
    assert view.period_from == "column" and view.value_columns == [2, 3, 4]
