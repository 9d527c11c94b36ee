"""The official district map: checked as a whole, stored only when right, German refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from db.models import AuditEntry, OrtKarte
from db.places import current_map
from zielcockpit.domain.access import Principal
from zielcockpit.services.district_map import MapRefused, upload_map

BEZIRKE = ["Mitte", "Schildesche", "Gadderbaum", "Brackwede", "Dornberg",
           "Jöllenbeck", "Heepen", "Stieghorst", "Sennestadt", "Senne"]  # fmt: skip
ADMIN = Principal("admin", "admin")
LIMIT = 5 * 1024 * 1024


def geojson(names: list[str], field: str = "name") -> bytes:
    features = []
    for n, name in enumerate(names):
        x = float(n)
        ring = [[x, 0.0], [x + 1, 0.0], [x + 1, 1.0], [x, 1.0], [x, 0.0]]
        features.append(
            {
                "type": "Feature",
                "properties": {field: name},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(OrtKarte)) or 0)


def test_valid_map_is_stored_and_audited(catalogue_engine: Engine) -> None:
    text = upload_map(
        catalogue_engine, ADMIN, "bezirke.geojson", geojson(BEZIRKE, "STBEZ_NAME"), LIMIT
    )
    assert text == "Karte „bezirke.geojson“ gespeichert: 10 Stadtbezirke (Feld „STBEZ_NAME“)."
    stored = current_map(catalogue_engine)
    assert stored is not None and stored.name_field == "STBEZ_NAME"
    assert len(stored.geojson["features"]) == 10
    with catalogue_engine.connect() as conn:
        assert "karte" in conn.scalars(select(AuditEntry.action)).all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{kein json", "kein gültiges JSON (Zeile 1, Spalte 2"),
        (b'{"type": "FeatureCollection", "features": []}', "enthält keine Flächen"),
        (b"\xff\xfe\x00", "keine UTF-8-Textdatei"),
        (geojson([*BEZIRKE[:9], "Atlantis"]), "unbekannte Stadtbezirke im Feld „name“: Atlantis"),
    ],
)
def test_bad_map_is_refused_in_german_and_nothing_stored(
    catalogue_engine: Engine, content: bytes, message: str
) -> None:
    with pytest.raises(MapRefused) as info:
        upload_map(catalogue_engine, ADMIN, "karte.geojson", content, LIMIT)
    assert message in str(info.value)
    assert _stored(catalogue_engine) == 0


def test_point_geometry_and_other_roles_are_refused(catalogue_engine: Engine) -> None:
    data = json.loads(geojson(BEZIRKE))
    data["features"][2]["geometry"] = {"type": "Point", "coordinates": [1, 2]}
    with pytest.raises(MapRefused, match="Fläche 3: Geometrie „Point“"):
        upload_map(catalogue_engine, ADMIN, "k.geojson", json.dumps(data).encode(), LIMIT)
    with pytest.raises(MapRefused, match="nur die Administration"):
        upload_map(
            catalogue_engine, Principal("c", "controlling"), "k.geojson", geojson(BEZIRKE), LIMIT
        )
    assert _stored(catalogue_engine) == 0
