"""The `import` and `template` commands (registered into `zielcockpit` by zielcockpit.cli)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from zielcockpit.cli.common import seconds_arg
from zielcockpit.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser(
        "import",
        help="Dateien importieren (Excel, CSV): prüfen, dann alles oder nichts schreiben",
        description=(
            "Liest Excel- und CSV-Dateien (BA-Statistik, REKOM, KAF, Erfassungsvorlage, "
            "Langformat), prüft jeden Wert gegen den Katalog und schreibt nur, wenn keine Datei "
            "einen Fehler hat. Exit 0: geschrieben oder unverändert; 1: abgelehnt; 2: Aufruffehler."
        ),
    )
    p.add_argument("files", nargs="*", metavar="DATEI", help="zu importierende Dateien")
    p.add_argument("--profile", metavar="NAME", help="Importprofil (sonst automatisch erkannt)")
    p.add_argument(
        "--dry-run", action="store_true", help="nur prüfen und zeigen, was sich ändern würde"
    )
    p.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben")
    p.add_argument("--user", metavar="NAME", help="wer importiert (Standard: der Benutzername)")
    p.add_argument(
        "--watch",
        metavar="ORDNER",
        help="Eingangsordner überwachen: Dateien importieren, nach done/ oder rejected/ verschieben",
    )
    p.add_argument(
        "--interval",
        type=seconds_arg,
        default=5.0,
        help="Sekunden zwischen zwei Blicken in den Ordner",
    )
    p.add_argument(
        "--once", action="store_true", help="mit --watch: den Ordner einmal abarbeiten, dann enden"
    )
    p.set_defaults(func=cmd_import)

    t = sub.add_parser(
        "template",
        help="Erfassungsvorlage (Excel) für eine Organisationseinheit und ein Quartal schreiben",
    )
    t.add_argument("--oe", required=True, help="Organisationseinheit, z. B. 540")
    t.add_argument("--period", required=True, help="Quartal, z. B. 2017-Q2")
    t.add_argument("--plan", help="Plan (nur nötig, wenn mehrere Pläne dasselbe Jahr haben)")
    t.add_argument("-o", "--output", required=True, metavar="DATEI", help="Zieldatei (.xlsx)")
    t.set_defaults(func=cmd_template)


def _usage(message: str) -> int:
    print(f"zielcockpit import: Fehler: {message}", file=sys.stderr)
    return 2


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from etl.profile import UnknownProfile, resolve_profile
    from zielcockpit.cli.common import engine_for

    if args.watch and args.files:
        return _usage("entweder DATEI ... oder --watch ORDNER angeben, nicht beides.")
    if not args.watch and not args.files:
        return _usage("mindestens eine DATEI oder --watch ORDNER angeben.")
    user = args.user or getpass.getuser()
    engine = engine_for(settings)
    try:
        resolve_profile(args.profile, _profiles(engine))
    except UnknownProfile as exc:
        engine.dispose()
        return _usage(str(exc))
    try:
        return _run_import(args, settings, engine, user)
    finally:
        engine.dispose()


def _profiles(engine: Engine) -> Any:
    """Shipped and saved profiles; only the shipped ones while the database has no schema yet
    (the import itself then says to run init-db)."""
    from sqlalchemy.exc import SQLAlchemyError

    from zielcockpit.services.imports import all_profiles

    try:
        with engine.connect() as conn:
            return all_profiles(conn)
    except SQLAlchemyError:
        return None


def _run_import(args: argparse.Namespace, settings: Settings, engine: Engine, user: str) -> int:
    from zielcockpit.cli.common import require_schema
    from zielcockpit.services.imports import import_files

    require_schema(engine)
    if args.watch:
        from zielcockpit.services.watch import watch

        folder = Path(args.watch)
        if not folder.is_dir():
            return _usage(f"Eingangsordner {folder} gibt es nicht.")
        watch(
            engine,
            folder,
            settings=settings,
            user=user,
            profile=args.profile,
            interval=args.interval,
            once=args.once,
            out=sys.stdout,
        )
        return 0
    report = import_files(
        engine,
        [Path(f) for f in args.files],
        profile=args.profile,
        dry_run=args.dry_run,
        user=user,
        settings=settings,
    )
    if args.json:
        json.dump(report.as_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        stream = sys.stderr if report.status == "rejected" else sys.stdout
        for line in report.lines():
            print(line, file=stream)
    return 1 if report.status == "rejected" else 0


def cmd_template(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import UserError, engine_for, require_schema
    from zielcockpit.services.entry_template import TemplateError, write_template

    engine = engine_for(settings)
    try:
        require_schema(engine)
        result = write_template(engine, args.oe, args.period, Path(args.output), plan_key=args.plan)
    except TemplateError as exc:
        raise UserError(str(exc)) from exc
    finally:
        engine.dispose()
    print(
        f"Erfassungsvorlage für OE {result.oe} ({result.period_label}, Plan {result.plan_key}) "
        f"mit {result.indicators} Indikatoren geschrieben: {result.path}"
    )
    return 0
