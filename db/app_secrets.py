"""Secrets kept in the database, which every worker and instance reads: the shared session key."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from db.models import AppSecret

SESSION_KEY = "session_key"


def shared_secret(engine: Engine, name: str = SESSION_KEY) -> str:
    """The stored secret `name`, created on first use; concurrent first users agree on one.

    Insert-if-absent: whoever inserts first wins, a loser's insert fails on the primary key
    and it reads the winner's value, so two workers starting together never sign with
    different keys.
    """
    found = _read(engine, name)
    if found is not None:
        return found
    try:
        with transaction(engine) as session:
            session.add(AppSecret(name=name, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another worker was first; its key is the one
    stored = _read(engine, name)
    if stored is None:  # pragma: no cover - only if someone deletes it in between
        raise RuntimeError(f"Das Geheimnis {name} konnte nicht gespeichert werden.")
    return stored


def _read(engine: Engine, name: str) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(select(AppSecret.value).where(AppSecret.name == name))
