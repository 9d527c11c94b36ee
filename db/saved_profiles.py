"""Import profiles taught in the browser: listed for auto-detection and the CLI, saved audited."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.models import SavedProfile
from zielcockpit.domain.german import fold_name

AUDIT_ACTION = "importprofil_angelernt"


@dataclass(frozen=True)
class SavedProfileRow:
    name: str
    title: str
    data: str  # JSON, the format of the shipped YAML profiles
    created_by: str
    created_at: dt.datetime


def saved_profiles(conn: Connection) -> list[SavedProfileRow]:
    """Every saved profile, oldest first."""
    rows = conn.execute(
        select(
            SavedProfile.name,
            SavedProfile.title,
            SavedProfile.data,
            SavedProfile.created_by,
            SavedProfile.created_at,
        ).order_by(SavedProfile.created_at, SavedProfile.id)
    )
    return [SavedProfileRow(*r) for r in rows]


def saved_profile_texts(conn: Connection) -> list[str]:
    return [r.data for r in saved_profiles(conn)]


def add_saved_profile(session: Session, data: dict[str, Any], user: str) -> None:
    """Store a checked profile inside the caller's transaction, with its audit entry."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    session.add(
        SavedProfile(
            name=str(data["name"]),
            title=str(data.get("title") or data["name"]),
            data=text,
            created_by=user[:80],
            created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
    )
    audit(
        session,
        user[:80],
        AUDIT_ACTION,
        "importprofil",
        str(data["name"])[:120],
        None,
        data,
        source="Import im Browser (Aufbau anlernen)",
    )


def profile_name_taken(session: Session, name: str) -> bool:
    wanted = fold_name(name)
    return any(fold_name(n) == wanted for n in session.scalars(select(SavedProfile.name)))
