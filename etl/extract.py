"""Turn the sheets of a file into staged values with a profile; pure, apart from reading sheets.

Every value keeps where it came from (sheet and cells); every problem names the file, sheet,
cell, the value found and what was expected, in German. Nothing here knows the database: the
catalogue is asked only through `resolve_measure`.

Over 600 lines on purpose: the long format and the table layouts share one context (sheet,
period sources, problems) and one set of row rules; each half alone would repeat it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from etl.profile import ColumnSpec, Mapping, PeriodSource, Profile
from etl.reading import ERROR_CODES, Book, SheetData
from etl.tables import (
    Header,
    cell_address,
    column_letter,
    display,
    find_header,
    full_match,
    is_empty,
    matches,
    normalise,
    place_label,
    row_text,
)
from zielcockpit.domain.german import (
    CellValue,
    ConventionWatch,
    ValueProblem,
    find_period,
    find_year,
    float_value,
    fold,
    header_period,
    parse_text_value,
    parse_value,
    read_period,
)
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import combine_places

MeasureResolver = Callable[[str], str | None]
PlaceKnown = Callable[[str], bool]  # is this place (place_label form) in the catalogue?
MAX_IGNORED_ROWS = 8  # per sheet; the rest are counted in one note
MAX_IGNORED_COLUMNS = 6
_MEASURE_CODE = re.compile(r"^\s*([A-Za-zÄÖÜäöü]+|\d{3}(?:\.\d+)?)\s*-\s*(\d+)(?!\s*\.\d)")
_DARUNTER = re.compile(r"(?<![a-z])(darunter|davon)(?![a-z])")
PERIOD_EXPECTED = (
    "erwartet einen Zeitraum wie „Juni 2017“, „06/2017“, „2017-06“, „2. Quartal 2017“, "
    "„Q2/2017“, „2017-Q2“ oder ein Datum"
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, where it is, what was found and what was expected."""

    file: str
    sheet: str | None
    cell: str | None
    value: str | None
    message: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
            "value": self.value,
            "message": self.message,
        }

    def text(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"Blatt „{self.sheet}“")
        if self.cell:
            where.append(f"Zelle {self.cell}")
        found = f" „{self.value}“:" if self.value not in (None, "") else ""
        return f"{', '.join(where)}:{found} {self.message}"


class Staged(NamedTuple):
    """A value read from the file, not yet checked against the catalogue."""

    code: str
    period: Period
    place: str | None
    cell: CellValue
    sheet: str | None
    cells: tuple[str, ...]
    raw: Any  # as found; shown with tables.display() in messages


class StagedComment(NamedTuple):
    code: str
    period: Period
    text: str
    sheet: str | None
    cell: str


