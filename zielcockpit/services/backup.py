"""Backup and restore: the database and the archive of original files in one zip file.

The file holds `manifest.json` (backend, migration, row count per table, every archived file
with its SHA-256), the database and `archiv/…`. SQLite is copied with SQLite's online backup
API (a consistent copy while the app runs). PostgreSQL is dumped with `pg_dump` as plain SQL and
restored with `psql` in one transaction: pg_dump restores exactly what was there (every table
including `alembic_version`, types, constraints, the positions of the id sequences), which a
home-made dump through SQLAlchemy would have to re-create column type by column type; and the
dump inside the file is one an operator can also read or load by hand. The row counts are read
in the very snapshot pg_dump dumps (`pg_export_snapshot`), so the restore can check them.

A restore goes only into an empty database (no tables, or the tables of `init-db` without
data) and writes all or nothing: SQLite's backup API replaces the file in one transaction;
psql runs the dump with `--single-transaction` and checks the row counts before it commits;
archived originals are unpacked and checked beside the archive first and moved in only after
the database is restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from db.migrate import head_revision, is_known_revision
from db.models import Base

FORMAT = "zielcockpit-sicherung"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "datenbank.sqlite3"
POSTGRES_MEMBER = "datenbank.sql"
ARCHIVE_PREFIX = "archiv/"
# Rows in these tables do not make a database "not empty": the writers' lock row and the
# migration stamp come with `init-db`, a session key and failed logins with a first start.
BOOKKEEPING = frozenset({"alembic_version", "write_lock", "app_secret", "login_attempt"})
KNOWN_TABLES = frozenset(Base.metadata.tables) | {"alembic_version"}
TOOL_TIMEOUT_SECONDS = 3600


class BackupError(Exception):
    """A backup or restore that did not happen; the message is one German sentence."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backend: str
    revision: str
    rows: int
    tables: int
    files: int
    size: int
    missing_files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RestoreResult:
    backend: str
    revision: str
    rows: int
    files: int
    created_at: str
    needs_upgrade: bool


# -- backup ---------------------------------------------------------------------------------------


def backup(engine: Engine, archive_dir: Path, target: Path) -> BackupResult:
    """Write the database and the archived originals to `target` (written whole or not at all)."""
    backend = engine.url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Sicherung für die Datenbankart {backend} wird nicht unterstützt.")
    target = target.resolve()
    if not target.parent.is_dir():
        raise BackupError(f"Der Ordner {target.parent} existiert nicht.")
    with tempfile.TemporaryDirectory(prefix="zc-sicherung-") as work:
        dumped = Path(work) / "datenbank"
        if backend == "sqlite":
            counts, revision = _dump_sqlite(engine, dumped)
            member = SQLITE_MEMBER
        else:
            counts, revision = _dump_postgres(engine, dumped)
            member = POSTGRES_MEMBER
        if revision is None:
            raise BackupError("Die Datenbank ist nicht eingerichtet; es gibt nichts zu sichern.")
        files = list(_archive_files(archive_dir))
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "backend": backend,
            "revision": revision,
            "database": {"member": member, "sha256": _sha256(dumped)},
            "tables": counts,
            "archive": [
                {"path": rel, "sha256": _sha256(path), "size": path.stat().st_size}
                for rel, path in files
            ],
        }
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
                zf.write(dumped, member)
                for rel, path in files:
                    zf.write(path, ARCHIVE_PREFIX + rel)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    stored = {rel for rel, _ in files}
    missing = [p for p in _referenced_archive_files(engine, archive_dir) if p not in stored]
    return BackupResult(
        path=target,
        backend=backend,
        revision=revision,
        rows=sum(counts.values()),
        tables=len(counts),
        files=len(files),
        size=target.stat().st_size,
        missing_files=missing,
    )


def _dump_sqlite(engine: Engine, out: Path) -> tuple[dict[str, int], str | None]:
    source = sqlite3.connect(_sqlite_path(engine), timeout=60)
    copy = sqlite3.connect(out)
    try:
        # All pages in one step: one consistent snapshot, writers wait only for the copy.
        source.backup(copy)
    finally:
        source.close()
    try:
        return _counts_sqlite(copy), _revision_sqlite(copy)
    finally:
        copy.close()


