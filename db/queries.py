"""Named queries of the dashboard: plans, the data version, Leitsätze, measure texts, comments,
provenance. The cached plan snapshot that judges them is `zielcockpit.services.evaluation`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Select, func, select

from db.models import (
    Handlungsfeld,
    ImportRun,
    Indikator,
    Kategorie,
    Kommentar,
    Leitsatz,
    Liefertermin,
    Massnahme,
    Messwert,
    MesswertVersion,
    Organisationseinheit,
    Ort,
    Plan,
    Schwerpunktthema,
    StatusOverride,
    Untergruppe,
    Zielprofil,
    indikator_ort,
    massnahme_leitsatz,
    massnahme_ort,
)
from db.plan_data import NotFound
from zielcockpit.domain.periods import Period

# -- plans --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChoice:
    key: str
    title: str
    year: int


def plan_choices(engine: Engine) -> list[PlanChoice]:
    """Every plan, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(Plan.key, Plan.title, Plan.year).order_by(Plan.year, Plan.key))
        return [PlanChoice(r.key, r.title, r.year) for r in rows]


def default_plan(choices: list[PlanChoice]) -> str | None:
    """„2017“ where it exists (the first real plan), else the newest plan."""
    keys = [c.key for c in choices]
    if "2017" in keys:
        return "2017"
    return keys[-1] if keys else None


# -- the data version ---------------------------------------------------------------------------

_VERSIONED = (
    Plan,
    Handlungsfeld,
    Massnahme,
    Indikator,
    Zielprofil,
    Messwert,
    MesswertVersion,
    ImportRun,
    StatusOverride,
    Kommentar,
    Liefertermin,
)


def data_version(engine: Engine) -> tuple[Any, ...]:
    """A cheap fingerprint of everything a plan evaluation depends on (one round trip).

    Row counts and highest ids see inserts and deletes; replaced values leave a
    MesswertVersion row and a new ImportRun; an override changed in place changes `set_at`.
    """
    columns: list[Any] = []
    for model in _VERSIONED:
        table = model.__table__
        columns.append(select(func.count()).select_from(table).scalar_subquery())
        columns.append(select(func.max(table.c.id)).scalar_subquery())
    columns.append(select(func.max(StatusOverride.set_at)).scalar_subquery())
    columns.append(select(func.max(Liefertermin.set_at)).scalar_subquery())  # a deadline moved
    columns.append(select(func.sum(Indikator.target)).scalar_subquery())
    with engine.connect() as conn:
        row = conn.execute(select(*columns)).one()
    return tuple(_plain(v) for v in row)


def _plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


# -- snapshots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeitsatzInfo:
    number: int
    short: str
    text: str


def leitsatz_links(
    engine: Engine, plan_id: int
) -> tuple[list[LeitsatzInfo], dict[int, frozenset[int]]]:
    """The plan's Leitsätze in order, and measure id -> the numbers of its Leitsätze."""
    with engine.connect() as conn:
        leitsaetze = [
            LeitsatzInfo(r.number, r.short, r.text)
            for r in conn.execute(
                select(Leitsatz.number, Leitsatz.short, Leitsatz.text)
                .where(Leitsatz.plan_id == plan_id)
                .order_by(Leitsatz.number)
            )
        ]
        links: dict[int, set[int]] = {}
        for r in conn.execute(
            select(massnahme_leitsatz.c.massnahme_id, Leitsatz.number)
            .join(Leitsatz, Leitsatz.id == massnahme_leitsatz.c.leitsatz_id)
            .where(Leitsatz.plan_id == plan_id)
        ):
            links.setdefault(r.massnahme_id, set()).add(r.number)
    return leitsaetze, {k: frozenset(v) for k, v in links.items()}


def cluster_plan(engine: Engine, cluster_id: int) -> str:
    """The plan a Handlungsfeld belongs to (cluster ids are unique across plans)."""
    with engine.connect() as conn:
        key = conn.scalar(
            select(Plan.key)
            .join(Handlungsfeld, Handlungsfeld.plan_id == Plan.id)
            .where(Handlungsfeld.id == cluster_id)
        )
    if key is None:
        raise NotFound(f"Handlungsfeld Nr. {cluster_id} gibt es nicht.")
    return str(key)