@dataclass
class Extraction:
    profile: Profile
    detected: bool
    values: list[Staged] = field(default_factory=list)
    comments: list[StagedComment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Located:
    sheet: SheetData
    header: Header


# -- finding the table -------------------------------------------------------------------------


def locate(profile: Profile, book: Book) -> list[Located] | str:
    """The sheet(s) and header of the profile's table, or the German reason why not."""
    if profile.kind == "catalogue":
        return [] if book.format == "yaml" else "keine Katalogdatei (YAML)"
    if book.format == "yaml":
        return "eine YAML-Datei ist kein Tabellenformat"
    if profile.formats and book.format not in profile.formats:
        return f"Dateiformat {book.format} passt nicht (erwartet: {', '.join(profile.formats)})"
    names = [n for n in book.sheet_names if not profile.sheets or matches(profile.sheets, fold(n))]
    if not names:
        listed = ", ".join(f"„{n}“" for n in book.sheet_names) or "keine"
        return (
            f"Blatt nicht gefunden: erwartet ein Blatt wie {profile.sheet_text}; "
            f"vorhanden: {listed}"
        )
    found: list[Located] = []
    for name in names:
        sheet = book.sheet(name)
        header = find_header(sheet.rows, profile.header_groups())
        if (
            header is not None
            and profile.kind == "table"
            and not _has_value_columns(profile, header)
        ):
            header = None
        if header is not None:
            found.append(Located(sheet, header))
            if not profile.all_sheets:
                break
    if not found:
        labels = list(profile.header_text) + [
            _field_text(f.name) for f in profile.fields if f.required
        ]
        where = "" if book.is_text else " auf " + ", ".join(f"Blatt „{n}“" for n in names)
        return f"Kopfzeile nicht gefunden{where}: erwartet Spalten mit {', '.join(labels)}"
    return found


def _has_value_columns(profile: Profile, header: Header) -> bool:
    reserved = set(_field_columns(profile, header).values())
    if profile.label_column:
        reserved.add(header.label_col)
    return any(_value_columns(m.column, header, reserved) for m in profile.mappings)


def _field_text(name: str) -> str:
    return {
        "indikator": "„Indikator“",
        "zeitraum": "„Zeitraum“",
        "wert": "„Wert“",
        "massnahme": "„Maßnahme“",
        "projekt": "„Projekt“",
    }.get(name, f"„{name.capitalize()}“")


def detect(profiles: tuple[Profile, ...], book: Book) -> tuple[Profile, list[Located]] | list[str]:
    """The first profile (by priority) that finds its table; else every profile's reason."""
    reasons = []
    for profile in profiles:
        result = locate(profile, book)
        if isinstance(result, list):
            return profile, result
        reasons.append(f"{profile.name}: {result}")
    return reasons


# -- extraction --------------------------------------------------------------------------------


class _Context:
    def __init__(
        self,
        book: Book,
        profile: Profile,
        resolve_measure: MeasureResolver,
        out: Extraction,
        known_place: PlaceKnown | None = None,
    ):
        self.book, self.profile, self.resolve_measure, self.out = (
            book,
            profile,
            resolve_measure,
            out,
        )
        self.known_place = known_place
        self.file = book.file_name

    def sheet_name(self, sheet: SheetData) -> str | None:
        return None if self.book.is_text else sheet.name

    def problem(self, sheet: SheetData | None, cell: str | None, value: Any, message: str) -> None:
        self.out.problems.append(
            Problem(
                self.file,
                None if sheet is None else self.sheet_name(sheet),
                cell,
                None if value is None else display(value),
                message,
            )
        )


def extract(
    book: Book,
    profile: Profile,
    located: list[Located],
    resolve_measure: MeasureResolver,
    detected: bool = False,
    known_place: PlaceKnown | None = None,
) -> Extraction:
    """Staged values of the located tables; `known_place` (the catalogue's places) lets the
    notes say why a row with a place was not read."""
    out = Extraction(profile, detected)
    ctx = _Context(book, profile, resolve_measure, out, known_place)
    for item in located:
        if profile.kind == "long":
            _extract_long(ctx, item)
        else:
            _extract_table(ctx, item)
    _refuse_mixed_conventions(ctx)
    return out


def _refuse_mixed_conventions(ctx: _Context) -> None:
    """Numbers written as text in both conventions (reading rules: zielcockpit.domain.german)."""
    watch = ConventionWatch()
    for staged in ctx.out.values:
        if staged.raw.__class__ is str:
            watch.see(staged.raw, staged)
    mixed = watch.mixed
    if mixed is None:
        return
    german, english = mixed
    where = f"Zelle {german.cells[0]}" + (f" im Blatt „{german.sheet}“" if german.sheet else "")
    ctx.out.problems.append(
        Problem(
            ctx.file,
            english.sheet,
            english.cells[0],
            display(english.raw),
            "Zahl in englischer Schreibweise, die Datei schreibt Zahlen aber auch deutsch "
            f"(„{display(german.raw)}“ in {where}): so ist z. B. „1,000“ nicht eindeutig "
            "(deutsch eins, englisch tausend). Bitte alle Zahlen einheitlich schreiben, "
            "deutsch wie 1.234,5.",
        )
    )


def _field_columns(profile: Profile, header: Header) -> dict[str, int]:
    """Each declared field's column: an exact label first, else the leftmost match."""
    taken: set[int] = set()
    columns: dict[str, int] = {}
    for spec in profile.fields:
        exact = [
            c
            for c, path in enumerate(header.paths)
            if c not in taken and path and full_match(spec.labels, path)
        ]
        if not exact:
            exact = [
                c
                for c, cells in enumerate(header.cells)
                if c not in taken and any(full_match(spec.labels, normalise(v)) for v in cells)
            ]
        partial = [
            c
            for c, path in enumerate(header.paths)
            if c not in taken and path and matches(spec.labels, path)
        ]
        chosen = exact or partial
        if chosen:
            columns[spec.name] = chosen[0]
            taken.add(chosen[0])
    return columns


def _cell(row: list[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return ""
    return row[col]


def _sheet_year(
    ctx: _Context, sheet: SheetData, header: Header, fallback: Period | None
) -> int | None:
    """The year of a bare „Juni“ or „Q2“ in a period column: the sheet's name, the sheet's
    period, a year in its title rows, the file's name (in this order)."""
    if (year := find_year(sheet.name)) is not None:
        return year
    if fallback is not None:
        return fallback.year
    for row in sheet.rows[: header.top]:
        for value in row:
            if isinstance(value, str) and (year := find_year(value)) is not None:
                return year
    return find_year(Path(ctx.file).name)


def _sheet_period(ctx: _Context, sheet: SheetData, header: Header) -> Period | None:
    """The period of the whole sheet: title rows, a cover sheet, the file name (profile order)."""
    for source in ctx.profile.periods:
        found: Period | None = None
        if source.source == "title":
            found = _period_in_rows(sheet.rows[: header.top], source)
        elif source.source == "sheet":
            for name in ctx.book.sheet_names:
                if name != sheet.name and matches(source.sheet, fold(name)):
                    found = _period_in_rows(ctx.book.sheet(name).rows[:60], source)
                    if found:
                        break
        elif source.source == "file_name":
            found = _period_in_name(Path(ctx.file).name, source)
        elif source.source == "fixed":
            found = source.value
        if found is not None:
            return found
    return None


def _period_in_rows(rows: list[list[Any]], source: PeriodSource) -> Period | None:
    for row in rows:
        for c, value in enumerate(row):
            if is_empty(value):
                continue
            text = normalise(value) if isinstance(value, str) else ""
            if source.ignore and matches(source.ignore, text):
                continue
            if source.labels:
                if not text or not matches(source.labels, text):
                    continue
                label_end = max(m.end() for p in source.labels if (m := p.search(text)))
                found = find_period(text[label_end:])
                if found is not None:
                    return found
                for right in row[c + 1 :]:
                    if not is_empty(right):
                        return header_period(right)
                continue
            if isinstance(value, str) and (found := find_period(value)) is not None:
                return found
    return None


def _period_in_name(name: str, source: PeriodSource) -> Period | None:
    if source.pattern is not None:
        m = source.pattern.search(name)
        if m is None:
            return None
        groups = m.groupdict()
        try:
            year = int(groups["year"])
            if groups.get("month"):
                return Period(year, month=int(groups["month"]))
            if groups.get("quarter"):
                return Period(year, quarter=int(groups["quarter"]))
            return Period(year)
        except (KeyError, TypeError, ValueError, PeriodError):
            return None
    return find_period(name.replace("_", " "))


def _is_footer(ctx: _Context, row: list[Any]) -> bool:
    text = row_text(row)
    return bool(text) and matches(ctx.profile.footer, text)


def _read_value(ctx: _Context, sheet: SheetData, r: int, c: int, raw: Any) -> CellValue | None:
    """The value of one cell, or None after recording why it is not one."""
    address = cell_address(r, c)
    error = sheet.error_cells.get((r, c)) if sheet.error_cells else None
    if error is not None:
        meaning = ERROR_CODES.get(error.upper())
        ctx.problem(
            sheet,
            address,
            error,
            f"Fehlerwert {error}" + (f" ({meaning})" if meaning else "") + " statt einer Zahl: "
            "die Formel der Zelle hat kein Ergebnis. Bitte die Formel in der Datei korrigieren "
            "oder den Wert eintragen und die Datei erneut hochladen.",
        )
        return None
    if (r, c) in sheet.missing_formulas:
        ctx.problem(
            sheet,
            address,
            raw,
            "Formel ohne gespeichertes Ergebnis: bitte die Datei in Excel öffnen, neu berechnen "
            "lassen und speichern (oder den Wert statt der Formel eintragen).",
        )
        return None
    try:
        if isinstance(raw, str) and ctx.profile.symbols is not None:
            return parse_value(raw, symbols=ctx.profile.symbols)
        return parse_value(raw, percent_format=(r, c) in sheet.percent_cells)
    except ValueProblem as exc:
        ctx.problem(sheet, address, raw, str(exc)[:1].upper() + str(exc)[1:] + ".")
        return None


# -- long format and entry template ------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or value == "" or (value.__class__ is str and value.isspace())


# The hot loop of the importer, kept in one body on purpose (see the docstring): helper calls
# per row cost measurably on 100,000 rows.
def _extract_long(ctx: _Context, item: Located) -> None:  # noqa: C901
    """One value per row. The loop is the hot path of a 100,000-row file: plain indexing,
    periods parsed once per distinct cell text, positions computed once per column."""
    sheet, header, profile = item.sheet, item.header, ctx.profile
    cols = _field_columns(profile, header)
    for spec in profile.fields:
        if spec.required and spec.name not in cols:
            ctx.problem(sheet, None, None, f"Spalte {_field_text(spec.name)} fehlt.")
    if ctx.out.problems:
        return
    sheet_period = _sheet_period(ctx, sheet, header)
    year = _sheet_year(ctx, sheet, header, sheet_period)
    c_code, c_value = cols["indikator"], cols["wert"]
    c_period = cols.get("zeitraum", -1)
    c_place = cols.get("ort", -1)
    c_status = cols.get("sachstand", -1)
    c_comment = cols.get("kommentar", -1)
    c_key = cols.get("schluessel", -1)
    value_letter = column_letter(c_value)
    status_letter = column_letter(c_status) if c_status >= 0 else ""
    sheet_name = ctx.sheet_name(sheet)
    missing, percent = sheet.missing_formulas, sheet.percent_cells
    # Error cells (#DIV/0!) read as empty or as text; they go the slow way, to _read_value.
    missing = missing | frozenset(sheet.error_cells) if sheet.error_cells else missing
    append = ctx.out.values.append
    period_cache: dict[Any, Period | None] = {}
    rows = sheet.rows
    new_staged = tuple.__new__  # C-level construction: this loop runs once per row
    for r in range(header.first_data_row, len(rows)):
        row = rows[r]
        code_raw = row[c_code]
        code = (
            code_raw.strip()
            if code_raw.__class__ is str
            else ("" if code_raw is None else display(code_raw))
        )
        value_raw = row[c_value]
        status_raw = row[c_status] if c_status >= 0 else ""
        comment_raw = row[c_comment] if c_comment >= 0 else ""
        if not code:
            if all(_blank(v) for v in row):
                continue
            if _is_footer(ctx, row):
                break
            if _blank(value_raw) and _blank(status_raw):
                continue
            ctx.problem(sheet, cell_address(r, c_code), "", "Indikator-Code fehlt.")
            continue
        period: Period | None = sheet_period
        if c_period >= 0:
            period_raw = row[c_period]
            if not (period_raw == "" or period_raw is None):
                try:
                    period = period_cache[period_raw]
                except KeyError:
                    try:
                        period = (
                            read_period(period_raw, year)
                            if not _blank(period_raw)
                            else sheet_period
                        )
                    except (PeriodError, ValueError):
                        period = None
                    period_cache[period_raw] = period
                except TypeError:  # an unhashable cell value
                    period = None
                if period is None:
                    ctx.problem(
                        sheet,
                        cell_address(r, c_period),
                        period_raw,
                        f"Zeitraum nicht verstanden: {PERIOD_EXPECTED}.",
                    )
                    continue
        if period is None:
            if _is_footer(ctx, row):
                break  # „© Statistik …“ or „Quelle: …“ written into the code column
            where = cell_address(r, c_period) if c_period >= 0 else None
            ctx.problem(sheet, where, "", f"Zeitraum fehlt: {PERIOD_EXPECTED}.")
            continue
        if c_key >= 0 and not _key_matches(row[c_key], code, period):
            ctx.problem(
                sheet,
                cell_address(r, c_key),
                row[c_key],
                f"Der Schlüssel der Vorlage passt nicht zu Indikator {code} und "
                f"{period.label}: Schlüsselspalten bitte nicht ändern.",
            )
            continue
        place = None
        if c_place >= 0:
            place_raw = row[c_place]
            if not (place_raw == "" or place_raw is None):
                place = str(place_raw).strip() or None
        if comment_raw != "" and comment_raw is not None and not _blank(comment_raw):
            ctx.out.comments.append(
                StagedComment(
                    code, period, str(comment_raw).strip(), sheet_name, cell_address(r, c_comment)
                )
            )
        has_value = (
            value_raw.__class__ is float  # the common case, never blank; else as _blank()
            or not (
                value_raw is None
                or value_raw == ""
                or (value_raw.__class__ is str and value_raw.isspace())
            )
            or bool(missing and (r, c_value) in missing)
        )
        has_status = not (status_raw == "" or status_raw is None) and not _blank(status_raw)
        if has_value and has_status:
            ctx.problem(
                sheet,
                cell_address(r, c_value),
                value_raw,
                "Bitte entweder einen Wert oder einen Sachstand eintragen, nicht beides.",
            )
            continue
        if not has_value and not has_status:
            if _is_footer(ctx, row):
                break
            if profile.empty_value == "error" and _blank(comment_raw):
                ctx.problem(
                    sheet,
                    cell_address(r, c_value),
                    "",
                    "Wert fehlt: erwartet eine Zahl, ein Zeichen der Statistik (*, -, x, ., ...) "
                    "oder einen Sachstand.",
                )
            continue
        if has_value:
            raw, c_read, address = value_raw, c_value, f"{value_letter}{r + 1}"
        else:
            raw, c_read, address = status_raw, c_status, f"{status_letter}{r + 1}"
        if raw.__class__ is float and raw - raw == 0.0 and not (percent and (r, c_read) in percent):
            value = float_value(raw)  # the common case: a finite number, nothing to report
        elif raw.__class__ is str and not (missing and (r, c_read) in missing):
            try:
                value = parse_text_value(raw)
            except ValueProblem as exc:
                ctx.problem(sheet, address, raw, str(exc)[:1].upper() + str(exc)[1:] + ".")
                continue
        else:
            read = _read_value(ctx, sheet, r, c_read, raw)
            if read is None:
                continue
            value = read
        if has_status and value.status is None:
            ctx.problem(
                sheet,
                address,
                raw,
                "Sachstand nicht verstanden: erwartet erledigt, im Plan, gefährdet oder offen.",
            )
            continue
        append(new_staged(Staged, (code, period, place, value, sheet_name, (address,), raw)))


def _key_matches(key: Any, code: str, period: Period) -> bool:
    if is_empty(key):
        return True
    parts = str(key).split("|")
    if len(parts) != 3:
        return False
    return fold(parts[1].strip()) == fold(code) and parts[2].strip() == period.key


# -- tables with mappings (BA, REKOM, KAF) -----------------------------------------------------


@dataclass
class _Contribution:
    code: str
    period: Period
    place: str | None
    value: CellValue
    address: str
    raw: Any
    group: tuple[str, ...]
    total: bool


@dataclass
class _RowInfo:
    index: int
    row: list[Any]
    fields: dict[str, Any]
    section: str
    label: str
    place: str
    total: bool
    group: tuple[str, ...]


def _value_columns(spec: ColumnSpec, header: Header, reserved: set[int]) -> list[int]:
    found = []
    for c, path in enumerate(header.paths):
        if c in reserved or not path:
            continue
        if spec.labels and not matches(spec.labels, path):
            continue
        if spec.exclude and matches(spec.exclude, path):
            continue
        if spec.period == "required" and header.periods[c] is None:
            continue
        found.append(c)
        if spec.take == "first":
            break
    return found


# The wide-table counterpart of _extract_long: one pass over the rows of one located table.
def _extract_table(ctx: _Context, item: Located) -> None:  # noqa: C901
    sheet, header, profile = item.sheet, item.header, ctx.profile
    cols = _field_columns(profile, header)
    for spec in profile.fields:
        if spec.required and spec.name not in cols:
            ctx.problem(sheet, None, None, f"Spalte {_field_text(spec.name)} fehlt.")
            return
    reserved = set(cols.values())
    if profile.label_column:
        reserved.add(header.label_col)
    columns = {id(m): _value_columns(m.column, header, reserved) for m in profile.mappings}
    if not any(columns.values()):
        wanted = "; ".join(dict.fromkeys(m.column.text for m in profile.mappings))
        ctx.problem(sheet, None, None, f"Keine der erwarteten Wertespalten gefunden: {wanted}.")
        return
    sheet_period = _sheet_period(ctx, sheet, header)
    year = _sheet_year(ctx, sheet, header, sheet_period)
    rows = list(_data_rows(ctx, sheet, header, cols))
    _check_darunter_columns(ctx, sheet, header, rows, reserved)
    contributions: list[_Contribution] = []
    used_rows: set[int] = set()
    for mapping in profile.mappings:
        value_cols = columns[id(mapping)]
        required = (
            mapping.required
            if mapping.required is not None
            else bool(mapping.rows or mapping.places)
        )
        if not value_cols:
            if required:
                ctx.problem(sheet, None, None, f"Spalte {mapping.column.text} nicht gefunden.")
            else:
                ctx.out.notes.append(
                    f"{mapping.indicator}: Spalte {mapping.column.text} nicht in der Datei."
                )
            continue
        selected = _select_rows(ctx, sheet, mapping, rows, required)
        for info, place in selected:
            used_rows.add(info.index)
            for c in value_cols:
                raw = _cell(info.row, c)
                if (
                    is_empty(raw)
                    and (info.index, c) not in sheet.missing_formulas
                    and (info.index, c) not in sheet.error_cells
                ):
                    continue
                period = _value_period(ctx, sheet, header, info, c, cols, sheet_period, year)
                if period is None:
                    continue
                value = _read_value(ctx, sheet, info.index, c, raw)
                if value is None:
                    continue
                contributions.append(
                    _Contribution(
                        mapping.indicator,
                        period,
                        place,
                        value,
                        cell_address(info.index, c),
                        raw,
                        info.group,
                        info.total,
                    )
                )
    _combine(ctx, sheet, contributions)
    used_cols = {c for cols_of in columns.values() for c in cols_of}
    _note_ignored(ctx, sheet, header, rows, reserved, used_rows, used_cols)


# One pass over the data rows that carries state from row to row (filled-down cells, the current
# section), so its branches belong together.
def _data_rows(  # noqa: C901
    ctx: _Context, sheet: SheetData, header: Header, cols: dict[str, int]
) -> Iterator[_RowInfo]:
    profile = ctx.profile
    filled: dict[str, Any] = {}
    section = ""
    header_texts = [normalise(v) for v in sheet.rows[header.bottom]]
    measure_fields = {f.name for f in profile.fields if f.measure}
    fill_fields = {f.name for f in profile.fields if f.fill_down}
    for r in range(header.first_data_row, len(sheet.rows)):
        row = sheet.rows[r]
        if all(is_empty(v) for v in row):
            continue
        if _is_footer(ctx, row):
            break
        if [normalise(v) for v in row] == header_texts:
            continue  # the header repeated (a table per project on one sheet)
        fields: dict[str, Any] = {}
        for name, c in cols.items():
            value = _cell(row, c)
            if name in fill_fields:
                if is_empty(value):
                    value = filled.get(name, "")
                else:
                    filled[name] = value
            fields[name] = value
        if any(
            matches(patterns, normalise(fields.get(name, "")))
            for name, patterns in profile.skip.items()
        ):
            continue
        label = normalise(_cell(row, header.label_col)) if profile.label_column else ""
        if profile.label_column:
            rest = [v for i, v in enumerate(row) if i > header.label_col and i not in cols.values()]
            if label and all(is_empty(v) for v in rest):
                section = label
                continue
        for name in measure_fields:
            raw = fields.get(name)
            if is_empty(raw):
                continue
            code = _measure_code(ctx, str(raw))
            if code is None:
                ctx.problem(
                    sheet,
                    cell_address(r, cols[name]),
                    raw,
                    "Maßnahme gibt es im Katalog nicht: erwartet einen Maßnahmen-Code wie "
                    "„REGE-4“ oder den Titel der Maßnahme.",
                )
                fields[name] = None
            else:
                fields[name] = code
        place = ""
        for name in profile.place_fields:
            text = place_label(fields.get(name, ""))
            if text and not full_match(profile.total_labels, text):
                place = text
                break
        if not place and profile.label_column and not profile.place_fields:
            place = place_label(_cell(row, header.label_col))
        total = False
        group: tuple[str, ...] = ()
        if profile.total is not None:
            t = profile.total
            text = normalise(fields.get(t.field, ""))
            total = not text or full_match(t.labels, text)
            group = tuple(normalise(fields.get(g, "")) for g in t.group)
        yield _RowInfo(r, row, fields, section, label, place, total, group)


# -- what was read but not mapped (the notes of the report) -------------------------------------


def _looks_like_value(raw: Any) -> bool:
    if is_empty(raw) or isinstance(raw, bool):
        return False
    if isinstance(raw, int | float):
        return True
    try:
        parse_text_value(str(raw))
    except ValueProblem:
        return False
    return True


def _note_ignored(
    ctx: _Context,
    sheet: SheetData,
    header: Header,
    rows: list[_RowInfo],
    reserved: set[int],
    used_rows: set[int],
    used_cols: set[int],
) -> None:
    """Rows and columns that hold values but that no mapping read: a new Stadtteil, a new label
    or a new column shows up in the report before a number goes missing."""
    candidates = [c for c, path in enumerate(header.paths) if c not in reserved and path]
    where = "" if ctx.book.is_text else f" (Blatt „{sheet.name}“)"
    ignored_rows = [
        info
        for info in rows
        if info.index not in used_rows
        and any(_looks_like_value(_cell(info.row, c)) for c in candidates)
    ]
    for info in ignored_rows[:MAX_IGNORED_ROWS]:
        text, reason = _row_reason(ctx, header, info)
        ctx.out.notes.append(f"Nicht zugeordnet: Zeile {info.index + 1} „{text}“{where} – {reason}")
    if len(ignored_rows) > MAX_IGNORED_ROWS:
        ctx.out.notes.append(
            f"Nicht zugeordnet: {len(ignored_rows) - MAX_IGNORED_ROWS} weitere Zeilen mit Werten"
            f"{where} – nicht einzeln aufgeführt"
        )
    ignored_cols = [
        c
        for c in candidates
        if c not in used_cols and any(_looks_like_value(_cell(info.row, c)) for info in rows)
    ]
    if ignored_cols:
        shown = ", ".join(
            f"{column_letter(c)} „{_heading(header, c)}“"
            for c in ignored_cols[:MAX_IGNORED_COLUMNS]
        )
        more = len(ignored_cols) - MAX_IGNORED_COLUMNS
        shown += f" und {more} weitere" if more > 0 else ""
        word = "Spalte" if len(ignored_cols) == 1 else "Spalten"
        ctx.out.notes.append(f"Nicht zugeordnet: {word} {shown}{where} – keine Zuordnung im Profil")


def _heading(header: Header, col: int) -> str:
    parts: list[str] = []
    for v in header.cells[col]:
        text = " ".join(display(v).split())
        if text and text not in parts:
            parts.append(text)
    return " / ".join(parts)


def _row_reason(ctx: _Context, header: Header, info: _RowInfo) -> tuple[str, str]:
    """What the row is called in the file, and why no mapping took it."""
    profile = ctx.profile
    if info.place and any(m.places for m in profile.mappings):
        raw = next(
            (
                info.fields.get(name)
                for name in profile.place_fields
                if place_label(info.fields.get(name, "")) == info.place
            ),
            info.place,
        )
        text = _PLACE_CODE_TEXT.sub("", display(raw))
        if ctx.known_place is not None and not ctx.known_place(info.place):
            return text, "unbekannter Ort, kein Ort im Katalog"
        return text, "Ort steht nicht im Profil"
    if profile.label_column:
        text = display(_cell(info.row, header.label_col))
        return text, "Beschriftung steht nicht im Profil"
    text = next((display(v) for v in info.fields.values() if not is_empty(v)), "")
    return text or display(next((v for v in info.row if not is_empty(v)), "")), (
        "keine Zuordnung im Profil"
    )


_PLACE_CODE_TEXT = re.compile(r"^\d{1,8}[A-Za-z]?\s+")


def _measure_code(ctx: _Context, text: str) -> str | None:
    m = _MEASURE_CODE.match(text)
    candidate = f"{m.group(1)}-{m.group(2)}" if m else text
    return ctx.resolve_measure(candidate) or (ctx.resolve_measure(text) if m else None)


def _select_rows(
    ctx: _Context,
    sheet: SheetData,
    mapping: Mapping,
    rows: list[_RowInfo],
    required: bool,
) -> list[tuple[_RowInfo, str | None]]:
    candidates = [r for r in rows if _where(mapping, r)]
    if mapping.rows:
        for spec in mapping.rows:
            for info in candidates:
                if matches(spec.label, info.label) and (
                    not spec.section or matches(spec.section, info.section)
                ):
                    return [(info, mapping.place)]
        if required:
            wanted = " oder ".join(s.text for s in mapping.rows)
            ctx.problem(sheet, None, None, f"Zeile {wanted} nicht gefunden ({mapping.indicator}).")
        return []
    if mapping.places:
        chosen: list[tuple[_RowInfo, str | None]] = []
        for name in mapping.places:
            wanted = place_label(name)
            hits = [r for r in candidates if r.place == wanted]
            if not hits and required:
                ctx.problem(
                    sheet,
                    None,
                    None,
                    f"Ort „{name}“ nicht in der Tabelle gefunden ({mapping.indicator}).",
                )
            chosen.extend((r, name) for r in hits)
        return chosen
    return [(r, mapping.place or r.place or None) for r in candidates]


def _where(mapping: Mapping, info: _RowInfo) -> bool:
    for name, patterns in mapping.where.items():
        if not matches(patterns, normalise(info.fields.get(name, ""))):
            return False
    for name, codes in mapping.where_codes.items():
        code = info.fields.get(name)
        if code is None or fold(str(code)) not in {fold(c) for c in codes}:
            return False
    return True


def _value_period(
    ctx: _Context,
    sheet: SheetData,
    header: Header,
    info: _RowInfo,
    col: int,
    cols: dict[str, int],
    sheet_period: Period | None,
    year: int | None,
) -> Period | None:
    for source in ctx.profile.periods:
        if source.source == "column" and header.periods[col] is not None:
            return header.periods[col]
        if source.source == "row" and "zeitraum" in cols:
            raw = info.fields.get("zeitraum")
            if is_empty(raw):
                continue
            try:
                return read_period(raw, year)
            except (PeriodError, ValueError):
                ctx.problem(
                    sheet,
                    cell_address(info.index, cols["zeitraum"]),
                    raw,
                    f"Zeitraum nicht verstanden: {PERIOD_EXPECTED}.",
                )
                return None
        if source.source in ("title", "sheet", "file_name", "fixed") and sheet_period is not None:
            return sheet_period
    ctx.problem(
        sheet,
        cell_address(info.index, col),
        _cell(info.row, col),
        "Zeitraum des Wertes nicht gefunden (weder in der Zeile, im Spaltenkopf, im Titel noch "
        "im Dateinamen).",
    )
    return None


def _check_darunter_columns(
    ctx: _Context, sheet: SheetData, header: Header, rows: list[_RowInfo], reserved: set[int]
) -> None:
    """„darunter“ columns are children of the column before them: never larger."""
    pairs = []
    for c, path in enumerate(header.paths):
        if c in reserved or not _DARUNTER.search(path):
            continue
        for p in range(c - 1, -1, -1):
            if p in reserved or not header.paths[p]:
                continue
            if _DARUNTER.search(header.paths[p]) or header.periods[p] != header.periods[c]:
                continue
            pairs.append((c, p))
            break
    for child, parent in pairs:
        for info in rows:
            a, b = _cell(info.row, child), _cell(info.row, parent)
            va, vb = _number(a), _number(b)
            if va is not None and vb is not None and va > vb:
                label = " ".join(str(v) for v in header.cells[parent] if not is_empty(v))
                ctx.problem(
                    sheet,
                    cell_address(info.index, child),
                    a,
                    f"Darunter-Wert ist größer als der Wert, zu dem er gehört: "
                    f"{display(b)} in Spalte „{label}“ ({cell_address(info.index, parent)}).",
                )


def _number(raw: Any) -> Decimal | None:
    if is_empty(raw):
        return None
    try:
        return parse_value(raw).value
    except ValueProblem:
        return None


def _combine(ctx: _Context, sheet: SheetData, contributions: list[_Contribution]) -> None:
    """One staged value per indicator, period and place; sums where the profile says so."""
    sums = {m.indicator for m in ctx.profile.mappings if m.combine == "sum"}
    grouped: dict[tuple[str, Period, str | None], list[_Contribution]] = defaultdict(list)
    for c in contributions:
        if c.code not in sums:
            ctx.out.values.append(
                Staged(
                    c.code, c.period, c.place, c.value, ctx.sheet_name(sheet), (c.address,), c.raw
                )
            )
        else:
            grouped[(c.code, c.period, c.place)].append(c)
    for (code, period, place), parts in grouped.items():
        if ctx.profile.total is not None:
            parts = _totals_per_group(parts)
        total = _sum([p.value for p in parts])
        ctx.out.values.append(
            Staged(
                code,
                period,
                place,
                total,
                ctx.sheet_name(sheet),
                tuple(p.address for p in parts),
                " + ".join(display(p.raw) for p in parts),
            )
        )


def _totals_per_group(parts: list[_Contribution]) -> list[_Contribution]:
    """Per group (a project): its total rows where it has them, else all its place rows."""
    by_group: dict[tuple[str, ...], list[_Contribution]] = defaultdict(list)
    for p in parts:
        by_group[p.group].append(p)
    chosen = []
    for group_parts in by_group.values():
        totals = [p for p in group_parts if p.total]
        chosen.extend(totals or group_parts)
    return chosen


def _sum(values: list[CellValue]) -> CellValue:
    """A sum of cells by the one rule for wholes (zielcockpit.domain.vocabulary.combine_places)."""
    value, symbol, status = combine_places((v.value, v.symbol, v.status) for v in values)
    return CellValue(
        value, symbol, status, percent=value is not None and any(v.percent for v in values)
    )
