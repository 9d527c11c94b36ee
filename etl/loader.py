"""Stage, validate, then write in one transaction: the import machinery of CLI, inbox and browser.

`import_files` reads every file, picks or detects its profile, extracts and checks all values,
and writes only when no file has a problem. `apply_values` is the one place that stores values
(upsert by indicator × period × place, the replaced version kept in MesswertVersion, unchanged
values left alone); the browser data entry calls it too.

Over 600 lines on purpose: staging, the cross-file checks, the preview and the write share
one transaction and one report; split, the all-or-nothing rule would be spread over modules.
"""

from __future__ import annotations

import datetime as dt
import errno
import gc
import getpass
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, compress
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from db.audit_trail import audit
from db.engine import WriterBusy, lock_values
from db.models import (
    ImportRun,
    Indikator,
    Kommentar,
    KontextIndikator,
    KontextWert,
    Massnahme,
    Messwert,
    MesswertVersion,
    Organisationseinheit,
    Ort,
    Plan,
    indikator_ort,
)
from db.places import ContextValueRow, changed_context_values, write_context_values
from db.quarters import QuarterLocked, locked, refuse_locked
from db.saved_profiles import saved_profile_texts
from etl.bounded import ReadLimits
from etl.context import check_context, split_context
from etl.extract import Problem, detect, extract, locate
from etl.profile import (
    Profile,
    ProfileError,
    find_profile,
    load_profiles,
    profile_by_name,
    with_saved,
)
from etl.reading import Book, FileProblem, open_book
from etl.tables import normalise, place_label
from etl.validate import CatalogueIndex, Checked, CommentRow, IndicatorRef, ValueRow, check, show
from zielcockpit.domain.german import CellValue, fold
from zielcockpit.settings import Settings

CHUNK = 500
MAX_CHANGES = 1000  # the preview lists this many changes; the counts cover all of them


