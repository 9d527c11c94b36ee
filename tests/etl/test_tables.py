"""The pure table steps, table-driven on literals: labels, periods, values, headers, addresses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.tables import (
    cell_address,
    column_letter,
    compile_label,
    fill_merged,
    find_header,
    normalise,
    place_label,
)
from zielcockpit.domain.german import (
    CellValue,
    ValueProblem,
    find_period,
    header_period,
    parse_value,
    read_period,
)
from zielcockpit.domain.periods import Period, PeriodError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Arbeitslose 1)", "arbeitslose"),
        ("Rechtskreis SGB II 2) 4)", "rechtskreis sgb ii"),
        ("Quote¹", "quote"),
        ("Teilnehmende*", "teilnehmende"),
        ("Vermitt-\nlungen\ngesamt", "vermittlungen gesamt"),
        ("  Maßnahme  ", "massnahme"),
        ("Jüngere unter 25 Jahren", "juengere unter 25 jahren"),
        ("Zeitraum:", "zeitraum"),
        (
            "Arbeitslosenquoten bezogen auf alle zivilen Erwerbspersonen 4)",
            "arbeitslosenquoten bezogen auf alle zivilen erwerbspersonen",
        ),
        ("Arbeitslose¹", "arbeitslose"),
        ("Arbeitslose2)", "arbeitslose"),
        ("Alleinerziehende *)", "alleinerziehende"),
        ("Anzahl [3]", "anzahl"),
        ("(1) Quote", "quote"),
        ("4)", ""),
        ("Jüngere (unter 25)", "juengere (unter 25)"),
        ("Rechtskreis\nSGB  II  2)", "rechtskreis sgb ii"),
        ("Vermittlungen ges.", "vermittlungen gesamt"),
        ("Teilnehmende insg.", "teilnehmende insgesamt"),
        ("Anz. TN", "anzahl teilnehmende"),
        (2017.0, "2017"),
        (None, ""),
    ],
)
def test_normalise_strips_markers_breaks_and_case(raw: object, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("sgb ii", "rechtskreis sgb ii", True),
        ("sgb ii", "rechtskreis sgb iii", False),
        ("wert", "zielwert", False),
        ("wert", "wert", True),
        ("vermittlung(en)? (ges(amt)?\\.?|insgesamt)", "vermittlungen ges.", True),
        ("vermittlung(en)? (ges(amt)?\\.?|insgesamt)", "vermittlung gesamt", True),
        ("Maßnahme", "massnahme", True),
        # inflected and plural forms, both ways
        ("arbeitslosenquote", "arbeitslosenquoten bezogen auf", True),
        ("arbeitslosenquoten", "arbeitslosenquote", True),
        ("alleinerziehende", "darunter alleinerziehenden", True),
        ("vermittlung", "vermittlungen", True),
        ("stadtteil", "stadtteile", True),
        ("^(15 bis unter 25 jahre)$", "15 bis unter 25 jahren", True),
        ("wert", "werte", True),
        ("wert", "zielwerte", False),
        ("quote", "quotient", False),
        ("sgb ii", "sgb iii", False),
        # abbreviations in the pattern meet the spelled-out label
        ("vermittlungen ges\\.", "vermittlungen gesamt", True),
        ("anz\\. teilnehmende", "anzahl teilnehmenden", True),
    ],
)
def test_label_patterns_match_whole_words_and_abbreviations(
    pattern: str, text: str, hit: bool
) -> None:
    assert bool(compile_label(pattern).search(text)) is hit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Berichtsmonat: Juni 2017", "2017-06"),
        ("Jun 2017", "2017-06"),
        ("Mrz. 2017", "2017-03"),
        ("März 2017", "2017-03"),
        ("06/2017", "2017-06"),
        ("2017-06", "2017-06"),
        ("2. Quartal 2017", "2017-Q2"),
        ("Q2/2017", "2017-Q2"),
        ("2017-Q2", "2017-Q2"),
        ("Stichtag 30.06.2017", "2017-06"),
        ("bm-05711-0-201706-xlsx", None),  # file names need their own pattern
        ("Arbeitslose insgesamt", None),
    ],
)
def test_find_period_in_text(text: str, expected: str | None) -> None:
    found = find_period(text)
    assert (found.key if found else None) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (42887, "2017-06"),  # an Excel date serial in a header cell
        (42887.0, "2017-06"),
        ("42887", "2017-06"),
        (dt.date(2016, 12, 31), "2016-12"),
        (dt.datetime(2017, 3, 31, 0, 0), "2017-03"),
        (2017, "2017"),
        ("Juni 2017", "2017-06"),
        ("Insgesamt", None),
        (12.5, None),
    ],
)
def test_header_period(value: object, expected: str | None) -> None:
    found = header_period(value)
    assert (found.key if found else None) == expected


@pytest.mark.parametrize(
    ("value", "year", "expected"),
    [
        ("Q2", 2017, "2017-Q2"),
        ("2. Quartal", 2017, "2017-Q2"),
        ("Juni", 2017, "2017-06"),
        ("Juni 2017", None, "2017-06"),
        (dt.datetime(2017, 6, 1), None, "2017-06"),
        (42887, None, "2017-06"),
    ],
)
def test_cell_period_takes_the_sheet_year_for_bare_quarters_and_months(
    value: object, year: int | None, expected: str
) -> None:
    assert read_period(value, year).key == expected


def test_cell_period_rejects_text() -> None:
    with pytest.raises(PeriodError):
        read_period("irgendwann", 2017)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.234", CellValue(Decimal("1234"))),
        ("1.234,5", CellValue(Decimal("1234.5"))),
        ("5,9", CellValue(Decimal("5.9"))),
        ("12,5 %", CellValue(Decimal("12.5"), percent=True)),
        ("255.000 €", CellValue(Decimal("255000"))),
        ("1234.5", CellValue(Decimal("1234.5"))),
        (" 42 ", CellValue(Decimal("42"))),
        (17.0, CellValue(Decimal("17"))),
        ("*", CellValue(symbol="*")),
        ("-", CellValue(symbol="-")),
        ("–", CellValue(symbol="-")),
        ("x", CellValue(symbol="x")),
        ("X", CellValue(symbol="x")),
        (".", CellValue(symbol=".")),
        ("...", CellValue(symbol="...")),
        ("…", CellValue(symbol="...")),
        ("erledigt", CellValue(status="erledigt")),
        ("im Plan", CellValue(status="im_plan")),
        ("gefährdet", CellValue(status="gefaehrdet")),
        ("Offen", CellValue(status="offen")),
    ],
)
def test_parse_value(raw: object, expected: CellValue) -> None:
    assert parse_value(raw) == expected


def test_a_symbol_never_becomes_zero() -> None:
    for symbol in ("*", "-", "x", ".", "..."):
        parsed = parse_value(symbol)
        assert parsed.value is None and parsed.symbol == symbol


def test_percent_formatted_cells_become_percent_points() -> None:
    assert parse_value(0.45, percent_format=True) == CellValue(Decimal("45"), percent=True)


@pytest.mark.parametrize("raw", ["zwölf", "12 Stück", "1,2,3", True, dt.date(2017, 1, 1), ""])
def test_parse_value_rejects_non_values(raw: object) -> None:
    with pytest.raises(ValueProblem):
        parse_value(raw)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_german_numbers_read_back(number: Decimal) -> None:
    whole, _, frac = f"{abs(number):.2f}".partition(".")
    groups = f"{int(whole):,}".replace(",", ".")
    text = ("-" if number < 0 else "") + f"{groups},{frac}"
    assert parse_value(text).value == number


@pytest.mark.parametrize(
    ("row", "col", "address"), [(0, 0, "A1"), (16, 2, "C17"), (0, 25, "Z1"), (9, 26, "AA10")]
)
def test_cell_address(row: int, col: int, address: str) -> None:
    assert cell_address(row, col) == address
    assert column_letter(col) == address.rstrip("0123456789")


def test_place_label_strips_the_key() -> None:
    assert place_label("09 Sennestadt") == "sennestadt"
    assert place_label("071 Baumheide 2)") == "baumheide"


def _groups(*labels: str) -> list[tuple[object, ...]]:
    return [(compile_label(label),) for label in labels]


def test_header_found_below_title_rows_with_columns_in_any_order() -> None:
    rows = [
        ["Ist-Werte 2017", "", ""],
        ["Erstellt am 03.07.2017", "", ""],
        ["", "", ""],
        ["Wert", "Indikator 1)", "Zeitraum"],
        [12, "REGE-4.1", "2017-Q2"],
    ]
    header = find_header(rows, _groups("indikator", "wert", "zeitraum"))  # type: ignore[arg-type]
    assert header is not None
    assert (header.top, header.bottom) == (3, 3)
    assert header.paths == ["wert", "indikator", "zeitraum"]


def test_stacked_merged_header_is_filled_and_joined() -> None:
    rows: list[list[Any]] = [
        ["Sonderauswertung", "", "", "", ""],
        ["", "", "", "", ""],
        ["Stadtteil", "Arbeitslose", "", "", ""],
        ["", "insgesamt", "", "darunter Alleinerziehende", ""],
        ["", 42735, 42887, 42735, 42887],
        ["09 Sennestadt", 900, 880, 182, 171],
    ]
    fill_merged(rows, [((2, 1), (2, 4)), ((3, 1), (3, 2)), ((3, 3), (3, 4)), ((2, 0), (4, 0))])
    header = find_header(rows, _groups("alleinerziehende"))  # type: ignore[arg-type]
    assert header is not None
    assert (header.top, header.bottom) == (2, 4)
    assert header.paths[3] == "arbeitslose darunter alleinerziehende 42735"
    assert [p.key if p else None for p in header.periods] == [
        None,
        "2016-12",
        "2017-06",
        "2016-12",
        "2017-06",
    ]


def test_group_label_without_merge_is_filled_right() -> None:
    rows = [
        ["Maßnahme", "Vermittlungen", "", "", "Quote"],
        ["", "Ausbildung", "Arbeit", "gesamt", ""],
        ["REGE-4", 5, 3, 8, 0.4],
    ]
    header = find_header(rows, _groups("massnahme", "vermittlungen"))  # type: ignore[arg-type]
    assert header is not None
    assert header.paths[3] == "vermittlungen gesamt"
    assert header.paths[4] == "quote"


def test_no_header_when_a_label_is_missing() -> None:
    rows = [["Indikator", "Zeitraum"], ["REGE-4.1", "2017-Q2"]]
    assert find_header(rows, _groups("indikator", "wert")) is None  # type: ignore[arg-type]


def test_numbering_row_under_a_stacked_header_is_skipped() -> None:
    rows: list[list[Any]] = [
        ["Merkmal", "Juni 2017", "", "", "Veränderung"],
        ["", "Insgesamt", "Rechtskreis SGB III", "Rechtskreis SGB II 2)", "absolut"],
        ["", 1, 2, 3, 4],
        ["Arbeitslose", 12345, 3456, 8889, -321],
    ]
    header = find_header(rows, _groups("sgb ii"))  # type: ignore[arg-type]
    assert header is not None
    assert (header.top, header.bottom, header.first_data_row) == (0, 1, 3)
    assert header.paths[3] == "juni 2017 rechtskreis sgb ii"


def test_unmerged_stack_with_the_region_titles_on_the_months_row() -> None:
    rows: list[list[Any]] = [
        ["Arbeitslose Alleinerziehende nach Stadtteilen", "", "", ""],
        ["", "", "", ""],
        ["", "", "Arbeitslose", ""],
        ["", "", "darunter Alleinerziehende", ""],
        ["Stadtbezirk", "Stadtteil", 42795, 42887],
        ["09 Sennestadt", "091 Sennestadt", 178, 176],
    ]
    header = find_header(rows, _groups("alleinerziehende"))  # type: ignore[arg-type]
    assert header is not None
    assert (header.top, header.bottom) == (2, 4)
    assert header.paths[:2] == ["stadtbezirk", "stadtteil"]
    assert [p.key if p else None for p in header.periods] == [None, None, "2017-03", "2017-06"]


def test_a_data_row_naming_the_label_is_no_header() -> None:
    rows: list[list[Any]] = [
        ["Merkmal", "Insgesamt", "SGB II"],
        ["Alleinerziehende", 2010, 1890],
    ]
    assert find_header(rows, _groups("alleinerziehende")) is None  # type: ignore[arg-type]


def test_period_constructor_stays_strict() -> None:
    assert Period.parse("2017-Q2").key == "2017-Q2"
