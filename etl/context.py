"""Context values in an import: staged values whose code is a context indicator are taken out
before the plan checks and checked here (a place is required and must be in the hierarchy; a
number or a statistical symbol, no milestone state).

A place the hierarchy does not know is an error naming the cell, listed in the report as
„unbekannter Ort“; nothing of the import is written then (as for every other error).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from etl.extract import Problem, Staged
from etl.reading import Book, FileProblem
from etl.tables import display, place_label
from etl.validate import CatalogueIndex
from zielcockpit.domain.german import fold
from zielcockpit.domain.value_rows import ContextValueRow

UNKNOWN_PLACE = "unbekannter Ort"
_CODE = re.compile(r"^\d{1,8}[A-Za-z]?\s+")  # „061 Brackwede-Süd“: the code goes


def split_context(
    values: Sequence[Staged], index: CatalogueIndex
) -> tuple[list[Staged], list[Staged]]:
    """(context values, plan values), each in the file's order."""
    if not index.context:
        return [], list(values)
    context: list[Staged] = []
    plan: list[Staged] = []
    # Codes repeat (a 100,000-row file holds a few hundred): fold each distinct code once.
    is_context: dict[str, bool] = {}
    known = index.context
    for v in values:
        code = v[0]
        hit = is_context.get(code)
        if hit is None:
            hit = is_context[code] = fold(code) in known
        (context if hit else plan).append(v)
    return context, plan


def _as_written(book: Book | None, sheet: str | None, cell: str | None, place: str) -> str:
    """A table profile stages places folded („brackwede-sued“); the message names the place as
    the file writes it („Brackwede-Süd“), found in the value's row."""
    found = re.match(r"[A-Z]+(\d+)$", cell or "")
    if book is None or found is None or book.is_text:
        return place
    try:
        rows = book.sheet(sheet or book.sheet_names[0]).rows
        row = rows[int(found.group(1)) - 1]
    except (KeyError, IndexError, FileProblem):
        return place
    for value in row:
        if isinstance(value, str) and place_label(value) == place:
            return _CODE.sub("", value.strip())
    return place


def check_context(
    staged: Sequence[Staged], index: CatalogueIndex, file: str, book: Book | None = None
) -> tuple[list[ContextValueRow], list[Problem], list[str]]:
    """Rows to write, problems, and the report's notes listing each unknown place once."""
    rows: list[ContextValueRow] = []
    problems: list[Problem] = []
    unknown: dict[str, list[str]] = {}
    seen: dict[tuple[int, str, int], str] = {}
    for v in staged:
        cell = v.cells[0] if v.cells else None
        if not v.place:
            problems.append(
                Problem(
                    file,
                    v.sheet,
                    cell,
                    display(v.raw),
                    f"Kontextindikator {v.code} braucht einen Ort (Spalte „Ort“).",
                )
            )
            continue
        ort_id = index.places.get(place_label(v.place))
        if ort_id is None:
            shown = _as_written(book, v.sheet, cell, v.place)
            unknown.setdefault(shown, []).append(cell or "")
            problems.append(
                Problem(
                    file,
                    v.sheet,
                    cell,
                    shown,
                    f"Unbekannter Ort „{shown}“: den Ort gibt es in der "
                    "Ortshierarchie nicht (zielcockpit/catalogue/kontext_*.yaml).",
                )
            )
            continue
        wrong = _wrong_value(v)
        if wrong:
            problems.append(Problem(file, v.sheet, cell, display(v.raw), f"{v.code}: {wrong}"))
            continue
        indicator_id = index.context[fold(v.code)]
        key = (indicator_id, v.period.key, ort_id)
        if key in seen:
            problems.append(
                Problem(
                    file,
                    v.sheet,
                    cell,
                    display(v.raw),
                    f"{v.code} für {v.period.label} ({v.place}) steht zweimal in der Datei "
                    f"(auch in Zelle {seen[key]}).",
                )
            )
            continue
        seen[key] = cell or ""
        rows.append(
            ContextValueRow(
                indicator_id, ort_id, v.period.key, v.cell.value, v.cell.symbol, v.sheet, cell
            )
        )
    notes = [
        f"Unbekannter Ort: „{name}“ (Zelle {', '.join(c for c in cells if c)})"
        for name, cells in unknown.items()
    ]
    return rows, problems, notes


def _wrong_value(v: Staged) -> str | None:
    if v.cell.status is not None:
        return "ein Kontextindikator erwartet eine Zahl, keinen Sachstand."
    if v.cell.value is None and v.cell.symbol is None:
        return "Wert fehlt (eine Zahl oder ein Zeichen der Statistik wie „*“)."
    if v.cell.value is not None and v.cell.value < 0:
        return "eine Anzahl kann nicht negativ sein."
    return None
