"""What the command modules share: the German user error, settings, the engine, the schema
check, who is acting from the shell, and the argument types.

The argument types read numbers and dates with `zielcockpit.domain.german`; argparse turns an
ArgumentTypeError into „zielcockpit: Fehler: argument --lag: …“ and exit 2, the message after
it being the German sentence of the one reading of German text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
from collections.abc import Callable

from sqlalchemy import Engine

from db.engine import check_connection, make_engine
from zielcockpit.domain.access import Principal
from zielcockpit.domain.german import DateError, NumberError, read_date, read_number
from zielcockpit.settings import Settings


class UserError(Exception):
    """A problem the user can fix; the message is German and complete."""


Command = Callable[[argparse.Namespace, Settings], int]

_OPENED: list[Engine] = []  # closed when `main` returns (it also runs inside tests)


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.resolve({"DATABASE_URL": getattr(args, "database_url", None)})


def engine_for(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    _OPENED.append(engine)
    check_connection(engine)
    return engine


def close_engines() -> None:
    while _OPENED:
        _OPENED.pop().dispose()


def require_schema(engine: Engine) -> None:
    from db.migrate import current_revision

    if current_revision(engine) is None:
        raise UserError(
            "Die Datenbank ist noch nicht eingerichtet: bitte zuerst „zielcockpit init-db“."
        )


def open_engine(settings: Settings) -> Engine:
    """The engine of a command that needs the schema in place."""
    engine = engine_for(settings)
    require_schema(engine)
    return engine


# -- who acts from the shell ----------------------------------------------------------------------

SHELL = "Kommandozeile"  # the source recorded in the audit trail for what the command line does


def shell_actor(name: str | None = None) -> str:
    """The name recorded for the command line: the given one, else „shell:<login>“."""
    if name:
        return name
    try:
        return f"shell:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "shell"


def controlling_principal(name: str | None) -> Principal:
    """Whoever may run the command line may do what controlling does; the name is recorded."""
    return Principal(shell_actor(name), "controlling", frozenset())


def admin_principal(name: str | None = None) -> Principal:
    """Whoever may run the command line administers; the name is recorded."""
    return Principal(shell_actor(name), "admin")


# -- argument types -------------------------------------------------------------------------------


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
