"""Teach a layout: what a controller pointed at in a sheet, turned into a profile (pure).

The result is the same data as a shipped YAML profile (`etl/profiles/*.yaml`): labels instead
of positions, so the next file of the layout is found again when a title row more, a footnote
marker or a new month moves things. Every refusal is a German sentence naming what and where.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.profile import TAUGHT, Profile, ProfileError, parse_profile
from etl.reading import Book, SheetData
from etl.tables import (
    cell_address,
    column_letter,
    display,
    is_empty,
    is_numbering_row,
    normalise,
    place_label,
)
from zielcockpit.domain.german import (
    ValueProblem,
    find_period,
    fold_name,
    header_period,
    parse_value,
    period_span,
)
from zielcockpit.domain.periods import Period, PeriodError

PERIOD_CHOICES = ("column", "cell", "file_name", "row", "fixed")
PLACE_CHOICES = ("none", "fixed", "column")
TAUGHT_PRIORITY = 10  # before the shipped profiles: a layout one of them reads only in part
MAX_HEADER_LABELS = 12
_NAME = re.compile(r"^[A-Za-z0-9ÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß _.-]{1,59}$")
_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")
_YYYYMM = "(?<!\\d)(?P<year>20\\d\\d)(?P<month>0[1-9]|1[0-2])(?!\\d)"


@dataclass(frozen=True)
class Assignment:
    """One indicator read from a value column: from one labelled row, or from every row."""

    indicator: str
    column: int
    row: int | None = None  # None: every data row (one value per place or period row)


@dataclass(frozen=True)
class TeachSpec:
    name: str
    title: str
    sheet: str
    header_rows: tuple[int, ...]
    label_column: int | None
    assignments: tuple[Assignment, ...]
    period_from: str = "column"
    period_cell: tuple[int, int] | None = None
    period_column: int | None = None
    period_value: str = ""
    place_from: str = "none"
    place_value: str = ""
    place_column: int | None = None


@dataclass
class Taught:
    """The profile data (as saved) and the parsed profile, or the reasons it cannot be."""

    data: dict[str, Any] = field(default_factory=dict)
    profile: Profile | None = None
    errors: list[str] = field(default_factory=list)


def label_pattern(text: str) -> str:
    """A label as written, as a pattern: normalised (markers, abbreviations, case gone) with
    the characters of regular expressions escaped; words stay tolerant of inflection."""
    return _REGEX_SPECIAL.sub(r"\\\1", normalise(text))


def header_cells(sheet: SheetData, rows: Sequence[int], col: int) -> list[Any]:
    """The header cells of a column, top to bottom, a group label carried right like the
    shared matching does (a label over several columns without a merge)."""
    out = []
    for r in rows:
        row = sheet.rows[r] if r < len(sheet.rows) else []
        value = row[col] if col < len(row) else ""
        if is_empty(value) and r != rows[-1]:
            below = sheet.rows[r + 1] if r + 1 < len(sheet.rows) else []
            if col < len(below) and not is_empty(below[col]):
                left = next((row[c] for c in range(col - 1, -1, -1) if not is_empty(row[c])), "")
                value = left
        out.append(value)
    return out


def column_heading(sheet: SheetData, rows: Sequence[int], col: int) -> str:
    """What a person reads over a column, period cells included („Arbeitslose / Juni 2017“)."""
    parts: list[str] = []
    for v in header_cells(sheet, rows, col):
        text = " ".join(display(v).split())
        if text and text not in parts:
            parts.append(text)
    return " / ".join(parts)


def _label_texts(sheet: SheetData, rows: Sequence[int], col: int) -> list[str]:
    """The header cells of a column that are labels, not periods (those change every month)."""
    texts: list[str] = []
    for v in header_cells(sheet, rows, col):
        if is_empty(v) or header_period(v) is not None or not isinstance(v, str):
            continue
        text = normalise(v)
        if text and text not in texts:
            texts.append(text)
    return texts


def data_rows(sheet: SheetData, header_rows: Sequence[int]) -> range:
    first = max(header_rows) + 1
    if first < len(sheet.rows) and is_numbering_row(sheet.rows[first]):
        first += 1
    return range(first, len(sheet.rows))


def _cell(sheet: SheetData, r: int, c: int) -> Any:
    row = sheet.rows[r] if r < len(sheet.rows) else []
    return row[c] if c < len(row) else ""


def _section_of(sheet: SheetData, spec: TeachSpec, r: int) -> str:
    """The section row above a labelled row (a label with nothing right of it), as the shared
    matching tracks it: „Arbeitslosenquote …“ over „15 bis unter 25 Jahre“."""
    assert spec.label_column is not None
    for above in range(r - 1, max(spec.header_rows), -1):
        row = sheet.rows[above]
        label = _cell(sheet, above, spec.label_column)
        rest = [v for c, v in enumerate(row) if c > spec.label_column]
        if not is_empty(label) and all(is_empty(v) for v in rest):
            return normalise(label)
    return ""


def _check_spec(
    spec: TeachSpec, book: Book, sheet: SheetData, taken: Callable[[str], bool]
) -> list[str]:
    errors: list[str] = []
    name = spec.name.strip()
    if not _NAME.match(name):
        errors.append(
            "Name des Profils: 2 bis 60 Zeichen, Buchstaben, Ziffern, Leerzeichen, _ . - "
            f"(eingegeben: „{name}“)."
        )
    elif taken(name):
        errors.append(f"Ein Importprofil „{name}“ gibt es schon. Bitte einen anderen Namen wählen.")
    if not spec.header_rows:
        errors.append("Bitte die Kopfzeile(n) der Tabelle wählen.")
    if not spec.assignments:
        errors.append("Bitte mindestens eine Spalte oder Zeile einem Indikator zuordnen.")
    if spec.period_from not in PERIOD_CHOICES:
        errors.append("Bitte wählen, woher der Zeitraum kommt.")
    if spec.place_from == "fixed" and not spec.place_value.strip():
        errors.append("Bitte den Ort wählen, zu dem alle Werte gehören.")
    if spec.place_from == "column" and spec.place_column is None:
        errors.append("Bitte die Spalte wählen, die den Ort nennt.")
    if any(a.row is not None for a in spec.assignments) and spec.label_column is None:
        errors.append("Zeilen zuordnen geht nur mit einer Beschriftungsspalte: bitte sie wählen.")
    if errors:
        return errors
    errors += _check_text_columns(spec, sheet)
    errors += _check_twice(spec, sheet)
    return errors


def _check_text_columns(spec: TeachSpec, sheet: SheetData) -> list[str]:
    """A column that would be read as numbers but holds text."""
    errors = []
    for a in spec.assignments:
        rows = [a.row] if a.row is not None else list(data_rows(sheet, spec.header_rows))
        for r in rows:
            raw = _cell(sheet, r, a.column)
            if is_empty(raw) or not isinstance(raw, str):
                continue
            try:
                parse_value(raw)
            except ValueProblem:
                errors.append(
                    f"Spalte {column_letter(a.column)} („{column_heading(sheet, spec.header_rows, a.column)}“) "
                    f"würde als Zahlen gelesen ({a.indicator}), enthält aber Text: Zelle "
                    f"{cell_address(r, a.column)} „{display(raw)}“. Bitte eine Spalte mit Werten wählen."
                )
                break
    return errors


def _check_twice(spec: TeachSpec, sheet: SheetData) -> list[str]:
    """Two mappings that would give one indicator two values for the same period (and place)."""
    errors = []
    seen: list[tuple[str, str, Assignment]] = []
    for a in spec.assignments:
        period = ""
        if spec.period_from == "column":
            found = column_period(sheet, spec.header_rows, a.column)
            period = found.key if found is not None else ""
        indicator = fold_name(a.indicator)
        for other_indicator, other_period, other in seen:
            if other_indicator != indicator or other_period != period:
                continue
            # rows that name different places are different values
            if (
                spec.place_from == "column"
                and None not in (a.row, other.row)
                and a.row != other.row
            ):
                continue
            errors.append(
                f"{a.indicator} ist zweimal für denselben Zeitraum zugeordnet: "
                f"{_where(other)} und {_where(a)}. Bitte eine der beiden Zuordnungen entfernen."
            )
            break
        else:
            seen.append((indicator, period, a))
    return errors


def _where(a: Assignment) -> str:
    if a.row is None:
        return f"Spalte {column_letter(a.column)}"
    return f"Zelle {cell_address(a.row, a.column)}"


def column_period(sheet: SheetData, rows: Sequence[int], col: int) -> Period | None:
    for v in reversed(header_cells(sheet, rows, col)):
        if not is_empty(v) and (found := header_period(v)) is not None:
            return found
    return None


def _period_sources(spec: TeachSpec, book: Book, sheet: SheetData) -> list[dict[str, Any]] | str:
    if spec.period_from == "column":
        for a in spec.assignments:
            if column_period(sheet, spec.header_rows, a.column) is None:
                return (
                    f"Spalte {column_letter(a.column)} nennt im Kopf keinen Zeitraum: bitte eine "
                    "andere Quelle für den Zeitraum wählen."
                )
        return [{"from": "column"}]
    if spec.period_from == "fixed":
        try:
            period = Period.parse(spec.period_value.strip())
        except (PeriodError, ValueError):
            return (
                f"Fester Zeitraum „{spec.period_value}“ nicht verstanden (z. B. 2017-Q2, 2017-06)."
            )
        return [{"from": "fixed", "value": period.key}]
    if spec.period_from == "file_name":
        name = Path(book.file_name).name
        if find_period(name.replace("_", " ")) is not None:
            return [{"from": "file_name"}]
        if re.search(_YYYYMM, name):
            return [{"from": "file_name", "pattern": _YYYYMM}]
        return f"Der Dateiname „{name}“ nennt keinen Zeitraum."
    if spec.period_from == "row":
        if spec.period_column is None:
            return "Bitte die Spalte wählen, die den Zeitraum nennt."
        return [{"from": "row"}]
    return _period_cell(spec, sheet)


def _period_cell(spec: TeachSpec, sheet: SheetData) -> list[dict[str, Any]] | str:
    if spec.period_cell is None:
        return "Bitte die Zelle wählen, die den Zeitraum nennt."
    r, c = spec.period_cell
    if r >= min(spec.header_rows):
        return f"Die Zelle {cell_address(r, c)} für den Zeitraum muss über der Kopfzeile stehen."
    raw = _cell(sheet, r, c)
    text = display(raw)
    found = find_period(text) if isinstance(raw, str) else header_period(raw)
    if found is None:
        return f"Zelle {cell_address(r, c)} „{text}“ nennt keinen Zeitraum."
    label = ""
    if isinstance(raw, str):
        norm = normalise(raw)
        span = period_span(norm)
        label = norm[: span[0]].strip(" :-") if span else ""
    if not label:
        left = next((v for v in reversed(sheet.rows[r][:c]) if not is_empty(v)), "")
        label = normalise(left) if isinstance(left, str) else ""
    source: dict[str, Any] = {"from": "title"}
    if label:
        source["labels"] = [_REGEX_SPECIAL.sub(r"\\\1", label)]
    return [source]


def build_profile(
    spec: TeachSpec,
    book: Book,
    taken: Callable[[str], bool],
    known_place: Callable[[str], str | None],
) -> Taught:
    """The profile data for what the controller pointed at, checked; `taken` says whether a
    profile name exists, `known_place` gives a catalogue place's name for a label (or None)."""
    out = Taught()
    if spec.sheet not in book.sheet_names:
        out.errors.append(f"Blatt „{spec.sheet}“ gibt es in der Datei nicht.")
        return out
    sheet = book.sheet(spec.sheet)
    out.errors = _check_spec(spec, book, sheet, taken)
    if out.errors:
        return out
    periods = _period_sources(spec, book, sheet)
    if isinstance(periods, str):
        out.errors.append(periods)
        return out
    header_labels: list[str] = []
    for column in sorted({a.column for a in spec.assignments}):
        texts = _label_texts(sheet, spec.header_rows, column)
        header_labels += [t for t in texts if t not in header_labels]
    fields = _extra_fields(spec, sheet, out.errors)
    if out.errors:
        return out
    data: dict[str, Any] = {
        "name": spec.name.strip(),
        "title": spec.title.strip() or spec.name.strip(),
        "kind": "table",
        "priority": TAUGHT_PRIORITY,
        "formats": ["csv"] if book.is_text else ["xlsx", "xlsm", "xls", "ods"],
        "header": [[label_pattern(t)] for t in header_labels[:MAX_HEADER_LABELS]],
        "periods": periods,
    }
    if len(book.sheet_names) > 1 and find_period(spec.sheet) is None:
        data["sheets"] = ["^" + label_pattern(spec.sheet) + "$"]
    if fields:
        data["fields"] = fields
    if spec.place_from == "column":
        data["place_fields"] = ["ort"]
    label_field = _label_field(spec, sheet, data)
    mappings = _mappings(spec, sheet, label_field, known_place, out.errors)
    if out.errors:
        return out
    data["mappings"] = mappings
    try:
        out.profile = parse_profile(data, Path(f"{data['name']}.angelernt"), TAUGHT)
    except ProfileError as exc:
        out.errors.append(str(exc))
        return out
    out.data = data
    return out


