"""Deterministic demo values for a plan year, marked as demo data ("Demodaten").

The values are made so that every indicator kind and every light occurs: most measures on
track, some behind, a few without data, a suppressed value (`*`), a monthly rate, a reduction
against a baseline by place, milestones done, at risk and overdue, comments and one override.
Running it again rewrites the same values (nothing else is touched).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import (
    ImportRun,
    Indikator,
    Kommentar,
    Massnahme,
    Messwert,
    Organisationseinheit,
    Ort,
    Plan,
    StatusOverride,
    User,
)
from zielcockpit.domain.periods import Period

DEMO_USER = "demo"
FILLED_QUARTERS = 3  # the demo shows the plan as of the end of the third quarter
# Scenario per indicator: on track, a little behind, clearly behind, or a missing quarter.
FACTORS = {"green": 1.03, "yellow": 0.9, "red": 0.62}

# Special cases that make the rarer states visible on real measures.
MONTHLY_RATES = {  # Jobcenter-2: Arbeitslosenquote U25 SGB II, monthly from the BA statistics
    "Jobcenter-2.1": [6.4, 6.3, 6.2, 6.1, 6.0, 5.9, 6.2, 6.5, 6.6],
}
PLACE_VALUES = {  # Jobcenter-8: arbeitslose Alleinerziehende per Stadtteil, Dec 2016 then Q1..Q3
    "Sennestadt": [182, 178, 176, 171],
    "Baumheide": [151, 150, 147, 148],
    "Sieker": [127, 125, 124, 120],
}
SUPPRESSED = {("REGE-10.1", 2)}  # KAF sends "*" for a small number in Q2
DEMO_PASSWORD = "Zielcockpit-Demo"  # demo databases only; printed by `seed-demo`
DEMO_ACCOUNTS = (  # (name, role, units, what it shows)
    ("demo-leitung", "leitung", (), "Dezernatsleitung: liest alles"),
    ("demo-controlling", "controlling", (), "Controlling: liest und schreibt alles, importiert"),
    ("demo-admin", "admin", (), "Administration: Benutzer, Änderungsprotokoll"),
    ("demo-fb-510", "fachbereich", ("510",), "Jugendamt: pflegt die Maßnahmen von 510"),
    ("demo-fb-rege", "fachbereich", ("REGE",), "REGE mbH: pflegt die Maßnahmen der REGE"),
)
OVERRIDE = (
    "510-1",
    "yellow",
    "Zwei Grundstücke sind gesichert, die Investorensuche läuft; Inbetriebnahme der ersten Kita "
    "verschiebt sich voraussichtlich um ein Quartal.",
)


@dataclass(frozen=True)
class DemoResult:
    values: int
    comments: int
    overrides: int
    accounts: int = 0


def scenario(code: str) -> str:
    """A stable choice per indicator code: mostly green, some yellow and red, few gaps."""
    n = zlib.crc32(code.encode()) % 20
    if n < 11:
        return "green"
    if n < 15:
        return "yellow"
    if n < 19:
        return "red"
    return "gap"


def seed_demo(engine: Engine, plan_key: str = "2017") -> DemoResult:
    with transaction(engine) as session:
        plan = session.scalars(select(Plan).where(Plan.key == plan_key)).one()
        from db.places_demo import clear_context_demo  # districts (issue 15): context values

        clear_context_demo(session)  # before the demo import runs they point to
        _clear(session, plan)
        run = ImportRun(
            kind="demo",
            profile="demo",
            file_name="Demodaten",
            user_name=DEMO_USER,
            status="ok",
            finished_at=dt.datetime(plan.year, 10, 15, 9, 0),
        )
        session.add(run)
        session.flush()
        writer = _Writer(session, run.id)
        indicators = session.scalars(
            select(Indikator).where(Indikator.plan_id == plan.id).order_by(Indikator.id)
        ).all()
        indicators = list(indicators)
        values_of: dict[str, list[float | None]] = {}
        for ind in indicators:
            values_of[ind.code] = _write_indicator(writer, ind, plan.year, values_of)
        comments = _write_comments(session, plan, indicators, values_of)
        measure = session.scalars(
            select(Massnahme).where(Massnahme.plan_id == plan.id, Massnahme.code == OVERRIDE[0])
        ).one_or_none()
        overrides = 0
        if measure is not None:
            session.add(
                StatusOverride(
                    massnahme_id=measure.id,
                    period=f"{plan.year}-Q{FILLED_QUARTERS}",
                    light=OVERRIDE[1],
                    justification=OVERRIDE[2],
                    set_by="Amtsleitung 510 (Demo)",
                    set_at=dt.datetime(plan.year, 10, 12, 14, 30),
                    demo=True,
                )
            )
            overrides = 1
        run.values_written = writer.count
        from db.places_demo import seed_context_demo

        seed_context_demo(session, plan.year, run.id, DEMO_USER)
        accounts = _demo_accounts(session)
        _demo_contacts(session)
    return DemoResult(writer.count, comments, overrides, accounts)


def _demo_accounts(session: Session) -> int:
    """Clearly named demo users (marked demo) for trying every role; existing ones stay."""
    from zielcockpit.domain.access import hash_password

    units = {o.code: o for o in session.scalars(select(Organisationseinheit))}
    created = 0
    for name, role, codes, _about in DEMO_ACCOUNTS:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            continue
        session.add(
            User(
                name=name,
                role=role,
                display_name=f"Demo: {_about}",
                password_hash=hash_password(DEMO_PASSWORD),
                demo=True,
                units=[units[c] for c in codes if c in units],
            )
        )
        created += 1
    return created


# Delivery contacts for the reminders (docs/reminders.md), at a reserved domain (RFC 2606): with
# `make run` the reminders land in the outbox (/postausgang). 170 and Dezernat 5 have none, so
# the pages show how a unit without contacts is listed.
DEMO_CONTACT_UNITS = ("500", "510", "540", "Jobcenter", "REGE")


def _demo_contacts(session: Session) -> None:
    from db.models import Kontakt

    known = set(session.scalars(select(Organisationseinheit.code)))
    for code in DEMO_CONTACT_UNITS:
        if code not in known or session.scalar(select(Kontakt.id).where(Kontakt.oe == code)):
            continue
        session.add(
            Kontakt(
                oe=code,
                massnahme="",
                name=f"Demo-Postfach {code}",
                email=f"oe-{code.lower()}@bielefeld.example",
                created_by=DEMO_USER,
            )
        )


def _clear(session: Session, plan: Plan) -> None:
    ids = select(Indikator.id).where(Indikator.plan_id == plan.id)
    measure_ids = select(Massnahme.id).where(Massnahme.plan_id == plan.id)
    session.execute(delete(Messwert).where(Messwert.demo.is_(True), Messwert.indikator_id.in_(ids)))
    session.execute(
        delete(Kommentar).where(Kommentar.demo.is_(True), Kommentar.massnahme_id.in_(measure_ids))
    )
    session.execute(
        delete(StatusOverride).where(
            StatusOverride.demo.is_(True), StatusOverride.massnahme_id.in_(measure_ids)
        )
    )
    session.execute(delete(ImportRun).where(ImportRun.kind == "demo"))
    session.flush()


class _Writer:
    def __init__(self, session: Session, run_id: int):
        self.session, self.run_id, self.count = session, run_id, 0

    def put(
        self,
        ind: Indikator,
        period: Period,
        value: float | None = None,
        *,
        symbol: str | None = None,
        status: str | None = None,
        ort: Ort | None = None,
    ) -> None:
        self.session.add(
            Messwert(
                indikator_id=ind.id,
                period=period.key,
                ort_id=ort.id if ort else None,
                value=None if value is None else Decimal(str(round(value, 4))),
                symbol=symbol,
                status=status,
                demo=True,
                import_run_id=self.run_id,
                recorded_by=DEMO_USER,
                recorded_at=dt.datetime(period.end.year, period.end.month, period.end.day, 12, 0)
                + dt.timedelta(days=10),
            )
        )
        self.count += 1


def _quarters(year: int) -> list[Period]:
    return [Period(year, quarter=q) for q in range(1, FILLED_QUARTERS + 1)]


def _write_indicator(
    w: _Writer, ind: Indikator, year: int, values_of: dict[str, list[float | None]]
) -> list[float | None]:
    code, kind = ind.code, ind.kind
    target = float(ind.target) if ind.target is not None else None
    choice = scenario(code)
    quarters = _quarters(year)
    if code in MONTHLY_RATES:
        for month, rate in enumerate(MONTHLY_RATES[code], start=1):
            w.put(ind, Period(year, month=month), rate)
        return []
    if kind == "reduction":
        return _write_places(w, ind, year)
    if kind == "milestone":
        _write_milestone(w, ind, year, choice)
        return []
    parent_values = values_of.get(ind.parent.code) if ind.parent else None
    written: list[float | None] = []
    for q in quarters:
        if choice == "gap" and q.quarter == FILLED_QUARTERS:
            written.append(None)
            continue
        if (code, q.quarter) in SUPPRESSED:
            w.put(ind, q, symbol="*")
            written.append(None)
            continue
        value = _value(ind, target, choice, q, parent_values)
        if value is None:
            written.append(None)
            continue
        w.put(ind, q, value)
        written.append(value)
    return written


def _value(
    ind: Indikator,
    target: float | None,
    choice: str,
    q: Period,
    parent_values: list[float | None] | None,
) -> float | None:
    assert q.quarter is not None
    factor = FACTORS.get(choice, 1.0)
    wobble = 1 + ((zlib.crc32(f"{ind.code}/{q.quarter}".encode()) % 7) - 3) / 100
    if parent_values is not None and ind.kind in ("count", "money"):
        parent_value = parent_values[q.quarter - 1] if q.quarter <= len(parent_values) else None
        if parent_value is None:
            return None
        share = (
            target / float(ind.parent.target)
            if target and ind.parent and ind.parent.target
            else 0.3
        )
        return float(round(parent_value * min(share * factor, 0.95)))
    if ind.kind in ("count", "money"):
        if target is None:  # no quantified target: still report what happened
            return float(5 + zlib.crc32(ind.code.encode()) % 20)
        per_quarter = target / 4 * factor * wobble
        step = 100 if ind.kind == "money" else 1
        return float(max(0, round(per_quarter / step) * step))
    if ind.kind in ("rate", "upper_bound"):
        if target is None:
            return None
        if ind.direction == "lower":
            level = target * {"green": 0.96, "yellow": 1.1, "red": 1.35}.get(choice, 1.0)
        else:
            level = target * factor
        if ind.unit == "%":
            level = min(level, 100.0)
        if ind.unit == "%":
            return round(level, 1)
        return float(round(level)) if float(target).is_integer() else round(level, 2)
    if ind.kind == "unquantified" and ind.unit in ("Anzahl", "%"):
        return float(3 + zlib.crc32(f"{ind.code}/{q.quarter}".encode()) % 12)
    return None


def _write_places(w: _Writer, ind: Indikator, year: int) -> list[float | None]:
    places = {o.name: o for o in ind.orte}
    totals = [0.0] * FILLED_QUARTERS
    for name, series in PLACE_VALUES.items():
        ort = places.get(name)
        if ort is None:
            continue
        w.put(ind, Period(year - 1, month=12), series[0], ort=ort)
        for q, value in zip(_quarters(year), series[1:], strict=False):
            w.put(ind, Period(year, month=3 * (q.quarter or 1)), value, ort=ort)
            totals[(q.quarter or 1) - 1] += value
    return list(totals)


def _write_milestone(w: _Writer, ind: Indikator, year: int, choice: str) -> None:
    due = ind.due or dt.date(year, 12, 31)
    for q in _quarters(year):
        if choice == "gap" and q.quarter == FILLED_QUARTERS:
            continue
        if due <= q.end:
            # Due now: most are done by then, the red scenario is not (overdue).
            state = (
                "offen"
                if choice == "red" or (choice == "yellow" and q.quarter == 1)
                else "erledigt"
            )
        elif choice == "yellow" and (q.quarter or 0) >= 2:
            state = "gefaehrdet"
        else:
            state = "im_plan"
        w.put(ind, q, status=state)


def _write_comments(
    session: Session,
    plan: Plan,
    indicators: list[Indikator],
    values_of: dict[str, list[float | None]],
) -> int:
    """A short explanation from the owner where the demo puts an indicator behind plan."""
    count = 0
    q = f"{plan.year}-Q{FILLED_QUARTERS}"
    seen: set[int] = set()
    for ind in indicators:
        if not ind.steering or ind.massnahme_id in seen:
            continue
        choice = scenario(ind.code)
        if choice == "red":
            text = (
                f"{ind.name}: Rückstand gegenüber der Planung. Ursache sind Personalwechsel beim "
                "Träger; Nachsteuerung ist mit der Amtsleitung abgestimmt."
            )
        elif choice == "gap":
            text = f"{ind.name}: Die Zahlen für das {FILLED_QUARTERS}. Quartal liefert der Träger nach."
        else:
            continue
        session.add(
            Kommentar(
                massnahme_id=ind.massnahme_id,
                indikator_id=ind.id,
                period=q,
                text=text,
                author="Fachbereich (Demo)",
                created_at=dt.datetime(plan.year, 10, 10, 10, 0),
                demo=True,
            )
        )
        seen.add(ind.massnahme_id)
        count += 1
    return count


def has_demo_data(engine: Engine) -> bool:
    """Is this a demo database (demo values or demo accounts)?"""
    with engine.connect() as conn:
        return (
            conn.scalar(select(Messwert.id).where(Messwert.demo.is_(True)).limit(1)) is not None
            or conn.scalar(select(User.id).where(User.demo.is_(True)).limit(1)) is not None
        )


def demo_account_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.scalars(select(User.name).where(User.demo.is_(True), User.active.is_(True)))
        )