class UnknownProfile(LookupError):
    """A profile name that does not exist; the message is German and lists the known ones."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# -- the catalogue, fetched once ---------------------------------------------------------------


def load_catalogue_index(conn: Connection) -> CatalogueIndex:
    """Indicators, measures and places of every plan, in a handful of queries."""
    index = CatalogueIndex()
    places_of: dict[int, set[int]] = {}
    for ind_id, ort_id in conn.execute(
        select(indikator_ort.c.indikator_id, indikator_ort.c.ort_id)
    ):
        places_of.setdefault(ind_id, set()).add(ort_id)
    rows = conn.execute(
        select(
            Indikator.id,
            Indikator.code,
            Indikator.name,
            Indikator.plan_id,
            Indikator.massnahme_id,
            Indikator.kind,
            Indikator.unit,
            Indikator.parent_id,
            Indikator.baseline_period,
            Plan.key.label("plan_key"),
            Plan.year.label("plan_year"),
            Massnahme.code.label("measure_code"),
            Organisationseinheit.code.label("oe"),
        )
        .join(Plan, Plan.id == Indikator.plan_id)
        .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
        .join(Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id)
    )
    for r in rows:
        index.add(
            IndicatorRef(
                r.id,
                r.code,
                r.name,
                r.plan_id,
                r.plan_key,
                r.plan_year,
                r.massnahme_id,
                r.measure_code,
                r.kind,
                r.unit,
                r.parent_id,
                r.baseline_period,
                frozenset(places_of.get(r.id, ())),
                r.oe,
            )
        )
    for code, title in conn.execute(select(Massnahme.code, Massnahme.title)):
        index.measures.setdefault(fold(code), code)
        index.measures.setdefault(normalise(title), code)
    for ctx_id, code in conn.execute(select(KontextIndikator.id, KontextIndikator.code)):
        index.context[fold(code)] = ctx_id
    for ort_id, name, key in conn.execute(select(Ort.id, Ort.name, Ort.key)):
        index.places[place_label(name)] = ort_id
        index.place_names[ort_id] = name
        if key:
            index.places.setdefault(str(key), ort_id)
    return index


# -- writing values: shared with the browser data entry ----------------------------------------


class StoredValue(NamedTuple):
    id: int
    value: Decimal | None
    symbol: str | None
    status: str | None
    demo: bool
    import_run_id: int | None
    source_sheet: str | None
    source_cell: str | None
    recorded_by: str | None
    recorded_at: dt.datetime
    version: int = 1

    @property
    def content(self) -> tuple[Decimal | None, str | None, str | None]:
        return (self.value, self.symbol, self.status)


@dataclass
class ValueDiff:
    new: list[ValueRow] = field(default_factory=list)
    changed: list[tuple[ValueRow, StoredValue]] = field(default_factory=list)
    unchanged: list[ValueRow] = field(default_factory=list)


_INDICATOR = itemgetter(0)  # ValueRow.indikator_id


def diff_values(session: Session, rows: Sequence[ValueRow]) -> ValueDiff:
    """Compare with what is stored: new, changed (with the old version) or unchanged."""
    stored: dict[tuple[int, str, int], StoredValue] = {}
    ids = sorted(set(map(_INDICATOR, rows)))
    for start in range(0, len(ids), CHUNK):
        for m in session.execute(
            select(
                Messwert.id,
                Messwert.indikator_id,
                Messwert.period,
                Messwert.ort_id,
                Messwert.value,
                Messwert.symbol,
                Messwert.status,
                Messwert.demo,
                Messwert.import_run_id,
                Messwert.source_sheet,
                Messwert.source_cell,
                Messwert.recorded_by,
                Messwert.recorded_at,
                Messwert.version,
            ).where(Messwert.indikator_id.in_(ids[start : start + CHUNK]))
        ):
            stored[(m.indikator_id, m.period, m.ort_id or 0)] = StoredValue(
                m.id,
                None if m.value is None else Decimal(m.value),
                m.symbol,
                m.status,
                bool(m.demo),
                m.import_run_id,
                m.source_sheet,
                m.source_cell,
                m.recorded_by,
                m.recorded_at,
                m.version,
            )
    diff = ValueDiff()
    if not stored:  # a first import of these indicators: everything is new
        diff.new = list(rows)
        return diff
    for row in rows:
        old = stored.get((row[0], row[1], row[2] or 0))  # row.key, without a call per row
        if old is None:
            diff.new.append(row)
        elif old.content == row.content and not old.demo:
            diff.unchanged.append(row)
        else:
            diff.changed.append((row, old))
    return diff


def _bulk_insert(
    session: Session,
    table: Any,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    constants: dict[str, Any],
) -> None:
    """One executemany with the driver's own placeholders: a 100,000-row file spends its time
    in the database, not in building 100,000 parameter dictionaries. Each row holds the values
    of `columns` first (a longer row, such as a ValueRow, gives its leading fields). Values pass
    each column type's bind processor (as the ORM would store them); constants are processed
    once."""
    conn = session.connection()
    dialect = conn.dialect
    names = [*columns, *constants]
    width, size = len(names), len(columns)
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if marker is None:  # an unusual driver: let SQLAlchemy do it
        fixed = tuple(constants.values())
        conn.execute(
            insert(table),
            [dict(zip(names, (*row[:size], *fixed), strict=True)) for row in rows],
        )
        return

    def processor(name: str) -> Any:
        column_type = table.c[name].type
        return column_type.dialect_impl(dialect).bind_processor(dialect)

    fixed = tuple(
        v if v is None or (proc := processor(k)) is None else proc(v) for k, v in constants.items()
    )
    procs = [(i, p) for i, name in enumerate(columns) if (p := processor(name)) is not None]
    # The values of a file repeat (the same Decimal objects, shared by the value parser's
    # cache): each distinct object of a column is converted once. Ids are stable while `rows`
    # holds the objects.
    memos: list[dict[int, Any]] = [{id(None): None} for _ in procs]
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in names)}) VALUES "
    one = f"({', '.join([marker] * width)})"
    # Many rows per statement (fewer round trips than executemany); SQLite before 3.32 takes
    # at most 999 parameters per statement, later versions and PostgreSQL far more.
    limit = 999 if dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 32) else 30000
    per = max(1, min(500, limit // width))
    full = head + ", ".join([one] * per)
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        # the parameters of all rows of the statement, flat, then each converted column at once
        flat = list(chain.from_iterable([(*row[:size], *fixed) for row in chunk]))
        for (i, proc), memo in zip(procs, memos, strict=True):
            column = []
            for v in flat[i::width]:
                out = memo.get(id(v), memo)
                if out is memo:
                    out = memo[id(v)] = proc(v)
                column.append(out)
            flat[i::width] = column
        sql = full if len(chunk) == per else head + ", ".join([one] * len(chunk))
        conn.exec_driver_sql(sql, tuple(flat))


def apply_values(
    session: Session, run_id: int | None, user: str, diff: ValueDiff, now: dt.datetime | None = None
) -> int:
    """Write a diff: insert new values, keep each replaced value as a version, update it."""
    now = now or _utcnow()
    if diff.new:
        _bulk_insert(
            session,
            Messwert.__table__,
            (
                "indikator_id",
                "period",
                "ort_id",
                "value",
                "symbol",
                "status",
                "source_sheet",
                "source_cell",
            ),
            diff.new,  # a ValueRow's first fields are these columns
            {
                "demo": False,
                "import_run_id": run_id,
                "recorded_by": user,
                "recorded_at": now,
                "version": 1,
            },
        )
    if diff.changed:
        _bulk_insert(
            session,
            MesswertVersion.__table__,
            (
                "messwert_id",
                "value",
                "symbol",
                "status",
                "demo",
                "import_run_id",
                "source_sheet",
                "source_cell",
                "recorded_by",
                "recorded_at",
            ),
            [
                (
                    old.id,
                    old.value,
                    old.symbol,
                    old.status,
                    old.demo,
                    old.import_run_id,
                    old.source_sheet,
                    old.source_cell,
                    old.recorded_by,
                    old.recorded_at,
                )
                for _row, old in diff.changed
            ],
            {"replaced_at": now, "replaced_by": user},
        )
        session.execute(
            update(Messwert),
            [
                {
                    "id": old.id,
                    "value": row.value,
                    "symbol": row.symbol,
                    "status": row.status,
                    "demo": False,
                    "import_run_id": run_id,
                    "source_sheet": row.source_sheet,
                    "source_cell": row.source_cell,
                    "recorded_by": user,
                    "recorded_at": now,
                    "version": old.version + 1,
                }
                for row, old in diff.changed
            ],
        )
    return len(diff.new) + len(diff.changed)


def new_comments(session: Session, comments: Sequence[CommentRow]) -> list[CommentRow]:
    """Comments whose text is not already the latest one for that indicator and period."""
    if not comments:
        return []
    latest: dict[tuple[int, str], str] = {}
    ids = sorted({c.indikator_id for c in comments})
    for start in range(0, len(ids), CHUNK):
        for k in session.execute(
            select(Kommentar.indikator_id, Kommentar.period, Kommentar.text)
            .where(Kommentar.indikator_id.in_(ids[start : start + CHUNK]))
            .order_by(Kommentar.created_at, Kommentar.id)
        ):
            latest[(k.indikator_id, k.period)] = k.text
    fresh = []
    for c in comments:
        if latest.get((c.indikator_id, c.period)) != c.text:
            fresh.append(c)
            latest[(c.indikator_id, c.period)] = c.text
    return fresh


def add_comment(
    session: Session, c: CommentRow, author: str, now: dt.datetime, run_id: int | None
) -> None:
    """Store one checked comment (import or browser entry), tied to its run."""
    session.add(
        Kommentar(
            massnahme_id=c.massnahme_id,
            indikator_id=c.indikator_id,
            period=c.period,
            text=c.text,
            author=author[:80],
            created_at=now,
            demo=False,
            import_run_id=run_id,
        )
    )


# -- reports -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One value as it would be or was written: old -> new, and where it came from."""

    indicator: str
    period: str
    place: str | None
    old: str | None
    new: str
    file: str
    sheet: str | None
    cell: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "period": self.period,
            "place": self.place,
            "old": self.old,
            "new": self.new,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
        }


