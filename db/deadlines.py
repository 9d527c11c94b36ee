"""The reporting calendar in the database: deadlines set by controlling and sources' lags."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.engine import transaction
from db.models import Indikator, Liefertermin, Organisationseinheit, utcnow
from db.plans import plan_id_and_year, plan_quarter
from zielcockpit.domain.deadlines import (
    ANY,
    DeadlineKey,
    DeliveryCalendar,
    default_deadline,
)
from zielcockpit.domain.formatting import fmt_date
from zielcockpit.domain.periods import Period


class CalendarError(ValueError):
    """A deadline that cannot be set; the message is German."""


def load_calendar(conn: Connection | Session, plan_id: int) -> DeliveryCalendar:
    deadlines: dict[DeadlineKey, dt.date] = {}
    lags: dict[str, int] = {}
    for r in conn.execute(
        select(
            Liefertermin.period,
            Liefertermin.oe,
            Liefertermin.quelle,
            Liefertermin.deadline,
            Liefertermin.lag_days,
        ).where(Liefertermin.plan_id == plan_id)
    ):
        if r.period and r.deadline is not None:
            deadlines[DeadlineKey(r.period, r.oe or ANY, r.quelle or ANY)] = r.deadline
        elif not r.period and r.quelle and r.lag_days is not None:
            lags[r.quelle] = int(r.lag_days)
    return DeliveryCalendar(deadlines, lags)


@dataclass(frozen=True)
class CalendarLine:
    period: str  # "2017-Q3"; "" for a source's lag
    oe: str
    source: str
    deadline: dt.date | None
    lag_days: int | None
    set_by: str | None
    default: bool = False  # the default rule, nothing stored

    def text(self) -> str:
        """One German line for `zielcockpit calendar show`."""
        if not self.period:
            return (
                f"Quelle {self.source}: Verzug {self.lag_days} Tage (verschiebt den Liefertermin)"
            )
        who = []
        if self.oe:
            who.append(f"OE {self.oe}")
        if self.source:
            who.append(f"Quelle {self.source}")
        scope = f" ({', '.join(who)})" if who else ""
        label = Period.parse(self.period).label
        how = "Standard: 15. des Folgemonats" if self.default else f"gesetzt von {self.set_by}"
        return f"{label}{scope}: fällig am {fmt_date(self.deadline)} – {how}"


def calendar_lines(engine: Engine, plan_key: str) -> list[CalendarLine]:
    """The plan's four quarters with their deadline (stored or default), then the deviations
    per unit and source, then the sources' lags."""
    with transaction(engine) as session:
        plan_id, year = _plan(session, plan_key)
        rows = session.scalars(
            select(Liefertermin)
            .where(Liefertermin.plan_id == plan_id)
            .order_by(Liefertermin.period, Liefertermin.oe, Liefertermin.quelle)
        ).all()
        stored = {(r.period, r.oe, r.quelle): r for r in rows}
        lines: list[CalendarLine] = []
        for q in range(1, 5):
            key = f"{year}-Q{q}"
            row = stored.get((key, ANY, ANY))
            if row is None:
                lines.append(
                    CalendarLine(
                        key, ANY, ANY, default_deadline(Period.parse(key)), None, None, True
                    )
                )
            else:
                lines.append(CalendarLine(key, ANY, ANY, row.deadline, None, row.set_by))
        lines += [
            CalendarLine(r.period, r.oe, r.quelle, r.deadline, None, r.set_by)
            for r in rows
            if r.period and (r.oe or r.quelle)
        ]
        lines += [
            CalendarLine("", ANY, r.quelle, None, r.lag_days, r.set_by)
            for r in rows
            if not r.period
        ]
    return lines


def _plan(session: Session, plan_key: str) -> tuple[int, int]:
    return plan_id_and_year(session, plan_key, CalendarError)


def _quarter(text: str, year: int) -> str:
    return plan_quarter(text, year, CalendarError, "--period").key