# -- one measure ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorText:
    code: str
    wortlaut_indikator: str | None
    wortlaut_zielwert: str | None
    hinweis: str | None
    places: tuple[str, ...]


@dataclass(frozen=True)
class MeasureTexts:
    """Every text the plan gives for one measure, in the order of the plan document."""

    plan_key: str
    code: str
    title: str
    cluster_id: int
    cluster: str
    untergruppe: str | None
    kategorie: str | None
    schwerpunktthema: str | None
    owner: str
    owner_name: str
    sections: tuple[tuple[str, str], ...]  # (German heading, text), only those with text
    leitsaetze: tuple[LeitsatzInfo, ...]
    leitsatz_wortlaut: str | None
    places: tuple[str, ...]
    aufwand_eur: float | None
    indicators: dict[str, IndicatorText]


# The plan document's order and headings (domain.md: keep every text field).
TEXT_SECTIONS = (
    ("ausgangslage", "Ausgangslage / Problemanalyse"),
    ("zielsetzung", "Zielsetzung"),
    ("massnahmen_zur_zielerreichung", "Maßnahme(n) zur Zielerreichung"),
    ("umsetzungsschritte", "Umsetzungsschritte"),
    ("indikator_wortlaut", "Indikator (Wortlaut des Plans)"),
    ("zielwert_wortlaut", "Zielwert (Wortlaut des Plans)"),
    ("aufwand", "Aufwand"),
    ("datenquellen", "Datenquellen"),
    ("weitere_angaben", "Weitere Angaben"),
)


def find_measure_plan(engine: Engine, code: str, plan_key: str | None = None) -> str:
    """The plan of a measure code: the given plan, else the newest plan that has the code."""
    from db.plan_data import find_plan_of_measure

    return find_plan_of_measure(engine, code, plan_key)


def measure_texts(engine: Engine, plan_key: str, code: str) -> MeasureTexts:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                *Massnahme.__table__.c,
                Handlungsfeld.title.label("cluster"),
                Untergruppe.title.label("untergruppe"),
                Kategorie.code.label("kategorie_code"),
                Kategorie.title.label("kategorie_title"),
                Schwerpunktthema.title.label("schwerpunkt"),
                Organisationseinheit.code.label("oe_code"),
                Organisationseinheit.name.label("oe_name"),
            )
            .join(Plan, Plan.id == Massnahme.plan_id)
            .join(Handlungsfeld, Handlungsfeld.id == Massnahme.handlungsfeld_id)
            .join(Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id)
            .outerjoin(Untergruppe, Untergruppe.id == Massnahme.untergruppe_id)
            .outerjoin(Kategorie, Kategorie.id == Massnahme.kategorie_id)
            .outerjoin(Schwerpunktthema, Schwerpunktthema.id == Massnahme.schwerpunktthema_id)
            .where(Plan.key == plan_key, Massnahme.code == code)
        ).one_or_none()
        if row is None:
            raise NotFound(f"Maßnahme „{code}“ gibt es im Plan {plan_key} nicht.")
        m = row
        leitsaetze = tuple(
            LeitsatzInfo(r.number, r.short, r.text)
            for r in conn.execute(
                select(Leitsatz.number, Leitsatz.short, Leitsatz.text)
                .join(massnahme_leitsatz, massnahme_leitsatz.c.leitsatz_id == Leitsatz.id)
                .where(massnahme_leitsatz.c.massnahme_id == m.id)
                .order_by(Leitsatz.number)
            )
        )
        places = tuple(
            conn.scalars(
                select(Ort.name)
                .join(massnahme_ort, massnahme_ort.c.ort_id == Ort.id)
                .where(massnahme_ort.c.massnahme_id == m.id)
                .order_by(Ort.name)
            )
        )
        indicator_places: dict[int, list[str]] = {}
        for r in conn.execute(
            select(indikator_ort.c.indikator_id, Ort.name)
            .join(Ort, Ort.id == indikator_ort.c.ort_id)
            .join(Indikator, Indikator.id == indikator_ort.c.indikator_id)
            .where(Indikator.massnahme_id == m.id)
            .order_by(Ort.name)
        ):
            indicator_places.setdefault(r.indikator_id, []).append(r.name)
        indicators = {
            r.code: IndicatorText(
                r.code,
                r.wortlaut_indikator,
                r.wortlaut_zielwert,
                r.hinweis,
                tuple(indicator_places.get(r.id, ())),
            )
            for r in conn.execute(
                select(
                    Indikator.id,
                    Indikator.code,
                    Indikator.wortlaut_indikator,
                    Indikator.wortlaut_zielwert,
                    Indikator.hinweis,
                )
                .where(Indikator.massnahme_id == m.id)
                .order_by(Indikator.position)
            )
        }
    sections = tuple(
        (heading, text)
        for attr, heading in TEXT_SECTIONS
        if (text := (getattr(m, attr) or "").strip())
    )
    kategorie = f"{row.kategorie_code} – {row.kategorie_title}" if row.kategorie_code else None
    return MeasureTexts(
        plan_key=plan_key,
        code=m.code,
        title=m.title,
        cluster_id=m.handlungsfeld_id,
        cluster=row.cluster,
        untergruppe=row.untergruppe,
        kategorie=kategorie,
        schwerpunktthema=row.schwerpunkt,
        owner=row.oe_code,
        owner_name=row.oe_name,
        sections=sections,
        leitsaetze=leitsaetze,
        leitsatz_wortlaut=m.leitsatz_wortlaut,
        places=places,
        aufwand_eur=None if m.aufwand_eur is None else float(m.aufwand_eur),
        indicators=indicators,
    )