def _extra_fields(spec: TeachSpec, sheet: SheetData, errors: list[str]) -> dict[str, Any]:
    """The period column (`zeitraum`) and the place column (`ort`), found by their headings."""
    wanted: list[tuple[str, int | None]] = []
    if spec.period_from == "row":
        wanted.append(("zeitraum", spec.period_column))
    if spec.place_from == "column":
        wanted.append(("ort", spec.place_column))
    fields: dict[str, Any] = {}
    for name, col in wanted:
        texts = _label_texts(sheet, spec.header_rows, col) if col is not None else []
        if col is None or not texts:
            errors.append(
                f"Spalte {column_letter(col or 0)} hat keine Überschrift; ohne sie findet das "
                "Profil sie in der nächsten Datei nicht wieder."
            )
            continue
        fields[name] = {"labels": [label_pattern(texts[-1])], "required": True}
        if name == "ort":
            fields[name]["fill_down"] = True
    return fields


def _label_field(spec: TeachSpec, sheet: SheetData, data: dict[str, Any]) -> str | None:
    """How rows are told apart: the label column of the shared matching (the table's first
    column), or, for a label column further right, a field found by its heading."""
    if spec.label_column is None or all(a.row is None for a in spec.assignments):
        return None
    texts = _label_texts(sheet, spec.header_rows, spec.label_column)
    first_filled = min(
        (c for r in spec.header_rows for c, v in enumerate(sheet.rows[r]) if not is_empty(v)),
        default=0,
    )
    if spec.label_column <= first_filled or not texts:
        data["label_column"] = True
        return None
    data.setdefault("fields", {})["beschriftung"] = {"labels": [label_pattern(texts[-1])]}
    return "beschriftung"


