"""Commands `zielcockpit orte ...`: the Sozialstrukturindex's definition and the official map."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zielcockpit.cli.common import admin_principal, controlling_principal, open_engine
from zielcockpit.settings import Settings


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from db.places import index_versions
    from zielcockpit.domain.formatting import fmt_datetime, fmt_number
    from zielcockpit.services.places import PlacesError, define_index, parse_component

    engine = open_engine(settings)
    if args.bestandteil:
        if not args.ebene:
            print("Fehler: --ebene fehlt (z. B. stadtbezirk oder stadtteil).", file=sys.stderr)
            return 2
        try:
            parts = [parse_component(p) for p in args.bestandteil]
            saved = define_index(
                engine, controlling_principal(args.user), args.name, args.ebene, parts
            )
        except PlacesError as exc:
            print(f"Fehler: {exc} Nichts gespeichert.", file=sys.stderr)
            return 1
        print(f"{saved.name}: Fassung {saved.version} gespeichert ({saved.level}).")
        return 0
    for v in index_versions(engine, args.name):
        parts_text = ", ".join(
            f"{c['code']} ({c['direction']}, Gewicht {fmt_number(c['weight'])})"
            for c in v.components
        )
        print(
            f"{v.name} Fassung {v.version} ({v.level}) von {v.created_by} am "
            f"{fmt_datetime(v.created_at)}: {parts_text}"
        )
    return 0


def cmd_map(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.district_map import MapRefused, upload_map

    engine = open_engine(settings)
    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        print(f"Fehler: {path} kann nicht gelesen werden ({exc.strerror}).", file=sys.stderr)
        return 1
    admin = admin_principal(args.user)  # the command line is the server's
    try:
        text = upload_map(
            engine,
            admin,
            path.name,
            content,
            settings.max_upload_mb * 1024 * 1024,
            args.namensfeld,
        )
    except MapRefused as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    print(text)
    return 0


def register(sub: Any) -> None:
    places = sub.add_parser("orte", help="Orte: Sozialstrukturindex und amtliche Karte")
    o_sub = places.add_subparsers(dest="orte_command", metavar="AKTION", required=True)
    p = o_sub.add_parser(
        "index", help="Fassungen des Sozialstrukturindex zeigen oder eine neue festlegen"
    )
    p.add_argument("--name", default="Sozialstrukturindex", help="Name des Index")
    p.add_argument("--ebene", help="verglichene Orte: stadtbezirk, stadtteil, quartier")
    p.add_argument(
        "--bestandteil",
        action="append",
        metavar="CODE:RICHTUNG:GEWICHT",
        help="z. B. K-SGB2:hoeher_belastet:2 (mehrfach); ohne: Fassungen zeigen",
    )
    p.add_argument("--user", help="wer legt fest (Standard: der Benutzername)")
    p.set_defaults(func=cmd_index)
    p = o_sub.add_parser("karte", help="amtliche Karte der Stadtbezirke (GeoJSON) speichern")
    p.add_argument("file", metavar="DATEI", help="GeoJSON-Datei (FeatureCollection)")
    p.add_argument("--namensfeld", help="Eigenschaft mit dem Namen des Stadtbezirks")
    p.add_argument("--user", help="wer lädt hoch (Standard: der Benutzername)")
    p.set_defaults(func=cmd_map)
