"""Engines and sessions; the one place that knows how a URL becomes a connection."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_WAIT_SECONDS = 60


class DatabaseError(Exception):
    """A database problem explained in German for the user."""


def normalise_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite the folder of the file is created on demand."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise DatabaseError(
            f"DATABASE_URL ist keine gültige Datenbank-Adresse: {url!r}. "
            "Erwartet z. B. 'sqlite:///data/zielcockpit.db' oder "
            "'postgresql://benutzer@host:5432/datenbank'."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Writers take turns (see lock_values); a waiting writer waits this long, not 5 s.
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_WAIT_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except Exception as exc:  # unknown dialect or missing driver
        raise DatabaseError(f"Datenbank-Adresse wird nicht unterstützt: {url!r} ({exc}).") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Connect once, turning driver errors into one German sentence."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"Datenbank nicht erreichbar ({engine.url.render_as_string(hide_password=True)}): "
            f"{reason}"
        ) from exc


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits at the end, rolls back everything on any error."""
    with session_factory(engine)() as session, session.begin():
        yield session


class WriterBusy(DatabaseError):
    """Another writer held the lock for longer than a writer waits."""


def lock_values(session: Session) -> None:
    """Take the writers' lock for the rest of this transaction: writers of values take turns.

    Must be the first statement of the transaction. On PostgreSQL it is a row lock that the
    next writer waits for; on SQLite the update takes the database's write lock at once (a
    later upgrade from a read lock could fail instead of wait). Everything read after it is
    the state this writer builds on, so no concurrent write is lost or overwritten unseen.
    """
    from db.models import WriteLock

    try:
        session.execute(
            # Sets the row to itself: the lock is taken, yet nothing changes.
            update(WriteLock).where(WriteLock.id == 1).values(writes=WriteLock.writes)
        )
    except OperationalError as exc:
        raise WriterBusy(
            "Ein anderer Schreibvorgang (Import oder Erfassung) läuft gerade noch. "
            "Nichts wurde geschrieben; bitte in einer Minute erneut versuchen."
        ) from exc


@contextmanager
def without_gc_pauses() -> Iterator[None]:
    """No cyclic garbage collection while a plan is loaded or judged, or a large file's rows are staged.

    Both build some 100,000 tuples that are never part of a cycle; each few hundred of them
    started a collection, and the older generations' passes walk every live object (the
    plans already loaded included): measured, a third of the time of loading the synthetic
    plan. Collection resumes at the end (unless it was off before); reference counting frees
    memory as always meanwhile.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
