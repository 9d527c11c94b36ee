"""`serve`: the web server. The only command module that imports the app."""

from __future__ import annotations

import argparse
from typing import Any

from zielcockpit.cli.common import UserError, integer_arg, open_engine
from zielcockpit.settings import Settings


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from app import create_app, warm_up
    from db.demo import has_demo_data
    from db.users import admin_exists

    engine = open_engine(settings)
    if not has_demo_data(engine):
        # A real database is served only with a fixed secret and somebody who can administer it.
        if not settings.secret_key:
            raise UserError(
                "Ohne Demodaten startet der Server nur mit ZIELCOCKPIT_SECRET_KEY "
                "(einem langen, geheimen Zufallswert)."
            )
        if not admin_exists(engine):
            raise UserError(
                "Es gibt noch keinen aktiven Administrator: zuerst "
                "„zielcockpit user add NAME --role admin“."
            )
    from zielcockpit.services.jobs import start_background

    dash_app = create_app(settings)
    warm_up(dash_app)  # the dev server is threaded too
    start_background(settings)  # the periodic reminders (embedded queue)
    print(f"Zielcockpit läuft auf http://{args.host}:{args.port}/ (Beenden mit Strg+C)")
    dash_app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="Web-Oberfläche starten")
    p.add_argument("--host", default="127.0.0.1", help="Adresse (Standard: 127.0.0.1)")
    p.add_argument("--port", type=integer_arg, default=8050, help="Port (Standard: 8050)")
    p.add_argument("--debug", action="store_true", help="Entwicklungsmodus")
    p.set_defaults(func=cmd_serve)
