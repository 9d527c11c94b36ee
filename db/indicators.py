"""Named queries of the indicators with their measures: the one join that the catalogue index
of the import, the entry form and the entry template build on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, select

from db.models import (
    Indikator,
    KontextIndikator,
    Massnahme,
    Organisationseinheit,
    Ort,
    Plan,
    indikator_ort,
)


def indicators_with_measure(*columns: Any, with_plan: bool = False) -> Select[Any]:
    """`columns` of every indicator joined with its measure and the unit owning the measure
    (and, `with_plan`, its plan): callers add their columns, filters and order."""
    query = select(*columns).select_from(Indikator)
    if with_plan:
        query = query.join(Plan, Plan.id == Indikator.plan_id)
    return query.join(Massnahme, Massnahme.id == Indikator.massnahme_id).join(
        Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id
    )


class IndicatorFacts(NamedTuple):
    """What validation knows of an indicator (etl.validate.IndicatorRef without its places)."""

    id: int
    code: str
    name: str
    plan_id: int
    plan_key: str
    plan_year: int
    massnahme_id: int
    measure_code: str
    kind: str
    unit: str
    parent_id: int | None
    baseline_period: str | None
    oe: str


@dataclass(frozen=True)
class CatalogueRows:
    """Indicators, measures and places of every plan as stored: what the import's catalogue
    index (etl.validate.catalogue_index) is built from."""

    indicators: list[IndicatorFacts]
    places_of: dict[int, set[int]]  # indicator id -> its places
    measures: list[tuple[str, str]]  # code, title
    context: list[tuple[int, str]]  # context indicator id, code
    places: list[tuple[int, str, str | None]]  # place id, name, key


def catalogue_rows(conn: Connection) -> CatalogueRows:
    """Every plan's catalogue in a handful of queries."""
    places_of: dict[int, set[int]] = {}
    for ind_id, ort_id in conn.execute(
        select(indikator_ort.c.indikator_id, indikator_ort.c.ort_id)
    ):
        places_of.setdefault(ind_id, set()).add(ort_id)
    indicators = [
        IndicatorFacts(*r)
        for r in conn.execute(
            indicators_with_measure(
                Indikator.id,
                Indikator.code,
                Indikator.name,
                Indikator.plan_id,
                Plan.key.label("plan_key"),
                Plan.year.label("plan_year"),
                Indikator.massnahme_id,
                Massnahme.code.label("measure_code"),
                Indikator.kind,
                Indikator.unit,
                Indikator.parent_id,
                Indikator.baseline_period,
                Organisationseinheit.code.label("oe"),
                with_plan=True,
            )
        )
    ]
    return CatalogueRows(
        indicators,
        places_of,
        [(code, title) for code, title in conn.execute(select(Massnahme.code, Massnahme.title))],
        [
            (ctx_id, code)
            for ctx_id, code in conn.execute(select(KontextIndikator.id, KontextIndikator.code))
        ],
        [(i, name, key) for i, name, key in conn.execute(select(Ort.id, Ort.name, Ort.key))],
    )
