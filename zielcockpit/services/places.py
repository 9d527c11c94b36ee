"""Districts: context figures per place against its Stadtbezirk and the city, the
Sozialstrukturindex and the allocation of an amount by it (pandas for the computation).

Called alike by the pages `/bezirke`, `/bezirke/<ort>`, the API `/api/v1/orte` and the CLI.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from db import places as q
from db.plan_data import NotFound
from zielcockpit.domain.allocation import allocate
from zielcockpit.domain.formatting import fmt_date
from zielcockpit.domain.german import NumberError, fold_name, read_number

LEVELS = {"stadt": "Gesamtstadt", "stadtbezirk": "Stadtbezirk", "stadtteil": "Stadtteil",
          "quartier": "Quartier"}  # fmt: skip
LARGE_DEVIATION = 0.25  # a share 25 % above or below its comparison is marked
INDEX_CENTRE, INDEX_SCALE = 100.0, 10.0  # index points: 100 = average of the level, 10 = 1 SD


class PlacesError(ValueError):
    """Bad input to the index or the allocation; the message is German and names the field."""


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    kind: str
    key: str | None
    parent: str | None
    bezirk: str | None  # the Stadtbezirk it lies in (itself for a Stadtbezirk)

    @property
    def level_label(self) -> str:
        return LEVELS.get(self.kind, self.kind)


@dataclass
class PlacesData:
    """Everything the district pages need, read once per request."""

    places: dict[str, Place]
    indicators: list[q.ContextIndicatorRow]
    values: pd.DataFrame  # VALUE_COLUMNS plus `place`
    periods: list[str]
    memo: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)  # wide/rates per period

    @property
    def city(self) -> Place | None:
        return next((p for p in self.places.values() if p.kind == "stadt"), None)

    def of_level(self, level: str) -> list[Place]:
        return [p for p in self.places.values() if p.kind == level]

    def indicator(self, code: str) -> q.ContextIndicatorRow:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        known = ", ".join(i.code for i in self.indicators) or "keine"
        raise NotFound(f"Kontextindikator „{code}“ gibt es nicht (bekannt: {known}).")

    def place(self, name: str) -> Place:
        found = self.places.get(name) or next(
            (p for p in self.places.values() if fold_name(p.name) == fold_name(name)), None
        )
        if found is None:
            raise NotFound(
                f"Unbekannter Ort „{name}“: den Ort gibt es in der Ortshierarchie nicht."
            )
        return found

    def period(self, wanted: str | None) -> str | None:
        """The period asked for (a quarter also finds the values of its last month), or the
        latest with values."""
        if not self.periods:
            return None
        if not wanted:
            return self.periods[-1]
        if wanted in self.periods:
            return wanted
        if "-Q" in wanted:
            year, quarter = wanted.split("-Q")
            month = f"{year}-{int(quarter) * 3:02d}" if quarter.isdigit() else ""
            if month in self.periods:
                return month
        shown = ", ".join(self.periods)
        raise NotFound(
            f"Für den Zeitraum „{wanted}“ gibt es keine Kontextwerte (vorhanden: {shown})."
        )

    def previous(self, period: str) -> str | None:
        i = self.periods.index(period)
        return self.periods[i - 1] if i > 0 else None


# Per process: the data as last read and its fingerprint, checked on every use with one cheap
# query (as the plan snapshot does), so a value written through any instance shows at once.
_CACHE: dict[str, tuple[tuple[Any, ...], float, PlacesData]] = {}
_CACHE_LOCK = threading.Lock()
MAX_AGE = 300.0  # seconds: renamed places or indicators show after at most this long


def load(engine: Engine) -> PlacesData:
    """The districts' data, from the cache while nothing changed."""
    key = engine.url.render_as_string(hide_password=False)
    version = q.places_version(engine)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None and cached[0] == version and time.monotonic() - cached[1] < MAX_AGE:
        return cached[2]
    data = read(engine)
    with _CACHE_LOCK:
        _CACHE[key] = (version, time.monotonic(), data)
    return data


def read(engine: Engine) -> PlacesData:
    rows = q.places(engine)
    by_id = {r.id: r for r in rows}

    def bezirk_of(row: q.PlaceRow) -> str | None:
        seen = set()
        while row is not None and row.id not in seen:
            seen.add(row.id)
            if row.kind == "stadtbezirk":
                return row.name
            row = by_id.get(row.parent_id)  # type: ignore[arg-type,assignment]
        return None

    found = {
        r.name: Place(
            r.id,
            r.name,
            r.kind,
            r.key,
            by_id[r.parent_id].name if r.parent_id in by_id else None,
            bezirk_of(r),
        )
        for r in rows
    }
    values = q.context_values(engine)
    names = {p.id: p.name for p in found.values()}
    values["place"] = values["ort_id"].map(names)
    periods = sorted(values["period"].unique().tolist(), key=_period_order)
    return PlacesData(found, q.context_indicators(engine), values, periods)