def _dump_postgres(engine: Engine, out: Path) -> tuple[dict[str, int], str | None]:
    pg_dump = _tool("pg_dump")
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            tables = _pg_tables(conn)
            counts = {t: _count(conn, t) for t in tables}
            revision = (
                conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in tables
                else None
            )
            # pg_dump dumps the very snapshot counted above (it must start while it is open).
            _run(
                [pg_dump, "--format=plain", "--no-owner", "--no-privileges"]
                + [f"--snapshot={snapshot}", f"--file={out}"],
                engine,
                "Die Sicherung mit pg_dump ist fehlgeschlagen",
            )
    return counts, revision


# -- restore --------------------------------------------------------------------------------------


def restore(engine: Engine, archive_dir: Path, source: Path) -> RestoreResult:
    """Restore a backup file into an empty database; all or nothing."""
    backend = engine.url.get_backend_name()
    with _opened(source) as zf:
        manifest = _manifest(zf)
        if manifest["backend"] != backend:
            names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
            raise BackupError(
                f"Die Sicherung stammt aus {names.get(manifest['backend'], manifest['backend'])}, "
                f"die Zieldatenbank ist {names.get(backend, backend)}; nichts wurde geändert."
            )
        revision = str(manifest["revision"])
        if not is_known_revision(revision):
            raise BackupError(
                f"Die Sicherung stammt von einer neueren Version (Datenbankstand {revision}); "
                "bitte Zielcockpit aktualisieren, nichts wurde geändert."
            )
        _refuse_unless_empty(engine)
        with tempfile.TemporaryDirectory(prefix="zc-wiederherstellung-") as work:
            dumped = _extract_checked(zf, manifest["database"], Path(work))
            staged = _stage_archive(zf, manifest["archive"], archive_dir)
            try:
                if backend == "sqlite":
                    _restore_sqlite(engine, dumped, manifest["tables"])
                else:
                    _restore_postgres(engine, dumped, manifest["tables"])
                _move_in(staged, archive_dir)
            finally:
                shutil.rmtree(staged, ignore_errors=True)
    return RestoreResult(
        backend=backend,
        revision=revision,
        rows=sum(manifest["tables"].values()),
        files=len(manifest["archive"]),
        created_at=str(manifest["created_at"]),
        needs_upgrade=revision != head_revision(),
    )


@contextmanager
def _opened(source: Path) -> Iterator[zipfile.ZipFile]:
    if not source.is_file():
        raise BackupError(f"Die Sicherungsdatei {source} gibt es nicht.")
    try:
        with zipfile.ZipFile(source) as zf:
            yield zf
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{source.name} ist keine Zielcockpit-Sicherung (kein Zip).") from exc


