"""The district map: a schematic tile grid of the ten Stadtbezirke drawn for the product (no
third-party geodata, no licence), or the city's uploaded GeoJSON. Both are drawn as filled
scatter shapes on plain axes: no geo trace, so plotly fetches no topojson and no tiles,
and nothing leaves the machine. Every area carries its value as text (never colour alone)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Column, row (row 0 at the top) of each Stadtbezirk: north to south, west to east.
TILE_GRID: dict[str, tuple[int, int]] = {
    "Jöllenbeck": (1, 0),
    "Heepen": (2, 0),
    "Dornberg": (0, 1),
    "Schildesche": (1, 1),
    "Mitte": (2, 1),
    "Stieghorst": (3, 1),
    "Brackwede": (0, 2),
    "Gadderbaum": (1, 2),
    "Senne": (1, 3),
    "Sennestadt": (2, 3),
}
# Five classes from light to dark blue; text dark on the light ones, white on the dark ones.
CLASSES = ("#e8f0f7", "#b9d0e6", "#7fa8cf", "#3f78ad", "#0b4f8a")
TEXT_ON = ("#1f2933", "#1f2933", "#1f2933", "#ffffff", "#ffffff")
MISSING = "#f2f2f2"


@dataclass(frozen=True)
class MapArea:
    name: str
    value: float | None
    text: str  # the value as the user reads it („27,6 %“, „nicht berechenbar“)


def _class_of(value: float | None, low: float, high: float) -> int | None:
    if value is None:
        return None
    if high <= low:
        return 2
    return min(int((value - low) / (high - low) * len(CLASSES)), len(CLASSES) - 1)


def _polygons(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        yield geometry["coordinates"][0]
    elif geometry.get("type") == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield polygon[0]


def _shapes(
    areas: list[MapArea], geojson: Mapping[str, Any] | None, name_field: str
) -> dict[str, list[list[list[float]]]]:
    """Outline(s) of each area: from the GeoJSON, else a tile of the grid."""
    if geojson is not None:
        shapes: dict[str, list[list[list[float]]]] = {}
        for feature in geojson.get("features", []):
            name = str((feature.get("properties") or {}).get(name_field, ""))
            shapes.setdefault(name, []).extend(_polygons(feature.get("geometry") or {}))
        return shapes
    shapes = {}
    others = [a.name for a in areas if a.name not in TILE_GRID]
    # Places without a tile of their own (Stadtteile, Quartiere): a compact grid in the given
    # order, right of the Stadtbezirke if any are drawn.
    width = max(3, math.ceil(math.sqrt(len(others)))) if others else 1
    start = 5 if len(others) < len(areas) else 0
    for area in areas:
        if area.name in TILE_GRID:
            col, row = TILE_GRID[area.name]
        else:
            n = others.index(area.name)
            col, row = start + n % width, n // width
        x, y = float(col), float(-row)
        shapes[area.name] = [[[x, y], [x + 0.96, y], [x + 0.96, y + 0.96], [x, y + 0.96], [x, y]]]
    return shapes


def district_map(
    areas: list[MapArea],
    title: str,
    geojson: Mapping[str, Any] | None = None,
    name_field: str = "name",
) -> dict[str, Any]:
    """The figure as plain data (dcc.Graph takes it as is): one filled trace per colour class,
    the areas of a class separated by gaps, and one text trace with name and value."""
    values = [a.value for a in areas if a.value is not None]
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    shapes = _shapes(areas, geojson, name_field)
    by_fill: dict[str, tuple[list[float | None], list[float | None]]] = {}
    labels_x, labels_y, labels, colours = [], [], [], []
    for area in areas:
        cls = _class_of(area.value, low, high)
        fill = MISSING if cls is None else CLASSES[cls]
        xs, ys = by_fill.setdefault(fill, ([], []))
        rings = shapes.get(area.name) or []
        for ring in rings:
            xs.extend([p[0] for p in ring] + [None])
            ys.extend([p[1] for p in ring] + [None])
        if rings:
            ring = max(rings, key=len)
            corners = ring[:-1] or ring
            labels_x.append(sum(p[0] for p in corners) / len(corners))
            labels_y.append(sum(p[1] for p in corners) / len(corners))
            labels.append(f"<b>{area.name}</b><br>{area.text}")
            colours.append(TEXT_ON[cls] if cls is not None else "#1f2933")
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "fill": "toself",
            "fillcolor": fill,
            "mode": "lines",
            "line": {"color": "#ffffff", "width": 2},
            "hoverinfo": "skip",
            "showlegend": False,
        }
        for fill, (xs, ys) in by_fill.items()
    ]
    data.append(
        {
            "type": "scatter",
            "x": labels_x,
            "y": labels_y,
            "mode": "text",
            "text": labels,
            "textfont": {"color": colours, "size": 13},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    layout = {
        "title": {"text": title, "x": 0, "font": {"size": 15}},
        "margin": {"l": 4, "r": 4, "t": 36, "b": 4},
        "height": 420,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": {"visible": False, "fixedrange": True},
        "yaxis": {"visible": False, "fixedrange": True, "scaleanchor": "x"},
        "dragmode": False,
    }
    return {"data": data, "layout": layout}


def legend_classes(low: float | None, high: float | None, fmt: Any) -> list[tuple[str, str]]:
    """(colour, range text) for the five classes, for a legend in words."""
    if low is None or high is None:
        return []
    step = (high - low) / len(CLASSES) if high > low else 0
    return [
        (colour, f"{fmt(low + i * step)} bis {fmt(low + (i + 1) * step)}")
        for i, colour in enumerate(CLASSES)
    ]
