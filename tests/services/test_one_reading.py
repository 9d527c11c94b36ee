"""One reading of German text: a table of texts with their one meaning, run through every way in.

The same text must give the same value whether it comes in a value file (CSV or workbook, CLI or
API), the catalogue workbook, the entry form, the measure page's „Bearbeiten“, /bezirke or the
command line. Each way in takes what it can hold (a weight must be above 0, a target not below
0); where it refuses a value it says so in German, and it never stores another number than the
table's. The rules themselves are stated in zielcockpit/domain/german.py and docs/reading.md.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from db.models import Indikator, Massnahme, Messwert, Plan
from etl.extract import detect, extract
from etl.profile import load_profiles
from etl.reading import open_book
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_date, fmt_exact, fmt_number, fmt_percent, fmt_value
from zielcockpit.domain.german import (
    CellValue,
    DateError,
    NumberError,
    ValueProblem,
    find_period,
    parse_value,
    read_date,
    read_number,
    read_period,
)
from zielcockpit.domain.periods import MONTHS_DE, Period, PeriodError

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

D = Decimal


class Sym(str):
    """A statistical symbol: no number, never 0."""


BAD = None  # no reading rule reads it: refused with a German message everywhere

# text -> its one meaning. Every way in reads these the same.
NUMBERS: list[tuple[str, Decimal | Sym | None]] = [
    # German grouping and decimal comma
    ("12", D("12")),
    ("0", D("0")),
    ("1.234", D("1234")),  # German thousands, as in the sources
    ("3.000", D("3000")),  # never three
    ("12.345", D("12345")),
    ("1.234.567", D("1234567")),
    ("1.234,5", D("1234.5")),
    ("1.234,56", D("1234.56")),
    ("5,9", D("5.9")),
    ("0,5", D("0.5")),
    (",5", D("0.5")),
    ("12,50", D("12.5")),
    ("1,000", D("1")),  # a lone comma is the decimal sign: one, not a thousand
    ("1 234", D("1234")),
    ("1\u00a0234,5", D("1234.5")),
    ("1\u202f234", D("1234")),
    ("1'234", D("1234")),
    (" 42 ", D("42")),
    # units
    ("12,5 %", D("12.5")),
    ("12,5%", D("12.5")),
    ("250.000 €", D("250000")),
    ("250.000,00 €", D("250000")),
    ("€ 1.234,50", D("1234.5")),
    ("255.000,-", D("255000")),
    ("255.000,– €", D("255000")),
    ("12 EUR", D("12")),
    ("1.500 Euro", D("1500")),
    # negative forms
    ("-12", D("-12")),
    ("−12", D("-12")),  # the minus sign U+2212
    ("–12", D("-12")),  # a dash
    ("(12)", D("-12")),
    ("(1.234,5)", D("-1234.5")),
    ("+12", D("12")),
    ("12-", D("-12")),  # accounting exports
    ("1.234,00-", D("-1234")),
    # a dot that cannot be a German thousands group is a decimal point
    ("0.5", D("0.5")),  # the weight typed on /bezirke: never 5
    ("1.5", D("1.5")),
    ("12.50", D("12.5")),
    ("0.500", D("0.5")),
    ("-0.25", D("-0.25")),
    # English grouping, only where no German reading exists
    ("1,234.5", D("1234.5")),
    ("1,234,567", D("1234567")),
    # statistical symbols
    ("*", Sym("*")),
    ("-", Sym("-")),
    ("–", Sym("-")),
    ("x", Sym("x")),
    ("X", Sym("x")),
    (".", Sym(".")),
    ("...", Sym("...")),
    ("…", Sym("...")),
    # no rule reads these: refused, never guessed
    ("abc", BAD),
    ("1.23.4", BAD),
    ("1,2,3", BAD),
    ("12a", BAD),
    ("1.234,5.6", BAD),
    ("(-12)", BAD),
    ("--12", BAD),
    ("1e3", BAD),
    ("12 Stück", BAD),
    ("0x10", BAD),
]

# (text, the year of the sheet or None) -> the period
PERIODS: list[tuple[str, int | None, str | None]] = [
    ("Juni 2017", None, "2017-06"),
    ("Jun 2017", None, "2017-06"),
    ("Jun. 2017", None, "2017-06"),
    ("März 2017", None, "2017-03"),
    ("Mär 2017", None, "2017-03"),
    ("Mrz. 2017", None, "2017-03"),
    ("Maerz 2017", None, "2017-03"),
    ("Marz 2017", None, "2017-03"),
    ("Jänner 2017", None, "2017-01"),
    ("Jän. 2017", None, "2017-01"),
    ("Feber 2017", None, "2017-02"),
    ("Sept. 2017", None, "2017-09"),
    ("Dez 17", None, "2017-12"),
    ("Jun-17", None, "2017-06"),
    ("Juni '17", None, "2017-06"),
    ("06/2017", None, "2017-06"),
    ("6/2017", None, "2017-06"),
    ("06.2017", None, "2017-06"),
    ("2017-06", None, "2017-06"),
    ("30.06.2017", None, "2017-06"),
    ("31.12.17", None, "2017-12"),
    ("2. Quartal 2017", None, "2017-Q2"),
    ("2. Qu. 2017", None, "2017-Q2"),
    ("II. Quartal 2017", None, "2017-Q2"),
    ("2. Vj. 2017", None, "2017-Q2"),
    ("Q2/2017", None, "2017-Q2"),
    ("Q2 2017", None, "2017-Q2"),
    ("Q2-17", None, "2017-Q2"),
    ("2017-Q2", None, "2017-Q2"),
    ("2017 Q2", None, "2017-Q2"),
    ("2017", None, "2017"),
    ("Juni", 2017, "2017-06"),
    ("Mär", 2017, "2017-03"),
    ("Jänner", 2017, "2017-01"),
    ("Q3", 2017, "2017-Q3"),
    ("3. Quartal", 2017, "2017-Q3"),
    ("Juni", None, None),  # no year anywhere: refused
    ("13/2017", None, None),
    ("Sommer 2017", None, None),
    ("2017-13", None, None),
]

DATES: list[tuple[str, dt.date | None]] = [
    ("31.12.2017", dt.date(2017, 12, 31)),
    ("31.12.17", dt.date(2017, 12, 31)),
    ("1.7.2017", dt.date(2017, 7, 1)),
    ("2017-12-31", dt.date(2017, 12, 31)),
    ("2017-12-31 00:00:00", dt.date(2017, 12, 31)),
    ("31. 12. 2017", dt.date(2017, 12, 31)),
    ("31.02.2017", None),
    ("2017-02-30", None),
    ("Dezember", None),
    ("12/31/2017", None),
]


def test_the_table_is_large_enough_to_catch_the_next_copy() -> None:
    assert len(NUMBERS) + len(PERIODS) + len(DATES) >= 80


def _numbers_only(expected: Decimal | Sym | None) -> Decimal | None:
    """What a way in that holds numbers only must make of a row (a symbol is refused)."""
    return expected if isinstance(expected, Decimal) else None


# -- the domain: the one reading ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_domain_reads_every_number(text: str, expected: Decimal | Sym | None) -> None:
    if expected is None:
        with pytest.raises(ValueProblem):
            parse_value(text)
        with pytest.raises(NumberError, match="ist keine Zahl"):
            read_number(text)
        return
    cell = parse_value(text)
    if isinstance(expected, Sym):
        assert cell == CellValue(symbol=str(expected))
    else:
        assert cell.value == expected and cell.symbol is None
        assert read_number(text) == expected


@pytest.mark.parametrize(("text", "year", "expected"), PERIODS)
def test_domain_reads_every_period(text: str, year: int | None, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(PeriodError, match="nicht verstanden"):
            read_period(text, year)
    else:
        assert read_period(text, year).key == expected


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_domain_reads_every_date(text: str, expected: dt.date | None) -> None:
    if expected is None:
        with pytest.raises(DateError):
            read_date(text)
    else:
        assert read_date(text) == expected


def test_cells_that_are_numbers_already_are_not_read_again() -> None:
    assert parse_value(1.234).value == D("1.234")  # a number cell is a number, not text
    assert parse_value(D("1.500")).value == D("1.5")
    assert parse_value(3000).value == D("3000")
    assert read_date(42887) == dt.date(2017, 6, 1)  # an Excel date serial
    assert read_period(dt.datetime(2017, 6, 1)).key == "2017-06"
    assert read_period(42887).key == "2017-06"


# -- hypothesis: what the product writes, it reads back --------------------------------------------

decimals = st.decimals(
    min_value=D("-1e12"), max_value=D("1e12"), places=4, allow_nan=False, allow_infinity=False
)


@given(decimals)
def test_every_number_the_form_shows_reads_back_exactly(value: Decimal) -> None:
    assert read_number(fmt_exact(value)) == value


@given(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(0, 4),
)
def test_every_number_the_dashboard_shows_reads_back_as_shown(value: float, places: int) -> None:
    text = fmt_number(value, places)  # rounded for display: reads back to the rounded number
    exact = D(value).quantize(D(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    assert read_number(text) == exact, text
    assert read_number(fmt_value(value, "EUR")) == D(value).quantize(
        D(1) if float(value).is_integer() else D("0.01"), rounding=ROUND_HALF_EVEN
    )
    assert read_number(fmt_percent(value, places)) == exact


periods = st.one_of(
    st.integers(1990, 2099).map(Period),
    st.tuples(st.integers(1990, 2099), st.integers(1, 4)).map(lambda t: Period(t[0], quarter=t[1])),
    st.tuples(st.integers(1990, 2099), st.integers(1, 12)).map(lambda t: Period(t[0], month=t[1])),
)


@given(periods)
def test_every_period_written_reads_back(period: Period) -> None:
    for text in (period.key, period.label, period.short_label):
        if period.kind == "year" and text.startswith("Jahr"):
            continue  # „Jahr 2017“ is a label, not a period cell
        assert read_period(text) == period, text
    assert Period.parse(period.key) == period


@given(st.integers(2000, 2099), st.integers(1, 12), st.data())
def test_every_spelling_of_the_layout_generator_reads(year: int, month: int, data: Any) -> None:
    from tests.etl.layouts import SPELLINGS, TWO_DIGIT_YEARS

    word = data.draw(st.sampled_from(SPELLINGS[month - 1]))
    assert read_period(f"{word} {year}") == Period(year, month=month)
    shape = data.draw(st.sampled_from(TWO_DIGIT_YEARS))
    assert read_period(shape.format(m=word, yy=f"{year % 100:02d}")) == Period(year, month=month)
    assert read_period(word, default_year=year) == Period(year, month=month)


@given(st.dates(dt.date(1990, 1, 1), dt.date(2099, 12, 31)))
def test_every_date_written_reads_back(day: dt.date) -> None:
    assert read_date(day.strftime("%d.%m.%Y")) == day
    assert read_date(day.isoformat()) == day
    # a two-digit year is always 20xx (the rule of docs/reading.md)
    assert read_date(day.strftime("%d.%m.%y")) == day.replace(year=2000 + day.year % 100)


def test_full_month_names_are_the_ones_the_labels_write() -> None:
    assert [read_period(f"{name} 2017").month for name in MONTHS_DE] == list(range(1, 13))


# -- way in: value files (CSV and workbook), as the CLI, the browser and the API read them -------


def _long_file(folder: Path, kind: str, rows: list[tuple[str, Any]], periods: bool = False) -> Path:
    """A file in the long format: one row per text, each its own indicator (or period)."""
    lines: list[list[Any]] = [["Ist-Werte 2017"], [], ["Indikator", "Zeitraum", "Wert"]]
    for n, (text, _expected) in enumerate(rows):
        if periods:
            lines.append([f"T-{n}.1", text, "1"])
        else:
            lines.append([f"T-{n}.1", "2017-Q2", text])
    if kind == "csv":
        path = folder / "ist_werte.csv"
        body = "\r\n".join(";".join("" if v is None else str(v) for v in row) for row in lines)
        path.write_bytes(body.encode("utf-8"))
        return path
    path = folder / "ist_werte.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Werte"
    for r, row in enumerate(lines, start=1):
        for c, value in enumerate(row, start=1):
            if value not in (None, ""):
                ws.cell(row=r, column=c).value = value
                ws.cell(row=r, column=c).data_type = "s"  # text, as typed
    wb.save(path)
    return path


def _read(path: Path) -> tuple[dict[str, CellValue], dict[str, str], dict[str, str], list[str]]:
    """Staged values by code, their periods, the problems by cell, and all problem texts."""
    book = open_book(path, 10 * 1024 * 1024)
    found = detect(load_profiles(), book)
    assert not isinstance(found, list), found
    profile, located = found
    out = extract(book, profile, located, lambda text: text, detected=True)
    return (
        {s.code: s.cell for s in out.values},
        {s.code: s.period.key for s in out.values},
        {p.cell or "": p.message for p in out.problems},
        [p.text() for p in out.problems],
    )


def _groups() -> list[list[tuple[str, Decimal | Sym | None]]]:
    """The table in files that keep to one convention each (a file mixing them is refused)."""
    from zielcockpit.domain.german import ENGLISH, number_convention

    english = [r for r in NUMBERS if r[1] is not None and number_convention(r[0]) == ENGLISH]
    german = [r for r in NUMBERS if r[1] is not None and r not in english]
    bad = [r for r in NUMBERS if r[1] is None]
    return [german, english, bad]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_value_files_read_every_number_of_the_table(kind: str, tmp_path: Path) -> None:
    for group in _groups():
        folder = tmp_path / str(id(group))
        folder.mkdir()
        values, _periods, problems, texts = _read(_long_file(folder, kind, group))
        for n, (text, expected) in enumerate(group):
            code, cell = f"T-{n}.1", f"C{n + 4}"
            if expected is None:
                assert cell in problems and "Text statt Zahl" in problems[cell], (text, texts)
                assert code not in values
            elif isinstance(expected, Sym):
                assert values[code] == CellValue(symbol=str(expected)), text
            else:
                assert values[code].value == expected, text
        if group[0][1] is not None:
            assert texts == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_value_files_read_every_period_of_the_table(kind: str, tmp_path: Path) -> None:
    # the file's title „Ist-Werte 2017“ gives a month without a year its year (a bare month
    # with no year anywhere is refused: the domain test shows it)
    rows = [(t, e) for t, y, e in PERIODS if (t, y) != ("Juni", None)]
    _values, periods, problems, texts = _read(_long_file(tmp_path, kind, rows, periods=True))
    for n, (text, expected) in enumerate(rows):
        if expected is None:
            assert f"B{n + 4}" in problems, (text, texts)
        else:
            assert periods.get(f"T-{n}.1") == expected, (text, texts)


def test_a_file_that_mixes_both_conventions_is_refused_with_both_cells(tmp_path: Path) -> None:
    rows: list[tuple[str, Any]] = [("1,5", None), ("12", None), ("1,234.5", None)]
    values, _periods, problems, texts = _read(_long_file(tmp_path, "csv", rows))
    assert list(problems) == ["C6"], texts
    assert "englischer Schreibweise" in problems["C6"] and "„1,5“ in Zelle C4" in problems["C6"]
    assert "„1,000“ nicht eindeutig" in problems["C6"]


# -- ways in that write to the database -------------------------------------------------------------

WHY = "Begründung der Abweichung"  # a red light needs one
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # reading is not dialect


def _counts(engine: Engine, n: int) -> list[tuple[str, str]]:
    """n free slots (indicator, quarter) of top-level count indicators for stored values."""
    with engine.connect() as conn:
        codes = list(
            conn.scalars(
                select(Indikator.code)
                .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
                .join(Plan, Plan.id == Massnahme.plan_id)
                .where(Plan.key == "2017", Indikator.unit == "Anzahl")
                .where(Indikator.parent_id.is_(None), Indikator.kind == "count")
                .order_by(Indikator.code)
            )
        )
    slots = [(c, f"2017-Q{q}") for q in (1, 2, 3, 4) for c in codes]
    assert len(slots) >= n
    return slots[:n]


def _stored(engine: Engine) -> dict[tuple[str, str], tuple[Decimal | None, str | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(Indikator.code, Messwert.period, Messwert.value, Messwert.symbol)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Messwert.demo.is_(False), Messwert.ort_id.is_(None))
        ).all()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def _stored_like(expected: Decimal | Sym) -> tuple[Decimal | None, str | None]:
    if isinstance(expected, Sym):
        return (None, str(expected))
    return (expected, None)


def _count_takes(text: str, expected: Decimal | Sym | None) -> bool:
    """A count holds a symbol or a number of at least 0, not a percentage."""
    if isinstance(expected, Sym):
        return True
    return expected is not None and expected >= 0 and not text.strip().endswith("%")


ADMISSIBLE_COUNT = [r for r in NUMBERS if _count_takes(*r)]


@SQLITE
def test_api_import_stores_every_admissible_number(catalogue_engine: Engine, backend: str) -> None:
    from app import create_app
    from db.tokens import create_token
    from zielcockpit.settings import Settings

    web = create_app(Settings.resolve({"DATABASE_URL": str(catalogue_engine.url)}))
    token = create_token(catalogue_engine, "statistik", "controlling", [], actor="test")
    client = web.server.test_client()
    free = iter(_counts(catalogue_engine, len(ADMISSIBLE_COUNT)))
    for group in _groups()[:2]:
        rows = [r for r in group if r in ADMISSIBLE_COUNT]
        slots = [next(free) for _ in rows]
        lines = ["Indikator;Zeitraum;Wert"] + [
            f"{code};{period};{text}"
            for (code, period), (text, _e) in zip(slots, rows, strict=True)
        ]
        answer = client.post(
            "/api/v1/import",
            headers={"Authorization": f"Bearer {token}"},
            data={"file": (io.BytesIO("\n".join(lines).encode()), "werte.csv")},
        )
        assert answer.status_code == 200, answer.get_json()
        stored = _stored(catalogue_engine)
        for slot, (text, expected) in zip(slots, rows, strict=True):
            assert expected is not None
            assert stored[slot] == _stored_like(expected), text
    web.server.config["ZC_ENGINE"].dispose()


@SQLITE
def test_entry_form_stores_what_the_table_says(catalogue_engine: Engine, backend: str) -> None:
    from zielcockpit.services.entry import FieldInput, Submission, save_entry

    controlling = Principal("c", "controlling")
    slots = _counts(catalogue_engine, len(NUMBERS))
    for (code, period), (text, expected) in zip(slots, NUMBERS, strict=True):
        result = save_entry(
            catalogue_engine,
            controlling,
            Submission("2017", period, {code: FieldInput(code, value=text, comment=WHY)}),
        )
        stored = _stored(catalogue_engine).get((code, period))
        if not _count_takes(text, expected):
            assert not result.ok and result.errors, text
            assert any(code in e for e in result.errors), result.errors
            assert stored is None, text  # nothing written
        else:
            assert result.ok and expected is not None, (text, result.errors)
            assert stored == _stored_like(expected), text


def _workbook_with(
    content: bytes, sheet: str, column: str, texts: list[str]
) -> tuple[bytes, list[str]]:
    """The exported workbook with `texts` typed as text into `column`, one per row; the cells."""
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    col = headers.index(column) + 1
    cells = []
    for row, text in zip(range(2, ws.max_row + 1), texts, strict=False):
        cell = ws.cell(row=row, column=col)
        cell.value = text
        cell.data_type = "s"
        cells.append(cell.coordinate)
    assert len(cells) == len(texts), "not enough rows for the table"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), cells


@SQLITE
def test_catalogue_workbook_reads_every_number_of_the_table(
    catalogue_engine: Engine, backend: str
) -> None:
    from db.models import Massnahme as M
    from zielcockpit.domain.catalogue_checks import CatalogueError
    from zielcockpit.services.catalogue import export_workbook, import_workbook

    exported = export_workbook(catalogue_engine, "2017")
    good = [r for r in NUMBERS if isinstance(r[1], Decimal)]  # an amount may be negative
    content, _cells = _workbook_with(exported, "Maßnahmen", "Aufwand in EUR", [t for t, _ in good])
    outcome = import_workbook(catalogue_engine, content, "katalog.xlsx", "2017", apply=True)
    assert outcome.written
    with catalogue_engine.connect() as conn:
        stored = dict(conn.execute(select(M.code, M.aufwand_eur).order_by(M.id)).all())
    codes = list(stored)
    for code, (text, expected) in zip(codes, good, strict=False):
        assert stored[code] == expected, text
    refused = [r for r in NUMBERS if not isinstance(r[1], Decimal)]
    content, cells = _workbook_with(
        exported, "Maßnahmen", "Aufwand in EUR", [t for t, _ in refused]
    )
    with pytest.raises(CatalogueError) as caught:
        import_workbook(catalogue_engine, content, "katalog.xlsx", "2017", apply=True)
    problems = " ".join(caught.value.problems)
    for cell, (text, _expected) in zip(cells, refused, strict=True):
        assert f"Zelle {cell}" in problems, (text, problems)


@SQLITE
def test_catalogue_workbook_reads_every_date_of_the_table(
    catalogue_engine: Engine, backend: str
) -> None:
    from zielcockpit.domain.catalogue_checks import CatalogueError
    from zielcockpit.services.catalogue import export_workbook, import_workbook

    exported = export_workbook(catalogue_engine, "2017")
    good = [(t, e) for t, e in DATES if e is not None]
    content, _cells = _workbook_with(exported, "Indikatoren", "Stichtag", [t for t, _ in good])
    outcome = import_workbook(catalogue_engine, content, "katalog.xlsx", "2017", apply=True)
    assert outcome.written
    with catalogue_engine.connect() as conn:
        due = [d for (d,) in conn.execute(select(Indikator.due).order_by(Indikator.id))]
    assert due[: len(good)] == [e for _t, e in good]
    bad = [t for t, e in DATES if e is None]
    content, cells = _workbook_with(exported, "Indikatoren", "Stichtag", bad)
    with pytest.raises(CatalogueError) as caught:
        import_workbook(catalogue_engine, content, "katalog.xlsx", "2017", apply=True)
    problems = " ".join(caught.value.problems)
    assert all(f"Zelle {cell}" in problems for cell in cells), problems


@SQLITE
def test_bearbeiten_stores_every_target_of_the_table(
    catalogue_engine: Engine, backend: str
) -> None:
    from zielcockpit.services.catalogue_edit import IndicatorEdit, edit_forms, save_indicator

    controlling = Principal("c", "controlling")
    code = "REGE-4.1"

    def stored_target() -> Decimal | None:
        with catalogue_engine.connect() as conn:
            return conn.scalar(select(Indikator.target).where(Indikator.code == code))

    for text, expected in NUMBERS:
        form = edit_forms(catalogue_engine, "2017", "REGE-4")[code]
        before = stored_target()
        edit = IndicatorEdit(code, form.seen, target=text, due=form.due, start=form.start)
        outcome = save_indicator(catalogue_engine, controlling, "2017", "REGE-4", edit)
        target = stored_target()
        wanted = _numbers_only(expected)
        if wanted is None or wanted < 0:
            assert not outcome.saved and any("Zielwert" in p for p in outcome.messages), text
            assert target == before, text  # nothing written
        else:
            assert outcome.saved, (text, outcome.messages)
            assert target == wanted, text
            # the form shows it so that it reads back to the same value
            assert (
                read_number(edit_forms(catalogue_engine, "2017", "REGE-4")[code].target) == wanted
            )


def _weights(engine: Engine) -> list[float]:
    from db.places import index_versions

    newest = index_versions(engine, "Sozialstrukturindex")[0]
    return [c["weight"] for c in newest.components]


@SQLITE
def test_bezirke_and_cli_store_every_weight_of_the_table(
    demo_engine: Engine, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from zielcockpit.cli import main
    from zielcockpit.services import places as svc

    controlling = Principal("c", "controlling")
    for text, expected in NUMBERS:
        wanted = _numbers_only(expected)
        part = {"code": "K-SGB2", "richtung": "hoeher_belastet", "gewicht": text}
        before = _weights(demo_engine)
        cli = main(
            [
                "orte",
                "index",
                "--database-url",
                str(demo_engine.url),
                "--ebene",
                "stadtteil",
                "--bestandteil",
                f"K-SGB2:hoeher_belastet:{text}",
                "--user",
                "c",
            ]
        )
        err = capsys.readouterr().err
        if wanted is None or wanted <= 0:
            with pytest.raises(svc.PlacesError, match="Gewicht"):
                svc.define_index(
                    demo_engine, controlling, "Sozialstrukturindex", "stadtteil", [part]
                )
            assert cli == 1 and "Gewicht" in err, (text, err)
            assert _weights(demo_engine) == before
        else:
            svc.define_index(demo_engine, controlling, "Sozialstrukturindex", "stadtteil", [part])
            assert _weights(demo_engine) == [float(wanted)], text
            assert cli == 0, (text, err)


@SQLITE
def test_bezirke_allocates_every_amount_of_the_table(demo_engine: Engine, backend: str) -> None:
    from zielcockpit.services import places as svc

    data = svc.load(demo_engine)
    result = svc.place_index(data, demo_engine, None)
    assert result is not None
    for text, expected in NUMBERS:
        wanted = _numbers_only(expected)
        if wanted is None or wanted < 0 or wanted != round(wanted, 2) or wanted > 10**9:
            with pytest.raises(svc.PlacesError, match="Betrag"):
                svc.allocation(data, result, text, "40", "K-U18")
            continue
        rows = svc.allocation(data, result, text, "40", "K-U18")
        assert sum(r.total_cents for r in rows) == wanted * 100, text


def _cli(argv: list[str]) -> int:
    """The command's exit code (usage errors exit 2 through argparse)."""
    from zielcockpit.cli import main

    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


