"""Commands `zielcockpit contacts list|add|remove` and `zielcockpit remind [--dry-run]`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zielcockpit.cli.common import SHELL, admin_principal, open_engine
from zielcockpit.domain.formatting import fmt_date
from zielcockpit.settings import Settings


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.contacts import contacts

    rows = contacts(open_engine(settings), admin_principal(None), args.unit)
    if not rows:
        print("Keine Kontakte hinterlegt." + (f" (OE {args.unit})" if args.unit else ""))
        return 0
    print(f"{'OE':<10} {'Maßnahme':<12} {'Name':<30} E-Mail")
    for r in rows:
        print(f"{r.oe:<10} {r.measure or '–':<12} {r.name or '–':<30} {r.email}")
    return 0


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    from db.contacts import ContactError
    from zielcockpit.services.contacts import add

    try:
        row = add(
            open_engine(settings),
            admin_principal(args.user),
            args.unit,
            args.name or "",
            args.email,
            args.measure or "",
            source=SHELL,
        )
    except ContactError as exc:
        print(f"Fehler: {exc} Nichts wurde gespeichert.", file=sys.stderr)
        return 1
    print(f"Gespeichert: {row.address} für {row.scope}.")
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from db.contacts import ContactError
    from zielcockpit.services.contacts import remove

    try:
        row = remove(
            open_engine(settings),
            admin_principal(args.user),
            args.unit,
            args.email,
            args.measure or "",
            source=SHELL,
        )
    except ContactError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(f"Entfernt: {row.address} für {row.scope}.")
    return 0


def cmd_remind(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.reminders import remind

    report = remind(open_engine(settings), settings, dry_run=args.dry_run, plan=args.plan)
    what = "Probelauf, nichts gesendet" if args.dry_run else "Erinnerungen"
    print(f"{what} (Stand „heute“: {fmt_date(report.today)}):")
    for line in report.lines:
        print(f"  {line}")
    for scope in report.without_contacts:
        print(f"  Ohne Kontakte (nicht erinnert): {scope}")
    if not args.dry_run:
        print(
            f"Vorgemerkt: {report.recorded}, gesendet: {report.sent}, nicht gesendet: "
            f"{report.failed}."
        )
    return 1 if report.failed else 0


def register(sub: Any) -> None:
    c = sub.add_parser("contacts", help="Lieferkontakte der Organisationseinheiten (Erinnerungen)")
    c_sub = c.add_subparsers(dest="contacts_command", metavar="AKTION", required=True)
    p = c_sub.add_parser("list", help="Kontakte anzeigen")
    p.add_argument("--unit", help="nur diese Organisationseinheit, z. B. 510")
    p.set_defaults(func=cmd_list)
    for name, func, about in (
        ("add", cmd_add, "Kontakt hinzufügen"),
        ("remove", cmd_remove, "Kontakt entfernen"),
    ):
        p = c_sub.add_parser(name, help=about)
        p.add_argument("--unit", required=True, help="Organisationseinheit, z. B. 510")
        p.add_argument("--email", required=True, help="E-Mail-Adresse")
        p.add_argument("--measure", help="nur für diese Maßnahme, z. B. 510-3")
        p.add_argument("--user", help="wer ändert (Standard: der Benutzername)")
        if name == "add":
            p.add_argument("--name", help="Name der Person")
        p.set_defaults(func=func)

    p = sub.add_parser(
        "remind",
        help="Erinnerungen an fehlende Werte per E-Mail senden",
        description="Derselbe Lauf wie der regelmäßige Auftrag: merkt fällige Erinnerungen vor "
        "und sendet alles noch nicht Gesendete (siehe docs/reminders.md).",
    )
    p.add_argument("--dry-run", action="store_true", help="nur anzeigen, nichts senden")
    p.add_argument("--plan", help="nur diesen Plan, z. B. 2017")
    p.set_defaults(func=cmd_remind)
