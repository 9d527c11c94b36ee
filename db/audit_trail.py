"""The audit trail: recording a change, and the named queries of the Protokoll page."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import (
    AuditEntry,
    ImportRun,
    Indikator,
    Massnahme,
    Messwert,
    MesswertVersion,
    Plan,
)
from zielcockpit.domain.formatting import value_text

TRAIL_LIMIT = 2000


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    key: str,
    old: Any,
    new: Any,
    *,
    source: str | None = None,
    massnahme_id: int | None = None,
    run_id: int | None = None,
) -> None:
    """Record a change inside the caller's transaction (so it lands exactly when the change does)."""

    def text(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)

    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_key=key,
            old=text(old),
            new=text(new),
            source=source,
            massnahme_id=massnahme_id,
            import_run_id=run_id,
        )
    )


def audit_entries(
    engine: Engine, massnahme_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """The newest changes first, optionally of one measure (for the measure page)."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if massnahme_id is not None:
        stmt = stmt.where(AuditEntry.massnahme_id == massnahme_id)
    with transaction(engine) as session:
        return [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "key": e.entity_key,
                "old": e.old,
                "new": e.new,
                "source": e.source,
            }
            for e in session.scalars(stmt)
        ]


# Kinds of the audit trail: audit actions, and the import-run kinds of recorded values.
KIND_LABELS = {
    "datei": "Wert (Import)",
    "demo": "Wert (Demodaten)",
    "wert": "Wert (Erfassung)",
    "kommentar": "Kommentar",
    "ampel": "Manuelle Ampel",
    "import": "Import",
    "katalog": "Katalog",
    "benutzer_angelegt": "Benutzer angelegt",
    "benutzer_gesperrt": "Benutzer gesperrt",
    "benutzer_entsperrt": "Benutzer entsperrt",
    "passwort_geaendert": "Passwort geändert",
    "token_angelegt": "Token angelegt",
    "importprofil_angelernt": "Importprofil angelernt",
}
VALUE_KINDS = frozenset({"datei", "demo"})  # value history rows, not audit entries


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


@dataclass(frozen=True)
class TrailRow:
    """One change in the audit trail: an audit entry or a recorded value."""

    at: dt.datetime
    actor: str
    kind: str
    measure: str | None
    subject: str
    old: str | None
    new: str | None
    source: str | None


@dataclass(frozen=True)
class TrailChoices:
    measures: list[tuple[int, str]]  # (id, "2017 · REGE-4")
    users: list[str]
    kinds: list[str]


def trail_choices(engine: Engine) -> TrailChoices:
    with engine.connect() as conn:
        measures = [
            (r.id, f"{r.key} · {r.code}")
            for r in conn.execute(
                select(Massnahme.id, Massnahme.code, Plan.key)
                .join(Plan, Plan.id == Massnahme.plan_id)
                .order_by(Plan.year, Plan.key, Massnahme.position)
            )
        ]
        users = set(conn.scalars(select(AuditEntry.actor).distinct()))
        users |= {u for u in conn.scalars(select(Messwert.recorded_by).distinct()) if u}
        users |= {u for u in conn.scalars(select(MesswertVersion.recorded_by).distinct()) if u}
        kinds = set(conn.scalars(select(AuditEntry.action).distinct()))
        kinds |= {k for k in conn.scalars(select(ImportRun.kind).distinct()) if k != "erfassung"}
    return TrailChoices(measures, sorted(users), sorted(kinds, key=kind_label))


def audit_trail(
    engine: Engine,
    massnahme_id: int | None = None,
    user: str | None = None,
    kind: str | None = None,
    limit: int = TRAIL_LIMIT,
) -> list[TrailRow]:
    """Audit entries and the history of every value, newest first, filtered, at most `limit`.

    Values entered in the form are left out of the value history: each has its own audit
    entry (with the form as source), and one change should be listed once.
    """
    rows: list[TrailRow] = []
    with engine.connect() as conn:
        if kind is None or kind not in VALUE_KINDS:
            stmt = (
                select(
                    AuditEntry.at,
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.entity_key,
                    AuditEntry.old,
                    AuditEntry.new,
                    AuditEntry.source,
                    Massnahme.code.label("mcode"),
                    Plan.key.label("plan_key"),
                )
                .outerjoin(Massnahme, Massnahme.id == AuditEntry.massnahme_id)
                .outerjoin(Plan, Plan.id == Massnahme.plan_id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit)
            )
            if massnahme_id is not None:
                stmt = stmt.where(AuditEntry.massnahme_id == massnahme_id)
            if user:
                stmt = stmt.where(AuditEntry.actor == user)
            if kind:
                stmt = stmt.where(AuditEntry.action == kind)
            for r in conn.execute(stmt):
                rows.append(
                    TrailRow(
                        r.at,
                        r.actor,
                        r.action,
                        f"{r.plan_key} · {r.mcode}" if r.mcode else None,
                        r.entity_key,
                        r.old,
                        r.new,
                        r.source,
                    )
                )
        if kind is None or kind in VALUE_KINDS:
            rows.extend(_value_history(conn, massnahme_id, user, kind, limit))
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit]


def _value_history(
    conn: Connection, massnahme_id: int | None, user: str | None, kind: str | None, limit: int
) -> list[TrailRow]:
    """Every recorded version of a value (current and replaced), each with its predecessor."""
    base = (
        select(
            Messwert.id.label("mid"),
            Indikator.code,
            Indikator.unit,
            Massnahme.code.label("mcode"),
            Plan.key.label("plan_key"),
            Messwert.period,
        )
        .join(Indikator, Indikator.id == Messwert.indikator_id)
        .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
        .join(Plan, Plan.id == Massnahme.plan_id)
    )
    if massnahme_id is not None:
        base = base.where(Massnahme.id == massnahme_id)
    current_q = (
        base.add_columns(
            Messwert.value,
            Messwert.symbol,
            Messwert.status,
            Messwert.recorded_by,
            Messwert.recorded_at,
            ImportRun.kind.label("run_kind"),
            ImportRun.file_name,
        )
        .outerjoin(ImportRun, ImportRun.id == Messwert.import_run_id)
        .where(or_none(ImportRun.kind, "erfassung"))
        .order_by(Messwert.recorded_at.desc())
        .limit(limit)
    )
    version_q = (
        base.add_columns(
            MesswertVersion.value,
            MesswertVersion.symbol,
            MesswertVersion.status,
            MesswertVersion.recorded_by,
            MesswertVersion.recorded_at,
            ImportRun.kind.label("run_kind"),
            ImportRun.file_name,
        )
        .join(MesswertVersion, MesswertVersion.messwert_id == Messwert.id)
        .outerjoin(ImportRun, ImportRun.id == MesswertVersion.import_run_id)
        .where(or_none(ImportRun.kind, "erfassung"))
        .order_by(MesswertVersion.recorded_at.desc())
        .limit(limit)
    )
    if user:
        current_q = current_q.where(Messwert.recorded_by == user)
        version_q = version_q.where(MesswertVersion.recorded_by == user)
    if kind:
        current_q = current_q.where(ImportRun.kind == kind)
        version_q = version_q.where(ImportRun.kind == kind)
    elements = [*conn.execute(current_q), *conn.execute(version_q)]
    elements.sort(key=lambda r: r.recorded_at, reverse=True)
    elements = elements[:limit]
    # The predecessor of each element: the version recorded just before it.
    chains: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    ids = sorted({r.mid for r in elements})
    units = {r.mid: r.unit for r in elements}
    for start in range(0, len(ids), 500):
        for v in conn.execute(
            select(
                MesswertVersion.messwert_id,
                MesswertVersion.recorded_at,
                MesswertVersion.value,
                MesswertVersion.symbol,
                MesswertVersion.status,
            ).where(MesswertVersion.messwert_id.in_(ids[start : start + 500]))
        ):
            chains[v.messwert_id].append(
                (v.recorded_at, value_text(v.value, v.symbol, v.status, units[v.messwert_id]))
            )
    out = []
    for r in elements:
        earlier = [c for c in chains.get(r.mid, []) if c[0] < r.recorded_at]
        old = max(earlier, key=lambda c: c[0])[1] if earlier else None
        out.append(
            TrailRow(
                r.recorded_at,
                r.recorded_by or "unbekannt",
                r.run_kind or "datei",
                f"{r.plan_key} · {r.mcode}",
                f"{r.code} {r.period}",
                old,
                value_text(r.value, r.symbol, r.status, r.unit),
                r.file_name,
            )
        )
    return out


def or_none(column: Any, excluded: str) -> Any:
    """column IS NULL OR column != excluded (a plain != drops NULL rows in SQL)."""
    return column.is_(None) | (column != excluded)
