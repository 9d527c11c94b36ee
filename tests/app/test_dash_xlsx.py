"""The Excel export workbooks (XlsxWriter): read back with openpyxl, cell by cell."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from app.export import headers, table_rows, workbook_bytes
from app.viewmodel import MeasureRow
from app.xlsx import (
    _CONTROL,
    DATE,
    Sheet,
    column_letter,
    new_book,
    set_panes_and_filter,
    set_widths,
    workbook,
)
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import Override


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


def _cell_by_cell(sheets: list[Sheet]) -> bytes:
    """The same workbook through XlsxWriter's public `write_*` calls, one cell at a time (how
    app/xlsx.py wrote it before it handed XlsxWriter whole rows): the reference."""
    buffer = io.BytesIO()
    book, fmt = new_book(buffer)
    for sheet in sheets:
        ws = book.add_worksheet(sheet.title)
        set_widths(ws, sheet)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is not None:
                    _write_cell(ws, r, c, value, r in sheet.bold_rows, sheet.fills.get((r, c)), fmt)
        set_panes_and_filter(ws, sheet)
    book.close()
    return buffer.getvalue()


def _write_cell(
    ws: Any, r: int, c: int, value: Any, bold: bool, fill: str | None, fmt: Any
) -> None:
    if isinstance(value, dt.date):
        ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), fmt(bold, DATE))
        return
    cell_format = fmt(bold, fill) if (bold or fill) else None
    if isinstance(value, str):
        ws.write_string(r, c, value.translate(_CONTROL), cell_format)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        ws.write_string(r, c, str(value).translate(_CONTROL), cell_format)
    else:
        ws.write_number(r, c, value, cell_format)


class _Code(str):
    pass


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        # docProps/core.xml holds the time of writing, nothing else differs between two runs.
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_xlsx005_rows_written_as_xlsxwriter_writes_cells() -> None:
    """The cells written as whole rows give the very file XlsxWriter writes cell by cell:
    the same XML in every part (cells, shared strings, styles, spans, dimensions)."""
    rows: list[list[Any]] = [["Kopf", "Zahl", "Datum", "Wahr", "Ampel", None, "Ende"]]
    for i in range(40):  # more than two blocks of 16 rows, for the spans
        rows.append(
            [
                f"Text {i % 7} & <b>",
                i * 1.5 if i % 3 else i,
                dt.date(2017, 1 + i % 12, 1 + i % 28) if i % 5 == 0 else None,
                i % 2 == 0,
                " führend und folgend " if i == 3 else "● im Plan\x07",
                None,
                Decimal("1.25") if i == 4 else ("x" * 40000 if i == 5 else "𝄞" * 20000),
            ][: 7 - i % 4]
            if i != 20
            else [None, None]  # a row without a cell
        )
    rows.append(  # row 41: no-break spaces, a date with a time, a text of a str subclass
        ["1\u00a0000\u00a0€", "a\u00a0b\x01", dt.datetime(2017, 3, 4, 15, 30), _Code("REGE-4")]
    )
    rows.append([None, None, None, None, None, None, None, None, "ganz rechts"])
    sheets = [
        Sheet(
            "Quartalsvergleich",
            rows,
            widths=[28, 14, 48],
            bold_rows=frozenset({0, 7}),
            fills={(r, 4): ("009E73", "D55E00")[r % 2] for r in range(1, 30, 3)}
            | {(41, 2): "E69F00", (41, 3): "E69F00", (20, 1): "8C8C8C"},
            freeze=(1, 2),
            autofilter=True,
        ),
        Sheet("Hinweise", [["Erstellt am", "01.12.2026 03:00"], [], [None, "Tabellenfilter"]]),
        Sheet("Leer", []),
    ]
    assert _parts(workbook(sheets)) == _parts(_cell_by_cell(sheets))
    with pytest.raises(TypeError, match="NAN/INF"):  # XlsxWriter refuses them, so do we
        workbook([Sheet("Zahlen", [[1.0, float("nan")]])])


def test_xlsx006_export_reads_back_as_its_rows() -> None:
    """The Quartalsvergleich of a few measures read back with openpyxl: its rows, cell by cell."""
    quarters = [Period(2017, q) for q in (1, 2, 3, 4)]
    manual = Override("green", "Vom Amt bestätigt & <geprüft>", "anna", dt.datetime(2017, 7, 3))
    rows = [
        MeasureRow(
            id=i,
            code=f"REGE-{i}",
            title=f"Maßnahme {i} „Titel“",
            cluster_id=1,
            cluster="Bildung",
            owner="540",
            owner_name="Amt für Jugend",
            light="red",
            computed_light="red",
            override=manual if i == 4 else None,
            sentence=f"Satz {i}: 2 von 3 Kennzahlen im Plan.",
            sentence_indicator=None,
            quarter_lights=(None, "green", "red", "yellow" if i % 2 else "grey"),
            previous_light="green",
            change="worse" if i % 3 == 0 else None,
            demo=i % 2 == 0,
        )
        for i in range(30)
    ]
    data = workbook_bytes(rows, quarters, [("Plan", "2017")], dt.datetime(2026, 12, 1, 3))
    book = load_workbook(io.BytesIO(data))
    sheet = book["Quartalsvergleich"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values == [headers(quarters), *table_rows(rows, quarters)]
    assert sheet["F2"].fill.fgColor.rgb == "FF009E73"
    assert sheet["E2"].fill.patternType is None
