"""The Excel export workbooks (XlsxWriter): read back with openpyxl, cell by cell."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from app.xlsx import Sheet, column_letter, workbook


@pytest.mark.parametrize(
    ("index", "letters"),
    [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA")],
)
def test_xlsx001_column_letters(index: int, letters: str) -> None:
    assert column_letter(index) == letters


def test_xlsx002_column_out_of_range() -> None:
    with pytest.raises(ValueError, match="Spalte 16385"):
        column_letter(16384)


def test_xlsx003_round_trip() -> None:
    rows: list[list[Any]] = [
        ["Maßnahme", "Ampel", "Zahl"],
        ["REGE-4 & <Quartier>", "● im Plan", 42],
        ["Ümlaut „Anführung“", "■ nicht im Plan\x07", 1234.5],
        ["nur eine Zelle", None, None],
    ]
    data = workbook(
        [
            Sheet(
                "Quartalsvergleich",
                rows,
                widths=[30, 18, 10],
                fills={(1, 1): "009E73", (2, 1): "D55E00"},
                freeze=(1, 2),
                autofilter=True,
            ),
            Sheet("Hinweise", [["Stand", "3. Quartal 2017"]]),
        ]
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Quartalsvergleich", "Hinweise"]
    sheet = book["Quartalsvergleich"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values == [
        ["Maßnahme", "Ampel", "Zahl"],
        ["REGE-4 & <Quartier>", "● im Plan", 42],
        ["Ümlaut „Anführung“", "■ nicht im Plan", 1234.5],  # the control character is dropped
        ["nur eine Zelle", None, None],
    ]
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["B2"].fill.fgColor.rgb == "FF009E73"
    assert sheet["B3"].fill.fgColor.rgb == "FFD55E00"
    assert sheet["A2"].fill.patternType is None
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:C4"
    assert abs(sheet.column_dimensions["A"].width - 30) < 1  # Excel adds its cell padding
    assert book["Hinweise"]["B1"].value == "3. Quartal 2017"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        assert "[Content_Types].xml" in z.namelist()


def test_xlsx004_bad_sheet_name() -> None:
    with pytest.raises(ValueError, match="Blattname"):
        workbook([Sheet("Q1/Q2", [["x"]])])