@dataclass
class FileReport:
    file: str
    profile: str | None = None
    profile_title: str | None = None
    detected: bool = False
    checksum: str | None = None
    status: str = "rejected"  # ok | unchanged | rejected
    values_written: int = 0
    values_unchanged: int = 0
    comments_written: int = 0
    errors: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # the first MAX_CHANGES
    changes_total: int = 0
    archive_path: str | None = None
    import_run_id: int | None = None

    def as_json(self, limit: int | None = None) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "profile": self.profile,
            "profile_title": self.profile_title,
            "profile_detected": self.detected,
            "checksum": self.checksum,
            "values_written": self.values_written,
            "values_unchanged": self.values_unchanged,
            "comments_written": self.comments_written,
            "errors": [e.as_json() for e in self.errors],
            "notes": self.notes,
            "archive_path": self.archive_path,
            "import_run_id": self.import_run_id,
            "changes": [c.as_json() for c in self.changes[:limit]],
            "changes_total": self.changes_total,
        }


MAX_LISTED_ERRORS = 200  # errors listed in a report; the rest are counted


@dataclass
class ImportReport:
    files: list[FileReport]
    dry_run: bool = False
    errors: list[Problem] = field(default_factory=list)  # problems of the batch as a whole

    @property
    def status(self) -> str:
        if self.errors or any(f.status == "rejected" for f in self.files) or not self.files:
            return "rejected"
        if any(f.status == "ok" for f in self.files):
            return "ok"
        return "unchanged"

    @property
    def all_errors(self) -> list[Problem]:
        return self.errors + [e for f in self.files for e in f.errors]

    @property
    def profile(self) -> str | None:
        names = list(dict.fromkeys(f.profile for f in self.files if f.profile))
        return ", ".join(names) if names else None

    @property
    def changes(self) -> list[Change]:
        return [c for f in self.files for c in f.changes]

    def as_json(
        self, limit: int | None = 1000, max_errors: int = MAX_LISTED_ERRORS
    ) -> dict[str, Any]:
        """The contract of `import --json`; keys may be added, never renamed.

        `errors` lists the first `max_errors` errors (of the batch and of each file), and
        `errors_total` says how many there are: a file with 100,000 bad cells gives a report
        of a few hundred kilobytes, not of 80 MB.
        """
        errors = self.all_errors
        files = []
        for f in self.files:
            body = f.as_json(limit)
            body["errors"] = body["errors"][:max_errors]
            body["errors_total"] = len(f.errors)
            files.append(body)
        return {
            "status": self.status,
            "profile": self.profile,
            "values_written": sum(f.values_written for f in self.files),
            "values_unchanged": sum(f.values_unchanged for f in self.files),
            "errors": [e.as_json() for e in errors[:max_errors]],
            "errors_total": len(errors),
            "dry_run": self.dry_run,
            "comments_written": sum(f.comments_written for f in self.files),
            "files": files,
        }

    def lines(self, max_changes: int = 40, max_errors: int = MAX_LISTED_ERRORS) -> list[str]:
        """The report in German, as the CLI and the inbox print it."""
        out: list[str] = []
        for f in self.files:
            how = "automatisch erkannt" if f.detected else "angegeben"
            head = (
                f"{f.file}: Profil „{f.profile}“ ({f.profile_title}; {how})"
                if f.profile
                else f.file
            )
            out.append(head)
            for note in f.notes:
                out.append(f"  Hinweis: {note}")
        if self.status == "rejected":
            errors = self.all_errors
            out.append(
                f"Abgelehnt – nichts wurde geschrieben. {len(errors)} "
                f"{'Fehler' if len(errors) != 1 else 'Fehler'}:"
            )
            out.extend(f"  – {e.text()}" for e in errors[:max_errors])
            if len(errors) > max_errors:
                out.append(f"  … und {len(errors) - max_errors} weitere Fehler.")
            return out
        written = sum(f.values_written for f in self.files)
        unchanged = sum(f.values_unchanged for f in self.files)
        comments = sum(f.comments_written for f in self.files)
        if self.dry_run:
            out.append(
                f"Probelauf – nichts wurde geschrieben. Würde {written} Werte schreiben, "
                f"{unchanged} unverändert, {comments} Kommentare."
            )
        elif self.status == "unchanged":
            out.append(f"Unverändert: alle {unchanged} Werte sind bereits so gespeichert.")
        else:
            out.append(
                f"Geschrieben: {written} Werte, {unchanged} unverändert, {comments} Kommentare."
            )
        changes = self.changes
        for c in changes[:max_changes]:
            place = f" ({c.place})" if c.place else ""
            old = "neu" if c.old is None else c.old
            sheet = f"Blatt „{c.sheet}“, " if c.sheet else ""
            out.append(
                f"  {c.indicator} · {_period_label(c.period)}{place}: {old} → {c.new} "
                f"({sheet}Zelle {c.cell})"
            )
        total = sum(f.changes_total for f in self.files)
        if total > min(max_changes, len(changes)):
            out.append(f"  … und {total - min(max_changes, len(changes))} weitere Änderungen.")
        return out


