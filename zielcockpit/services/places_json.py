"""The districts as JSON for `/api/v1/orte` and `/api/v1/orte/<ort>` (same computation as the pages)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine

from db.places import measures_by_place
from db.plan_data import NotFound, parse_period
from zielcockpit.services.evaluation import plan_snapshot
from zielcockpit.services.places import (
    load,
    located_measures,
    number_at,
    place_index,
    profile,
    shares_of,
    wide,
)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _plan_lights(engine: Engine, plan_key: str | None, period: str | None) -> dict[str, Any]:
    """The plan's measure lights in the quarter of `period` (none when the period is not one of
    the plan's quarters); an unknown plan is a 404 like everywhere in the API."""
    if not plan_key:
        return {}
    snapshot = plan_snapshot(engine, plan_key)
    try:
        report = snapshot.report(parse_period(period or "").as_quarter())
    except (NotFound, ValueError):
        return {}
    return {m.info.code: m.light for m in report.measures}


def places_json(engine: Engine, plan_key: str | None, period: str | None) -> dict[str, Any]:
    """Every place with its context values (number, symbol, share) and index points."""
    data = load(engine)
    chosen = data.period(period)
    result = place_index(data, engine, chosen) if chosen else None
    scores = {r.place: r for r in result.rows} if result else {}
    table = wide(data, chosen) if chosen else pd.DataFrame()
    shares = shares_of(data, chosen) if chosen else pd.DataFrame()
    frame = data.values[data.values["period"] == chosen]
    symbols = {(r.place, r.code): r.symbol for r in frame.itertuples() if isinstance(r.symbol, str)}
    lights = _plan_lights(engine, plan_key, chosen)
    located = measures_by_place(engine, plan_key) if plan_key else {}
    out = []
    for p in data.places.values():
        values = {}
        for ind in data.indicators:
            number = number_at(table, p.name, ind.code)
            symbol = symbols.get((p.name, ind.code))
            if number is None and symbol is None:
                continue
            values[ind.code] = {
                "value": number,
                "symbol": symbol,
                "share": _r(number_at(shares, p.name, ind.code)) if ind.base_code else None,
            }
        row = scores.get(p.name)
        out.append(
            {
                "name": p.name,
                "kind": p.kind,
                "key": p.key,
                "parent": p.parent,
                "stadtbezirk": p.bezirk,
                "values": values,
                "measures": [{"code": c, "light": lights.get(c)} for c in located.get(p.id, [])],
                "index": None
                if row is None
                else {"points": _r(row.score), "rank": row.rank, "reason": row.reason},
            }
        )
    return {
        "plan": plan_key,
        "period": chosen,
        "periods": data.periods,
        "indicators": [
            {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "base": i.base_code,
                "source": i.source,
            }
            for i in data.indicators
        ],
        "index": None
        if result is None
        else {
            "name": result.name,
            "version": result.version,
            "level": result.level,
            "components": result.components,
        },
        "places": out,
    }


def profile_json(
    engine: Engine, name: str, period: str | None, plan_key: str | None
) -> dict[str, Any]:
    data = load(engine)
    found = profile(data, name, period)
    measures = located_measures(engine, data, found.place, plan_key, found.period)
    return {
        "name": found.place.name,
        "kind": found.place.kind,
        "parent": found.place.parent,
        "stadtbezirk": found.place.bezirk,
        "period": found.period or None,
        "previous_period": found.previous,
        "demo": found.demo,
        "indicators": [
            {
                "code": x.code,
                "name": x.name,
                "value": x.value,
                "symbol": x.symbol,
                "share": _r(x.share),
                "stadtbezirk_share": _r(x.bezirk_share),
                "city_share": _r(x.city_share),
                "stadtbezirk_value": x.bezirk_value,
                "city_value": x.city_value,
                "previous_value": x.previous_value,
                "change": x.change,
                "deviation": _r(x.deviation, 4),
                "large_deviation": x.large,
                "source": x.source,
                "recorded": x.recorded,
            }
            for x in found.lines
        ],
        "measures": [
            {"code": m.code, "title": m.title, "light": m.light, "place": m.place} for m in measures
        ],
    }
