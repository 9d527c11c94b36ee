"""Commands `zielcockpit plan public --plan 2017 --on|--off` (the public view of a plan) and
`zielcockpit plan copy 2017 2018` (next year's plan from this one)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zielcockpit.cli.common import controlling_principal
from zielcockpit.settings import Settings


def cmd_public(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import engine_for, require_schema
    from zielcockpit.services.public import set_public

    engine = engine_for(settings)
    require_schema(engine)
    try:
        changed = set_public(engine, controlling_principal(args.user), args.plan, args.on)
    except PermissionError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    state = "öffentlich (/oeffentlich/" + args.plan + ", nur freigegebene Quartale)"
    if not args.on:
        state = "nicht öffentlich"
    print(f"Plan {args.plan}: {'jetzt ' if changed else 'bereits '}{state}.")
    return 0


def cmd_copy(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import engine_for, require_schema
    from zielcockpit.services.catalogue import copy_plan

    engine = engine_for(settings)
    require_schema(engine)
    result = copy_plan(engine, args.source, args.target, controlling_principal(args.user).name)
    print(
        f"Plan {result.plan_key} aus Plan {args.source} angelegt: {result.measures} Maßnahmen, "
        f"{result.indicators} Indikatoren. Zielwerte und Termine sind „zu prüfen“, bis sie "
        "jemand bestätigt (Bearbeiten auf der Maßnahmenseite oder die Katalog-Mappe)."
    )
    return 0


def register(sub: Any) -> None:
    plan = sub.add_parser("plan", help="Einstellungen eines Plans")
    p_sub = plan.add_subparsers(dest="plan_command", metavar="AKTION", required=True)
    p = p_sub.add_parser("public", help="öffentliche Ansicht ohne Anmeldung ein- oder ausschalten")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    switch = p.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="on", action="store_true", help="einschalten")
    switch.add_argument("--off", dest="on", action="store_false", help="ausschalten")
    p.add_argument("--user", help="wer schaltet (Standard: der Benutzername)")
    p.set_defaults(func=cmd_public)
    p = p_sub.add_parser("copy", help="neuen Plan aus einem bestehenden anlegen (z. B. 2017 2018)")
    p.add_argument("source", metavar="VON", help="bestehender Plan, z. B. 2017")
    p.add_argument("target", metavar="NACH", help="neuer Plan, z. B. 2018")
    p.add_argument("--user", help="wer anlegt (Standard: der Benutzername)")
    p.set_defaults(func=cmd_copy)
