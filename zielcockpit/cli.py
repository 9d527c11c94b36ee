"""The `zielcockpit` command: database set-up, catalogues, demo data, status, the web server.

Each command module contributes `register(subparsers)`; every command function returns an exit
code. Known problems become one German sentence on stderr and exit 1; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import gettext
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from db.engine import DatabaseError, check_connection, make_engine
from zielcockpit.cli_args import integer_arg
from zielcockpit.settings import Settings

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


class UserError(Exception):
    """A problem the user can fix; the message is German and complete."""


Command = Callable[[argparse.Namespace, Settings], int]


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.resolve({"DATABASE_URL": getattr(args, "database_url", None)})


_OPENED: list[Engine] = []  # closed when `main` returns (it also runs inside tests)


def engine_for(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    _OPENED.append(engine)
    check_connection(engine)
    return engine


# -- commands -------------------------------------------------------------------------------------


def cmd_init_db(args: argparse.Namespace, settings: Settings) -> int:
    from db.migrate import current_revision, upgrade

    engine = engine_for(settings)
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    if before == after:
        print(f"Datenbank ist aktuell (Stand {after}).")
    else:
        print(f"Datenbank eingerichtet (Stand {after}).")
    return 0


def cmd_load_catalogue(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.catalogue import load_catalogue

    files = [Path(f) for f in args.files] or sorted(settings.catalogue_dir.glob("*.yaml"))
    if not files:
        raise UserError(f"Keine Katalogdateien in {settings.catalogue_dir} gefunden.")
    engine = engine_for(settings)
    require_schema(engine)
    for path in files:
        result = load_catalogue(engine, path)
        if result.summary:
            print(f"{result.summary} aus {path.name} geladen.")
            continue
        print(
            f"Plan {result.plan_key}: {result.measures} Maßnahmen, {result.indicators} "
            f"Indikatoren aus {path.name} geladen."
        )
    return 0


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from db.demo import seed_demo
    from zielcockpit.services.catalogue import load_catalogue

    engine = engine_for(settings)
    require_schema(engine)
    from db.status import plan_keys

    if args.plan not in plan_keys(engine):
        for path in sorted(settings.catalogue_dir.glob("*.yaml")):
            load_catalogue(engine, path)
    result = seed_demo(engine, args.plan)
    print(
        f"Demodaten für Plan {args.plan}: {result.values} Werte, {result.comments} Kommentare, "
        f"{result.overrides} manuelle Ampel geschrieben (als Demodaten gekennzeichnet)."
    )
    from db.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    print(f"Demo-Zugänge (nur für Demodaten; Passwort für alle: {DEMO_PASSWORD}):")
    for name, role, _units, about in DEMO_ACCOUNTS:
        print(f"  {name:<18} {role:<12} {about}")
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from db.status import plan_status, report_json
    from zielcockpit.status_table import render_table

    engine = engine_for(settings)
    require_schema(engine)
    report = plan_status(engine, args.plan, args.period, settings.today)
    if args.json:
        json.dump(report_json(report), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_table(report))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app import create_app, warm_up
    from db.demo import has_demo_data
    from db.users import admin_exists

    engine = engine_for(settings)
    require_schema(engine)
    if not has_demo_data(engine):
        # A real database is served only with a fixed secret and somebody who can administer it.
        if not settings.secret_key:
            raise UserError(
                "Ohne Demodaten startet der Server nur mit ZIELCOCKPIT_SECRET_KEY "
                "(einem langen, geheimen Zufallswert)."
            )
        if not admin_exists(engine):
            raise UserError(
                "Es gibt noch keinen aktiven Administrator: zuerst "
                "„zielcockpit user add NAME --role admin“."
            )
    from zielcockpit.services.jobs import start_background

    dash_app = create_app(settings)
    warm_up(dash_app)  # the dev server is threaded too
    start_background(settings)  # the periodic reminders (embedded queue)
    print(f"Zielcockpit läuft auf http://{args.host}:{args.port}/ (Beenden mit Strg+C)")
    dash_app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def require_schema(engine: Engine) -> None:
    from db.migrate import current_revision

    if current_revision(engine) is None:
        raise UserError(
            "Die Datenbank ist noch nicht eingerichtet: bitte zuerst „zielcockpit init-db“."
        )


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

    p = sub.add_parser("init-db", help="Datenbank anlegen bzw. auf den neuesten Stand bringen")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("load-catalogue", help="Maßnahmenkatalog(e) laden (YAML)")
    p.add_argument(
        "files", nargs="*", metavar="DATEI", help="Katalogdateien (Standard: alle im Katalogordner)"
    )
    p.set_defaults(func=cmd_load_catalogue)

    p = sub.add_parser("seed-demo", help="Demodaten (Ist-Werte 2017) schreiben")
    p.add_argument("--plan", default="2017", help="Plan (Standard: 2017)")
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("status", help="Ampelstatus eines Plans für einen Zeitraum")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("--period", required=True, help="Zeitraum: 2017, 2017-Q2 oder 2017-06")
    p.add_argument("--json", action="store_true", help="als JSON ausgeben")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("serve", help="Web-Oberfläche starten")
    p.add_argument("--host", default="127.0.0.1", help="Adresse (Standard: 127.0.0.1)")
    p.add_argument("--port", type=integer_arg, default=8050, help="Port (Standard: 8050)")
    p.add_argument("--debug", action="store_true", help="Entwicklungsmodus")
    p.set_defaults(func=cmd_serve)

    for register in _extensions():
        register(sub)
    return parser


def _extensions() -> list[Callable[[Any], None]]:
    """The command modules (import/template, users/tokens, quarters, report, plan, backup,
    calendar, catalogue, places, profiles, worker, contacts/remind), each with `register`."""
    from zielcockpit import (
        backup_cli,
        calendar_cli,
        catalogue_cli,
        contacts_cli,
        import_cli,
        places_cli,
        plan_cli,
        profiles_cli,
        quarter_cli,
        report_cli,
        users_cli,
        worker_cli,
    )

    return [
        import_cli.register,
        catalogue_cli.register,
        users_cli.register,
        quarter_cli.register,
        report_cli.register,
        plan_cli.register,
        backup_cli.register,
        calendar_cli.register,
        places_cli.register,
        profiles_cli.register,
        worker_cli.register,
        contacts_cli.register,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    from db.contacts import ContactError
    from db.quarters import QuarterError
    from db.status import NotFound
    from zielcockpit.auth import AuthError
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
        while _OPENED:
            _OPENED.pop().dispose()


if __name__ == "__main__":
    raise SystemExit(main())
