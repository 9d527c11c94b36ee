"""Reporting periods: the plan year, its quarters and months, written `2017`, `2017-Q2`, `2017-06`."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
ACCEPTED_FORMS = "2017 (Jahr), 2017-Q2 (Quartal) oder 2017-06 (Monat)"


class PeriodError(ValueError):
    """A period written in a form Zielcockpit does not accept; the message is German."""


@dataclass(frozen=True)
class Period:
    """A year, a quarter of a year or a month of a year."""

    year: int
    quarter: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if self.month is not None:
            if not 1 <= self.month <= 12:
                raise PeriodError(f"Monat {self.month} gibt es nicht.")
            object.__setattr__(self, "quarter", (self.month - 1) // 3 + 1)
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise PeriodError(f"Quartal {self.quarter} gibt es nicht.")
        # Periods are dict keys on the hot path of the evaluation: hash once.
        object.__setattr__(self, "_hash", hash((self.year, self.quarter, self.month)))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    # -- construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Period:
        """The strict form of the CLI and the API: `2017`, `2017-Q2`, `2017-06`."""
        return _parse_strict(str(text))

    @classmethod
    def of_date(cls, day: dt.date) -> Period:
        return cls(day.year, month=day.month)

    @classmethod
    def quarter_of(cls, year: int, quarter: int) -> Period:
        return cls(year, quarter=quarter)

    @cached_property
    def sort_key(self) -> tuple[dt.date, int]:
        """Chronological by end date; a month before its quarter, a quarter before its year."""
        return (self.end, {"month": 0, "quarter": 1, "year": 2}[self.kind])

    # -- properties -----------------------------------------------------------------------
    @property
    def kind(self) -> str:
        if self.month is not None:
            return "month"
        if self.quarter is not None:
            return "quarter"
        return "year"

    @property
    def key(self) -> str:
        if self.month is not None:
            return f"{self.year}-{self.month:02d}"
        if self.quarter is not None:
            return f"{self.year}-Q{self.quarter}"
        return f"{self.year}"

    def __str__(self) -> str:
        return self.key

    @property
    def quarters_elapsed(self) -> int:
        """How many quarters of the year have ended at the end of this period."""
        if self.quarter is None:
            return 4
        return self.quarter

    @property
    def fraction_of_year(self) -> float:
        """The share of the year that has passed at the end of this period."""
        if self.month is not None:
            return self.month / 12
        return self.quarters_elapsed / 4

    @cached_property
    def start(self) -> dt.date:
        if self.month is not None:
            return dt.date(self.year, self.month, 1)
        if self.quarter is not None:
            return dt.date(self.year, 3 * self.quarter - 2, 1)
        return dt.date(self.year, 1, 1)

    @cached_property
    def end(self) -> dt.date:
        if self.month is not None:
            last_month = self.month
        elif self.quarter is not None:
            last_month = 3 * self.quarter
        else:
            last_month = 12
        return dt.date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    def as_quarter(self) -> Period:
        """The quarter a month belongs to (a quarter stays itself)."""
        if self.quarter is None:
            raise PeriodError(f"{self.label} ist kein Monat und kein Quartal.")
        return Period(self.year, quarter=self.quarter)

    def months(self) -> list[Period]:
        return list(_months(self.year, self.start.month, self.end.month))

    def quarters_to_date(self) -> list[Period]:
        """Q1 up to and including the quarter of this period."""
        return list(_quarters_to(self.year, self.quarters_elapsed))

    def previous_quarter(self) -> Period | None:
        q = self.as_quarter()
        if q.quarter == 1:
            return None
        assert q.quarter is not None
        return Period(q.year, quarter=q.quarter - 1)

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end

    # -- German words -----------------------------------------------------------------------
    @property
    def label(self) -> str:
        """German long form: „2. Quartal 2017“, „Juni 2017“, „2017“."""
        if self.month is not None:
            return f"{MONTHS_DE[self.month - 1]} {self.year}"
        if self.quarter is not None:
            return f"{self.quarter}. Quartal {self.year}"
        return f"Jahr {self.year}"

    @property
    def short_label(self) -> str:
        """German short form: „Q2 2017“, „06/2017“, „2017“."""
        if self.month is not None:
            return f"{self.month:02d}/{self.year}"
        if self.quarter is not None:
            return f"Q{self.quarter} {self.year}"
        return f"{self.year}"


@lru_cache(maxsize=4096)
def _shared(year: int, quarter: int | None = None, month: int | None = None) -> Period:
    """One object per period for the cached helpers below: a dict lookup then finds its key by
    identity and skips the dataclass's __eq__ (the evaluation looks up periods by the 100,000)."""
    return Period(year, quarter, month)


@lru_cache(maxsize=1024)
def _months(year: int, first: int, last: int) -> tuple[Period, ...]:
    return tuple(_shared(year, month=m) for m in range(first, last + 1))


@lru_cache(maxsize=1024)
def _quarters_to(year: int, quarters: int) -> tuple[Period, ...]:
    return tuple(_shared(year, quarter=q) for q in range(1, quarters + 1))


@lru_cache(maxsize=4096)
def _parse_strict(text: str) -> Period:
    # Cached: the same few period keys come back for every stored value.
    value = text.strip()
    if m := re.fullmatch(r"(\d{4})", value):
        return _shared(int(m.group(1)))
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
        return _shared(int(m.group(1)), quarter=int(m.group(2)))
    if m := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", value):
        return _shared(int(m.group(1)), month=int(m.group(2)))
    raise PeriodError(f"Zeitraum „{text}“ nicht verstanden. Erlaubt: {ACCEPTED_FORMS}.")


def quarters_of_year(year: int) -> list[Period]:
    return [Period(year, quarter=q) for q in range(1, 5)]


# Excel counts days from 1899-12-30 (with its 1900 leap-year bug folded in).
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def excel_serial_to_date(serial: float) -> dt.date:
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
