"""Commands `zielcockpit calendar show|set`: the reporting calendar (delivery deadlines)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zielcockpit.cli.common import date_arg, integer_arg, open_engine, shell_actor
from zielcockpit.domain.formatting import fmt_date
from zielcockpit.settings import Settings


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from db.deadlines import CalendarError, calendar_lines

    try:
        lines = calendar_lines(open_engine(settings), args.plan)
    except CalendarError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(f"Liefertermine des Plans {args.plan} (Stand „heute“: {fmt_date(settings.today)}):")
    for line in lines:
        print(f"  {line.text()}")
    return 0


def cmd_set(args: argparse.Namespace, settings: Settings) -> int:
    from db.deadlines import CalendarError, set_deadline, set_lag

    if (args.deadline is None) == (args.lag is None):
        print(
            "Fehler: Bitte genau eines angeben: --deadline DATUM oder --lag TAGE.", file=sys.stderr
        )
        return 1
    try:
        engine = open_engine(settings)
        if args.lag is not None:
            if not args.source or args.period or args.unit:
                raise CalendarError(
                    "--lag gilt für eine Quelle in allen Quartalen: nur mit --source, ohne "
                    "--period und --unit."
                )
            line = set_lag(engine, args.plan, args.source, args.lag, shell_actor(args.user))
        else:
            if not args.period:
                raise CalendarError("--deadline braucht --period, z. B. --period 2017-Q3.")
            line = set_deadline(
                engine,
                args.plan,
                args.period,
                args.deadline,
                shell_actor(args.user),
                oe=args.unit or "",
                source=args.source or "",
            )
    except CalendarError as exc:
        print(f"Fehler: {exc} Nichts wurde geändert.", file=sys.stderr)
        return 1
    print(f"Gespeichert: {line.text()}")
    return 0


def register(sub: Any) -> None:
    cal = sub.add_parser("calendar", help="Liefertermine (Berichtskalender) anzeigen und setzen")
    c_sub = cal.add_subparsers(dest="calendar_command", metavar="AKTION", required=True)
    p = c_sub.add_parser("show", help="Liefertermine eines Plans")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.set_defaults(func=cmd_show)
    p = c_sub.add_parser("set", help="Liefertermin eines Quartals oder Verzug einer Quelle setzen")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("--period", help="Quartal, z. B. 2017-Q3")
    p.add_argument(
        "--deadline", type=date_arg, help="Liefertermin, z. B. 2017-10-20 oder 20.10.2017"
    )
    p.add_argument("--unit", help="nur für diese Organisationseinheit, z. B. 510")
    p.add_argument("--source", help="nur für diese Quelle, z. B. ba_eckwerte")
    p.add_argument(
        "--lag", type=integer_arg, help="üblicher Verzug der Quelle in Tagen (mit --source)"
    )
    p.add_argument("--user", help="wer setzt (Standard: der Benutzername)")
    p.set_defaults(func=cmd_set)
