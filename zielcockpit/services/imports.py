"""Use case: import files as one unit, from the CLI, the inbox and the browser alike.

Every file is read and checked first (etl.staging, no database); only when no file has a
problem is anything compared with what is stored and written, in one transaction under the
writers' lock (db.value_writes). A file imported before and unchanged since is answered
„unverändert“ without reading it again.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.engine import WriterBusy, without_gc_pauses
from db.indicators import catalogue_rows
from db.places import changed_context_values, write_context_values
from db.quarters import QuarterLocked, locked, refuse_locked
from db.saved_profiles import saved_profile_texts
from db.value_writes import (
    add_comment,
    apply_values,
    diff_values,
    finish_run,
    indicator_units,
    indicators_of_run,
    latest_file_run,
    new_comments,
    run_still_current,
    start_run,
    utcnow,
    writing,
)
from etl.bounded import ReadLimits
from etl.extract import Problem
from etl.profile import Profile, ProfileError, UnknownProfile, resolve_profile, with_saved
from etl.report import FileReport, ImportReport, fill_changes
from etl.staging import (
    Staged,
    Upload,
    check_across_files,
    check_owners,
    fingerprint,
    foreign_indicators,
    is_catalogue,
    mixed_catalogue_problem,
    stage,
)
from etl.validate import CatalogueIndex, catalogue_index
from zielcockpit.domain.value_rows import (
    CommentRow,
    ContextValueRow,
    ValueDiff,
    summed_cells,
    written_periods,
)
from zielcockpit.services.archive import (
    PendingArchive,
    archive_file,
    is_disk_full,
    no_space_message,
)
from zielcockpit.settings import Settings

# Told the share done (0-100) and what happens now, in German.
Progress = Callable[[int, str], None]

_WROTE_ALL = "wrote_all"  # the run's report key of the unchanged-file shortcut


def load_catalogue_index(conn: Connection) -> CatalogueIndex:
    """Indicators, measures and places of every plan, in a handful of queries."""
    rows = catalogue_rows(conn)
    return catalogue_index(
        rows.indicators, rows.places_of, rows.measures, rows.context, rows.places
    )


def all_profiles(conn: Connection) -> tuple[Profile, ...]:
    """The shipped profiles and those taught in the browser, in the order detection tries them."""
    try:
        return with_saved(saved_profile_texts(conn))
    except ProfileError as exc:
        raise UnknownProfile(str(exc)) from exc


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
    with without_gc_pauses():
        return _import_files(
            engine, sources, profile, dry_run, user, settings, writable_units, candidate, progress
        )


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
    max_bytes = settings.max_upload_mb * 1024 * 1024
    limits = ReadLimits.of(settings)
    with engine.connect() as conn:
        index = load_catalogue_index(conn)
        profiles = all_profiles(conn)
    chosen = candidate or resolve_profile(profile, profiles)
    reading = fingerprint(index, profiles, chosen, max_bytes, limits)
    if candidate is None:
        known = _known_unchanged(engine, sources, reading, index, max_bytes, writable_units)
        if known is not None:
            tell(60, "Die Datei ist unverändert bereits importiert.")
            return ImportReport(known, dry_run)
    staged = []
    for n, src in enumerate(sources):
        tell(
            5 + 55 * n // len(sources),
            f"Datei {n + 1} von {len(sources)} wird gelesen und geprüft …",
        )
        staged.append(stage(src, chosen, profiles, index, max_bytes, limits))
        staged[-1].fingerprint = reading
    tell(60, "Die Werte werden mit dem Bestand verglichen …")
    report = ImportReport([s.report for s in staged], dry_run)
    catalogues = [s for s in staged if s.report.profile and is_catalogue(s.report.profile)]
    if not _all_fine(staged, catalogues, report, index, writable_units):
        return report
    if catalogues:
        return _import_catalogues(engine, catalogues, report, dry_run)
    if dry_run:
        with Session(engine) as session:
            for s in staged:
                _preview(session, s)
        return report
    tell(70, "Die Werte werden geschrieben …")
    _write_all(engine, staged, report, user or getpass.getuser(), settings.archive_dir)
    return report


def _all_fine(
    staged: list[Staged],
    catalogues: list[Staged],
    report: ImportReport,
    index: CatalogueIndex,
    writable_units: frozenset[str] | None,
) -> bool:
    """The checks across the files of the import; on any problem every file is rejected."""
    if catalogues and len(catalogues) != len(staged):
        report.errors.append(mixed_catalogue_problem(catalogues))
    check_across_files(staged)
    if writable_units is not None:
        check_owners(staged, index, writable_units)
    if staged and not report.errors and not any(s.report.errors for s in staged):
        return True
    for s in staged:
        s.report.status = "rejected"
        if not s.report.errors:
            s.report.notes.append("nicht geschrieben, weil der Import Fehler enthält")
    return False


# -- the unchanged file, answered without reading it -------------------------------------------


def _known_unchanged(
    engine: Engine,
    sources: Sequence[Path | Upload],
    reading: str,
    index: CatalogueIndex,
    max_bytes: int,
    writable_units: frozenset[str] | None,
) -> list[FileReport] | None:
    """The reports of files imported before and unchanged since, without reading them again;
    None unless every file qualifies (then the import takes its usual way).

    A file qualifies when the latest run that imported its checksum wrote every value (and
    comment) of it, under the same catalogue, profiles and limits (`reading`, the fingerprint),
    and every value it wrote is still the current one: a value the form or another file changed
    since belongs to another run, a deleted one is gone, so the counts differ."""
    reports: list[FileReport] = []
    seen: set[str] = set()
    with Session(engine) as session:
        for src in sources:
            path, name = (src.path, src.name) if isinstance(src, Upload) else (src, src.name)
            checksum = _checksum(path, max_bytes)
            if checksum is None or checksum in seen:
                # the same file twice: the usual way counts the second as repeated
                return None
            seen.add(checksum)
            known = _known_report(session, name, checksum, reading, index, writable_units)
            if known is None:
                return None
            reports.append(known)
    return reports


def _checksum(path: Path, max_bytes: int) -> str | None:
    """The file's SHA-256, None when it cannot be read or is empty or too large."""
    try:
        if not 0 < path.stat().st_size <= max_bytes:
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _known_report(
    session: Session,
    name: str,
    checksum: str,
    reading: str,
    index: CatalogueIndex,
    writable_units: frozenset[str] | None,
) -> FileReport | None:
    """The report of the latest run of this content if it still stands as written, else None."""
    run = latest_file_run(session, checksum)
    if run is None or run.status != "ok" or not run.report:
        return None
    facts = json.loads(run.report)
    wrote = facts.get(_WROTE_ALL)
    if not wrote or wrote["fingerprint"] != reading or not wrote["all_comments"]:
        return None
    if not run_still_current(session, run.id, wrote["values"], wrote["context"], wrote["comments"]):
        return None
    if writable_units is not None:
        if wrote["context"]:
            return None  # refused for a fachbereich: the usual way says so
        indicators = indicators_of_run(session, run.id)
        if any(i not in index.by_id for i in indicators) or foreign_indicators(
            indicators, index, writable_units
        ):
            return None
    return FileReport(
        name,
        profile=run.profile,
        profile_title=facts.get("profile_title"),
        detected=bool(facts.get("profile_detected")),
        checksum=checksum,
        status="unchanged",
        values_unchanged=wrote["values"] + wrote["context"],
        notes=list(facts.get("notes", [])),
    )


