"""Check staged values against the catalogue: codes, plan year, places, kinds, duplicates, darunter.

Pure: the catalogue arrives as a `CatalogueIndex` (built once per import by `catalogue_index`
from the rows db.indicators fetches), so every rule
can be tested on literals. Every problem is collected, not just the first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from etl.extract import Extraction, Problem, Staged
from etl.tables import display, normalise, place_label
from zielcockpit.domain.formatting import value_text
from zielcockpit.domain.german import CellValue, fold
from zielcockpit.domain.periods import Period
from zielcockpit.domain.value_rows import CommentRow, ValueRow
from zielcockpit.domain.vocabulary import MILESTONE_CHOICE_TEXT


@dataclass(frozen=True)
class IndicatorRef:
    id: int
    code: str
    name: str
    plan_id: int
    plan_key: str
    plan_year: int
    massnahme_id: int
    measure_code: str
    kind: str
    unit: str
    parent_id: int | None
    baseline_period: str | None
    places: frozenset[int]
    oe: str = ""  # the unit owning the indicator's measure

    def allows(self, period: Period) -> bool:
        """The plan year, or the end of the year before for a value the target builds on."""
        if period.year == self.plan_year:
            return True
        if self.baseline_period:
            return period.key == self.baseline_period
        if self.kind == "reduction":
            return period.key in (f"{self.plan_year - 1}-12", f"{self.plan_year - 1}-Q4")
        return False


@dataclass
class CatalogueIndex:
    """What validation needs to know about the plans, in plain dictionaries."""

    indicators: dict[str, list[IndicatorRef]] = field(default_factory=dict)  # folded code
    by_id: dict[int, IndicatorRef] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)  # place_label(name) -> id
    place_names: dict[int, str] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)  # folded code or title -> code
    context: dict[str, int] = field(default_factory=dict)  # folded context code -> id

    def add(self, ref: IndicatorRef) -> None:
        self.indicators.setdefault(fold(ref.code), []).append(ref)
        self.by_id[ref.id] = ref

    def resolve_measure(self, text: str) -> str | None:
        return self.measures.get(fold(text.strip())) or self.measures.get(normalise(text))

    def indicator_codes_of(self, measure_code: str) -> list[str]:
        return sorted(
            {
                r.code
                for refs in self.indicators.values()
                for r in refs
                if r.measure_code == measure_code
            }
        )


def catalogue_index(
    indicators: Iterable[IndicatorFacts],
    places_of: Mapping[int, Iterable[int]],
    measures: Iterable[tuple[str, str]],
    context: Iterable[tuple[int, str]],
    places: Iterable[tuple[int, str, str | None]],
) -> CatalogueIndex:
    """The index of the stored catalogue (db.indicators.catalogue_rows): each indicator's facts
    in IndicatorRef's order without its places (its unit last), measures as (code, title),
    context indicators as (id, code), places as (id, name, key)."""
    index = CatalogueIndex()
    for r in indicators:
        index.add(IndicatorRef(*r[:12], frozenset(places_of.get(r[0], ())), r[12]))
    for code, title in measures:
        index.measures.setdefault(fold(code), code)
        index.measures.setdefault(normalise(title), code)
    for ctx_id, code in context:
        index.context[fold(code)] = ctx_id
    for ort_id, name, key in places:
        index.places[place_label(name)] = ort_id
        index.place_names[ort_id] = name
        if key:
            index.places.setdefault(str(key), ort_id)
    return index


@dataclass
class Checked:
    rows: list[ValueRow] = field(default_factory=list)
    comments: list[CommentRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# An indicator's facts in IndicatorRef's order, without its places, its owning unit last.
IndicatorFacts = tuple[
    int, str, str, int, str, int, int, str, str, str, int | None, str | None, str
]


class _Ref(NamedTuple):
    """The indicator a staged value's code and period lead to, with what the loop asks of it."""

    ref: IndicatorRef
    id: int
    period_key: str
    milestone: bool
    parent_id: int | None
    places: frozenset[int]  # the indicator's places; empty: any place


def compact_cells(cells: tuple[str, ...]) -> str:
    """The source cell column holds 20 characters: „E5“, „E5,E9“, or „E5 (+7)“ for long sums."""
    joined = ",".join(cells)
    if len(joined) <= 20:
        return joined
    return f"{cells[0]} (+{len(cells) - 1})"[:20]


