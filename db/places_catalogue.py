"""Read, check and load the places catalogue: the hierarchy of places, the context indicators
and the first version of the Sozialstrukturindex (`zielcockpit/catalogue/kontext_*.yaml`).

A catalogue without a `plan` section but with `kontextindikatoren` is one of these; the plan
catalogue's `load_catalogue` hands it here, so `load-catalogue` loads both kinds. Loading is an
upsert by name and code, checked as a whole first and written in one transaction; every change
is in the audit trail (as for the plan catalogue).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import CONTEXT_MEASURES, PLACE_KINDS, KontextIndikator, Ort, SozialindexVersion
from zielcockpit.domain.german import NUMBER_EXAMPLES, NumberError, read_number
from zielcockpit.yaml_text import load_yaml

DIRECTIONS = ("hoeher_belastet", "niedriger_belastet")
CONTEXT_KEY = "kontextindikatoren"


def is_places_catalogue(path: Path) -> bool:
    """A catalogue of places and context indicators (not a plan)."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the plan loader reports what is wrong with the file
    return isinstance(data, dict) and "plan" not in data and CONTEXT_KEY in data


def check_places_catalogue(data: dict[str, Any], file: str) -> list[str]:
    """Every problem of the file, each naming the entry."""
    problems: list[str] = []
    places = [o for o in data.get("orte") or [] if isinstance(o, dict)]
    names = {str(o.get("name")) for o in places}
    for o in places:
        what = f"{file}: Ort „{o.get('name')}“"
        if not o.get("name"):
            problems.append(f"{file}: ein Ort ohne Namen.")
        if o.get("art") not in PLACE_KINDS:
            problems.append(
                f"{what}: „art“ ist „{o.get('art')}“, erlaubt: {', '.join(PLACE_KINDS)}."
            )
        if o.get("parent") is not None and str(o["parent"]) not in names:
            problems.append(f"{what}: übergeordneter Ort „{o['parent']}“ fehlt in der Ortsliste.")
    indicators = [i for i in data.get(CONTEXT_KEY) or [] if isinstance(i, dict)]
    codes = {str(i.get("code")) for i in indicators}
    for i in indicators:
        what = f"{file}: Kontextindikator „{i.get('code')}“"
        for key in ("code", "name"):
            if not i.get(key):
                problems.append(f"{what}: Pflichtfeld „{key}“ fehlt.")
        if (i.get("art") or "anzahl") not in CONTEXT_MEASURES:
            problems.append(
                f"{what}: „art“ ist „{i.get('art')}“, erlaubt: {', '.join(CONTEXT_MEASURES)}."
            )
        if i.get("bezug") is not None and str(i["bezug"]) not in codes:
            problems.append(f"{what}: Bezugsgröße „{i['bezug']}“ ist kein Kontextindikator.")
    index = data.get("sozialindex")
    if index is not None:
        problems.extend(check_index_definition(index, codes, file))
    return problems


def check_index_definition(index: Any, codes: set[str], where: str) -> list[str]:
    """The definition of a Sozialstrukturindex: a level and components with direction, weight."""
    if not isinstance(index, dict):
        return [f"{where}: „sozialindex“ muss Name, Ebene und Bestandteile nennen."]
    problems = []
    if index.get("ebene") not in PLACE_KINDS:
        problems.append(
            f"{where}: Sozialindex: „ebene“ ist „{index.get('ebene')}“, erlaubt: "
            f"{', '.join(PLACE_KINDS)}."
        )
    parts = index.get("bestandteile") or []
    if not parts:
        problems.append(f"{where}: Sozialindex: keine Bestandteile.")
    for n, part in enumerate(parts, start=1):
        what = f"{where}: Sozialindex, Bestandteil {n}"
        if not isinstance(part, dict):
            problems.append(f"{what}: erwartet Code, Richtung und Gewicht.")
            continue
        if str(part.get("code")) not in codes:
            problems.append(f"{what}: „{part.get('code')}“ ist kein Kontextindikator.")
        if part.get("richtung") not in DIRECTIONS:
            problems.append(
                f"{what}: „richtung“ ist „{part.get('richtung')}“, erlaubt: {', '.join(DIRECTIONS)}."
            )
        weight = part.get("gewicht")
        if weight is None or weight == "":
            problems.append(f"{what} („{part.get('code')}“): das Gewicht fehlt.")
            continue
        try:
            number = read_number(weight)
        except NumberError:
            problems.append(
                f"{what} („{part.get('code')}“): das Gewicht „{weight}“ ist keine Zahl "
                f"({NUMBER_EXAMPLES})."
            )
            continue
        if number <= 0:
            problems.append(
                f"{what} („{part.get('code')}“): das Gewicht muss größer als 0 sein, "
                f"gefunden: „{weight}“."
            )
    return problems


def index_components(index: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored form of an index's components (JSON in `sozialindex_version.definition`)."""
    return [
        {
            "code": str(p["code"]),
            "direction": p["richtung"],
            "weight": float(read_number(p["gewicht"])),
        }
        for p in index.get("bestandteile") or []
    ]


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


def load_places_catalogue(engine: Engine, path: Path, data: dict[str, Any], actor: str) -> int:
    """Check all, then write in one transaction with an audit entry per changed row."""
    from db.catalogue import CatalogueError, Change, _collect, _record

    problems = check_places_catalogue(data, path.name)
    if problems:
        raise CatalogueError(problems)
    from sqlalchemy import event

    with transaction(engine) as session:
        changes: list[Change] = []
        collect = _collect(changes)
        event.listen(session, "before_flush", collect)
        count = write_places_catalogue(session, data)
        session.flush()
        event.remove(session, "before_flush", collect)
        if changes:
            _record(session, changes, path.name, path.read_bytes(), actor)
    return count