# -- comparing and writing ---------------------------------------------------------------------


def _compare(
    session: Session, s: Staged
) -> tuple[ValueDiff, list[CommentRow], list[ContextValueRow]]:
    """What of a staged file differs from what is stored; the unchanged counted, the changes
    listed in its report."""
    assert s.checked is not None
    diff = diff_values(session, s.checked.rows)
    comments = new_comments(session, s.checked.comments)
    context = changed_context_values(session, s.context)
    s.report.values_unchanged += len(diff.unchanged) + len(s.context) - len(context)
    fill_changes(s.report, diff, indicator_units(session, s.checked.rows))
    return diff, comments, context


def _preview(session: Session, s: Staged) -> None:
    diff, comments, context = _compare(session, s)
    s.report.values_written = diff.written + len(context)
    s.report.comments_written = len(comments)
    s.report.status = "ok" if s.report.values_written or s.report.comments_written else "unchanged"
    # the preview says now what the import would be refused for
    hits = locked(session, written_periods(diff, comments))
    if hits:
        s.report.errors.extend(Problem(s.report.file, None, None, None, h.refusal()) for h in hits)
        s.report.status = "rejected"


def _write_all(
    engine: Engine, staged: list[Staged], report: ImportReport, user: str, archive_dir: Path
) -> None:
    """Write every staged file in one transaction; the originals are archived once it commits."""
    now = utcnow()
    archives: list[PendingArchive] = []
    try:
        with writing(engine) as session:
            for s in staged:
                _write_file(session, s, user, now, archive_dir, archives)
        for pending in archives:
            pending.commit()
    except (WriterBusy, QuarterLocked, OSError, DBAPIError) as exc:
        if isinstance(exc, OSError | DBAPIError) and not is_disk_full(exc):
            raise
        for s in staged:
            s.report.status = "rejected"
            s.report.values_written = s.report.comments_written = 0
            s.report.changes.clear()
        files = ", ".join(s.report.file for s in staged)
        report.errors.extend(Problem(files, None, None, None, m) for m in _refusals(exc))
    finally:
        for pending in archives:
            pending.discard()


