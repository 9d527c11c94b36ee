"""Commands `zielcockpit catalogue export|import`: the catalogue as a workbook controllers maintain."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zielcockpit.cli.common import controlling_principal, open_engine
from zielcockpit.settings import Settings

SHOWN = 200  # changes listed in full; the rest counted


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.catalogue import export_workbook

    content = export_workbook(open_engine(settings), args.plan)
    out = Path(args.output)
    out.write_bytes(content)
    print(f"Katalog des Plans {args.plan} geschrieben: {out}")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import UserError
    from zielcockpit.services.catalogue import import_workbook

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UserError(f"Datei {path} lässt sich nicht lesen ({exc.strerror}).") from exc
    engine = open_engine(settings)
    actor = controlling_principal(args.user).name
    outcome = import_workbook(engine, content, path.name, args.plan, apply=args.yes, actor=actor)
    if outcome.unchanged:
        print(f"Katalog des Plans {outcome.plan_key}: unverändert, nichts geschrieben.")
        return 0
    print(f"Änderungen am Katalog des Plans {outcome.plan_key} ({len(outcome.changes)}):")
    for change in outcome.changes[:SHOWN]:
        print(f"  – {change.line()}")
    if len(outcome.changes) > SHOWN:
        print(f"  … und {len(outcome.changes) - SHOWN} weitere Änderungen.")
    if not outcome.written:
        print("Nichts geschrieben: zum Übernehmen mit --yes aufrufen.", file=sys.stderr)
        return 0
    kept = outcome.result.kept_for_released if outcome.result else ()
    print(f"Übernommen ({len(outcome.changes)} Änderungen, im Protokoll).")
    if kept:
        print(
            "Freigegebene Quartale behalten ihre Bewertung; die Änderung gilt ab dem nächsten "
            f"offenen Quartal: {', '.join(kept)}."
        )
    return 0


def register(sub: Any) -> None:
    catalogue = sub.add_parser(
        "catalogue", help="Maßnahmenkatalog als Excel-Mappe aus- und einlesen"
    )
    c_sub = catalogue.add_subparsers(dest="catalogue_command", metavar="AKTION", required=True)
    p = c_sub.add_parser("export", help="den ganzen Katalog eines Plans als Excel-Mappe schreiben")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("-o", "--output", required=True, metavar="DATEI", help="Zieldatei (.xlsx)")
    p.set_defaults(func=cmd_export)
    p = c_sub.add_parser(
        "import", help="eine gepflegte Katalog-Mappe einlesen (zeigt die Änderungen alt → neu)"
    )
    p.add_argument("file", metavar="DATEI", help="die Mappe (.xlsx)")
    p.add_argument("--plan", help="Plan (Standard: der Plan im Blatt „Hinweise“)")
    p.add_argument("--yes", "-y", action="store_true", help="die Änderungen übernehmen")
    p.add_argument("--user", help="wer ändert (Standard: der Benutzername)")
    p.set_defaults(func=cmd_import)
