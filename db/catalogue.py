"""Write a checked plan catalogue in one transaction (the checks: zielcockpit.domain.catalogue_checks;
the reading of the file: etl.catalogue_file; the use case: zielcockpit.services.catalogue).

Writing is an upsert by code, so writing the same catalogue twice leaves the database as it was,
and stored values stay linked. Every change goes to the audit trail (db.catalogue_audit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.orm import Session

from db.catalogue_audit import collecting, record_changes
from db.deadlines import lag_row
from db.engine import transaction
from db.models import (
    Handlungsfeld,
    Indikator,
    Kategorie,
    Leitsatz,
    Liefertermin,
    Massnahme,
    Messwert,
    Organisationseinheit,
    Ort,
    Plan,
    Schwerpunktthema,
    Untergruppe,
    Zielprofil,
    indikator_ort,
)
from zielcockpit.domain.catalogue_checks import LINE, CatalogueError
from zielcockpit.domain.german import read_number, read_optional_date

LEVEL_KINDS = {"rate", "upper_bound", "reduction"}


# The texts of a measure as the plan words them, kept as they are (the YAML keys = the columns).
MEASURE_TEXTS = (
    "leitsatz_wortlaut",
    "ausgangslage",
    "zielsetzung",
    "massnahmen_zur_zielerreichung",
    "umsetzungsschritte",
    "indikator_wortlaut",
    "zielwert_wortlaut",
    "datenquellen",
    "aufwand",
    "weitere_angaben",
)


def _source_lags(data: dict[str, Any]) -> dict[str, int]:
    """The catalogue's `quellen`: key -> usual lag in days (`verzug_tage`)."""
    lags: dict[str, int] = {}
    for key, source in (data.get("quellen") or {}).items():
        if key != LINE and isinstance(source, dict) and source.get("verzug_tage") is not None:
            lags[str(key)] = int(source["verzug_tage"])
    return lags


def _write_lags(session: Session, plan_id: int, lags: dict[str, int]) -> None:
    """A source's lag from the catalogue, unless controlling has set another one."""
    for source, days in lags.items():
        row = lag_row(session, plan_id, source)
        if row is None:
            session.add(
                Liefertermin(
                    plan_id=plan_id,
                    period="",
                    oe="",
                    quelle=source,
                    lag_days=days,
                    set_by="katalog",
                )
            )
        elif row.set_by == "katalog" and row.lag_days != days:
            row.lag_days = days


# -- writing ----------------------------------------------------------------------------------------


def default_aggregation(kind: str) -> str:
    """Months become a quarter by summing flows and taking the last month of stocks and rates."""
    return "last" if kind in LEVEL_KINDS else "sum"


def _upsert(session: Session, model: type, where: dict[str, Any], values: dict[str, Any]) -> Any:
    obj = session.scalars(select(model).filter_by(**where)).one_or_none()
    if obj is None:
        obj = model(**where, **values)
        session.add(obj)
    else:
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
    return obj


def _dec(value: Any) -> Decimal | None:
    return None if value is None else read_number(value)


def _date(value: Any) -> dt.date | None:
    return read_optional_date(value)


@dataclass(frozen=True)
class LoadResult:
    plan_key: str
    measures: int
    indicators: int
    changes: int = 0
    summary: str = ""  # set for a places catalogue, which has no plan
    # indicators whose earlier rule was kept for the released quarters (db/rule_versions.py)
    kept_for_released: tuple[str, ...] = ()


def write_catalogue(
    engine: Engine, data: dict[str, Any], source: str, content: bytes, actor: str = "katalog"
) -> LoadResult:
    """A checked catalogue written in one transaction (nothing half-written)."""
    with transaction(engine) as session:
        return write_checked(session, data, source, content, actor)


def write_checked(
    session: Session, data: dict[str, Any], source: str, content: bytes, actor: str
) -> LoadResult:
    """Write a checked catalogue inside the caller's transaction, audited; a released quarter
    keeps the rule it was judged by."""
    from db.plan_data import indicator_infos
    from db.rule_versions import keep_released_rules

    plan = session.scalars(select(Plan).where(Plan.key == str(data["plan"]["key"]))).one_or_none()
    before = {}
    if plan is not None:
        before = {i.id: i.rule for i in indicator_infos(session.connection(), plan.id, plan.year)}
    with collecting(session) as changes:
        result = _write(session, data, source)
    kept: list[str] = []
    if changes:
        record_changes(session, changes, source, content, actor)
        if plan is not None:
            after = {
                i.id: i.rule for i in indicator_infos(session.connection(), plan.id, plan.year)
            }
            kept = keep_released_rules(session, plan.id, before, after, actor)
    return LoadResult(
        result.plan_key,
        result.measures,
        result.indicators,
        len(changes),
        kept_for_released=tuple(kept),
    )


