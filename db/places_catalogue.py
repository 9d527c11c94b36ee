"""Write a checked places catalogue: the hierarchy of places, the context indicators and the
first version of the Sozialstrukturindex (`zielcockpit/catalogue/kontext_*.yaml`).

An upsert by name and code in one transaction; every change is in the audit trail (as for the
plan catalogue, through db.catalogue_audit). The checks: zielcockpit.domain.catalogue_checks.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.catalogue_audit import collecting, record_changes
from db.engine import transaction
from db.models import KontextIndikator, Ort, SozialindexVersion
from zielcockpit.domain.catalogue_checks import CONTEXT_KEY, index_components


def write_places_catalogue(session: Session, data: dict[str, Any]) -> int:
    """Upsert places (with their parents) and context indicators; the first index version if
    none is stored yet. Returns the number of context indicators."""
    _write_places(session, data)
    count = _write_indicators(session, data)
    _write_index(session, data)
    return count


def _write_places(session: Session, data: dict[str, Any]) -> None:
    places: dict[str, Ort] = {}
    for o in data.get("orte") or []:
        name = str(o["name"])
        place = session.scalars(select(Ort).where(Ort.kind == o["art"], Ort.name == name)).first()
        if place is None:
            place = Ort(kind=o["art"], name=name)
            session.add(place)
        key = None if o.get("schluessel") is None else str(o["schluessel"])
        if place.key != key:
            place.key = key
        places[name] = place
    session.flush()
    for o in data.get("orte") or []:
        parent = places[str(o["parent"])].id if o.get("parent") is not None else None
        if places[str(o["name"])].parent_id != parent:
            places[str(o["name"])].parent_id = parent


def _write_indicators(session: Session, data: dict[str, Any]) -> int:
    indicators: dict[str, KontextIndikator] = {}
    for position, i in enumerate(data.get(CONTEXT_KEY) or [], start=1):
        code = str(i["code"])
        ind = session.scalars(select(KontextIndikator).where(KontextIndikator.code == code)).first()
        if ind is None:
            ind = KontextIndikator(code=code)
            session.add(ind)
        wanted = {
            "name": str(i["name"]),
            "position": position,
            "unit": str(i.get("einheit") or "Anzahl"),
            "measure": i.get("art") or "anzahl",
            "source": i.get("quelle"),
            "hinweis": i.get("hinweis"),
        }
        for attr, value in wanted.items():
            if getattr(ind, attr) != value:
                setattr(ind, attr, value)
        indicators[code] = ind
    session.flush()
    for i in data.get(CONTEXT_KEY) or []:
        base = indicators[str(i["bezug"])].id if i.get("bezug") is not None else None
        if indicators[str(i["code"])].base_id != base:
            indicators[str(i["code"])].base_id = base
    return len(indicators)


def _write_index(session: Session, data: dict[str, Any]) -> None:
    index = data.get("sozialindex")
    if index is not None:
        name = str(index.get("name") or "Sozialstrukturindex")
        stored = session.scalar(
            select(SozialindexVersion.id).where(SozialindexVersion.name == name).limit(1)
        )
        if stored is None:
            session.add(
                SozialindexVersion(
                    name=name,
                    version=1,
                    level=index["ebene"],
                    definition=json.dumps(index_components(index), ensure_ascii=False),
                    created_by="katalog",
                )
            )


def write_places(
    engine: Engine, data: dict[str, Any], source: str, content: bytes, actor: str
) -> int:
    """A checked places catalogue in one transaction with an audit entry per changed row."""
    with transaction(engine) as session:
        with collecting(session) as changes:
            count = write_places_catalogue(session, data)
        if changes:
            record_changes(session, changes, source, content, actor)
    return count
