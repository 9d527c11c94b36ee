"""Checked rows against stored values: what is new, what changes, what stays (pure).

The import and the browser entry both decide here which of their rows a write would touch;
db.value_writes fetches what is stored and writes the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, compress
from operator import itemgetter
from typing import NamedTuple

Content = tuple[Decimal | None, str | None, str | None]  # value, symbol, milestone state
Key = tuple[int, str, int]  # indicator × period × place (0: none)


class ValueRow(NamedTuple):
    """A checked value ready to be written (by the import or by the browser data entry)."""

    indikator_id: int
    period: str
    ort_id: int | None
    value: Decimal | None
    symbol: str | None
    status: str | None
    source_sheet: str | None = None
    source_cell: str | None = None
    # for previews and messages only
    code: str = ""
    place: str | None = None
    cells: tuple[str, ...] = ()
    file: str = ""

    @property
    def key(self) -> Key:
        return (self.indikator_id, self.period, self.ort_id or 0)

    @property
    def content(self) -> Content:
        return (self.value, self.symbol, self.status)


@dataclass(frozen=True)
class CommentRow:
    massnahme_id: int
    indikator_id: int
    period: str
    text: str
    code: str = ""
    file: str = ""
    sheet: str | None = None
    cell: str = ""


class StoredValue(NamedTuple):
    """A value as stored, with where it came from: kept as a version when it is replaced."""

    id: int
    value: Decimal | None
    symbol: str | None
    status: str | None
    demo: bool
    import_run_id: int | None
    source_sheet: str | None
    source_cell: str | None
    recorded_by: str | None
    recorded_at: dt.datetime
    version: int = 1

    @property
    def content(self) -> Content:
        return (self.value, self.symbol, self.status)


@dataclass
class ValueDiff:
    new: list[ValueRow] = field(default_factory=list)
    changed: list[tuple[ValueRow, StoredValue]] = field(default_factory=list)
    unchanged: list[ValueRow] = field(default_factory=list)

    @property
    def written(self) -> int:
        """How many values a write of this diff stores."""
        return len(self.new) + len(self.changed)


@dataclass(frozen=True)
class ContextValueRow:
    """A checked context value (issue 15): indicator × place × period, a number or a symbol."""

    indicator_id: int
    ort_id: int
    period: str
    value: Decimal | None
    symbol: str | None
    source_sheet: str | None = None
    source_cell: str | None = None


def classify(rows: Sequence[ValueRow], stored: Mapping[Key, StoredValue]) -> ValueDiff:
    """New, changed (with the stored version) or unchanged; a demo value is always replaced."""
    diff = ValueDiff()
    if not stored:  # a first import of these indicators: everything is new
        diff.new = list(rows)
        return diff
    for row in rows:
        old = stored.get((row[0], row[1], row[2] or 0))  # row.key, without a call per row
        if old is None:
            diff.new.append(row)
        elif old.content == row.content and not old.demo:
            diff.unchanged.append(row)
        else:
            diff.changed.append((row, old))
    return diff


_INDICATOR_PERIOD = itemgetter(0, 1)  # of a value row: (indikator_id, period)


def written_periods(diff: ValueDiff, comments: Iterable[CommentRow]) -> Iterator[tuple[int, str]]:
    """Indicator × period of every write; lazy, consumed only when a quarter has been released."""
    return chain(
        map(_INDICATOR_PERIOD, diff.new),
        (_INDICATOR_PERIOD(row) for row, _old in diff.changed),
        ((c.indikator_id, c.period) for c in comments),
    )


_CELLS = itemgetter(10)  # ValueRow.cells


def summed_cells(rows: Sequence[ValueRow]) -> dict[str, list[str]]:
    """„code|period|place“ -> the cells of each value summed from several (rare: a C-level
    scan finds them), for the run's report."""
    summed = compress(rows, map((1).__lt__, map(len, map(_CELLS, rows))))
    return {f"{r.code}|{r.period}|{r.place or ''}": list(r.cells) for r in summed}