@SQLITE
def test_cli_whole_numbers_and_dates(catalogue_engine: Engine, backend: str, capsys: Any) -> None:
    base = ["calendar", "set", "--database-url", str(catalogue_engine.url), "--plan", "2017"]
    for text, expected in NUMBERS:
        wanted = _numbers_only(expected)
        code = _cli([*base, "--source", "ba_eckwerte", f"--lag={text}", "--user", "t"])
        err = capsys.readouterr().err
        if wanted is None or wanted != wanted.to_integral_value():
            assert code == 2 and ("keine Zahl" in err or "keine ganze Zahl" in err), (text, err)
        elif not 0 <= wanted <= 366:
            assert code == 1, (text, err)
        else:
            assert code == 0, (text, err)
            from db.deadlines import calendar_lines

            lines = " ".join(line.text() for line in calendar_lines(catalogue_engine, "2017"))
            assert re.search(rf"ba_eckwerte: Verzug {int(wanted)} Tage", lines), (text, lines)
    for text, day in DATES:
        code = _cli([*base, "--period", "2017-Q4", f"--deadline={text}", "--user", "t"])
        err = capsys.readouterr().err
        if day is None:
            assert code == 2 and ("Datum" in err or "gibt es nicht" in err), (text, err)
        else:  # read as the table says; the rule (after the quarter's end) then refuses it
            assert code == 1 and f"--deadline {fmt_date(day)} liegt nicht nach" in err, (text, err)


