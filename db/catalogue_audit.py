"""The audit of a catalogue write (plan or places): every new, changed and deleted row, noted
before each flush, recorded under one import run of kind "katalog"."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from db.models import ImportRun, Indikator, Massnahme

# table, key, old columns, new columns, the measure it belongs to (its page shows the change)
Change = tuple[str, str, Any, Any, int | None]


@contextmanager
def collecting(session: Session) -> Iterator[list[Change]]:
    """The changes of the writes inside the block (flushed at its end)."""
    changes: list[Change] = []
    hook = _collect(changes)
    event.listen(session, "before_flush", hook)
    try:
        yield changes
        session.flush()
    finally:
        event.remove(session, "before_flush", hook)


_KEYS = ("code", "key", "title", "name", "number", "period")


def _entity_key(obj: Any) -> str:
    for attr in _KEYS:
        value = getattr(obj, attr, None)
        if value is not None:
            return str(value)[:120]
    return str(getattr(obj, "id", ""))


def _columns(obj: Any) -> dict[str, Any]:
    return {
        c.key: getattr(obj, c.key) for c in sa_inspect(obj).mapper.column_attrs if c.key != "id"
    }


def _measure_of(obj: Any) -> int | None:
    if isinstance(obj, Massnahme):
        return obj.id
    return getattr(obj, "massnahme_id", None) if isinstance(obj, Indikator) else None


def _collect(changes: list[Change]) -> Any:
    """A before_flush hook that notes every new, changed and deleted catalogue row."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.new:
            changes.append((type(obj).__tablename__, _entity_key(obj), None, _columns(obj), None))
        for obj in session.dirty:
            state = sa_inspect(obj)
            old, new = {}, {}
            for attr in state.mapper.column_attrs:
                history = state.attrs[attr.key].history
                if history.has_changes():
                    old[attr.key] = history.deleted[0] if history.deleted else None
                    new[attr.key] = history.added[0] if history.added else None
            if new:
                changes.append(
                    (type(obj).__tablename__, _entity_key(obj), old, new, _measure_of(obj))
                )
        for obj in session.deleted:
            changes.append((type(obj).__tablename__, _entity_key(obj), _columns(obj), None, None))

    return before_flush


def record_changes(
    session: Session, changes: list[Change], source: str, content: bytes, actor: str
) -> None:
    from db.audit_trail import audit

    run = ImportRun(
        kind="katalog",
        profile="katalog",
        file_name=source,
        checksum=hashlib.sha256(content).hexdigest(),
        user_name=actor,
        status="ok",
        values_written=len(changes),
        finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    session.add(run)
    session.flush()
    for entity, key, old, new, measure_id in changes:
        audit(
            session,
            actor,
            "katalog",
            entity,
            key,
            old,
            new,
            source=source,
            massnahme_id=measure_id,
            run_id=run.id,
        )