def show(cell: CellValue, unit: str) -> str:
    return value_text(cell.value, cell.symbol, cell.status, unit)


# One pass over the staged values with its caches (see the docstring); every branch is one rule
# a value must pass, each with its own German message.
def check(extraction: Extraction, index: CatalogueIndex, file: str) -> Checked:  # noqa: C901
    """Every staged value against the catalogue; caches keep 100,000 rows cheap, since codes,
    periods and places repeat."""
    out = Checked()
    seen: dict[tuple[int, str, int], ValueRow] = {}
    # Codes, periods and places repeat: each distinct code and period (periods are shared
    # objects per distinct cell text, so their id is a cheap key) and each distinct indicator
    # and place is looked up once, or the German message why not.
    refs: dict[tuple[str, int], _Ref | str] = {}
    places: dict[str, int | str] = {}  # place as written -> its id, or why it is unknown
    children: list[tuple[ValueRow, Staged]] = []  # values that have a parent indicator

    def problem(staged: Staged, message: str, cell: str | None = None) -> None:
        out.problems.append(
            Problem(
                file, staged.sheet, cell or ",".join(staged.cells[:3]), display(staged.raw), message
            )
        )

    def resolve_ref(code: str, period: Period) -> _Ref | str:
        messages: list[str] = []
        known = _indicator(code, period, index, messages.append)
        if known is None:
            return messages[0]
        return _Ref(
            known, known.id, period.key, known.kind == "milestone", known.parent_id, known.places
        )

    new_row = tuple.__new__  # C-level construction: this loop runs once per value
    get_ref, get_place = refs.get, places.get
    place_names = index.place_names
    append = out.rows.append
    for staged in extraction.values:
        code, period, place, cell, sheet, cells, _raw = staged
        found_ref = get_ref((code, id(period)))
        if found_ref is None:
            found_ref = refs[(code, id(period))] = resolve_ref(code, period)
        if isinstance(found_ref, str):
            problem(staged, found_ref)
            continue
        ref, ref_id, period_key, milestone, parent_id, allowed = found_ref
        ort_id: int | None = None
        place_name: str | None = None
        if place:
            found_place = get_place(place)
            if found_place is None:
                found_place = places[place] = _place_id(place, index)
            if isinstance(found_place, str) or (allowed and found_place not in allowed):
                problem(staged, str(_place(place, ref, index)))  # the German message
                continue
            ort_id = found_place
            place_name = place_names[found_place]
        key = (ref_id, period_key, ort_id or 0)
        value = cell[0]
        if milestone or cell[2] is not None or cell[3] or (value is not None and value.is_signed()):
            kind_message = _kind_problem(cell, ref)
            if kind_message:
                problem(staged, kind_message)
                continue
        first_row = seen.get(key)
        if first_row is not None:
            if first_row[3:6] != (value, cell[1], cell[2]):
                where = f"Blatt „{first_row.source_sheet}“, " if first_row.source_sheet else ""
                first_cell = CellValue(first_row.value, first_row.symbol, first_row.status)
                problem(
                    staged,
                    f"{ref.code} für {period.label}{_at(first_row.place)} steht zweimal in der "
                    f"Datei mit verschiedenen Werten: hier {show(cell, ref.unit)}, in "
                    f"{where}Zelle {first_row.source_cell} {show(first_cell, ref.unit)}.",
                )
            continue
        row = new_row(
            ValueRow,
            (
                ref_id,
                period_key,
                ort_id,
                value,
                cell[1],
                cell[2],
                sheet,
                cells[0] if len(cells) == 1 else compact_cells(cells),
                ref.code,
                place_name,
                cells,
                file,
            ),
        )
        seen[key] = row
        append(row)
        if parent_id is not None:
            children.append((row, staged))
    _check_darunter(out, seen, children, index, file)
    for comment in extraction.comments:
        candidates = index.indicators.get(fold(comment.code))
        if not candidates:
            continue  # the value of the same row already reports the unknown code
        chosen = next((r for r in candidates if r.allows(comment.period)), None)
        if chosen is None:
            continue
        out.comments.append(
            CommentRow(
                chosen.massnahme_id,
                chosen.id,
                comment.period.key,
                comment.text,
                chosen.code,
                file,
                comment.sheet,
                comment.cell,
            )
        )
    return out


