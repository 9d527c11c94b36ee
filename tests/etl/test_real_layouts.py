"""The published BA layouts of issue 13: the two real files that were rejected (end to end), and
the known layouts of the public BA downloads (report month on the cover, in the title or in the
file name; SGB II columns that lag three months) at the extraction step."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from etl.extract import MAX_IGNORED_ROWS, extract, locate
from etl.profile import profile_by_name
from etl.reading import open_book
from tests.etl.ba_layouts import (
    SONDER_ALLEINERZIEHENDE,
    SONDER_PERIODS,
    real_eckwerte,
    real_sonderauswertung,
)
from tests.etl.test_layout_corpus import read_file
from tests.etl.test_sources import _values
from zielcockpit.services.imports import import_files
from zielcockpit.settings import Settings

SONDER_EXPECTED = {
    ("Jobcenter-8.1", period, place): Decimal(values[i])
    for place, values in SONDER_ALLEINERZIEHENDE.items()
    for i, period in enumerate(SONDER_PERIODS)
}


def test_the_two_rejected_ba_files_import(
    catalogue_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    """Issue 13: the SGB II rate 15 bis unter 25 Jahre into Jobcenter-2.1 and Alleinerziehende
    per Stadtteil into Jobcenter-8.1, both profiles found without being named."""
    eckwerte = real_eckwerte(tmp_path / "bm-05711-0-201706-xlsx.xlsx")
    sonder = real_sonderauswertung(
        tmp_path / "Sonderauswertung_Alleinerziehende_2017.xlsx", brackwede_sued=True
    )
    report = import_files(catalogue_engine, [eckwerte, sonder], user="x", settings=settings)
    assert report.status == "ok", report.lines()
    assert [f.profile for f in report.files] == ["ba_eckwerte", "ba_sonderauswertung"]
    stored = _values(catalogue_engine)
    assert stored.pop(("Jobcenter-2.1", "2017-06", None)) == (
        Decimal("6.4"),
        None,
        "1.1 Eckwerte",
        "D18",
    )
    assert {k: v[0] for k, v in stored.items()} == SONDER_EXPECTED
    assert stored[("Jobcenter-8.1", "2017-06", "Sieker")][2:] == ("Stadtteile", "E13")
    # what was read but not mapped is in the report: a new Stadtteil among them
    notes = report.files[1].notes
    assert (
        "Nicht zugeordnet: Zeile 15 „Brackwede-Süd“ (Blatt „Stadtteile“) – unbekannter Ort, "
        "kein Ort im Katalog" in notes
    )
    assert (
        "Nicht zugeordnet: Zeile 12 „Heepen“ (Blatt „Stadtteile“) – Ort steht nicht im Profil"
        in notes
    )
    assert any("Brackwede-Süd" in line for line in report.lines())
    assert any("Brackwede-Süd" in n for f in report.as_json()["files"] for n in f["notes"])


def test_ignored_rows_and_columns_are_noted_and_capped(tmp_path: Path) -> None:
    path = real_eckwerte(tmp_path / "bm-05711-0-201706-xlsx.xlsx")
    book = open_book(path, 10**8)
    profile = profile_by_name("ba_eckwerte")
    assert profile is not None
    located = locate(profile, book)
    assert isinstance(located, list)
    notes = extract(book, profile, located, lambda _t: None).notes
    rows = [n for n in notes if n.startswith("Nicht zugeordnet: Zeile")]
    assert len(rows) == MAX_IGNORED_ROWS
    assert rows[0] == (
        "Nicht zugeordnet: Zeile 8 „Arbeitslose“ (Blatt „1.1 Eckwerte“) – "
        "Beschriftung steht nicht im Profil"
    )
    assert "Nicht zugeordnet: 2 weitere Zeilen mit Werten (Blatt „1.1 Eckwerte“)" in notes[-2]
    assert notes[-1].startswith("Nicht zugeordnet: Spalten B „Juni 2017 / Insgesamt“, C ")
    assert "D „" not in notes[-1]  # the SGB II column is read
    assert "Zeile 18" not in " ".join(notes)  # the row that is read


@pytest.mark.parametrize("region_titles", ["merged", "top", "bottom"])
def test_sonderauswertung_region_titles_on_any_header_line(
    tmp_path: Path, region_titles: str
) -> None:
    path = real_sonderauswertung(tmp_path / "sonder.xlsx", region_titles=region_titles)
    profile, values, problems = read_file(path)
    assert (profile, problems) == ("ba_sonderauswertung", [])
    assert {k: v[0] for k, v in values.items()} == SONDER_EXPECTED


def test_eckwerte_sgb2_column_that_lags_three_months(tmp_path: Path) -> None:
    """The SGB II column's own header names March while the file reports June."""
    path = real_eckwerte(tmp_path / "bm-05711-0-201706-xlsx.xlsx", sgb2_header="März 2017")
    profile, values, problems = read_file(path)
    assert (profile, problems) == ("ba_eckwerte", [])
    assert values == {("Jobcenter-2.1", "2017-03", None): (Decimal("6.4"), None)}


def test_eckwerte_sheet_title_beats_cover_and_file_name(tmp_path: Path) -> None:
    """A data sheet lagging six months says so in its title; cover and file name say June."""
    path = real_eckwerte(
        tmp_path / "bm-05711-0-201706-xlsx.xlsx",
        month=None,
        sgb2_header=None,
        title="Berichtsmonat: Dezember 2016 (Wartezeit 6 Monate)",
    )
    profile, values, problems = read_file(path)
    assert (profile, problems) == ("ba_eckwerte", [])
    assert values == {("Jobcenter-2.1", "2016-12", None): (Decimal("6.4"), None)}
