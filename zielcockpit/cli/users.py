"""Commands `zielcockpit user ...` and `zielcockpit token create`: accounts from the shell."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from zielcockpit.cli.common import SHELL, admin_principal, open_engine, shell_actor
from zielcockpit.domain.access import AuthError
from zielcockpit.domain.vocabulary import ROLE_WORDS, ROLES
from zielcockpit.settings import Settings


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Passwort: ")
    if getpass.getpass("Passwort wiederholen: ") != first:
        raise AuthError("Die beiden Passwörter stimmen nicht überein.")
    return first


def cmd_user_add(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.users import create_account

    engine = open_engine(settings)
    password = _read_password(args.password_stdin)
    create_account(
        engine,
        admin_principal(),
        args.name,
        args.role,
        args.oe or [],
        password=password,
        display_name=args.display_name,
        source=SHELL,
    )
    units = f" für OE {', '.join(args.oe)}" if args.oe else ""
    print(f"Benutzer „{args.name}“ angelegt: {ROLE_WORDS[args.role]}{units}.")
    return 0


def cmd_user_list(args: argparse.Namespace, settings: Settings) -> int:
    from db.users import list_users

    rows = list_users(open_engine(settings))
    if not rows:
        print("Keine Benutzer angelegt.")
        return 0
    print(f"{'Name':<24} {'Rolle':<12} {'OE':<20} Status")
    for r in rows:
        status = "aktiv" if r.active else "gesperrt"
        if r.demo:
            status += " (Demo)"
        print(f"{r.name:<24} {r.role:<12} {', '.join(r.units) or '–':<20} {status}")
    return 0


def cmd_user_disable(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.users import set_active

    set_active(open_engine(settings), admin_principal(), args.name, False, source=SHELL)
    print(f"Benutzer „{args.name}“ ist gesperrt (Anmeldung nicht mehr möglich; Verlauf bleibt).")
    return 0


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> int:
    from db.tokens import create_token

    token = create_token(
        open_engine(settings), args.name, args.role, args.oe or [], actor=shell_actor()
    )
    print(f"Token „{args.name}“ ({ROLE_WORDS[args.role]}) angelegt. Es wird nur jetzt angezeigt;")
    print("Clients senden es als Kopfzeile „Authorization: Bearer <Token>“ an /api/v1/...")
    print(token)
    return 0


def register(sub: Any) -> None:
    user = sub.add_parser("user", help="Benutzer verwalten")
    user_sub = user.add_subparsers(dest="user_command", metavar="AKTION", required=True)
    p = user_sub.add_parser("add", help="Benutzer anlegen")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=ROLES, help="Rolle")
    p.add_argument("--oe", nargs="+", metavar="OE", help="Organisationseinheit(en), z. B. 510")
    p.add_argument("--display-name", help="Anzeigename")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="Passwort aus der Standardeingabe lesen statt abzufragen",
    )
    p.set_defaults(func=cmd_user_add)
    p = user_sub.add_parser("list", help="Benutzer auflisten")
    p.set_defaults(func=cmd_user_list)
    p = user_sub.add_parser("disable", help="Benutzer sperren")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_user_disable)

    token = sub.add_parser("token", help="API-Tokens für Maschinen-Clients")
    token_sub = token.add_subparsers(dest="token_command", metavar="AKTION", required=True)
    p = token_sub.add_parser("create", help="Token anlegen (wird einmal angezeigt)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--role", required=True, choices=ROLES, help="Rolle")
    p.add_argument("--oe", nargs="+", metavar="OE", help="Organisationseinheit(en)")
    p.set_defaults(func=cmd_token_create)