@SQLITE
def test_yaml_catalogue_reads_every_number_of_the_table(
    catalogue_engine: Engine, backend: str, tmp_path: Path
) -> None:
    """Quoted, and bare where YAML itself would take the text for a number (`3.000`, `0.5`)."""
    import json

    import yaml

    from zielcockpit.domain.catalogue_checks import CatalogueError
    from zielcockpit.services.catalogue import load_catalogue
    from zielcockpit.settings import CATALOGUE_DIR

    source = (CATALOGUE_DIR / "bielefeld_2017.yaml").read_text(encoding="utf-8")
    codes = [m["code"] for m in yaml.safe_load(source)["massnahmen"]]
    amounts = re.compile(r"^  aufwand_eur: .*$", re.MULTILINE)
    assert len(amounts.findall(source)) == len(codes)

    def load(rows: list[str]) -> None:
        texts = iter(rows)
        path = tmp_path / "bielefeld_2017.yaml"
        path.write_text(
            amounts.sub(lambda _m: f"  aufwand_eur: {next(texts, 'null')}", source),
            encoding="utf-8",
        )
        load_catalogue(catalogue_engine, path)

    def stored() -> dict[str, Decimal | None]:
        with catalogue_engine.connect() as conn:
            return dict(conn.execute(select(Massnahme.code, Massnahme.aufwand_eur)).all())

    good = [r for r in NUMBERS if isinstance(r[1], Decimal)]

    def yaml_number(text: str) -> bool:
        try:
            return isinstance(yaml.safe_load(text), int | float)
        except yaml.YAMLError:
            return False

    bare = [r for r in good if yaml_number(r[0])]
    assert ("3.000", D("3000")) in bare and ("0.5", D("0.5")) in bare
    for rows, spell in ((good, json.dumps), (bare, str)):
        load([spell(text) for text, _e in rows])
        found = stored()
        for code, (text, expected) in zip(codes, rows, strict=False):
            assert found[code] == expected, text
    for text, _expected in [r for r in NUMBERS if not isinstance(r[1], Decimal)]:
        before = stored()
        with pytest.raises(CatalogueError, match="muss eine Zahl sein"):
            load([json.dumps(text)])
        assert stored() == before, text