def _mappings(
    spec: TeachSpec,
    sheet: SheetData,
    label_field: str | None,
    known_place: Callable[[str], str | None],
    errors: list[str],
) -> list[dict[str, Any]]:
    out = []
    for a in spec.assignments:
        texts = _label_texts(sheet, spec.header_rows, a.column)
        if not texts:
            errors.append(
                f"Spalte {column_letter(a.column)} hat keine Überschrift; ohne sie findet das "
                "Profil sie in der nächsten Datei nicht wieder."
            )
            continue
        column: dict[str, Any] = {"labels": [label_pattern(" ".join(texts))], "take": "first"}
        if spec.period_from == "column":
            column["period"] = "required"
        mapping: dict[str, Any] = {"indicator": a.indicator.strip(), "column": column}
        if spec.place_from == "fixed":
            mapping["place"] = spec.place_value.strip()
        if a.row is not None:
            if not _select_row(spec, sheet, a, label_field, mapping):
                errors.append(f"Zeile {a.row + 1} hat keine Beschriftung in der gewählten Spalte.")
                continue
        elif spec.place_from == "column":
            places = _places(spec, sheet, known_place)
            if places:
                mapping["places"] = places
        out.append(mapping)
    return out


def _select_row(
    spec: TeachSpec,
    sheet: SheetData,
    a: Assignment,
    label_field: str | None,
    mapping: dict[str, Any],
) -> bool:
    """The mapping reads the row by its label (and its section, as „Arbeitslosenquote“ over
    „unter 25 Jahre“), never by its position."""
    assert spec.label_column is not None and a.row is not None
    label = normalise(_cell(sheet, a.row, spec.label_column))
    if not label:
        return False
    exact = "^" + _REGEX_SPECIAL.sub(r"\\\1", label) + "$"
    if label_field is not None:
        mapping["where"] = {label_field: exact}
        return True
    row: dict[str, Any] = {"label": exact}
    section = _section_of(sheet, spec, a.row)
    if section:
        row["section"] = _REGEX_SPECIAL.sub(r"\\\1", section)
    mapping["rows"] = [row]
    return True


def _places(
    spec: TeachSpec, sheet: SheetData, known_place: Callable[[str], str | None]
) -> list[str]:
    """The catalogue's places named in the place column; others show up as „nicht zugeordnet“."""
    assert spec.place_column is not None
    places: list[str] = []
    for r in data_rows(sheet, spec.header_rows):
        name = known_place(place_label(_cell(sheet, r, spec.place_column)))
        if name and name not in places:
            places.append(name)
    return places
