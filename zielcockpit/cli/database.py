"""`init-db`, `load-catalogue` and `seed-demo`: the database, its catalogues and the demo."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zielcockpit.cli.common import UserError, engine_for, open_engine
from zielcockpit.settings import Settings


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
    engine = open_engine(settings)
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

    engine = open_engine(settings)
    from db.plan_data import plan_keys

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


def register(sub: Any) -> None:
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