@dataclass(frozen=True)
class CommentRow:
    period: Period
    indicator_code: str | None
    text: str
    author: str | None
    created_at: dt.datetime
    demo: bool


def _comment_rows(engine: Engine, plan_key: str, *where: Any) -> list[tuple[str, CommentRow]]:
    """The comments of a plan that match `where`, each with its measure's code, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Massnahme.code.label("measure_code"),
                Kommentar.period,
                Indikator.code.label("indicator_code"),
                Kommentar.text,
                Kommentar.author,
                Kommentar.created_at,
                Kommentar.demo,
            )
            .join(Massnahme, Massnahme.id == Kommentar.massnahme_id)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .outerjoin(Indikator, Indikator.id == Kommentar.indikator_id)
            .where(Plan.key == plan_key, *where)
            .order_by(Kommentar.created_at, Kommentar.id)
        ).all()
    return [
        (
            r.measure_code,
            CommentRow(
                _period_or_year(r.period),
                r.indicator_code,
                r.text,
                r.author,
                r.created_at,
                bool(r.demo),
            ),
        )
        for r in rows
    ]


def measure_comments(engine: Engine, plan_key: str, code: str) -> list[CommentRow]:
    """The comments on a measure, newest period first."""
    comments = [c for _, c in _comment_rows(engine, plan_key, Massnahme.code == code)]
    comments.sort(key=lambda c: (c.period.sort_key, c.created_at), reverse=True)
    return comments


def quarter_comments(engine: Engine, plan_key: str, period: Period) -> dict[str, list[CommentRow]]:
    """The comments of a quarter (on the quarter or one of its months) per measure code, in
    one query (the report of a plan of thousands of measures asks once, not per measure)."""
    keys = [period.key] + [m.key for m in period.months()]
    found: dict[str, list[CommentRow]] = {}
    for code, comment in _comment_rows(engine, plan_key, Kommentar.period.in_(keys)):
        found.setdefault(code, []).append(comment)
    return found


def _period_or_year(text: str) -> Period:
    try:
        return Period.parse(text)
    except ValueError:
        return Period(int(text[:4]))


@dataclass(frozen=True)
class EarlierVersion:
    value: float | None
    symbol: str | None
    status: str | None
    recorded_by: str | None
    recorded_at: dt.datetime
    replaced_at: dt.datetime
    file_name: str | None


@dataclass(frozen=True)
class ProvenanceRow:
    """Where one stored value came from: the file, sheet and cell, and the import."""

    indicator_code: str
    unit: str
    period: Period
    place: str | None
    value: float | None
    symbol: str | None
    status: str | None
    demo: bool
    import_kind: str | None
    file_name: str | None
    checksum: str | None
    profile: str | None
    sheet: str | None
    cell: str | None
    import_started_at: dt.datetime | None
    import_finished_at: dt.datetime | None
    import_user: str | None
    recorded_by: str | None
    recorded_at: dt.datetime
    earlier: tuple[EarlierVersion, ...] = ()
    value_id: int | None = None  # the stored value, for its source cell (/quelle/<id>)


def stored_values(*columns: Any) -> Select[Any]:
    """`columns` of stored values with their indicator, measure, plan, place and import run
    (the last two may be missing), for the pages that show where a value came from."""
    return (
        select(*columns)
        .join(Indikator, Indikator.id == Messwert.indikator_id)
        .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
        .join(Plan, Plan.id == Massnahme.plan_id)
        .outerjoin(Ort, Ort.id == Messwert.ort_id)
        .outerjoin(ImportRun, ImportRun.id == Messwert.import_run_id)
    )


def measure_provenance(engine: Engine, plan_key: str, code: str) -> list[ProvenanceRow]:
    """Every stored value of the measure's indicators with its source, oldest period first."""
    with engine.connect() as conn:
        rows = conn.execute(
            stored_values(
                Messwert.id,
                Indikator.code.label("indicator_code"),
                Indikator.position,
                Indikator.unit,
                Messwert.period,
                Ort.name.label("place"),
                Messwert.value,
                Messwert.symbol,
                Messwert.status,
                Messwert.demo,
                Messwert.source_sheet,
                Messwert.source_cell,
                Messwert.recorded_by,
                Messwert.recorded_at,
                ImportRun.kind.label("import_kind"),
                ImportRun.file_name,
                ImportRun.checksum,
                ImportRun.profile,
                ImportRun.started_at,
                ImportRun.finished_at,
                ImportRun.user_name,
            ).where(Plan.key == plan_key, Massnahme.code == code)
        ).all()
        ids = [r.id for r in rows]
        earlier: dict[int, list[EarlierVersion]] = {}
        if ids:
            for v in conn.execute(
                select(
                    MesswertVersion.messwert_id,
                    MesswertVersion.value,
                    MesswertVersion.symbol,
                    MesswertVersion.status,
                    MesswertVersion.recorded_by,
                    MesswertVersion.recorded_at,
                    MesswertVersion.replaced_at,
                    ImportRun.file_name,
                )
                .outerjoin(ImportRun, ImportRun.id == MesswertVersion.import_run_id)
                .where(MesswertVersion.messwert_id.in_(ids))
                .order_by(MesswertVersion.replaced_at.desc())
            ):
                earlier.setdefault(v.messwert_id, []).append(
                    EarlierVersion(
                        _float(v.value),
                        v.symbol,
                        v.status,
                        v.recorded_by,
                        v.recorded_at,
                        v.replaced_at,
                        v.file_name,
                    )
                )
    result = [
        ProvenanceRow(
            indicator_code=r.indicator_code,
            unit=r.unit,
            period=_period_or_year(r.period),
            place=r.place,
            value=_float(r.value),
            symbol=r.symbol,
            status=r.status,
            demo=bool(r.demo),
            import_kind=r.import_kind,
            file_name=r.file_name,
            checksum=r.checksum,
            profile=r.profile,
            sheet=r.source_sheet,
            cell=r.source_cell,
            import_started_at=r.started_at,
            import_finished_at=r.finished_at,
            import_user=r.user_name,
            recorded_by=r.recorded_by,
            recorded_at=r.recorded_at,
            earlier=tuple(earlier.get(r.id, ())),
            value_id=r.id,
        )
        for r in rows
    ]
    position = {r.indicator_code: r.position for r in rows}
    result.sort(key=lambda p: (position[p.indicator_code], p.period.sort_key, p.place or ""))
    return result


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def measure_id(engine: Engine, plan_key: str, code: str) -> int | None:
    """The database id of a measure of a plan (None: no such measure)."""
    with engine.connect() as conn:
        return conn.scalar(
            select(Massnahme.id)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .where(Plan.key == plan_key, Massnahme.code == code)
        )