def _period_label(key: str) -> str:
    from zielcockpit.domain.periods import Period

    return Period.parse(key).label


# -- the import --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file whose name differs from its path (a browser upload in a temporary file)."""

    path: Path
    name: str


@dataclass
class _Staged:
    report: FileReport
    book: Book | None = None
    checked: Checked | None = None
    context: list[ContextValueRow] = field(default_factory=list)  # context values (issue 15)
    fingerprint: str | None = None  # of what reading this file depends on (_fingerprint)


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


def all_profiles(conn: Connection) -> tuple[Profile, ...]:
    """The shipped profiles and those taught in the browser, in the order detection tries them."""
    try:
        return with_saved(saved_profile_texts(conn))
    except ProfileError as exc:
        raise UnknownProfile(str(exc)) from exc


def resolve_profile(
    name: str | None, profiles: tuple[Profile, ...] | None = None
) -> Profile | None:
    if name is None:
        return None
    try:
        found = find_profile(name, profiles if profiles is not None else load_profiles())
    except ProfileError as exc:
        raise UnknownProfile(str(exc)) from exc
    if found is None:
        known = ", ".join(p.name for p in (profiles or load_profiles()))
        raise UnknownProfile(f"Importprofil „{name}“ gibt es nicht. Vorhanden: {known}.")
    return found


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """A 100,000-row file makes some 400,000 small objects without reference cycles; the cyclic
    collector would walk them again and again (a third of the import's time). Reference
    counting still frees everything; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_files(
    engine: Engine,
    sources: Sequence[Path | Upload],
    profile: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    settings: Settings | None = None,
    writable_units: frozenset[str] | None = None,
    candidate: Profile | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import files as one unit: any problem in any file, and nothing is written.

    `writable_units`: the sender may write only indicators of these units (None: all), checked
    on the staged values, so a file is read once. `candidate`: a profile not saved yet (the
    preview of a layout being taught), used instead of `profile`. `progress(percent, German
    message)` is told each step (a job shows it in the browser).
    """
    with _no_cyclic_gc():
        return _import_files(
            engine, sources, profile, dry_run, user, settings, writable_units, candidate, progress
        )


# Told the share done (0-100) and what happens now, in German.
Progress = Callable[[int, str], None]


def _no_progress(_percent: int, _message: str) -> None:
    pass


