"""German number, percent, money and date formats: the writing half of `german.py`."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from functools import lru_cache

from zielcockpit.domain.vocabulary import (
    MILESTONE_WORDS,
)

# Texts of numbers already formatted: a plan's evaluation writes the same targets, values and
# percentages thousands of times. Only int and float, never 0 (0.0 and -0.0 are one key but
# can give „0“ and „-0“); bounded, as the values of a session are.
_NUMBER_TEXTS: dict[tuple[type, float, int | None], str] = {}
_NUMBER_TEXTS_MAX = 50_000


def fmt_number(value: float | None, decimals: int | None = None) -> str:
    """1234.5 -> „1.234,5“; whole numbers without decimals unless asked for."""
    kind = value.__class__
    if kind is float or kind is int:
        key = (kind, value, decimals)
        found = _NUMBER_TEXTS.get(key)  # type: ignore[arg-type]
        if found is None:
            found = _format_number(value, decimals)
            if value and len(_NUMBER_TEXTS) < _NUMBER_TEXTS_MAX:
                _NUMBER_TEXTS[key] = found  # type: ignore[index]
        return found
    return _format_number(value, decimals)


def _format_number(value: float | None, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None and float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")  # the common case, kept cheap
    if decimals is None:
        decimals = 0 if float(value).is_integer() else (1 if abs(value) >= 10 else 2)
        if decimals == 2 and round(value, 1) == round(value, 2):
            decimals = 1
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def fmt_percent(value: float | None, decimals: int | None = None) -> str:
    """Percent points: 5.9 -> „5,9 %“."""
    if value is None:
        return "–"
    return f"{fmt_number(value, decimals)}\u00a0%"


def fmt_attainment(ratio: float | None) -> str:
    """A ratio: 0.952 -> „95 %“."""
    if ratio is None:
        return "–"
    return fmt_percent(math.floor(ratio * 100 + 1e-9), 0)


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return fmt_percent(value)
    if unit == "EUR":
        return f"{fmt_number(value, 0 if float(value).is_integer() else 2)}\u00a0€"
    return fmt_number(value)


def fmt_date(day: dt.date | None) -> str:
    return "–" if day is None else _date_text(day)


@lru_cache(maxsize=4096, typed=True)
def _date_text(day: dt.date) -> str:
    # Cached: a plan's due dates come back in thousands of sentences.
    return day.strftime("%d.%m.%Y")


def fmt_datetime(moment: dt.datetime | None) -> str:
    return "–" if moment is None else moment.strftime("%d.%m.%Y %H:%M")


def fmt_exact(value: Decimal | float | int | None) -> str:
    """A stored number as a form shows it for editing: German, every stored decimal and no
    rounding („1.234,5“, „0,125“, „-3.000“); what german.read_number reads back to the same value."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    sign, _digits, _exponent = number.as_tuple()
    whole, _, fraction = f"{abs(number):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return ("-" if sign and number != 0 else "") + grouped + ("," + fraction if fraction else "")


def value_text(
    value: float | Decimal | None, symbol: str | None, status: str | None, unit: str
) -> str:
    """A stored value as a user reads it: the milestone's Sachstand, the symbol, or the number."""
    if status is not None:
        return MILESTONE_WORDS.get(status, status)
    if symbol is not None:
        return symbol
    if value is None:
        return "–"
    return fmt_value(float(value), unit)