# -- the source tree: no second reading ---------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "db", "etl", "zielcockpit")
DOMAIN = ROOT / "zielcockpit" / "domain"
# Separators swapped or dropped: how a German number is read (or written) by hand.
NUMBER_MUNGING = {(",", "."), (".", ""), (",", ""), (".", ","), ("\u00a0", "")}
NUMBER_REGEX = re.compile(r"\\\.\\d\{3\}|,\\d\{3\}|\(,\\d|\\d\{1,3\}\(")
GERMAN_DATE = re.compile(r"%d\.%m\.%[Yy]")


def _source_files() -> list[Path]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    return [p for p in files if DOMAIN not in p.parents and "migrations" not in p.parts]


def second_readings(path: Path) -> list[str]:
    """Where a module outside the domain reads German numbers, months or dates on its own."""
    import ast

    from zielcockpit.domain.german import MONTH_WORDS, fold

    found: list[str] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if ROOT in path.parents else Path(path.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if node.func.attr == "replace" and len(args) == 2 and tuple(args) in NUMBER_MUNGING:
                found.append(f"{where}:{node.lineno}: .replace{tuple(args)!r} on a number")
            if node.func.attr in ("strptime", "fromisoformat") and where.as_posix() not in (
                "db/rule_versions.py",  # dates the product stored itself as ISO text in JSON
            ):
                found.append(f"{where}:{node.lineno}: {node.func.attr}() reads a date")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            words = set(re.findall(r"[a-zäöü]+", fold(text)))
            if fold(text).strip().rstrip(".") in MONTH_WORDS and len(text) > 2:
                found.append(f"{where}:{node.lineno}: the month word „{text}“")
            elif len(words & {fold(w) for w in MONTHS_DE}) >= 3:
                found.append(f"{where}:{node.lineno}: a table or pattern of month names")
            if NUMBER_REGEX.search(text):
                found.append(f"{where}:{node.lineno}: a pattern of German numbers")
            if GERMAN_DATE.search(text):
                found.append(f"{where}:{node.lineno}: a German date format (fmt_date)")
    return found


def test_no_module_outside_the_domain_reads_german_text_on_its_own() -> None:
    found = [line for path in _source_files() for line in second_readings(path)]
    assert found == [], "\n".join(found)


def test_the_source_tree_check_finds_a_second_reading(tmp_path: Path) -> None:
    """The check above can fail: each kind of copy it looks for is found in a planted module."""
    planted = tmp_path / "planted_copy.py"  # not in the tree: other workers scan it meanwhile
    planted.write_text(
        "import datetime as dt\n"
        "MONTHS = {'januar': 1, 'februar': 2, 'märz': 3}\n"
        "def number(text):\n"
        "    return float(text.replace('.', '').replace(',', '.'))\n"
        "def day(text):\n"
        "    return dt.datetime.strptime(text, '%d.%m.%Y')\n"
        "PATTERN = r'[+-]?\\d{1,3}(\\.\\d{3})+(,\\d+)?'\n"
        "ABBREVIATION = 'Mrz'\n"
        "WORDS = r'(januar|februar|maerz|april)'\n",
        encoding="utf-8",
    )
    kinds = " ".join(second_readings(planted))
    for kind in (
        "table or pattern of month names",
        ".replace('.', '')",
        ".replace(',', '.')",
        "strptime() reads a date",
        "German date format",
        "pattern of German numbers",
        "month word „Mrz“",
        "month word „januar“",
    ):
        assert kind in kinds, (kind, kinds)


def test_hostile_texts_are_refused_without_backtracking() -> None:
    """Runs of blanks, dots and digits a hostile file can hold: refused or read, never stuck
    (the alarm fails the test instead of hanging the suite if a pattern backtracks)."""
    import signal

    def stuck(_signum: int, _frame: Any) -> None:
        raise AssertionError("a reading pattern backtracks on hostile text")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(20)
    try:
        blanks = " " * 50_000
        for text in (f"juni{blanks}x", f"q{blanks}1x", f"2.{blanks}quartal x", "Mai " * 20_000):
            assert find_period(text) is None
            with pytest.raises(PeriodError):
                read_period(text, 2017)
        for text in ("1" + "." * 50_000, "1" * 100_000, "1.234" * 10_000, "(" * 50_000):
            with pytest.raises(NumberError):
                read_number(text)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