def _check_scope(session: Session, plan_id: int, oe: str, source: str) -> None:
    if (
        oe
        and session.scalar(select(Organisationseinheit.id).where(Organisationseinheit.code == oe))
        is None
    ):
        raise CalendarError(f"--unit: Organisationseinheit „{oe}“ gibt es nicht.")
    if source:
        sources = set(
            session.scalars(
                select(Indikator.quelle).where(
                    Indikator.plan_id == plan_id, Indikator.quelle.is_not(None)
                )
            )
        )
        sources |= set(
            session.scalars(
                select(Liefertermin.quelle).where(
                    Liefertermin.plan_id == plan_id, Liefertermin.quelle != ""
                )
            )
        )
        if source not in sources:
            known = ", ".join(sorted(s for s in sources if s)) or "keine"
            raise CalendarError(
                f"--source: Quelle „{source}“ kommt im Plan nicht vor. Bekannt: {known}."
            )


def set_deadline(
    engine: Engine,
    plan_key: str,
    period_text: str,
    deadline: dt.date,
    user: str,
    oe: str = ANY,
    source: str = ANY,
) -> CalendarLine:
    """Store a delivery deadline for a quarter (optionally one unit and/or one source); audited,
    in one transaction."""
    with transaction(engine) as session:
        plan_id, year = _plan(session, plan_key)
        period = _quarter(period_text, year)
        _check_scope(session, plan_id, oe, source)
        quarter_end = Period.parse(period).end
        if deadline <= quarter_end:
            raise CalendarError(
                f"--deadline {fmt_date(deadline)} liegt nicht nach dem Ende des Quartals "
                f"({fmt_date(quarter_end)}); Werte eines Quartals sind erst danach lieferbar."
            )
        row = session.scalars(
            select(Liefertermin).where(
                Liefertermin.plan_id == plan_id,
                Liefertermin.period == period,
                Liefertermin.oe == oe,
                Liefertermin.quelle == source,
            )
        ).one_or_none()
        old = None if row is None else row.deadline
        if row is None:
            row = Liefertermin(plan_id=plan_id, period=period, oe=oe, quelle=source)
            session.add(row)
        row.deadline, row.set_by, row.set_at = deadline, user[:80], utcnow()
        audit(
            session,
            user[:80],
            "liefertermin",
            "liefertermin",
            " ".join(x for x in (plan_key, period, oe and f"OE {oe}", source) if x),
            None if old is None else {"frist": old.isoformat()},
            {"frist": deadline.isoformat()},
        )
        session.flush()
        return CalendarLine(period, oe, source, deadline, None, row.set_by)


def lag_row(session: Session, plan_id: int, source: str) -> Liefertermin | None:
    """The row of a source's usual lag in a plan, if there is one."""
    return session.scalars(
        select(Liefertermin).where(
            Liefertermin.plan_id == plan_id,
            Liefertermin.period == "",
            Liefertermin.oe == "",
            Liefertermin.quelle == source,
        )
    ).one_or_none()


def set_lag(engine: Engine, plan_key: str, source: str, days: int, user: str) -> CalendarLine:
    """A source's usual lag in days: its indicators' deadlines move by it (audited)."""
    if days < 0 or days > 366:
        raise CalendarError(f"--lag {days}: erwartet 0 bis 366 Tage.")
    with transaction(engine) as session:
        plan_id, _year = _plan(session, plan_key)
        _check_scope(session, plan_id, ANY, source)
        row = lag_row(session, plan_id, source)
        old = None if row is None else row.lag_days
        if row is None:
            row = Liefertermin(plan_id=plan_id, period="", oe="", quelle=source)
            session.add(row)
        row.lag_days, row.deadline, row.set_by, row.set_at = days, None, user[:80], utcnow()
        audit(
            session,
            user[:80],
            "liefertermin",
            "quelle",
            f"{plan_key} {source}",
            None if old is None else {"verzug_tage": old},
            {"verzug_tage": days},
        )
        session.flush()
        return CalendarLine("", ANY, source, None, days, row.set_by)