def _period_order(key: str) -> tuple[int, int]:
    year, _, rest = key.partition("-")
    if rest.startswith("Q"):
        return int(year), int(rest[1:]) * 3
    return int(year), int(rest) if rest else 12


# -- shares -------------------------------------------------------------------------------------


def wide(data: PlacesData, period: str) -> pd.DataFrame:
    """Place × indicator: the number (NaN where missing or a symbol). Not to be changed."""
    found = data.memo.get(("wide", period))
    if found is None:
        found = data.memo[("wide", period)] = _wide(data, period)
    return found


def _wide(data: PlacesData, period: str) -> pd.DataFrame:
    frame = data.values[data.values["period"] == period]
    if frame.empty:
        return pd.DataFrame(columns=[i.code for i in data.indicators], dtype="float64")
    table = frame.pivot_table(index="place", columns="code", values="value", aggfunc="first")
    return table.reindex(columns=[i.code for i in data.indicators])


def shares_of(data: PlacesData, period: str) -> pd.DataFrame:
    """`rates` of a period, computed once per period and data."""
    found = data.memo.get(("rates", period))
    if found is None:
        found = data.memo[("rates", period)] = rates(data, wide(data, period))
    return found


def rates(data: PlacesData, table: pd.DataFrame) -> pd.DataFrame:
    """The share of each indicator in its base (in %); absolute where it has no base."""
    out = pd.DataFrame(index=table.index)
    for ind in data.indicators:
        column = table.get(ind.code)
        if column is None:
            continue
        if ind.base_code and ind.base_code in table:
            base = table[ind.base_code].where(table[ind.base_code] > 0)
            out[ind.code] = column / base * 100
        else:
            out[ind.code] = column
    return out


# -- the profile of one place -------------------------------------------------------------------


@dataclass
class ProfileLine:
    code: str
    name: str
    unit: str
    value: float | None
    symbol: str | None
    share: float | None  # % of its base
    base_name: str | None
    bezirk_share: float | None
    city_share: float | None
    bezirk_value: float | None
    city_value: float | None
    previous_value: float | None
    change: float | None  # against the previous period, absolute
    deviation: float | None  # share against the city, relative (0.3 = 30 % above)
    large: bool
    source: str
    recorded: str  # date of the figure
    demo: bool


@dataclass
class Profile:
    place: Place
    period: str
    previous: str | None
    lines: list[ProfileLine]
    measures: list[str] = field(default_factory=list)
    demo: bool = False
    periods: list[str] = field(default_factory=list)


def profile(data: PlacesData, name: str, period: str | None) -> Profile:
    place = data.place(name)
    chosen = data.period(period)
    if chosen is None:
        return Profile(place, "", None, [], periods=data.periods)
    previous = data.previous(chosen)
    table = wide(data, chosen)
    shares = shares_of(data, chosen)
    before = wide(data, previous) if previous else pd.DataFrame()
    frame = data.values[(data.values["period"] == chosen) & (data.values["place"] == place.name)]
    meta: dict[str, Any] = {str(r.code): r for r in frame.itertuples()}
    city = data.city.name if data.city else None
    bezirk = place.bezirk if place.bezirk != place.name else None
    lines = []
    for ind in data.indicators:
        m = meta.get(ind.code)
        if m is None:
            continue
        value = number_at(table, place.name, ind.code)
        share = number_at(shares, place.name, ind.code) if ind.base_code else None
        city_share = number_at(shares, city, ind.code) if ind.base_code else None
        old = number_at(before, place.name, ind.code)
        deviation = None
        if share is not None and city_share:
            deviation = share / city_share - 1
        lines.append(
            ProfileLine(
                ind.code,
                ind.name,
                ind.unit,
                value,
                m.symbol if isinstance(m.symbol, str) else None,
                share,
                data.indicator(ind.base_code).name if ind.base_code else None,
                number_at(shares, bezirk, ind.code) if ind.base_code and bezirk else None,
                city_share,
                number_at(table, bezirk, ind.code) if bezirk else None,
                number_at(table, city, ind.code) if city != place.name else None,
                old,
                None if value is None or old is None else value - old,
                deviation,
                deviation is not None and abs(deviation) >= LARGE_DEVIATION,
                "Demodaten" if m.demo else (m.source or ind.source or "Erfassung"),
                fmt_date(m.recorded_at) if m.recorded_at is not None else "",
                bool(m.demo),
            )
        )
    return Profile(
        place, chosen, previous, lines, demo=any(x.demo for x in lines), periods=data.periods
    )


def number_at(table: pd.DataFrame, row: str | None, column: str) -> float | None:
    if row is None or table.empty or row not in table.index or column not in table.columns:
        return None
    value: Any = table.at[row, column]
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


