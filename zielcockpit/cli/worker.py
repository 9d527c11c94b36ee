"""Command `zielcockpit worker`: takes jobs (large imports, the report) from the Redis queue."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zielcockpit.cli.common import integer_arg
from zielcockpit.settings import Settings


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.jobs import JobSettingError, run_worker

    try:
        run_worker(settings, workers=args.workers)
    except JobSettingError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "worker",
        help="Aufträge (große Importe, Bericht) aus der Redis-Warteschlange abarbeiten",
        description="Nimmt Aufträge aus der Warteschlange ZIELCOCKPIT_JOBS=redis://… und führt "
        "sie aus; beliebig viele Worker auf beliebig vielen Maschinen, alle mit denselben "
        "Einstellungen wie die App.",
    )
    p.add_argument("--workers", type=integer_arg, default=2, help="Threads je Worker (Standard 2)")
    p.set_defaults(func=cmd_worker)
