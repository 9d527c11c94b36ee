"""The inbox: import every file dropped into a folder, then move it to done/ or rejected/.

Each file is its own import (own transaction); its report (text and JSON) is written beside it.
A file still being copied is left alone until its size stops changing between two looks.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine

from zielcockpit.services.imports import import_files
from zielcockpit.settings import Settings

DONE, REJECTED = "done", "rejected"


def _candidates(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith((".", "~$"))
        and not p.name.endswith((".part", ".tmp", ".crdownload", ".bericht.txt", ".bericht.json"))
    )


def _target(folder: Path, name: str) -> Path:
    """done/x.xlsx, or done/x-20170703-101500.xlsx when the name is already there."""
    target = folder / name
    if not target.exists():
        return target
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return folder / f"{Path(name).stem}-{stamp}{Path(name).suffix}"


def process_once(
    engine: Engine,
    folder: Path,
    settings: Settings,
    user: str,
    profile: str | None = None,
    sizes: dict[Path, int] | None = None,
    out: TextIO | None = None,
) -> list[tuple[Path, str]]:
    """Import the files that are complete; returns (new place, status) per file handled."""
    handled = []
    for path in _candidates(folder):
        size = path.stat().st_size
        if sizes is not None and sizes.get(path) != size:
            sizes[path] = size  # look again next time: it may still be growing
            continue
        report = import_files(engine, [path], profile=profile, user=user, settings=settings)
        status = report.status
        destination_dir = folder / (REJECTED if status == "rejected" else DONE)
        destination_dir.mkdir(exist_ok=True)
        target = _target(destination_dir, path.name)
        shutil.move(str(path), target)
        lines = report.lines()
        target.with_name(target.name + ".bericht.txt").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )
        target.with_name(target.name + ".bericht.json").write_text(
            json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        if sizes is not None:
            sizes.pop(path, None)
        if out is not None:
            where = REJECTED if status == "rejected" else DONE
            print(f"{path.name}: {_word(status)} → {where}/{target.name}", file=out)
        handled.append((target, status))
    return handled


def _word(status: str) -> str:
    return {"ok": "importiert", "unchanged": "unverändert", "rejected": "abgelehnt"}[status]


def watch(
    engine: Engine,
    folder: Path,
    settings: Settings,
    user: str,
    profile: str | None = None,
    interval: float = 5.0,
    once: bool = False,
    out: TextIO | None = None,
) -> None:
    """Watch the folder until interrupted (or one pass with `once`)."""
    if once:
        process_once(engine, folder, settings, user, profile, None, out)
        return
    if out is not None:
        print(f"Überwache {folder} (alle {interval:g} s; Beenden mit Strg+C) …", file=out)
    sizes: dict[Path, int] = {}
    while True:
        process_once(engine, folder, settings, user, profile, sizes, out)
        time.sleep(interval)
