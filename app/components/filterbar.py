"""The slim filter bar at the top of a page; its values travel in the URL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from app.components.common import attrs
from app.filters import ALL_VALUE, FILTER_LABELS, Filters
from db.queries import PlanChoice
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS
from zielcockpit.services.evaluation import PlanSnapshot

ALL = ALL_VALUE
ALL_FILTERS = ("plan", "period", "cluster", "oe", "leitsatz", "light")


def filter_options(
    snapshot: PlanSnapshot, plans: Sequence[PlanChoice]
) -> dict[str, list[dict[str, str]]]:
    """The choices of each filter, German labels, URL values."""
    with_values = snapshot.periods_with_values()
    periods = [
        {
            "label": q.label + ("" if q.key in with_values else " (noch keine Werte)"),
            "value": q.key,
        }
        for q in snapshot.quarters()
    ]
    return {
        "plan": [{"label": f"{p.title} ({p.year})", "value": p.key} for p in plans],
        "period": periods,
        "cluster": [{"label": "alle Handlungsfelder", "value": ALL}]
        + [{"label": c.title, "value": str(c.id)} for c in snapshot.data.clusters],
        "oe": [{"label": "alle Organisationseinheiten", "value": ALL}]
        + [{"label": f"{o.code} – {o.name}", "value": o.code} for o in snapshot.owners()],
        "leitsatz": [{"label": "alle Leitsätze", "value": ALL}]
        + [
            {"label": f"{s.number}. {s.short}", "value": str(s.number)} for s in snapshot.leitsaetze
        ],
        "light": [{"label": "alle Ampeln", "value": ALL}]
        + [{"label": LIGHT_MEANINGS[light], "value": light} for light in LIGHTS],
    }


def _value(filters: Filters, name: str) -> str:
    value = {
        "plan": filters.plan,
        "period": filters.period.key,
        "cluster": filters.cluster,
        "oe": filters.oe,
        "leitsatz": filters.leitsatz,
        "light": filters.light,
    }[name]
    return ALL if value is None else str(value)


def filter_select(name: str, shown: str, options: Sequence[Mapping[str, str]]) -> html.Label:
    """One labelled native select; the select sits inside its label, so no DOM id is spelled out.

    Its id never holds the value (see ids.FILTER): the element stays when the page is drawn
    again, and so does the keyboard focus. assets/filters.js lets the arrow keys only preview a
    choice on a closed select; Enter or leaving the field applies it.
    """
    return html.Label(
        [
            html.Span(FILTER_LABELS[name], className="filter-label"),
            dbc.Select(
                id=ids.filter_id(name),
                options=list(options),
                value=shown,
                className=f"filter-select filter-{name}",
                size="sm",
            ),
        ],
        className="filter-field",
    )


def filter_row(fields: Sequence[Any], shown: Mapping[str, str], label: str = "Filter") -> html.Div:
    """The bar around the selects, with the values they were rendered with (ids.FILTER_SHOWN)."""
    return html.Div(
        [*fields, dcc.Store(id=ids.filter_shown_id(), data=dict(shown))],
        id=ids.FILTER_BAR,
        className="filter-bar",
        role="search",
        **attrs({"aria-label": label}),
    )


def filter_bar(
    filters: Filters,
    snapshot: PlanSnapshot,
    plans: Sequence[PlanChoice],
    shown: Sequence[str] = ALL_FILTERS,
    reset_href: str | None = None,
) -> html.Div:
    """Labelled native selects (keyboard-friendly, German by themselves), one per filter."""
    options = filter_options(snapshot, plans)
    fields: list[Any] = []
    values: dict[str, str] = {}
    for name in shown:
        choices = options[name]
        if name == "leitsatz" and len(choices) <= 1:
            continue  # a plan without Leitsätze (the Corona-Aktionsplan) has nothing to filter
        if name == "plan" and len(choices) <= 1:
            continue
        values[name] = _value(filters, name)
        fields.append(filter_select(name, values[name], choices))
    if reset_href and filters.narrowed:
        fields.append(
            html.Div(
                dcc.Link("Filter zurücksetzen", href=reset_href, className="filter-reset"),
                className="filter-field filter-field-reset",
            )
        )
    return filter_row(fields, values)
