"""The public view's queries and its switch: whether a plan is public, the plan texts and the
comments marked public. Nothing here returns a person's name."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.models import Indikator, Kommentar, Massnahme, Plan
from db.plan_data import NotFound
from db.plans import unknown_plan
from zielcockpit.domain.periods import Period

# The plan's texts shown publicly. Left out: „Umsetzungsschritte“ and „Weitere Angaben“, which
# name participants and the people responsible (no names of people in the public view).
PUBLIC_SECTIONS = (
    ("ausgangslage", "Ausgangslage / Problemanalyse"),
    ("zielsetzung", "Zielsetzung"),
    ("massnahmen_zur_zielerreichung", "Maßnahme(n) zur Zielerreichung"),
    ("indikator_wortlaut", "Indikator (Wortlaut des Plans)"),
    ("zielwert_wortlaut", "Zielwert (Wortlaut des Plans)"),
    ("aufwand", "Aufwand"),
    ("datenquellen", "Datenquellen"),
)


def plan_is_public(engine: Engine, plan_key: str) -> bool:
    """False for an unknown plan too: the public view does not tell which plans exist."""
    with engine.connect() as conn:
        return bool(conn.scalar(select(Plan.public).where(Plan.key == plan_key)))


def set_plan_public(session: Session, plan_key: str, public: bool, user: str) -> bool:
    """Switch the public view of a plan on or off; returns whether anything changed."""
    plan = session.scalars(select(Plan).where(Plan.key == plan_key)).one_or_none()
    if plan is None:
        raise NotFound(unknown_plan(session, plan_key))
    if bool(plan.public) == public:
        return False
    audit(
        session,
        user[:80],
        "plan_oeffentlich",
        "plan",
        plan_key,
        {"oeffentlich": bool(plan.public)},
        {"oeffentlich": public},
    )
    plan.public = public
    session.flush()
    return True


def public_texts(engine: Engine, plan_key: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per measure code the public plan texts (heading, text), in the plan's order."""
    columns = [getattr(Massnahme, attr) for attr, _ in PUBLIC_SECTIONS]
    with engine.connect() as conn:
        rows = conn.execute(
            select(Massnahme.code, *columns)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .where(Plan.key == plan_key)
        ).all()
    return {
        row[0]: tuple(
            (heading, text.strip())
            for (_, heading), text in zip(PUBLIC_SECTIONS, row[1:], strict=True)
            if text and text.strip()
        )
        for row in rows
    }


def public_comments(engine: Engine, plan_key: str, period: Period) -> dict[str, list[str]]:
    """Per measure code the texts of the comments marked public of the quarter (no authors)."""
    keys = [period.key] + [m.key for m in period.months()]
    with engine.connect() as conn:
        rows = conn.execute(
            select(Massnahme.code, Indikator.code, Kommentar.text)
            .join(Massnahme, Massnahme.id == Kommentar.massnahme_id)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .outerjoin(Indikator, Indikator.id == Kommentar.indikator_id)
            .where(Plan.key == plan_key, Kommentar.period.in_(keys), Kommentar.public.is_(True))
            .order_by(Kommentar.created_at, Kommentar.id)
        ).all()
    found: dict[str, list[str]] = {}
    for measure, indicator, text in rows:
        found.setdefault(measure, []).append(f"{indicator}: {text}" if indicator else text)
    return found
