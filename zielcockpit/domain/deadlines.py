"""The reporting calendar: when a quarter's value is due, and whether a missing one is late.

A quarter's values are due on a delivery deadline: by default the 15th of the month after the
quarter (2017-Q2 → 15.07.2017). Controlling may set another date per plan and quarter, per unit
(OE) and per source; a source's usual lag (BA statistics appear weeks after the month) moves the
deadline of its indicators by that many days. Pure: the deadlines arrive as data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from zielcockpit.domain.formatting import fmt_date, fmt_number
from zielcockpit.domain.periods import Period

DEFAULT_DAY = 15  # of the month after the quarter
ANY = ""  # a deadline for every unit or every source

NOT_YET_DUE = "noch nicht fällig"
OVERDUE = "überfällig"


def default_deadline(period: Period) -> dt.date:
    """The 15th of the month after the period's quarter (the year: after its last quarter)."""
    end = period.end if period.quarter is None else period.as_quarter().end
    month, year = (1, end.year + 1) if end.month == 12 else (end.month + 1, end.year)
    return dt.date(year, month, DEFAULT_DAY)


def quarter_key(period: Period) -> str:
    """The quarter a deadline is set for: a month belongs to its quarter, a year to its Q4."""
    if period.quarter is None:
        return Period(period.year, quarter=4).key
    return period.as_quarter().key


class DeadlineKey(NamedTuple):
    period: str  # "2017-Q3"
    oe: str = ANY
    source: str = ANY


@dataclass(frozen=True)
class DeliveryCalendar:
    """Deadlines set by controlling and the sources' usual lags in days."""

    deadlines: Mapping[DeadlineKey, dt.date] = field(default_factory=dict)
    lags: Mapping[str, int] = field(default_factory=dict)  # source -> days

    def due_date(self, period: Period, oe: str = ANY, source: str | None = None) -> dt.date:
        """The most specific deadline wins: unit and source, source, unit, the quarter, the
        default. A source's lag moves every deadline not set for that source itself."""
        q = quarter_key(period)
        src = source or ANY
        for key in (DeadlineKey(q, oe, src), DeadlineKey(q, ANY, src)):
            if src and key in self.deadlines:
                return self.deadlines[key]
        base = self.deadlines.get(DeadlineKey(q, oe, ANY)) if oe else None
        if base is None:
            base = self.deadlines.get(DeadlineKey(q), default_deadline(period))
        return base + dt.timedelta(days=self.lags.get(src, 0))


class DeliveryState(NamedTuple):
    due: dt.date
    overdue: bool
    days_overdue: int  # 0 unless overdue

    @property
    def word(self) -> str:
        return OVERDUE if self.overdue else NOT_YET_DUE

    @property
    def missing_since(self) -> dt.date:
        """The first day the value is late."""
        return self.due + dt.timedelta(days=1)

    def text(self) -> str:
        """„überfällig, fehlt seit 16.07.2017“ / „noch nicht fällig, Wert fällig am 15.10.2017“."""
        if self.overdue:
            return f"{OVERDUE}, fehlt seit {fmt_date(self.missing_since)}"
        return f"{NOT_YET_DUE}, Wert fällig am {fmt_date(self.due)}"

    def days_text(self) -> str:
        """„seit 97 Tagen“ / „seit 1 Tag“ (overdue) or the due date."""
        if not self.overdue:
            return f"fällig am {fmt_date(self.due)}"
        n = self.days_overdue
        return f"seit {fmt_number(n)} {'Tag' if n == 1 else 'Tagen'} überfällig"


def delivery_state(due: dt.date, today: dt.date) -> DeliveryState:
    """Late from the day after the deadline; on the deadline itself the value is still on time."""
    late = (today - due).days
    return DeliveryState(due, late > 0, max(late, 0))
