"""Issue 13, item 4: the cell behind a number, read from the archived original (SQLite and
PostgreSQL): the sheet around the cell with the cell marked, file, checksum, import and who."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.models import Indikator, Messwert
from tests.etl.ba_layouts import real_sonderauswertung
from zielcockpit.domain.access import Principal
from zielcockpit.services.entry import FieldInput, Submission, save_entry
from zielcockpit.services.imports import import_files
from zielcockpit.services.source_cell import addresses, source_cell
from zielcockpit.settings import Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

READER = Principal("leitung1", "leitung")


def _value_id(engine: Engine, code: str, period: str) -> int:
    with engine.connect() as conn:
        found = conn.scalar(
            select(Messwert.id)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == code, Messwert.period == period)
        )
    assert found is not None
    return int(found)


def test_src001_cell_of_an_imported_value(catalogue_engine: Engine, tmp_path: Path) -> None:
    settings = Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}, environ={})
    path = real_sonderauswertung(tmp_path / "Sonderauswertung_2017.xlsx")
    report = import_files(catalogue_engine, [path], user="controller1", settings=settings)
    assert report.status == "ok", report.lines()
    view = source_cell(
        catalogue_engine, settings, READER, _value_id(catalogue_engine, "Jobcenter-8.1", "2017-06")
    )
    assert view.message is None and view.refusal is None
    s = view.source
    assert s is not None
    assert (s.file_name, s.imported_by, s.checksum) == (
        "Sonderauswertung_2017.xlsx",
        "controller1",
        report.files[0].checksum,
    )
    assert view.archive_checked and view.sheet == "Stadtteile"
    # the value's cell is marked, and it is the value stored
    ((r, c),) = view.hits
    assert s.cell == f"E{r + 1}" and c == 4
    hit = view.cells[r - view.first_row][c - view.first_col]
    assert hit.replace(".", "").isdigit() and float(hit) == float(s.value or 0)
    # the sheet around it: the Stadtteil's label two columns left, a header row above
    row = view.cells[r - view.first_row]
    assert row[1 - view.first_col].endswith(("Sennestadt", "Baumheide", "Sieker"))


def test_src002_form_values_missing_archive_and_unknown(
    catalogue_engine: Engine, tmp_path: Path
) -> None:
    settings = Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}, environ={})
    outcome = save_entry(
        catalogue_engine,
        Principal("controller1", "controlling"),
        Submission("2017", "2017-Q2", {"500-1.1": FieldInput("500-1.1", value="12")}),
    )
    assert not outcome.refused and not outcome.errors, outcome.errors
    view = source_cell(
        catalogue_engine, settings, READER, _value_id(catalogue_engine, "500-1.1", "2017-Q2")
    )
    assert view.message is not None
    assert view.message.startswith("Im Formular erfasst von controller1 am ")
    assert not view.cells

    unknown = source_cell(catalogue_engine, settings, READER, 999999)
    assert unknown.source is None and "Nr. 999999 gibt es nicht" in (unknown.message or "")
    assert source_cell(catalogue_engine, settings, None, 999999).source is None


def test_src003_archive_gone_is_said(catalogue_engine: Engine, tmp_path: Path) -> None:
    settings = Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}, environ={})
    path = real_sonderauswertung(tmp_path / "Sonderauswertung_2017.xlsx")
    assert import_files(catalogue_engine, [path], user="c", settings=settings).status == "ok"
    shutil.rmtree(tmp_path / "archiv")
    view = source_cell(
        catalogue_engine, settings, READER, _value_id(catalogue_engine, "Jobcenter-8.1", "2017-03")
    )
    assert view.source is not None and "nicht (mehr) vorhanden" in (view.message or "")
    unread = source_cell(
        catalogue_engine, settings, None, _value_id(catalogue_engine, "Jobcenter-8.1", "2017-03")
    )
    assert unread.refusal == "Bitte zuerst anmelden."


def test_src004_addresses() -> None:
    assert addresses("B5 (+2)") == [(4, 1)]
    assert addresses("B5 C17 AA3") == [(4, 1), (16, 2), (2, 26)]
    assert addresses(None) == []
