"""The one way values are stored: by the import and by the browser entry form alike.

Writers take turns (`writing`: the writers' lock of db.engine first); what is stored is compared
with the checked rows (zielcockpit.domain.value_rows decides new, changed, unchanged), new values
are inserted, each replaced one is kept in MesswertVersion, and every write belongs to an
ImportRun (the provenance of a value: file or form, who, when). Also here: whether what a run
wrote is still stored, which lets an unchanged file be answered without reading it again.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from db.engine import lock_values, transaction
from db.models import ImportRun, Indikator, Kommentar, KontextWert, Messwert, MesswertVersion
from zielcockpit.domain.value_rows import (
    CommentRow,
    Key,
    StoredValue,
    ValueDiff,
    ValueRow,
    classify,
)

CHUNK = 500
_INDICATOR = itemgetter(0)  # a value row's indikator_id


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """One transaction holding the writers' lock: what is read inside is what the write builds
    on, so a concurrent import or form is either seen (and versioned) or waits for this one."""
    with transaction(engine) as session:
        lock_values(session)
        yield session


# -- values --------------------------------------------------------------------------------------


def stored_values(session: Session, indicator_ids: Sequence[int]) -> dict[Key, StoredValue]:
    """The stored values of these indicators, by indicator × period × place (0: none)."""
    stored: dict[Key, StoredValue] = {}
    ids = sorted(set(indicator_ids))
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
    return stored


def diff_values(session: Session, rows: Sequence[ValueRow]) -> ValueDiff:
    """Compare with what is stored: new, changed (with the old version) or unchanged."""
    return classify(rows, stored_values(session, list(map(_INDICATOR, rows))))


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


_VALUE_COLUMNS = (
    "indikator_id",
    "period",
    "ort_id",
    "value",
    "symbol",
    "status",
    "source_sheet",
    "source_cell",
)  # a ValueRow's first fields are these columns
_VERSION_COLUMNS = (
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
)


def apply_values(
    session: Session,
    run_id: int | None,
    user: str,
    diff: ValueDiff,
    now: dt.datetime | None = None,
) -> int:
    """Write a diff: insert new values, keep each replaced value as a version, update it."""
    now = now or utcnow()
    if diff.new:
        constants = {
            "demo": False,
            "import_run_id": run_id,
            "recorded_by": user,
            "recorded_at": now,
            "version": 1,
        }
        _bulk_insert(session, Messwert.__table__, _VALUE_COLUMNS, diff.new, constants)
    if diff.changed:
        _bulk_insert(
            session,
            MesswertVersion.__table__,
            _VERSION_COLUMNS,
            [_version_of(old) for _row, old in diff.changed],
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
    return diff.written


def _version_of(old: StoredValue) -> tuple[Any, ...]:
    """A replaced value as its MesswertVersion row (_VERSION_COLUMNS)."""
    return (
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


def indicator_units(session: Session, rows: Sequence[ValueRow]) -> dict[int, str]:
    """The unit of each indicator of these value rows, for showing their values."""
    ids = sorted(set(map(_INDICATOR, rows)))
    units: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        for i, unit in session.execute(
            select(Indikator.id, Indikator.unit).where(Indikator.id.in_(ids[start : start + CHUNK]))
        ):
            units[i] = unit
    return units


# -- comments ------------------------------------------------------------------------------------


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


# -- runs: the provenance of every write -------------------------------------------------------


def start_run(
    session: Session,
    kind: str,
    file_name: str,
    user: str,
    now: dt.datetime,
    *,
    profile: str | None = None,
    checksum: str | None = None,
    archive_path: str | None = None,
) -> ImportRun:
    """The run the values about to be written belong to („datei“ or „erfassung“), with its id."""
    run = ImportRun(
        kind=kind,
        profile=profile,
        file_name=file_name,
        checksum=checksum,
        archive_path=archive_path,
        started_at=now,
        user_name=user,
        status="ok",
    )
    session.add(run)
    session.flush()
    return run


def finish_run(run: ImportRun, written: int, unchanged: int) -> None:
    run.values_written, run.values_unchanged = written, unchanged
    run.finished_at = utcnow()


def latest_file_run(session: Session, checksum: str) -> ImportRun | None:
    """The latest import of a file with this content."""
    return session.scalars(
        select(ImportRun)
        .where(ImportRun.checksum == checksum, ImportRun.kind == "datei")
        .order_by(ImportRun.id.desc())
        .limit(1)
    ).first()


def run_still_current(
    session: Session, run_id: int, values: int, context: int, comments: int
) -> bool:
    """The run's values, context values and comments (that many of each) are all still the
    current ones: none replaced or deleted since, no later comment on the same period."""

    def count(table: Any) -> int:
        return int(
            session.scalar(
                select(func.count()).select_from(table).where(table.import_run_id == run_id)
            )
            or 0
        )

    if count(Messwert) != values or count(KontextWert) != context:
        return False
    if count(Kommentar) != comments:
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
    return not newer_comments  # else the latest comment is another: the file's would be written


def indicators_of_run(session: Session, run_id: int) -> set[int]:
    """The indicators whose values or comments the run wrote."""
    return set(
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