# Writes one catalogue top-down in one transaction (plan, units, places, clusters, measures,
# indicators); the loops and branches follow the sections and optional fields of the file.
def _write(session: Session, data: dict[str, Any], file: str) -> LoadResult:  # noqa: C901
    p = data["plan"]
    thresholds = p.get("schwellen") or {}
    plan = _upsert(
        session,
        Plan,
        {"key": str(p["key"])},
        {
            "title": p["titel"],
            "year": int(p["jahr"]),
            "municipality": p["kommune"],
            "kind": p["art"],
            "issuer": p.get("herausgeber"),
            "source_document": p.get("quelle"),
            "introduction": p.get("einleitung"),
            "threshold_green": Decimal(str(thresholds.get("gruen", 95))),
            "threshold_yellow": Decimal(str(thresholds.get("gelb", 85))),
        },
    )
    session.flush()
    oes: dict[str, Organisationseinheit] = {}
    for o in data.get("organisationseinheiten") or []:
        oes[str(o["code"])] = _upsert(
            session, Organisationseinheit, {"code": str(o["code"])}, {"name": o["name"]}
        )
    session.flush()
    for o in data.get("organisationseinheiten") or []:
        parent = oes[str(o["parent"])].id if o.get("parent") is not None else None
        if oes[str(o["code"])].parent_id != parent:
            oes[str(o["code"])].parent_id = parent
    places: dict[str, Ort] = {}
    for o in data.get("orte") or []:
        places[str(o["name"])] = _upsert(
            session,
            Ort,
            {"kind": o["art"], "name": str(o["name"])},
            {"key": None if o.get("schluessel") is None else str(o["schluessel"])},
        )
    session.flush()
    for o in data.get("orte") or []:
        parent = places[str(o["parent"])].id if o.get("parent") is not None else None
        if places[str(o["name"])].parent_id != parent:
            places[str(o["name"])].parent_id = parent
    leitsaetze = {
        int(x["nr"]): _upsert(
            session,
            Leitsatz,
            {"plan_id": plan.id, "number": int(x["nr"])},
            {"text": x["text"], "short": x.get("kurz") or x["text"][:80]},
        )
        for x in data.get("leitsaetze") or []
    }
    categories = {
        str(k["code"]): _upsert(
            session,
            Kategorie,
            {"plan_id": plan.id, "code": str(k["code"])},
            {"title": k["titel"], "description": k.get("beschreibung")},
        )
        for k in data.get("kategorien") or []
    }
    fields: dict[str, Handlungsfeld] = {}
    subgroups: dict[tuple[str, str], Untergruppe] = {}
    for pos, hf in enumerate(data.get("handlungsfelder") or [], start=1):
        fields[hf["key"]] = _upsert(
            session,
            Handlungsfeld,
            {"plan_id": plan.id, "key": hf["key"]},
            {
                "title": hf["titel"],
                "position": pos,
                "description": hf.get("beschreibung"),
                "budget_eur": _dec(hf.get("budget_eur")),
                "budget_text": hf.get("budget_text"),
            },
        )
        session.flush()
        for upos, title in enumerate(hf.get("untergruppen") or [], start=1):
            subgroups[(hf["key"], str(title))] = _upsert(
                session,
                Untergruppe,
                {"handlungsfeld_id": fields[hf["key"]].id, "title": str(title)},
                {"position": upos},
            )
    topics: dict[str, Schwerpunktthema] = {}
    session.flush()
    keep_measures: set[str] = set()
    keep_indicators: set[str] = set()
    by_code: dict[str, Indikator] = {}
    parents: dict[str, str | None] = {}
    n_indicators = 0
    for pos, m in enumerate(data.get("massnahmen") or [], start=1):
        topic = None
        if m.get("schwerpunktthema"):
            title = str(m["schwerpunktthema"])
            if title not in topics:
                topics[title] = _upsert(
                    session, Schwerpunktthema, {"plan_id": plan.id, "title": title}, {}
                )
            topic = topics[title]
        session.flush()
        measure = _upsert(
            session,
            Massnahme,
            {"plan_id": plan.id, "code": str(m["code"])},
            {
                "title": m["titel"],
                "position": pos,
                "handlungsfeld_id": fields[m["handlungsfeld"]].id,
                "untergruppe_id": subgroups[(m["handlungsfeld"], str(m["untergruppe"]))].id
                if m.get("untergruppe")
                else None,
                "kategorie_id": categories[str(m["kategorie"])].id if m.get("kategorie") else None,
                "oe_id": oes[str(m["oe"])].id,
                "schwerpunktthema_id": topic.id if topic else None,
                **{key: m.get(key) for key in MEASURE_TEXTS},
                "aufwand_eur": _dec(m.get("aufwand_eur")),
            },
        )
        session.flush()
        wanted_leit = [leitsaetze[n] for n in m.get("leitsaetze") or []]
        if measure.leitsaetze != wanted_leit:
            measure.leitsaetze = wanted_leit
        wanted_places = sorted((places[str(o)] for o in m.get("orte") or []), key=lambda o: o.name)
        if measure.orte != wanted_places:
            measure.orte = wanted_places
        keep_measures.add(measure.code)
        for ipos, ind in enumerate(m.get("indikatoren") or [], start=1):
            kind = ind["kind"]
            indicator = _upsert(
                session,
                Indikator,
                {"plan_id": plan.id, "code": str(ind["code"])},
                {
                    "massnahme_id": measure.id,
                    "position": ipos,
                    "name": ind["name"],
                    "kind": kind,
                    "unit": ind.get("unit", ""),
                    "direction": ind["direction"],
                    "aggregation": ind.get("aggregation") or default_aggregation(kind),
                    "steering": bool(ind.get("steering", True)),
                    "target": _dec(ind.get("target")),
                    "due": _date(ind.get("due")),
                    "start": _date(ind.get("start")),
                    "strict": bool(ind.get("strict", False)),
                    "target_per_place": _dec(ind.get("target_per_place")),
                    "baseline": _dec(ind.get("baseline")),
                    "baseline_period": ind.get("baseline_period"),
                    "reduction_pct": _dec(ind.get("reduction_pct")),
                    "wortlaut_indikator": ind.get("wortlaut_indikator"),
                    "wortlaut_zielwert": ind.get("wortlaut_zielwert"),
                    "hinweis": ind.get("hinweis"),
                    "quelle": None if ind.get("quelle") is None else str(ind["quelle"]),
                    "zu_pruefen": bool(ind.get("zu_pruefen", False)),
                },
            )
            session.flush()
            by_code[indicator.code] = indicator
            parents[indicator.code] = str(ind["parent"]) if ind.get("parent") else None
            _link_places(session, indicator.id, [places[str(o)].id for o in ind.get("orte") or []])
            profile = {
                f"{plan.year}-{q}": Decimal(str(v))
                for q, v in (ind.get("profil") or {}).items()
                if q != LINE
            }
            for row in list(indicator.profil):
                if row.period not in profile:
                    session.delete(row)
            for period, expected in profile.items():
                _upsert(
                    session,
                    Zielprofil,
                    {"indikator_id": indicator.id, "period": period},
                    {"expected": expected},
                )
            keep_indicators.add(indicator.code)
            n_indicators += 1
    # Parents last: a "darunter" value may hang on an indicator of another measure.
    for child_code, parent_code in parents.items():
        parent_id = by_code[parent_code].id if parent_code else None
        if by_code[child_code].parent_id != parent_id:
            by_code[child_code].parent_id = parent_id
    _remove_dropped(session, plan, keep_measures, keep_indicators, file)
    _write_lags(session, plan.id, _source_lags(data))
    return LoadResult(plan.key, len(keep_measures), n_indicators)


