"""Keeping the original of every imported file, under its checksum, once its run is committed;
and the German answer when the disk (or the database) is full."""

from __future__ import annotations

import datetime as dt
import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from etl.reading import Book

STALE_TEMP = dt.timedelta(hours=1)


@dataclass
class PendingArchive:
    """An original written beside its place in the archive, moved there once its import run
    is committed: an import that fails or is killed leaves no archived file without a run."""

    target: Path
    temp: Path | None = None

    def commit(self) -> None:
        if self.temp is not None:
            os.replace(self.temp, self.target)
            self.temp = None

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None


def archive_file(book: Book, archive_dir: Path) -> PendingArchive:
    """Prepare keeping the original under its checksum; the same content is stored once."""
    suffix = Path(book.file_name).suffix.lower() or ".bin"
    target = archive_dir / book.checksum[:2] / f"{book.checksum}{suffix}"
    if target.exists():
        return PendingArchive(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale_temps(target.parent)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(book.data)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)  # a full disk leaves no half-written original
        raise
    return PendingArchive(target, Path(tmp))


def is_disk_full(exc: BaseException) -> bool:
    """No space left: ENOSPC from the file system, or the database saying so (SQLite „database
    or disk is full“, PostgreSQL SQLSTATE 53100)."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        return getattr(orig, "sqlstate", None) == "53100" or "disk is full" in str(orig)
    return False


def no_space_message(where: str) -> str:
    """The German sentence for a full disk (ENOSPC) while writing `where`."""
    return (
        f"Kein Speicherplatz frei ({where}): nichts wurde geschrieben, angefangene Dateien "
        "wurden entfernt. Bitte Platz schaffen lassen (Administration) und den Import "
        "wiederholen."
    )


def _sweep_stale_temps(folder: Path) -> None:
    """Temporary originals of imports killed before their commit (kill -9, power loss)."""
    limit = (dt.datetime.now() - STALE_TEMP).timestamp()
    for stale in folder.glob(".tmp-*"):
        try:
            if stale.stat().st_mtime < limit:
                stale.unlink()
        except OSError:
            continue  # another import swept it first
