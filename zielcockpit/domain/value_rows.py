"""Checked rows against stored values: what is new, what changes, what stays (pure).

The import and the browser entry both decide here which of their rows a write would touch;
db.value_writes fetches what is stored and writes the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

Content = tuple[Decimal | None, str | None, str | None]  # value, symbol, milestone state
Key = tuple[int, str, int]  # indicator × period × place (0: none)


class Row(Protocol):
    """A checked value row (etl.validate.ValueRow): its leading fields are indicator id,
    period and place id, then value, symbol, state."""

    @property
    def key(self) -> Key: ...

    @property
    def content(self) -> Content: ...

    def __getitem__(self, index: int, /) -> Any: ...


R = TypeVar("R", bound=Row)


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
class ValueDiff(Generic[R]):
    new: list[R] = field(default_factory=list)
    changed: list[tuple[R, StoredValue]] = field(default_factory=list)
    unchanged: list[R] = field(default_factory=list)

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


def classify(rows: Sequence[R], stored: Mapping[Key, StoredValue]) -> ValueDiff[R]:
    """New, changed (with the stored version) or unchanged; a demo value is always replaced."""
    diff: ValueDiff[R] = ValueDiff()
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


def written_periods(
    diff: ValueDiff[R], comments: Iterable[tuple[int, str]]
) -> Iterator[tuple[int, str]]:
    """Indicator × period of every write (values, then the comments' pairs); lazy, since it is
    consumed only when a quarter has been released."""
    return chain(
        map(_INDICATOR_PERIOD, diff.new),
        (_INDICATOR_PERIOD(row) for row, _old in diff.changed),
        comments,
    )