def _refusals(exc: Exception) -> list[str]:
    """Why nothing was written, in German: a full disk, a released quarter, a busy writer."""
    if isinstance(exc, OSError | DBAPIError):
        where = "Ablage der Originaldateien" if isinstance(exc, OSError) else "Datenbank"
        return [no_space_message(where)]
    return exc.messages if isinstance(exc, QuarterLocked) else [str(exc)]


def _write_file(
    session: Session,
    s: Staged,
    user: str,
    now: dt.datetime,
    archive_dir: Path,
    archives: list[PendingArchive],
) -> None:
    assert s.checked is not None and s.book is not None
    report = s.report
    diff, comments, context = _compare(session, s)
    if not diff.new and not diff.changed and not comments and not context:
        report.status = "unchanged"  # nothing to record: the database stays exactly as it was
        return
    # a released quarter stays as released; the whole import is rolled back
    refuse_locked(session, written_periods(diff, comments))
    pending = archive_file(s.book, archive_dir)
    archives.append(pending)
    run = start_run(
        session,
        "datei",
        report.file[:300],
        user[:80],
        now,
        profile=report.profile,
        checksum=report.checksum,
        archive_path=str(pending.target)[:500],
    )
    report.values_written = apply_values(session, run.id, user, diff, now)
    report.values_written += write_context_values(session, context, run.id, user)[0]
    for c in comments:
        add_comment(session, c, user, now, run.id)
    report.comments_written = len(comments)
    report.status = "ok"
    report.archive_path = str(pending.target)
    report.import_run_id = run.id
    finish_run(run, report.values_written, report.values_unchanged)
    run.report = json.dumps(_run_facts(s, diff, comments, context), ensure_ascii=False)
    _audit(session, report, user, run.id)


def _run_facts(
    s: Staged, diff: ValueDiff, comments: list[CommentRow], context: list[ContextValueRow]
) -> dict[str, Any]:
    """What the run's report keeps of the import (and, when it wrote all, the shortcut's facts)."""
    assert s.checked is not None
    report = s.report
    facts: dict[str, Any] = {
        "profile_title": report.profile_title,
        "profile_detected": report.detected,
        "comments_written": report.comments_written,
        "notes": report.notes,
        "summed_cells": summed_cells(s.checked.rows),
    }
    if report.values_unchanged == 0 and s.fingerprint:
        # This run wrote every value of the file (none was already stored, none repeated from
        # another file of this import): while they all stay as written, the same file is
        # answered „unverändert“ without reading it again (_known_unchanged).
        facts[_WROTE_ALL] = {
            "fingerprint": s.fingerprint,
            "values": diff.written,
            "context": len(context),
            "comments": len(comments),
            "all_comments": len(comments) == len(s.checked.comments),
        }
    return facts


def _audit(session: Session, report: FileReport, user: str, run_id: int) -> None:
    """The audit trail learns of the import in the same transaction as its values."""
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
        run_id=run_id,
    )


def _import_catalogues(
    engine: Engine, catalogues: list[Staged], report: ImportReport, dry_run: bool
) -> ImportReport:
    from zielcockpit.domain.catalogue_checks import CatalogueError
    from zielcockpit.services.catalogue import check_catalogue_file, load_catalogue

    for s in catalogues:
        assert s.book is not None
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / s.report.file
            path.write_bytes(s.book.data)
            try:
                if dry_run:
                    problems = check_catalogue_file(path)
                    if problems:
                        raise CatalogueError(problems)
                    s.report.notes.append("Katalog geprüft: keine Fehler.")
                else:
                    result = load_catalogue(engine, path)
                    s.report.notes.append(
                        f"{result.summary} geladen."
                        if result.summary
                        else f"Plan {result.plan_key}: {result.measures} Maßnahmen, "
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