def _place_id(name: str, index: CatalogueIndex) -> int | str:
    """The catalogue's place of a name as written, or why there is none."""
    ort_id = index.places.get(place_label(name))
    if ort_id is None:
        known = ", ".join(sorted(index.place_names.values()))
        return f"Unbekannter Ort „{name}“: gibt es im Katalog nicht (bekannt: {known})."
    return ort_id


def _place(name: str, ref: IndicatorRef, index: CatalogueIndex) -> int | str:
    ort_id = _place_id(name, index)
    if isinstance(ort_id, str):
        return ort_id
    if ref.places and ort_id not in ref.places:
        allowed = ", ".join(sorted(index.place_names[i] for i in ref.places))
        return f"Ort „{name}“ gehört nicht zu Indikator {ref.code} (erlaubt: {allowed})."
    return ort_id


def _at(place: str | None) -> str:
    return f" ({place})" if place else ""


def _indicator(
    code: str, period: Period, index: CatalogueIndex, report: Callable[[str], None]
) -> IndicatorRef | None:
    refs = index.indicators.get(fold(code))
    if not refs:
        measure = index.resolve_measure(code)
        if measure is not None:
            codes = ", ".join(index.indicator_codes_of(measure))
            report(
                f"„{code}“ ist eine Maßnahme, kein Indikator: erwartet einen Indikator-Code wie "
                f"{codes}."
            )
        else:
            report(
                f"Indikator „{code}“ gibt es im Katalog nicht: erwartet einen Indikator-Code wie "
                "„REGE-4.1“."
            )
        return None
    for ref in refs:
        if ref.allows(period):
            return ref
    plans = ", ".join(f"{r.plan_key} (Planungsjahr {r.plan_year})" for r in refs)
    report(f"Zeitraum {period.label} liegt außerhalb des Planungsjahres von Plan {plans}.")
    return None


def _kind_problem(cell: CellValue, ref: IndicatorRef) -> str | None:
    if ref.kind == "milestone":
        if cell.status is None:
            return (
                f"{ref.code} ist ein Meilenstein: erwartet den Sachstand {MILESTONE_CHOICE_TEXT}."
            )
        return None
    if cell.status is not None:
        return (
            f"{ref.code} ist kein Meilenstein: erwartet eine Zahl oder ein Zeichen der Statistik."
        )
    if cell.value is None:
        return None
    if cell.percent and ref.unit != "%":
        return f"Prozentwert, aber {ref.code} wird nicht in Prozent gemessen (Einheit {ref.unit or 'ohne'})."
    if ref.unit == "%" and not 0 <= cell.value <= 100:
        return f"Prozentwert außerhalb von 0 bis 100 % ({ref.code})."
    if cell.value < 0 and ref.unit != "EUR":
        what = "eine Anzahl" if ref.unit == "Anzahl" else "dieser Wert"
        return f"Negativer Wert: {what} kann nicht negativ sein ({ref.code})."
    return None


def _check_darunter(
    out: Checked,
    seen: dict[tuple[int, str, int], ValueRow],
    children: list[tuple[ValueRow, Staged]],
    index: CatalogueIndex,
    file: str,
) -> None:
    """A „darunter“ value never exceeds its parent in the same file and period."""
    for row, staged in children:
        if row.value is None:
            continue
        ref = index.by_id[row.indikator_id]
        assert ref.parent_id is not None
        parent_row = seen.get((ref.parent_id, row.period, row.ort_id or 0))
        if parent_row is None or parent_row.value is None:
            continue
        if row.value > parent_row.value:
            where = f"Blatt „{parent_row.source_sheet}“, " if parent_row.source_sheet else ""
            parent_cell = CellValue(parent_row.value, parent_row.symbol, parent_row.status)
            out.problems.append(
                Problem(
                    file,
                    staged.sheet,
                    row.source_cell,
                    display(staged.raw),
                    f"Darunter-Wert {ref.code} ist größer als der übergeordnete Wert "
                    f"{parent_row.code} ({show(parent_cell, ref.unit)} in {where}Zelle "
                    f"{parent_row.source_cell}) für {Period.parse(row.period).label}.",
                )
            )
