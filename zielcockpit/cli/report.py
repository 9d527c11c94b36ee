"""Command `zielcockpit report --plan 2017 --period 2017-Q3 -o bericht.pdf`: the committee report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zielcockpit.settings import Settings


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import engine_for, require_schema
    from zielcockpit.domain.formatting import fmt_number
    from zielcockpit.services.report import ReportError, committee_report

    engine = engine_for(settings)
    require_schema(engine)
    target = Path(args.output)
    if target.is_dir():
        print(f"Fehler: {target} ist ein Ordner; bitte einen Dateinamen angeben.", file=sys.stderr)
        return 1
    try:
        report = committee_report(engine, args.plan, args.period)
    except ReportError as exc:
        print(f"Fehler: {exc} Kein Bericht geschrieben.", file=sys.stderr)
        return 1
    try:
        # Written beside the target and moved into place: a failed write leaves no half PDF.
        partial = target.with_name(target.name + ".teil")
        partial.write_bytes(report.content)
        partial.replace(target)
    except OSError as exc:
        print(f"Fehler: {target} kann nicht geschrieben werden ({exc.strerror}).", file=sys.stderr)
        return 1
    print(f"Bericht geschrieben: {target} ({fmt_number(report.pages)} Seiten).")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="Bericht für den Ausschuss als PDF (A4)")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("--period", required=True, help="Quartal, z. B. 2017-Q3")
    p.add_argument("-o", "--output", required=True, help="PDF-Datei, z. B. bericht.pdf")
    p.set_defaults(func=cmd_report)
