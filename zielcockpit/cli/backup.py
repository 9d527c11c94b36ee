"""Commands `zielcockpit backup -o DATEI` and `zielcockpit restore DATEI`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zielcockpit.domain.formatting import fmt_number
from zielcockpit.settings import Settings

BACKENDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import engine_for, require_schema
    from zielcockpit.services.backup import backup

    engine = engine_for(settings)
    require_schema(engine)
    result = backup(engine, settings.archive_dir, Path(args.output))
    print(
        f"Sicherung geschrieben: {result.path} ({BACKENDS[result.backend]}, Datenbankstand "
        f"{result.revision}, {fmt_number(result.rows)} Zeilen in {result.tables} Tabellen, "
        f"{result.files} Originaldateien, {_size(result.size)})."
    )
    if result.missing_files:
        print(
            f"Hinweis: {len(result.missing_files)} Originaldateien, die Importläufe nennen, "
            f"fehlen im Archiv {settings.archive_dir} (z. B. {result.missing_files[0]}).",
            file=sys.stderr,
        )
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.cli.common import engine_for
    from zielcockpit.services.backup import restore

    engine = engine_for(settings)
    result = restore(engine, settings.archive_dir, Path(args.file))
    print(
        f"Wiederhergestellt: Sicherung vom {result.created_at} ({BACKENDS[result.backend]}, "
        f"Datenbankstand {result.revision}), {fmt_number(result.rows)} Zeilen, "
        f"{result.files} Originaldateien nach {settings.archive_dir}."
    )
    if result.needs_upgrade:
        print("Die Sicherung ist älter als diese Version: bitte jetzt „zielcockpit init-db“.")
    return 0


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{fmt_number(size / 1024, 1)} KB"
    return f"{fmt_number(size / 1024 / 1024, 1)} MB"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "backup", help="Datenbank und Archiv der Originaldateien in eine Datei sichern"
    )
    p.add_argument("-o", "--output", required=True, metavar="DATEI", help="Sicherungsdatei (.zip)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="Sicherung in eine leere Datenbank zurückspielen")
    p.add_argument("file", metavar="DATEI", help="Sicherungsdatei von „zielcockpit backup“")
    p.set_defaults(func=cmd_restore)
