"""The city's official district map: an admin uploads a GeoJSON of the Stadtbezirke, which is
checked as a whole and stored only when every part is right; it is then drawn instead of the
schematic tile map. Refused in German, nothing stored: not JSON, no features, shapes that are no
polygons, or names of districts the hierarchy does not know."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine

from db import places as q
from zielcockpit.domain.access import Principal

NAME_FIELDS = ("name", "stadtbezirk", "bezirk", "bezeichnung", "bez_name", "stbez_name", "NAME")
LEVEL = "stadtbezirk"


class MapRefused(ValueError):
    """The German reason a map was not stored."""


def may_upload_map(principal: Principal | None) -> bool:
    return principal is not None and principal.role == "admin"


def _features(content: bytes, file_name: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise MapRefused(f"„{file_name}“ ist keine UTF-8-Textdatei, also kein GeoJSON.") from None
    except json.JSONDecodeError as exc:
        raise MapRefused(
            f"„{file_name}“ ist kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}: "
            f"{exc.msg})."
        ) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise MapRefused(
            f"„{file_name}“ enthält keine Flächen: erwartet wird eine FeatureCollection mit "
            "„features“, je Stadtbezirk eine."
        )
    return features


def _name_field(features: list[dict[str, Any]], known: set[str], wanted: str | None) -> str:
    if wanted:
        return wanted
    best, hits = NAME_FIELDS[0], -1
    keys: list[str] = list(NAME_FIELDS)
    for f in features:
        keys.extend(k for k in (f.get("properties") or {}) if k not in keys)
    for key in keys:
        found = sum(1 for f in features if str((f.get("properties") or {}).get(key)) in known)
        if found > hits:
            best, hits = key, found
    return best


def _shape_problems(features: Iterable[dict[str, Any]]) -> list[str]:
    problems = []
    for n, f in enumerate(features, start=1):
        geometry = f.get("geometry") if isinstance(f, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in ("Polygon", "MultiPolygon"):
            problems.append(f"Fläche {n}: Geometrie „{kind}“, erwartet Polygon oder MultiPolygon")
            continue
        coordinates: Any = geometry.get("coordinates") if isinstance(geometry, dict) else None
        rings: list[Any] = [coordinates] if kind == "Polygon" else list(coordinates or [])
        try:
            ok = all(
                isinstance(x, int | float) and isinstance(y, int | float)
                for polygon in rings
                for ring in polygon
                for x, y, *_rest in ring
            )
        except (TypeError, ValueError):
            ok = False
        if not ok or not rings:
            problems.append(f"Fläche {n}: Koordinaten sind keine Zahlenpaare")
    return problems


def check_map(
    content: bytes, file_name: str, known: set[str], name_field: str | None = None
) -> tuple[dict[str, Any], str]:
    """The checked GeoJSON and the property that names the districts, or MapRefused."""
    features = _features(content, file_name)
    field = _name_field(features, known, name_field)
    problems = _shape_problems(features)
    names = [str((f.get("properties") or {}).get(field, "")) for f in features]
    unknown = sorted({n for n in names if n not in known})
    if unknown:
        problems.append(
            f"unbekannte Stadtbezirke im Feld „{field}“: {', '.join(unknown)} "
            f"(bekannt: {', '.join(sorted(known))})"
        )
    if problems:
        raise MapRefused(
            f"Die Karte „{file_name}“ wurde nicht gespeichert: " + "; ".join(problems[:10]) + "."
        )
    return {"type": "FeatureCollection", "features": features}, field


def upload_map(
    engine: Engine,
    principal: Principal | None,
    file_name: str,
    content: bytes,
    max_bytes: int,
    name_field: str | None = None,
) -> str:
    """Check and store; returns the German confirmation. Only an admin may."""
    if not may_upload_map(principal):
        raise MapRefused("Keine Berechtigung: die amtliche Karte lädt nur die Administration hoch.")
    assert principal is not None
    if len(content) > max_bytes:
        raise MapRefused(
            f"„{file_name}“ ist größer als {max_bytes // (1024 * 1024)} MB; nichts gespeichert."
        )
    known = {p.name for p in q.places(engine) if p.kind == LEVEL}
    geojson, field = check_map(content, file_name, known, name_field)
    q.save_map(engine, LEVEL, field, geojson, file_name, principal.name)
    count = len({str((f.get("properties") or {}).get(field)) for f in geojson["features"]})
    return f"Karte „{file_name}“ gespeichert: {count} Stadtbezirke (Feld „{field}“)."
