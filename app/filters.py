"""The filters that travel in the URL: read them from a query string, write them back (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from zielcockpit.domain.german import fold_name
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import LIGHTS, Light
from zielcockpit.services.evaluation import PlanSnapshot

# The query-string names are a contract (links are sent around): keep them.
FILTER_KEYS = ("plan", "period", "cluster", "oe", "leitsatz", "light")
# German spellings people type into a link by hand are accepted too.
LIGHT_ALIASES: dict[str, Light] = {
    **{light: light for light in LIGHTS},
    "gruen": "green",  # „grün“ folded
    "gelb": "yellow",
    "rot": "red",
    "grau": "grey",
}
FILTER_LABELS = {
    "plan": "Plan",
    "period": "Quartal",
    "cluster": "Handlungsfeld",
    "oe": "Organisationseinheit",
    "leitsatz": "Leitsatz",
    "light": "Ampel",
}

# The filter bar's "no filter" choice (an empty value would clash with the select's placeholder).
ALL_VALUE = "alle"

Query = Mapping[str, Any]


@dataclass(frozen=True)
class Filters:
    """What the user chose; `problems` names every value that was ignored, in German."""

    plan: str
    period: Period
    cluster: int | None = None
    oe: str | None = None
    leitsatz: int | None = None
    light: Light | None = None
    problems: tuple[str, ...] = ()

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters of this view, with `changes` applied (None removes one)."""
        values: dict[str, Any] = {
            "plan": self.plan,
            "period": self.period.key,
            "cluster": self.cluster,
            "oe": self.oe,
            "leitsatz": self.leitsatz,
            "light": self.light,
        }
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}

    def search(self, **changes: Any) -> str:
        return "?" + urlencode(self.params(**changes))

    def link(self, path: str, **changes: Any) -> str:
        return path + self.search(**changes)

    @property
    def narrowed(self) -> bool:
        """True when anything beyond plan and period narrows the measures."""
        return any(v is not None for v in (self.cluster, self.oe, self.leitsatz, self.light))


def first(value: Any) -> str | None:
    """One value of a query parameter: the first if it was given twice, None if empty or „alle“."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return None if not text or text == ALL_VALUE else text


def choose_plan(
    requested: str | None, keys: Sequence[str], default: str | None
) -> tuple[str, str | None]:
    """The plan to show and, when the requested one does not exist, why another is shown."""
    if requested and requested in keys:
        return requested, None
    chosen = default or (keys[-1] if keys else "")
    if requested:
        known = ", ".join(keys) or "keine"
        return (
            chosen,
            f"Plan „{requested}“ gibt es nicht (vorhanden: {known}); gezeigt wird {chosen}.",
        )
    return chosen, None


def choose_period(requested: str | None, year: int, default: Period) -> tuple[Period, str | None]:
    """A quarter of the plan year; other periods are mapped to their quarter, with a note."""
    if not requested:
        return default, None
    try:
        period = Period.parse(requested)
    except PeriodError as exc:
        return default, f"{exc} Gezeigt wird {default.label}."
    if period.year != year:
        return default, (
            f"Zeitraum {period.label} liegt außerhalb des Planungsjahres {year}; "
            f"gezeigt wird {default.label}."
        )
    if period.kind == "quarter":
        return period, None
    quarter = Period(year, quarter=4) if period.kind == "year" else period.as_quarter()
    return quarter, (
        f"Das Dashboard zeigt Quartale: statt {period.label} wird {quarter.label} gezeigt."
    )


def parse_filters(query: Query, snapshot: PlanSnapshot, plan_note: str | None = None) -> Filters:
    """Filters for the plan of `snapshot`; unknown values are ignored and named in `problems`."""
    data = snapshot.data
    problems: list[str] = [plan_note] if plan_note else []
    period, note = choose_period(first(query.get("period")), data.year, snapshot.latest_period())
    if note:
        problems.append(note)
    cluster = _pick_int(
        query, "cluster", {c.id for c in data.clusters}, problems, f"im Plan {data.key}"
    )
    oe = first(query.get("oe"))
    if oe is not None and oe not in {o.code for o in snapshot.owners()}:
        problems.append(_unknown("oe", oe, f"im Plan {data.key}"))
        oe = None
    leitsatz = _pick_int(
        query, "leitsatz", {s.number for s in snapshot.leitsaetze}, problems, f"im Plan {data.key}"
    )
    light_text = first(query.get("light"))
    light: Light | None = None
    if light_text is not None:
        light = LIGHT_ALIASES.get(fold_name(light_text))
        if light is None:
            problems.append(
                f"Filter „Ampel“: „{light_text}“ ist keine Ampel (green, yellow, red, grey) – "
                "Filter nicht angewendet."
            )
    return Filters(data.key, period, cluster, oe, leitsatz, light, tuple(problems))


def _pick_int(
    query: Query, name: str, allowed: set[int], problems: list[str], where: str
) -> int | None:
    text = first(query.get(name))
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        problems.append(_unknown(name, text, where))
        return None
    if value not in allowed:
        problems.append(_unknown(name, text, where))
        return None
    return value


def _unknown(name: str, value: str, where: str) -> str:
    return f"Filter „{FILTER_LABELS[name]}“: „{value}“ gibt es {where} nicht – Filter nicht angewendet."


def search_from_controls(
    controls: Mapping[str, Any],
    current: Mapping[str, Any] | None = None,
    changed: str | None = None,
) -> str:
    """The query string after the filter bar changed: its values over the current ones.

    Parameters the bar does not show (a slide number, say) are dropped, because a new filter
    makes them meaningless; so are the period, cluster and Leitsatz when the plan changed,
    because they belong to the plan left behind.
    """
    params: dict[str, str] = {}
    for key in FILTER_KEYS:
        value = first((current or {}).get(key))
        if value is not None:
            params[key] = value
    chosen = {k: v for k, v in controls.items() if k in FILTER_KEYS}
    if changed == "plan":
        for key in ("period", "cluster", "leitsatz"):
            params.pop(key, None)
            chosen.pop(key, None)
    for name, value in chosen.items():
        text = first(value)
        if text is None:
            params.pop(name, None)
        else:
            params[name] = text
    ordered = {k: params[k] for k in FILTER_KEYS if k in params}
    return "?" + urlencode(ordered) if ordered else ""
