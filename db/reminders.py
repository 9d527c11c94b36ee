"""Reminder mails in the database: recording one per state, claiming it for sending, the result.

Recording is the idempotency: the unique key (plan, quarter, unit, measure, kind, state) lets
only one process record a reminder for a state; only the process that claims a recorded
reminder (`wartet` → `wird_gesendet`, one UPDATE) sends it. A send that fails puts it back to
`wartet` with the error, for the next run; a claim whose process died is given back after
CLAIM_MINUTES.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import Erinnerung, Plan, utcnow
from zielcockpit.domain.reminders import (
    COVERING_STATES,
    NO_RECIPIENT,
    OPEN_STATES,
    PENDING,
    SENT,
    SUPERSEDED,
)

SENDING = "wird_gesendet"
CLAIM_MINUTES = 10


@dataclass(frozen=True)
class ReminderRow:
    id: int
    plan_key: str
    period: str
    oe: str
    measure: str
    kind: str
    state: str
    recipients: tuple[str, ...]
    subject: str
    items: list[dict[str, Any]]
    attempts: int
    error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def covered(
    engine: Engine, plan_id: int, period: str, oe: str, measure: str, kind: str
) -> set[str]:
    """The elements earlier reminders of this kind and recipients already covered."""
    with engine.connect() as conn:
        rows = conn.scalars(
            select(Erinnerung.items).where(
                Erinnerung.plan_id == plan_id,
                Erinnerung.period == period,
                Erinnerung.oe == oe,
                Erinnerung.massnahme == measure,
                Erinnerung.kind == kind,
                Erinnerung.state.in_((*COVERING_STATES, SENDING)),
            )
        )
        return {item["element"] for items in rows for item in json.loads(items)}


def record(
    engine: Engine,
    *,
    plan_id: int,
    period: str,
    oe: str,
    measure: str,
    kind: str,
    state_key: str,
    items: list[dict[str, Any]],
    recipients: list[str],
    subject: str,
) -> int | None:
    """Record a reminder to be sent; None when this state was recorded already (here or by
    another process). Earlier unsent reminders of the same kind and recipients are replaced."""
    try:
        with transaction(engine) as session:
            session.execute(
                update(Erinnerung)
                .where(
                    Erinnerung.plan_id == plan_id,
                    Erinnerung.period == period,
                    Erinnerung.oe == oe,
                    Erinnerung.massnahme == measure,
                    Erinnerung.kind == kind,
                    Erinnerung.state.in_(OPEN_STATES),
                )
                .values(state=SUPERSEDED)
            )
            row = Erinnerung(
                plan_id=plan_id,
                period=period,
                oe=oe,
                massnahme=measure,
                kind=kind,
                state_key=state_key,
                items=json.dumps(items, ensure_ascii=False),
                recipients="\n".join(recipients),
                subject=subject[:300],
                state=PENDING if recipients else NO_RECIPIENT,
                attempts=0,
            )
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def to_send(engine: Engine, now: dt.datetime | None = None) -> list[ReminderRow]:
    """Reminders not sent yet (waiting, without recipients, or claimed by a dead process)."""
    now = now or utcnow()
    with transaction(engine) as session:
        session.execute(
            update(Erinnerung)
            .where(
                Erinnerung.state == SENDING,
                Erinnerung.sent_at < now - dt.timedelta(minutes=CLAIM_MINUTES),
            )
            .values(state=PENDING, sent_at=None)
        )
        return _rows(session, Erinnerung.state.in_(OPEN_STATES))


def claim(engine: Engine, reminder_id: int, recipients: list[str], subject: str) -> bool:
    """Take a waiting reminder for sending (only one process gets it)."""
    with transaction(engine) as session:
        done = session.execute(
            update(Erinnerung)
            .where(Erinnerung.id == reminder_id, Erinnerung.state.in_(OPEN_STATES))
            .values(
                state=SENDING,
                recipients="\n".join(recipients),
                subject=subject[:300],
                sent_at=utcnow(),  # the claim's time until it is sent
                attempts=Erinnerung.attempts + 1,
            )
            .returning(Erinnerung.id)
        ).first()
        return done is not None


def finish(
    engine: Engine, reminder_id: int, *, message: bytes | None = None, error: str | None = None
) -> None:
    """The end of a sending: sent (with the mail as sent), or back to waiting with the error."""
    with transaction(engine) as session:
        values: dict[str, Any]
        if error is None:
            values = {"state": SENT, "message": message, "error": None, "sent_at": utcnow()}
        else:
            values = {"state": PENDING, "error": error[:2000], "sent_at": None}
        session.execute(
            update(Erinnerung)
            .where(Erinnerung.id == reminder_id, Erinnerung.state == SENDING)
            .values(**values)
        )


def set_state(engine: Engine, reminder_id: int, state: str, error: str | None = None) -> None:
    with transaction(engine) as session:
        session.execute(
            update(Erinnerung)
            .where(Erinnerung.id == reminder_id, Erinnerung.state.in_(OPEN_STATES))
            .values(state=state, error=error)
        )


def reminders_of(engine: Engine, plan_key: str, period: str | None = None) -> list[ReminderRow]:
    """A plan's reminders (of one quarter), oldest first."""
    with transaction(engine) as session:
        conditions = [Plan.key == plan_key]
        if period is not None:
            conditions.append(Erinnerung.period == period)
        return _rows(session, *conditions)


def _rows(session: Session, *conditions: Any) -> list[ReminderRow]:
    return [
        ReminderRow(
            e.id,
            key,
            e.period,
            e.oe,
            e.massnahme,
            e.kind,
            e.state,
            tuple(r.strip() for r in e.recipients.split("\n") if r.strip()),
            e.subject,
            json.loads(e.items),
            e.attempts,
            e.error,
            e.created_at,
            e.sent_at,
        )
        for e, key in session.execute(
            select(Erinnerung, Plan.key)
            .join(Plan, Plan.id == Erinnerung.plan_id)
            .where(*conditions)
            .order_by(Erinnerung.created_at, Erinnerung.id)
        )
    ]