# -- the Sozialstrukturindex --------------------------------------------------------------------


@dataclass
class IndexRow:
    place: str
    score: float | None  # index points; None: nicht berechenbar
    rank: int | None
    contributions: dict[str, float]  # code -> points contributed
    reason: str | None  # why not computable


def compute_index(
    values: pd.DataFrame, components: list[dict[str, Any]], names: dict[str, str] | None = None
) -> list[IndexRow]:
    """The index over the places (rows) of `values` (columns: indicator codes, the figure each
    component is standardised on). Each component is a z-score over the places that have it,
    signed by its direction and weighted; index points = 100 + 10 × weighted mean. A place that
    lacks any component is „nicht berechenbar“, with the reason, and is never ranked."""
    if not components:
        raise PlacesError("Der Index braucht mindestens einen Bestandteil.")
    names = names or {}
    codes = [c["code"] for c in components]
    missing_columns = [c for c in codes if c not in values.columns]
    frame = values.reindex(columns=codes).astype("float64")
    weights = np.array([float(c["weight"]) for c in components])
    signs = np.array([1.0 if c["direction"] == "hoeher_belastet" else -1.0 for c in components])
    mean = frame.mean(axis=0, skipna=True)
    std = frame.std(axis=0, ddof=0, skipna=True).replace(0.0, np.nan)
    z = ((frame - mean) / std).fillna(0.0).where(frame.notna())
    contrib = z * (signs * weights / weights.sum() * INDEX_SCALE)
    computable = frame.notna().all(axis=1)
    score = contrib.sum(axis=1) + INDEX_CENTRE
    order = score[computable].sort_values(ascending=False, kind="stable")
    ranks = {place: n for n, place in enumerate(order.index, start=1)}
    # Plain arrays for the per-place rows: .at per cell would cost far more than the maths.
    contrib_rows = contrib.to_numpy().tolist()
    missing = frame.isna().to_numpy()
    scores = score.to_numpy().tolist()
    ok = computable.to_numpy().tolist()
    rows = []
    for i, place in enumerate(frame.index):
        if ok[i] and not missing_columns:
            rows.append(
                IndexRow(
                    str(place),
                    scores[i],
                    ranks[place],
                    dict(zip(codes, contrib_rows[i], strict=True)),
                    None,
                )
            )
            continue
        lacking = [c for c, gone in zip(codes, missing[i], strict=True) if gone]
        shown = ", ".join(f"{names.get(c, c)} ({c})" for c in lacking)
        rows.append(IndexRow(str(place), None, None, {}, f"kein Wert für {shown}"))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.place))
    return rows


@dataclass
class IndexResult:
    name: str
    version: int
    level: str
    period: str
    components: list[dict[str, Any]]
    rows: list[IndexRow]


def place_index(
    data: PlacesData, engine: Engine, period: str | None, level: str | None = None
) -> IndexResult | None:
    """The current index definition over the places of its level (or `level`) in a period."""
    definition = q.current_index(engine)
    chosen = data.period(period)
    if definition is None or chosen is None:
        return None
    level = level or definition.level
    table = shares_of(data, chosen)
    at_level = [p.name for p in data.of_level(level)]
    frame = table.reindex(index=at_level)
    names = {i.code: i.name for i in data.indicators}
    rows = compute_index(frame, definition.components, names)
    return IndexResult(
        definition.name, definition.version, level, chosen, definition.components, rows
    )


# -- the allocation -----------------------------------------------------------------------------


@dataclass
class AllocationRow:
    place: str
    heads: int | None
    base_cents: int
    index_cents: int
    note: str | None

    @property
    def total_cents(self) -> int:
        return self.base_cents + self.index_cents


def allocation(
    data: PlacesData,
    result: IndexResult,
    amount_eur: str | float,
    base_pct: str | float,
    heads_code: str,
) -> list[AllocationRow]:
    """Bochum's way: `base_pct` % of the amount by heads of the target group (`heads_code`), the
    rest by index points; exact to the cent (largest remainder)."""
    cents = _cents(amount_eur, "Betrag")
    base = _fraction(base_pct, "Sockelanteil") / 100
    data.indicator(heads_code)
    table = wide(data, result.period)
    heads: list[int] = []
    notes: list[str | None] = []
    weights: list[Fraction | None] = []
    for row in result.rows:
        count = number_at(table, row.place, heads_code)
        heads.append(0 if count is None else int(round(count)))
        weights.append(None if row.score is None else Fraction(max(row.score, 0.0)))
        note = None
        if row.score is None:
            note = f"Index nicht berechenbar ({row.reason}): kein Indexanteil"
        if count is None:
            note = (note + "; " if note else "") + "keine Zielgruppenzahl: kein Sockelbetrag"
        notes.append(note)
    if base > 0 and sum(heads) == 0:
        raise PlacesError("Für die Zielgruppe gibt es in keinem Ort eine Zahl: kein Sockelbetrag.")
    if base < 1 and not any(w for w in weights):
        raise PlacesError(
            "Kein Ort hat einen berechenbaren Index: der Rest kann nicht verteilt werden."
        )
    base_parts, index_parts = allocate(cents, base, heads, weights)
    return [
        AllocationRow(r.place, h if n is None or "Zielgruppe" not in n else None, b, i, n)
        for r, h, b, i, n in zip(result.rows, heads, base_parts, index_parts, notes, strict=True)
    ]