def _import_files(
    engine: Engine,
    sources: Sequence[Path | Upload],
    profile: str | None,
    dry_run: bool,
    user: str | None,
    settings: Settings | None,
    writable_units: frozenset[str] | None,
    candidate: Profile | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    tell = progress or _no_progress
    settings = settings or Settings.resolve()
    user = user or getpass.getuser()
    max_bytes = settings.max_upload_mb * 1024 * 1024
    limits = ReadLimits.of(settings)
    with engine.connect() as conn:
        index = load_catalogue_index(conn)
        profiles = all_profiles(conn)
    chosen = candidate or resolve_profile(profile, profiles)
    fingerprint = _fingerprint(index, profiles, chosen, max_bytes, limits)
    if candidate is None:
        known = _known_unchanged(engine, sources, fingerprint, index, max_bytes, writable_units)
        if known is not None:
            tell(60, "Die Datei ist unverändert bereits importiert.")
            return ImportReport(known, dry_run)
    staged = []
    for n, src in enumerate(sources):
        tell(
            5 + 55 * n // len(sources),
            f"Datei {n + 1} von {len(sources)} wird gelesen und geprüft …",
        )
        staged.append(_stage(src, chosen, profiles, index, max_bytes, limits))
        staged[-1].fingerprint = fingerprint
    tell(60, "Die Werte werden mit dem Bestand verglichen …")
    report = ImportReport([s.report for s in staged], dry_run)
    catalogues = [s for s in staged if s.report.profile and _is_catalogue(s.report.profile)]
    if catalogues and len(catalogues) != len(staged):
        report.errors.append(_mixed_catalogue_problem(catalogues))
    _check_across_files(staged)
    if writable_units is not None:
        _check_owners(staged, index, writable_units)
    if not staged or report.errors or any(s.report.errors for s in staged):
        for s in staged:
            s.report.status = "rejected"
            if not s.report.errors:
                s.report.notes.append("nicht geschrieben, weil der Import Fehler enthält")
        return report
    if catalogues:
        return _import_catalogues(engine, catalogues, report, dry_run)
    if dry_run:
        with Session(engine) as session:
            for s in staged:
                _preview(session, s)
        return report
    tell(70, "Die Werte werden geschrieben …")
    _write_all(engine, staged, report, user, settings.archive_dir)
    return report


# Raise when extraction or checking changes what a file yields, so older runs are not trusted.
_SHORTCUT_VERSION = 1
_WROTE_ALL = "wrote_all"


def _fingerprint(
    index: CatalogueIndex,
    profiles: tuple[Profile, ...],
    chosen: Profile | None,
    max_bytes: int,
    limits: ReadLimits,
) -> str:
    """Everything besides the file's bytes that decides what an import reads from it: the
    catalogue, the profiles (taught ones are tried first), the profile named, the limits."""
    digest = hashlib.sha256()
    for part in (
        _SHORTCUT_VERSION,
        max_bytes,
        limits,
        chosen,
        profiles,
        [(*_indicator_facts(ref), sorted(ref.places)) for ref in index.by_id.values()],
        index.places,
        index.place_names,
        index.measures,
        index.context,
    ):
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _indicator_facts(ref: IndicatorRef) -> tuple[Any, ...]:
    """An indicator's facts without its set of places (whose order is not fixed)."""
    return (
        ref.id,
        ref.code,
        ref.name,
        ref.plan_id,
        ref.plan_key,
        ref.plan_year,
        ref.massnahme_id,
        ref.measure_code,
        ref.kind,
        ref.unit,
        ref.parent_id,
        ref.baseline_period,
        ref.oe,
    )


def _known_unchanged(
    engine: Engine,
    sources: Sequence[Path | Upload],
    fingerprint: str,
    index: CatalogueIndex,
    max_bytes: int,
    writable_units: frozenset[str] | None,
) -> list[FileReport] | None:
    """The reports of files imported before and unchanged since, without reading them again;
    None unless every file qualifies (then the import takes its usual way).

    A file qualifies when the latest run that imported its checksum wrote every value (and
    comment) of it, under the same catalogue, profiles and limits (`fingerprint`), and every
    value it wrote is still the current one: a value the form or another file changed since
    belongs to another run, a deleted one is gone, so the counts differ."""
    reports: list[FileReport] = []
    seen: set[str] = set()
    with Session(engine) as session:
        for src in sources:
            path, name = (src.path, src.name) if isinstance(src, Upload) else (src, src.name)
            try:
                if not 0 < path.stat().st_size <= max_bytes:
                    return None
                checksum = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return None
            if checksum in seen:
                return None  # the same file twice: the usual way counts the second as repeated
            seen.add(checksum)
            run = session.scalars(
                select(ImportRun)
                .where(ImportRun.checksum == checksum, ImportRun.kind == "datei")
                .order_by(ImportRun.id.desc())
                .limit(1)
            ).first()
            if run is None or run.status != "ok" or not run.report:
                return None
            facts = json.loads(run.report)
            wrote = facts.get(_WROTE_ALL)
            if not wrote or wrote["fingerprint"] != fingerprint or not wrote["all_comments"]:
                return None
            if not _still_as_written(session, run.id, wrote, index, writable_units):
                return None
            reports.append(
                FileReport(
                    name,
                    profile=run.profile,
                    profile_title=facts.get("profile_title"),
                    detected=bool(facts.get("profile_detected")),
                    checksum=checksum,
                    status="unchanged",
                    values_unchanged=wrote["values"] + wrote["context"],
                    notes=list(facts.get("notes", [])),
                )
            )
    return reports


def _still_as_written(
    session: Session,
    run_id: int,
    wrote: dict[str, Any],
    index: CatalogueIndex,
    writable_units: frozenset[str] | None,
) -> bool:
    """Every value, context value and comment of the run is still the current one, and the
    sender may write all of them."""

    def count(table: Any) -> int:
        return int(
            session.scalar(
                select(func.count()).select_from(table).where(table.import_run_id == run_id)
            )
            or 0
        )

    if count(Messwert) != wrote["values"] or count(KontextWert) != wrote["context"]:
        return False
    if count(Kommentar) != wrote["comments"]:
        return False
    later = aliased(Kommentar)
    newer_comments = session.scalar(
        select(func.count())
        .select_from(Kommentar)
        .join(
            later,
            (later.indikator_id == Kommentar.indikator_id)
            & (later.period == Kommentar.period)
            & (later.id != Kommentar.id)
            & (later.created_at >= Kommentar.created_at)
            & or_(later.import_run_id.is_(None), later.import_run_id != run_id),
        )
        .where(Kommentar.import_run_id == run_id)
    )
    if newer_comments:
        return False  # the latest comment is another one: the file's would be written again
    if writable_units is not None:
        if wrote["context"]:
            return False  # refused for a fachbereich: the usual way says so
        indicators = set(
            session.scalars(
                select(Messwert.indikator_id).where(Messwert.import_run_id == run_id).distinct()
            )
        ) | {
            i
            for i in session.scalars(
                select(Kommentar.indikator_id).where(Kommentar.import_run_id == run_id).distinct()
            )
            if i is not None
        }
        if any(i not in index.by_id or index.by_id[i].oe not in writable_units for i in indicators):
            return False
    return True


def _write_all(
    engine: Engine, staged: list[_Staged], report: ImportReport, user: str, archive_dir: Path
) -> None:
    """Write every staged file in one transaction; the originals are archived once it commits."""
    now = _utcnow()
    archives: list[PendingArchive] = []
    try:
        with Session(engine) as session, session.begin():
            # Writers take turns; what is compared below is what this import builds on, so a
            # concurrent import or form is either seen (and versioned) or waits for this one.
            lock_values(session)
            for s in staged:
                _write_file(session, s, user, now, archive_dir, archives)
        for pending in archives:
            pending.commit()
    except (WriterBusy, QuarterLocked, OSError, DBAPIError) as exc:
        if isinstance(exc, OSError | DBAPIError) and not is_disk_full(exc):
            raise
        if isinstance(exc, OSError | DBAPIError):
            where = "Ablage der Originaldateien" if isinstance(exc, OSError) else "Datenbank"
            messages = [no_space_message(where)]
        else:
            messages = exc.messages if isinstance(exc, QuarterLocked) else [str(exc)]
        for s in staged:
            s.report.status = "rejected"
            s.report.values_written = s.report.comments_written = 0
            s.report.changes.clear()
        files = ", ".join(s.report.file for s in staged)
        report.errors.extend(Problem(files, None, None, None, m) for m in messages)
    finally:
        for pending in archives:
            pending.discard()


def _mixed_catalogue_problem(catalogues: list[_Staged]) -> Problem:
    return Problem(
        ", ".join(s.report.file for s in catalogues),
        None,
        None,
        None,
        "Katalogdateien bitte getrennt von Wertedateien importieren.",
    )


def _is_catalogue(name: str) -> bool:
    try:
        found = profile_by_name(name)
    except ProfileError:
        return False
    return found is not None and found.kind == "catalogue"


def _stage(
    src: Path | Upload,
    chosen: Profile | None,
    profiles: tuple[Profile, ...],
    index: CatalogueIndex,
    max_bytes: int,
    limits: ReadLimits,
) -> _Staged:
    path, name = (src.path, src.name) if isinstance(src, Upload) else (src, src.name)
    report = FileReport(name)
    out = _Staged(report)
    try:
        book = open_book(path, max_bytes, name, limits)
    except FileProblem as exc:
        report.errors.append(Problem(name, None, None, None, str(exc)))
        return out
    out.book = book
    report.notes.extend(book.notices)
    report.checksum = book.checksum
    try:
        if chosen is not None:
            located = locate(chosen, book)
            if isinstance(located, str):
                report.profile, report.profile_title = chosen.name, chosen.title
                report.errors.append(Problem(name, None, None, None, located + "."))
                return out
            profile = chosen
        else:
            found = detect(profiles, book)
            if isinstance(found, list):
                report.errors.append(
                    Problem(
                        name,
                        None,
                        None,
                        None,
                        "Kein Importprofil passt zu dieser Datei. Erwartet wird z. B. das Langformat "
                        "mit den Spalten Indikator, Zeitraum, Ort, Wert, Kommentar. Geprüft: "
                        + "; ".join(found)
                        + ".",
                    )
                )
                return out
            profile, located = found
        report.profile, report.profile_title = profile.name, profile.title
        report.detected = chosen is None
        if profile.kind == "catalogue":
            return out
        extraction = extract(
            book, profile, located, index.resolve_measure, chosen is None, index.places.__contains__
        )
    except FileProblem as exc:  # a sheet that breaks only when read
        report.errors.append(Problem(name, None, None, None, str(exc)))
        return out
    report.notes.extend(extraction.notes)
    context, extraction.values = split_context(extraction.values, index)
    out.context, context_problems, unknown_places = check_context(context, index, name, book)
    report.notes.extend(unknown_places)
    checked = check(extraction, index, name)
    report.errors.extend(extraction.problems)
    report.errors.extend(context_problems)
    report.errors.extend(checked.problems)
    if not checked.rows and not checked.comments and not out.context and not report.errors:
        report.errors.append(
            Problem(
                name,
                None,
                None,
                None,
                f"Die Datei enthält keine Werte (Profil „{profile.name}“): die Tabelle ist leer.",
            )
        )
    out.checked = checked
    return out


def _check_across_files(staged: list[_Staged]) -> None:
    """The same value in two files of one import: once is enough; two different values: error."""
    if sum(1 for s in staged if s.checked is not None and s.checked.rows) < 2:
        return
    first: dict[tuple[int, str, int], ValueRow] = {}
    for s in staged:
        if s.checked is None:
            continue
        kept = []
        for row in s.checked.rows:
            earlier = first.get(row.key)
            if earlier is None:
                first[row.key] = row
                kept.append(row)
            elif earlier.content != row.content:
                s.report.errors.append(
                    Problem(
                        row.file,
                        row.source_sheet,
                        row.source_cell,
                        None,
                        f"{row.code} für {_period_label(row.period)} steht auch in "
                        f"{earlier.file} (Zelle {earlier.source_cell}), dort mit anderem Wert.",
                    )
                )
            else:
                s.report.values_unchanged += 1
        s.checked.rows = kept


def _check_owners(staged: list[_Staged], index: CatalogueIndex, units: frozenset[str]) -> None:
    """A fachbereich imports values and comments of its own units only, and no catalogue."""
    for s in staged:
        if s.report.profile and _is_catalogue(s.report.profile):
            s.report.errors.append(
                Problem(
                    s.report.file,
                    None,
                    None,
                    None,
                    "Katalogdateien dürfen nur Controlling und Administration importieren.",
                )
            )
        if s.context:
            s.report.errors.append(
                Problem(
                    s.report.file,
                    None,
                    None,
                    None,
                    "Kontextwerte (Orte) dürfen nur Controlling und Administration importieren.",
                )
            )
        if s.checked is None:
            continue
        owners: dict[str, str] = {}
        for ind_id in {r.indikator_id for r in s.checked.rows} | {
            c.indikator_id for c in s.checked.comments
        }:
            ref = index.by_id[ind_id]
            if ref.oe not in units:
                owners[ref.code] = ref.oe
        if owners:
            foreign = sorted(owners.items())
            listed = ", ".join(f"{code} ({unit})" for code, unit in foreign[:20])
            more = f" und {len(foreign) - 20} weitere" if len(foreign) > 20 else ""
            s.report.errors.append(
                Problem(
                    s.report.file,
                    None,
                    None,
                    None,
                    f"Die Datei enthält Werte von Indikatoren anderer Organisationseinheiten: "
                    f"{listed}{more}. Ihre Rolle „fachbereich“ darf nur Werte der eigenen "
                    f"Organisationseinheit(en) {', '.join(sorted(units))} importieren. "
                    "Nichts wurde geschrieben.",
                )
            )


def _show_row(row: ValueRow, index_unit: str) -> str:
    return show(CellValue(row.value, row.symbol, row.status), index_unit)


def _show_old(old: Any, unit: str) -> str:
    return show(CellValue(old.value, old.symbol, old.status), unit)


def _units(session: Session, rows: Sequence[ValueRow]) -> dict[int, str]:
    ids = sorted(set(map(_INDICATOR, rows)))
    units: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        for i, unit in session.execute(
            select(Indikator.id, Indikator.unit).where(Indikator.id.in_(ids[start : start + CHUNK]))
        ):
            units[i] = unit
    return units


def _fill_changes(report: FileReport, diff: ValueDiff, units: dict[int, str]) -> None:
    report.changes_total = len(diff.new) + len(diff.changed)
    room = MAX_CHANGES - len(report.changes)
    for row in diff.new[: max(room, 0)]:
        report.changes.append(
            Change(
                row.code,
                row.period,
                row.place,
                None,
                _show_row(row, units.get(row.indikator_id, "")),
                row.file,
                row.source_sheet,
                row.source_cell,
            )
        )
    room = MAX_CHANGES - len(report.changes)
    for row, old in diff.changed[: max(room, 0)]:
        unit = units.get(row.indikator_id, "")
        old_text = _show_old(old, unit) + (" (Demodaten)" if old.demo else "")
        report.changes.append(
            Change(
                row.code,
                row.period,
                row.place,
                old_text,
                _show_row(row, unit),
                row.file,
                row.source_sheet,
                row.source_cell,
            )
        )


_INDICATOR_PERIOD = itemgetter(0, 1)  # of a ValueRow: (indikator_id, period)


def _written_periods(diff: ValueDiff, comments: Sequence[CommentRow]) -> Iterator[tuple[int, str]]:
    """Indicator × period of every write; consumed only when a quarter has been released."""
    return chain(
        map(_INDICATOR_PERIOD, diff.new),
        (_INDICATOR_PERIOD(row) for row, _old in diff.changed),
        ((c.indikator_id, c.period) for c in comments),
    )


def _preview(session: Session, s: _Staged) -> None:
    assert s.checked is not None
    diff = diff_values(session, s.checked.rows)
    s.report.values_written = len(diff.new) + len(diff.changed)
    s.report.values_unchanged += len(diff.unchanged)
    comments = new_comments(session, s.checked.comments)
    s.report.comments_written = len(comments)
    context = changed_context_values(session, s.context)
    s.report.values_written += len(context)
    s.report.values_unchanged += len(s.context) - len(context)
    _fill_changes(s.report, diff, _units(session, s.checked.rows))
    s.report.status = "ok" if s.report.values_written or s.report.comments_written else "unchanged"
    hits = locked(  # the preview says now what the import would be refused for
        session,
        _written_periods(diff, comments),
    )
    if hits:
        s.report.errors.extend(Problem(s.report.file, None, None, None, h.refusal()) for h in hits)
        s.report.status = "rejected"


_CELLS = itemgetter(10)  # ValueRow.cells


def _write_file(
    session: Session,
    s: _Staged,
    user: str,
    now: dt.datetime,
    archive_dir: Path,
    archives: list[PendingArchive],
) -> None:
    assert s.checked is not None and s.book is not None
    report = s.report
    diff = diff_values(session, s.checked.rows)
    comments = new_comments(session, s.checked.comments)
    report.values_unchanged += len(diff.unchanged)
    context = changed_context_values(session, s.context)
    report.values_unchanged += len(s.context) - len(context)
    _fill_changes(report, diff, _units(session, s.checked.rows))
    if not diff.new and not diff.changed and not comments and not context:
        report.status = "unchanged"  # nothing to record: the database stays exactly as it was
        return
    refuse_locked(  # a released quarter stays as released; the whole import is rolled back
        session,
        _written_periods(diff, comments),
    )
    pending = archive_file(s.book, archive_dir)
    archives.append(pending)
    archived = pending.target
    rows = s.checked.rows
    summed = compress(rows, map((1).__lt__, map(len, map(_CELLS, rows))))  # rare: C-level scan
    sums = {f"{r.code}|{r.period}|{r.place or ''}": list(r.cells) for r in summed}
    run = ImportRun(
        kind="datei",
        profile=report.profile,
        file_name=report.file[:300],
        checksum=report.checksum,
        archive_path=str(archived)[:500],
        started_at=now,
        user_name=user[:80],
        status="ok",
    )
    session.add(run)
    session.flush()
    report.values_written = apply_values(session, run.id, user, diff, now)
    report.values_written += write_context_values(session, context, run.id, user)[0]
    for c in comments:
        add_comment(session, c, user, now, run.id)
    report.comments_written = len(comments)
    report.status = "ok"
    report.archive_path = str(archived)
    report.import_run_id = run.id
    run.values_written = report.values_written
    run.values_unchanged = report.values_unchanged
    run.finished_at = _utcnow()
    facts: dict[str, Any] = {
        "profile_title": report.profile_title,
        "profile_detected": report.detected,
        "comments_written": report.comments_written,
        "notes": report.notes,
        "summed_cells": sums,
    }
    if report.values_unchanged == 0 and s.fingerprint:
        # This run wrote every value of the file (none was already stored, none repeated from
        # another file of this import): while they all stay as written, the same file is
        # answered „unverändert“ without reading it again (_known_unchanged).
        facts[_WROTE_ALL] = {
            "fingerprint": s.fingerprint,
            "values": len(diff.new) + len(diff.changed),
            "context": len(context),
            "comments": len(comments),
            "all_comments": len(comments) == len(s.checked.comments),
        }
    run.report = json.dumps(facts, ensure_ascii=False)
    # The audit trail learns of the import in the same transaction as its values.
    audit(
        session,
        user[:80],
        "import",
        "datei",
        report.file[:120],
        None,
        {
            "datei": report.file,
            "pruefsumme": report.checksum,
            "profil": report.profile,
            "werte_geschrieben": report.values_written,
            "unveraendert": report.values_unchanged,
            "kommentare": report.comments_written,
        },
        source=report.file[:300],
        run_id=run.id,
    )


def _import_catalogues(
    engine: Engine, catalogues: list[_Staged], report: ImportReport, dry_run: bool
) -> ImportReport:
    # The steps of zielcockpit.services.catalogue.load_catalogue (etl may not call a use case).
    from db.catalogue import LoadResult, write_catalogue
    from db.places_catalogue import write_places
    from etl.catalogue_file import read_catalogue, read_catalogue_file
    from zielcockpit.domain.catalogue_checks import (
        CatalogueError,
        check_catalogue,
        check_places_catalogue,
    )

    for s in catalogues:
        assert s.book is not None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / s.report.file
            path.write_bytes(s.book.data)
            try:
                if dry_run:
                    problems = check_catalogue(read_catalogue(path), s.report.file)
                    if problems:
                        raise CatalogueError(problems)
                    s.report.notes.append("Katalog geprüft: keine Fehler.")
                else:
                    file = read_catalogue_file(path)
                    check = check_places_catalogue if file.places else check_catalogue
                    problems = check(file.data, file.name)
                    if problems:
                        raise CatalogueError(problems)
                    if file.places:
                        count = write_places(engine, file.data, file.name, file.content, "katalog")
                        result = LoadResult("", 0, count)
                    else:
                        result = write_catalogue(engine, file.data, file.name, file.content)
                    s.report.notes.append(
                        f"Plan {result.plan_key}: {result.measures} Maßnahmen, "
                        f"{result.indicators} Indikatoren geladen."
                    )
            except CatalogueError as exc:
                s.report.errors.extend(
                    Problem(s.report.file, None, None, None, p) for p in exc.problems
                )
                s.report.status = "rejected"
                continue
        s.report.status = "ok"
    return report
