"""The `zielcockpit` command: database set-up, catalogues, demo data, status, the web server.

Each command module contributes `register(subparsers)`; every command function returns an exit
code. Known problems become one German sentence on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import gettext
import sys
from collections.abc import Callable, Sequence
from typing import Any

from db.engine import DatabaseError
from zielcockpit.cli.common import UserError, close_engines, settings_from

# argparse speaks English; users read German.
_GERMAN = {
    "usage: ": "Aufruf: ",
    "positional arguments": "Argumente",
    "options": "Optionen",
    "show this help message and exit": "diese Hilfe anzeigen und beenden",
    "the following arguments are required: %s": "diese Angaben fehlen: %s",
    "unrecognized arguments: %s": "unbekannte Angaben: %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: Fehler: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "Angabe %(argument_name)s: %(message)s",
    "expected one argument": "erwartet einen Wert",
    "expected at least one argument": "erwartet mindestens einen Wert",
    "invalid choice: %(value)r (choose from %(choices)s)": "ungültige Wahl: %(value)r (möglich: %(choices)s)",
    "invalid %(type)s value: %(value)r": "ungültiger Wert: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s": "mehrdeutige Option: %(option)s passt zu %(matches)s",
    "not allowed with argument %s": "nicht zusammen mit %s erlaubt",
}


def _translate(message: str) -> str:
    return _GERMAN.get(message, message)


argparse._ = _translate  # type: ignore[attr-defined]
gettext.gettext = _translate  # argparse of Python >= 3.12 looks it up here


# -- parser ---------------------------------------------------------------------------------------

DATABASE_URL_HELP = "Datenbank-URL (sonst DATABASE_URL oder ./data/zielcockpit.db)"


class CommandParser(argparse.ArgumentParser):
    """The parser of a command (and of its own subcommands): takes `--database-url` as well.

    Its default is "not given" (SUPPRESS), so a command's parser only sets the value when the
    option comes after the command and never overwrites one given before it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument("--database-url", default=argparse.SUPPRESS, help=DATABASE_URL_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zielcockpit",
        description="Zielcockpit: Ziele, Ist-Werte und Ampeln der Maßnahmenplanung.",
    )
    parser.add_argument("--database-url", help=DATABASE_URL_HELP)
    # Every command's parser (and a subcommand's, e.g. `user add`) is a CommandParser.
    sub = parser.add_subparsers(
        dest="command", metavar="BEFEHL", title="Befehle", parser_class=CommandParser
    )

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    """The command modules, one per command group, each with `register(subparsers)`; the
    order is the order of `zielcockpit --help`."""
    from zielcockpit.cli import (
        backup,
        catalogue,
        contacts,
        database,
        deadlines,
        imports,
        places,
        plan,
        profiles,
        quarter,
        report,
        serve,
        status,
        users,
        worker,
    )

    modules = [database, status, serve, imports, catalogue, users, quarter, report, plan]
    modules += [backup, deadlines, places, profiles, worker, contacts]
    return [m.register for m in modules]


def main(argv: Sequence[str] | None = None) -> int:
    from db.contacts import ContactError
    from db.plan_data import NotFound
    from db.quarters import QuarterError
    from zielcockpit.domain.access import AuthError
    from zielcockpit.domain.catalogue_checks import CatalogueError
    from zielcockpit.services.backup import BackupError
    from zielcockpit.settings import SettingError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = settings_from(args)
        return int(args.func(args, settings))
    except CatalogueError as exc:
        print("Katalog nicht geladen, nichts wurde geschrieben:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  – {problem}", file=sys.stderr)
        return 1
    except (
        DatabaseError,
        UserError,
        NotFound,
        AuthError,
        QuarterError,
        BackupError,
        SettingError,
        ContactError,
    ) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    finally:
        close_engines()
