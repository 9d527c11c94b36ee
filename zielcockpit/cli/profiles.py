"""Command `zielcockpit profiles`: the import profiles, shipped and taught in the browser."""

from __future__ import annotations

import argparse
from typing import Any

from zielcockpit.domain.formatting import fmt_datetime
from zielcockpit.settings import Settings


def cmd_profiles(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import engine_for, require_schema
    from zielcockpit.services.teach import profile_list

    engine = engine_for(settings)
    require_schema(engine)
    rows = profile_list(engine)
    print(f"{'Name':<28} {'Herkunft':<13} {'angelegt':<32} Titel")
    for r in rows:
        made = ""
        if r["created_by"]:
            made = f"{r['created_by']} am {fmt_datetime(r['created_at'])}"
        print(f"{r['name']:<28} {r['origin']:<13} {made:<32} {r['title']}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser(
        "profiles",
        help="Importprofile auflisten: mitgeliefert und im Browser angelernt",
    )
    p.set_defaults(func=cmd_profiles)