def _manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise BackupError(
            "Die Datei ist keine Zielcockpit-Sicherung (manifest.json fehlt)."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("Die Datei ist keine Zielcockpit-Sicherung (unbekanntes Format).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"Sicherungsformat {manifest.get('format_version')} wird von dieser Version nicht "
            "gelesen; nichts wurde geändert."
        )
    tables = manifest.get("tables")
    # The names go into the SQL that checks the row counts: plain names only.
    if not isinstance(tables, dict) or not all(
        re.fullmatch(r"[a-z_][a-z0-9_]*", str(t)) and isinstance(n, int) for t, n in tables.items()
    ):
        raise BackupError(
            "Das Inhaltsverzeichnis der Sicherung ist beschädigt; nichts wurde geändert."
        )
    return manifest


def _extract_checked(zf: zipfile.ZipFile, entry: Mapping[str, Any], folder: Path) -> Path:
    out = folder / Path(str(entry["member"])).name
    try:
        with zf.open(str(entry["member"])) as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except KeyError as exc:
        raise BackupError(
            f"In der Sicherung fehlt {entry['member']}; nichts wurde geändert."
        ) from exc
    if _sha256(out) != entry["sha256"]:
        raise BackupError(
            f"{entry['member']} in der Sicherung ist beschädigt (Prüfsumme falsch); "
            "nichts wurde geändert."
        )
    return out


def _stage_archive(zf: zipfile.ZipFile, entries: list[dict[str, Any]], archive_dir: Path) -> Path:
    """Unpack and check the originals beside the archive (same file system: moving is renaming)."""
    archive_dir.mkdir(parents=True, exist_ok=True)
    staged = archive_dir / f".wiederherstellung-{uuid.uuid4().hex[:8]}"
    try:
        for entry in entries:
            rel = _safe_relative(str(entry["path"]))
            existing = archive_dir / rel
            if existing.exists() and _sha256(existing) != entry["sha256"]:
                raise BackupError(
                    f"Im Archiv liegt schon eine andere Datei {rel}; nichts wurde geändert."
                )
            out = staged / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(ARCHIVE_PREFIX + rel) as src, out.open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            except KeyError as exc:
                raise BackupError(
                    f"In der Sicherung fehlt die Originaldatei {rel}; nichts wurde geändert."
                ) from exc
            if _sha256(out) != entry["sha256"]:
                raise BackupError(
                    f"Die Originaldatei {rel} in der Sicherung ist beschädigt (Prüfsumme falsch); "
                    "nichts wurde geändert."
                )
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def _move_in(staged: Path, archive_dir: Path) -> None:
    for path in sorted(p for p in staged.rglob("*") if p.is_file()):
        target = archive_dir / path.relative_to(staged)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            os.replace(path, target)


def _safe_relative(rel: str) -> str:
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or ".." in parts:
        raise BackupError(f"Ungültiger Pfad {rel!r} in der Sicherung; nichts wurde geändert.")
    return Path(*parts).as_posix()


def _refuse_unless_empty(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite":
        path = Path(_sqlite_path(engine))
        if not path.exists() or path.stat().st_size == 0:
            return
        conn = sqlite3.connect(path)
        try:
            counts = _counts_sqlite(conn)
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                f"{path} ist keine leere SQLite-Datenbank ({exc}); nichts wurde geändert."
            ) from exc
        finally:
            conn.close()
    else:
        with engine.connect() as pg:
            counts = {t: _count(pg, t) for t in _pg_tables(pg)}
    foreign = sorted(set(counts) - KNOWN_TABLES)
    if foreign:
        raise BackupError(
            f"Die Zieldatenbank enthält fremde Tabellen ({', '.join(foreign[:5])}); "
            "wiederhergestellt wird nur in eine leere Datenbank, nichts wurde geändert."
        )
    filled = [(t, n) for t, n in sorted(counts.items()) if n and t not in BOOKKEEPING]
    if filled:
        table, rows = filled[0]
        raise BackupError(
            f"Die Zieldatenbank ist nicht leer (Tabelle {table}: {rows} Zeilen); "
            "wiederhergestellt wird nur in eine leere Datenbank, nichts wurde geändert."
        )


def _restore_sqlite(engine: Engine, dumped: Path, expected: Mapping[str, int]) -> None:
    copy = sqlite3.connect(dumped)
    try:
        try:
            counts = _counts_sqlite(copy)
        except sqlite3.DatabaseError as exc:
            raise BackupError(
                f"Die Datenbank in der Sicherung ist unlesbar ({exc}); nichts wurde geändert."
            ) from exc
        if counts != dict(expected):
            raise BackupError(
                "Die Datenbank in der Sicherung passt nicht zu ihrem Inhaltsverzeichnis; "
                "nichts wurde geändert."
            )
        target = sqlite3.connect(_sqlite_path(engine), timeout=60)
        try:
            # Replaces every page of the target in one write transaction: all or nothing.
            copy.backup(target)
        except sqlite3.Error as exc:
            raise BackupError(
                f"Wiederherstellung abgebrochen, nichts wurde geschrieben: {exc}."
            ) from exc
        finally:
            target.close()
    finally:
        copy.close()


def _restore_postgres(engine: Engine, dumped: Path, expected: Mapping[str, int]) -> None:
    psql = _tool("psql")
    with engine.connect() as conn:
        present = _pg_tables(conn)
    commands: list[str] = []
    if present:
        # The empty tables of `init-db` make way for the dump's own, in the same transaction;
        # locked and checked again there, so a row written meanwhile stops the restore.
        names = ", ".join(f'public."{t}"' for t in present)
        commands += ["-c", f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE"]
        for table in present:
            if table not in BOOKKEEPING:
                commands += ["-c", _pg_assert_empty(table)]
        commands += ["-c", f"DROP TABLE {names} CASCADE"]
    commands += ["-f", str(dumped)]
    commands += ["-c", _pg_assert_counts(expected)]
    _run(
        [psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction"]
        + commands,
        engine,
        "Wiederherstellung abgebrochen, nichts wurde geschrieben",
    )


def _pg_assert_empty(table: str) -> str:
    return (
        f'DO $$ BEGIN IF EXISTS (SELECT 1 FROM public."{table}") THEN '
        f"RAISE EXCEPTION 'Tabelle {table} ist nicht leer'; END IF; END $$"
    )


def _pg_assert_counts(expected: Mapping[str, int]) -> str:
    checks = " ".join(
        f'IF (SELECT count(*) FROM public."{t}") <> {int(n)} THEN '
        f"RAISE EXCEPTION 'Tabelle {t}: Zeilenzahl weicht von der Sicherung ab'; END IF;"
        for t, n in sorted(expected.items())
    )
    return f"DO $$ BEGIN {checks} END $$"


# -- shared ---------------------------------------------------------------------------------------


def _archive_files(archive_dir: Path) -> Iterator[tuple[str, Path]]:
    """Every archived original; the temporary files of imports still running are left out."""
    if not archive_dir.is_dir():
        return
    for path in sorted(archive_dir.rglob("*")):
        rel = path.relative_to(archive_dir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            yield rel.as_posix(), path


def _referenced_archive_files(engine: Engine, archive_dir: Path) -> list[str]:
    """The archived originals the import runs name, relative to the archive folder."""
    with engine.connect() as conn:
        paths = conn.execute(
            text("SELECT archive_path FROM import_run WHERE archive_path IS NOT NULL")
        ).scalars()
        out = []
        for stored in paths:
            try:
                out.append(Path(stored).resolve().relative_to(archive_dir.resolve()).as_posix())
            except ValueError:
                continue  # kept under another archive folder; not this backup's business
    return sorted(set(out))


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Eine Datenbank nur im Arbeitsspeicher lässt sich nicht sichern.")
    return database


def _counts_sqlite(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}


def _revision_sqlite(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def _pg_tables(conn: Any) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' "
                "ORDER BY tablename"
            )
        ).scalars()
    )


def _count(conn: Any, table: str) -> int:
    return int(conn.execute(text(f'SELECT count(*) FROM public."{table}"')).scalar_one())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} ist nicht installiert; für PostgreSQL-Sicherungen wird das Paket "
            "postgresql-client (in der Version des Servers oder neuer) gebraucht."
        )
    return found


def _pg_environment(engine: Engine) -> dict[str, str]:
    """Connection settings for pg_dump and psql, passed in the environment (never as arguments,
    where other users of the machine could read a password)."""
    url = engine.url
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(command: list[str], engine: Engine, failure: str) -> None:
    try:
        done = subprocess.run(
            command,
            env=_pg_environment(engine),
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{failure}: keine Antwort nach {TOOL_TIMEOUT_SECONDS} s.") from exc
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if "ERROR:" in line), None)
        if reason is not None:
            reason = "PostgreSQL meldet „" + reason.split("ERROR:", 1)[1].strip() + "“"
        else:
            reason = lines[0].strip() if lines else f"Rückgabewert {done.returncode}"
        raise BackupError(f"{failure}: {reason}.")
