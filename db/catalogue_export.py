"""A stored plan read back as a catalogue: the same shape as the YAML file `load-catalogue` reads.

The workbook export, the workbook import (which compares against it) and `plan copy` start
from here, so a catalogue that went through the database and back is judged by the same
checks (`db.catalogue.check_catalogue`) and written by the same writer.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from db.catalogue import MEASURE_TEXTS
from db.deadlines import load_calendar
from db.engine import transaction
from db.models import (
    Handlungsfeld,
    Indikator,
    Kategorie,
    Massnahme,
    Organisationseinheit,
    Ort,
    Plan,
)
from db.plan_data import NotFound
from db.plans import unknown_plan


def number(value: Decimal | None) -> int | float | None:
    """A stored number as the catalogue writes it: 4, not 4.0000; 11.57, not 11.5700."""
    if value is None:
        return None
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return int(normal)
    return float(normal)


def catalogue_data(engine: Engine, plan_key: str) -> dict[str, Any]:
    """The whole stored plan as a catalogue dictionary (plan, units, places, chapters, measures)."""
    with transaction(engine) as session:
        return session_catalogue_data(session, plan_key)


def session_catalogue_data(session: Session, plan_key: str) -> dict[str, Any]:
    plan = session.scalars(select(Plan).where(Plan.key == plan_key)).one_or_none()
    if plan is None:
        raise NotFound(unknown_plan(session, plan_key))
    oes = session.scalars(select(Organisationseinheit).order_by(Organisationseinheit.id)).all()
    places = session.scalars(select(Ort).order_by(Ort.id)).all()
    return {
        "plan": {
            "key": plan.key,
            "titel": plan.title,
            "jahr": plan.year,
            "kommune": plan.municipality,
            "art": plan.kind,
            "herausgeber": plan.issuer,
            "quelle": plan.source_document,
            "einleitung": plan.introduction,
            "schwellen": {
                "gruen": number(plan.threshold_green),
                "gelb": number(plan.threshold_yellow),
            },
        },
        # the sources' usual delivery lags, as the catalogue file states them (`quellen`)
        "quellen": {
            source: {"verzug_tage": days}
            for source, days in load_calendar(session, plan.id).lags.items()
        },
        "organisationseinheiten": [
            {"code": o.code, "name": o.name, "parent": o.parent.code if o.parent else None}
            for o in oes
        ],
        "leitsaetze": [
            {"nr": x.number, "kurz": x.short, "text": x.text}
            for x in sorted(plan.leitsaetze, key=lambda x: x.number)
        ],
        "kategorien": [
            {"code": k.code, "titel": k.title, "beschreibung": k.description}
            for k in session.scalars(select(Kategorie).where(Kategorie.plan_id == plan.id))
        ],
        "orte": [
            {
                "name": o.name,
                "art": o.kind,
                "schluessel": o.key,
                "parent": o.parent.name if o.parent else None,
            }
            for o in places
        ],
        "handlungsfelder": [
            {
                "key": hf.key,
                "titel": hf.title,
                "beschreibung": hf.description,
                "budget_eur": number(hf.budget_eur),
                "budget_text": hf.budget_text,
                "untergruppen": [
                    u.title for u in sorted(hf.untergruppen, key=lambda u: u.position)
                ],
            }
            for hf in session.scalars(
                select(Handlungsfeld)
                .where(Handlungsfeld.plan_id == plan.id)
                .order_by(Handlungsfeld.position)
            )
        ],
        "massnahmen": [_measure(m) for m in _measures(session, plan.id)],
    }


def _measures(session: Session, plan_id: int) -> list[Massnahme]:
    return list(
        session.scalars(
            select(Massnahme)
            .where(Massnahme.plan_id == plan_id)
            .order_by(Massnahme.position)
            .options(
                selectinload(Massnahme.indikatoren).selectinload(Indikator.orte),
                selectinload(Massnahme.indikatoren).selectinload(Indikator.profil),
                selectinload(Massnahme.indikatoren).selectinload(Indikator.parent),
                selectinload(Massnahme.leitsaetze),
                selectinload(Massnahme.orte),
            )
        )
    )


def _measure(m: Massnahme) -> dict[str, Any]:
    return {
        "code": m.code,
        "titel": m.title,
        "handlungsfeld": m.handlungsfeld.key,
        "untergruppe": m.untergruppe.title if m.untergruppe else None,
        "kategorie": m.kategorie.code if m.kategorie else None,
        "oe": m.oe.code,
        "schwerpunktthema": m.schwerpunktthema.title if m.schwerpunktthema else None,
        "leitsaetze": [x.number for x in m.leitsaetze],
        "orte": [o.name for o in m.orte],
        **{key: getattr(m, key) for key in MEASURE_TEXTS},
        "aufwand_eur": number(m.aufwand_eur),
        "indikatoren": [indicator_data(i) for i in m.indikatoren],
    }


def indicator_data(i: Indikator) -> dict[str, Any]:
    """One indicator as the catalogue writes it (the keys of the YAML file)."""
    return {
        "code": i.code,
        "name": i.name,
        "kind": i.kind,
        "unit": i.unit,
        "direction": i.direction,
        "aggregation": i.aggregation,
        "steering": bool(i.steering),
        "target": number(i.target),
        "due": i.due,
        "start": i.start,
        "strict": bool(i.strict),
        "target_per_place": number(i.target_per_place),
        "orte": [o.name for o in i.orte],
        "profil": {p.period.rsplit("-", 1)[-1]: number(p.expected) for p in i.profil},
        "parent": i.parent.code if i.parent else None,
        "baseline": number(i.baseline),
        "baseline_period": i.baseline_period,
        "reduction_pct": number(i.reduction_pct),
        "wortlaut_indikator": i.wortlaut_indikator,
        "wortlaut_zielwert": i.wortlaut_zielwert,
        "hinweis": i.hinweis,
        "zu_pruefen": bool(i.zu_pruefen),
        "quelle": i.quelle,
    }