def _fraction(text: str | float, what: str) -> Fraction:
    try:
        value = Fraction(read_number(text))
    except NumberError:
        raise PlacesError(f"{what}: „{text}“ ist keine Zahl (z. B. 250.000,00).") from None
    if value < 0:
        raise PlacesError(f"{what}: „{text}“ darf nicht negativ sein.")
    return value


def _cents(text: str | float, what: str) -> int:
    value = _fraction(text, what) * 100
    if value.denominator != 1:
        raise PlacesError(f"{what}: „{text}“ hat mehr als zwei Nachkommastellen.")
    if value > 10**13:
        raise PlacesError(f"{what}: „{text}“ ist zu groß.")
    return int(value)


# -- measures located in a place, with their lights -----------------------------------------------


@dataclass(frozen=True)
class LocatedMeasure:
    code: str
    title: str
    light: str | None
    place: str  # where it is located (the place itself or one inside it)


def located_measures(
    engine: Engine, data: PlacesData, place: Place, plan_key: str | None, period: str | None
) -> list[LocatedMeasure]:
    """The plan's measures in this place or the places inside it, with their light in the
    plan's quarter of `period` (no light where the period is not one of the plan's)."""
    from db.plan_data import parse_period
    from zielcockpit.services.evaluation import plan_snapshot

    if not plan_key:
        from db.queries import default_plan, plan_choices

        plan_key = default_plan(plan_choices(engine))
        if plan_key is None:
            return []
    inside = {p.id: p.name for p in data.places.values() if _within(data, p, place)}
    codes = {
        code: inside[ort_id]
        for ort_id, found in q.measures_by_place(engine, plan_key).items()
        if ort_id in inside
        for code in found
    }
    if not codes:
        return []
    snapshot = plan_snapshot(engine, plan_key)
    lights: dict[str, str | None] = {}
    try:
        report = snapshot.report(parse_period(period or "").as_quarter()) if period else None
    except (NotFound, ValueError):
        report = None
    titles = {m.code: m.title for m in snapshot.data.measures}
    if report is not None:
        lights = {m.info.code: m.light for m in report.measures}
    return [
        LocatedMeasure(code, titles.get(code, code), lights.get(code), where)
        for code, where in sorted(codes.items(), key=lambda kv: _measure_order(kv[0]))
    ]


def _measure_order(code: str) -> tuple[str, int]:
    head, _, tail = code.rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (code, 0)


def _within(data: PlacesData, candidate: Place, place: Place) -> bool:
    seen = set()
    current: Place | None = candidate
    while current is not None and current.name not in seen:
        if current.name == place.name:
            return True
        seen.add(current.name)
        current = data.places.get(current.parent) if current.parent else None
    return False


# -- defining the index ---------------------------------------------------------------------------


def may_define_index(principal: Any) -> bool:
    return principal is not None and principal.role in ("controlling", "admin")


def define_index(
    engine: Engine, principal: Any, name: str, level: str, parts: list[dict[str, Any]]
) -> q.IndexVersion:
    """A new version of the index (parts: {code, richtung, gewicht}); checked whole, audited."""
    from zielcockpit.domain.catalogue_checks import check_index_definition, index_components

    if not may_define_index(principal):
        raise PlacesError(
            "Keine Berechtigung: den Sozialstrukturindex legen Controlling und Administration fest."
        )
    codes = {i.code for i in q.context_indicators(engine)}
    spec = {"ebene": level, "bestandteile": parts}
    problems = check_index_definition(spec, codes, "Sozialstrukturindex")
    if problems:
        raise PlacesError(" ".join(problems))
    return q.save_index(engine, name, level, index_components(spec), principal.name)


def parse_component(text: str) -> dict[str, Any]:
    """„K-SGB2:hoeher_belastet:2“ → {code, richtung, gewicht} (the command line's form)."""
    parts = text.split(":")
    if len(parts) != 3:
        raise PlacesError(
            f"Bestandteil „{text}“: erwartet CODE:RICHTUNG:GEWICHT, z. B. K-SGB2:hoeher_belastet:2."
        )
    code, direction, weight = parts
    return {"code": code, "richtung": direction, "gewicht": weight.strip()}  # read with the index
