"""The command line's argument types: numbers and dates read by `zielcockpit.domain.german`.

argparse turns an ArgumentTypeError into „zielcockpit: Fehler: argument --lag: …“ and exit 2;
the message after it is the German sentence of the one reading of German text.
"""

from __future__ import annotations

import argparse
import datetime as dt

from zielcockpit.domain.german import DateError, NumberError, read_date, read_number


def date_arg(text: str) -> dt.date:
    """„2017-10-20“ or „20.10.2017“."""
    try:
        return read_date(text)
    except DateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def integer_arg(text: str) -> int:
    """A whole number („42“, „1.000“, „-3“); its range is checked where it is used."""
    try:
        number = read_number(text)
    except NumberError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if number != number.to_integral_value():
        raise argparse.ArgumentTypeError(f"„{text}“ ist keine ganze Zahl.")
    return int(number)


def seconds_arg(text: str) -> float:
    """A positive number of seconds („5“, „0,5“)."""
    try:
        number = read_number(text)
    except NumberError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"„{text}“: erwartet eine Zahl von Sekunden größer als 0.")
    return float(number)