def _link_places(session: Session, indicator_id: int, wanted: list[int]) -> None:
    """The indicator's places in the plan's order (the order a per-place sentence names them)."""
    link = indikator_ort.c
    current = [
        r.ort_id
        for r in session.execute(
            select(link.ort_id)
            .where(link.indikator_id == indicator_id)
            .order_by(link.position, link.ort_id)
        )
    ]
    positions = session.execute(
        select(link.position).where(link.indikator_id == indicator_id)
    ).scalars()
    if current == wanted and None not in positions:
        return
    session.execute(delete(indikator_ort).where(link.indikator_id == indicator_id))
    if wanted:
        session.execute(
            insert(indikator_ort),
            [
                {"indikator_id": indicator_id, "ort_id": ort_id, "position": pos}
                for pos, ort_id in enumerate(wanted, start=1)
            ],
        )


def _remove_dropped(
    session: Session, plan: Plan, keep_measures: set[str], keep_indicators: set[str], file: str
) -> None:
    """Drop what the file no longer lists, unless values hang on it (then refuse)."""
    dropped = session.scalars(
        select(Indikator).where(
            Indikator.plan_id == plan.id, Indikator.code.not_in(keep_indicators)
        )
    ).all()
    problems = []
    for indicator in dropped:
        has_values = session.scalar(
            select(Messwert.id).where(Messwert.indikator_id == indicator.id).limit(1)
        )
        if has_values is not None:
            problems.append(
                f"{file}: Indikator {indicator.code} fehlt im Katalog, hat aber gespeicherte Werte; "
                "er wird nicht gelöscht. Bitte im Katalog belassen."
            )
        else:
            session.delete(indicator)
    if problems:
        raise CatalogueError(problems)
    for measure in session.scalars(
        select(Massnahme).where(Massnahme.plan_id == plan.id, Massnahme.code.not_in(keep_measures))
    ):
        session.delete(measure)
