"""Commands `zielcockpit quarter release|reopen|list`: the state of a plan's quarters."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zielcockpit.cli.common import controlling_principal, open_engine
from zielcockpit.domain.periods import Period
from zielcockpit.settings import Settings


def cmd_release(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.quarter import release_quarter

    engine = open_engine(settings)
    outcome = release_quarter(
        engine, controlling_principal(args.user), args.plan, args.period, confirmed=args.yes
    )
    if outcome.missing:
        print(f"Noch offen ({len(outcome.missing)}):", file=sys.stderr)
        for row in outcome.missing[:50]:
            late = f" ({row.delivery.text()})" if row.delivery is not None else ""
            print(
                f"  – {row.oe} {row.indicator} {row.indicator_name}: {row.what}{late}",
                file=sys.stderr,
            )
        if len(outcome.missing) > 50:
            print(f"  … und {len(outcome.missing) - 50} weitere", file=sys.stderr)
    if outcome.needs_confirmation:
        print(
            "Fehler: Es fehlen noch Werte. Freigeben trotzdem mit --yes (oder die Werte "
            "nachtragen). Nichts wurde geändert.",
            file=sys.stderr,
        )
        return 1
    if outcome.error is not None or outcome.state is None:
        print(f"Fehler: {outcome.error}", file=sys.stderr)
        return 1
    label = Period.parse(outcome.state.period).label
    print(f"{label} des Plans {args.plan}: {outcome.state.label}.")
    return 0


def cmd_reopen(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.quarter import reopen_quarter

    state = reopen_quarter(
        open_engine(settings), controlling_principal(args.user), args.plan, args.period, args.reason
    )
    print(
        f"{Period.parse(state.period).label} des Plans {args.plan}: wieder geöffnet ({state.label})."
    )
    return 0


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from db.quarters import quarter_states

    for state in quarter_states(open_engine(settings), args.plan):
        line = f"{state.period}  {Period.parse(state.period).label:<22} {state.label}"
        if state.reopen_reason and not state.released:
            line += f" – Begründung: {state.reopen_reason}"
        print(line)
    return 0


def register(sub: Any) -> None:
    quarter = sub.add_parser("quarter", help="Quartale freigeben, wieder öffnen, auflisten")
    q_sub = quarter.add_subparsers(dest="quarter_command", metavar="AKTION", required=True)
    p = q_sub.add_parser("release", help="Quartal freigeben (danach keine Änderungen mehr)")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("--period", required=True, help="Quartal, z. B. 2017-Q2")
    p.add_argument("--user", help="wer freigibt (Standard: der Benutzername)")
    p.add_argument(
        "--yes", "-y", action="store_true", help="auch freigeben, wenn noch Werte fehlen"
    )
    p.set_defaults(func=cmd_release)
    p = q_sub.add_parser("reopen", help="freigegebenes Quartal mit Begründung wieder öffnen")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("--period", required=True, help="Quartal, z. B. 2017-Q2")
    p.add_argument("--reason", required=True, help="Begründung (Pflicht)")
    p.add_argument("--user", help="wer öffnet (Standard: der Benutzername)")
    p.set_defaults(func=cmd_reopen)
    p = q_sub.add_parser("list", help="Quartale eines Plans mit ihrem Stand")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.set_defaults(func=cmd_list)
