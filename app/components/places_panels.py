"""Builders of the districts page (/bezirke): a labelled select, the index ranking, the form
that sets the Sozialstrukturindex, the allocation table. Data in, components out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from app.components.common import attrs, period_text
from zielcockpit.domain.formatting import fmt_number, fmt_value

if TYPE_CHECKING:
    from zielcockpit.services.places import AllocationRow, IndexResult

LEVEL_WORDS = {"stadtbezirk": "Stadtbezirke", "stadtteil": "Stadtteile", "quartier": "Quartiere"}


def select_field(id_: str, label: str, options: list[tuple[str, str]], value: str) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=id_, className="form-label"),
            dbc.Select(
                id=id_,
                options=[{"label": text, "value": key} for key, text in options],
                value=value,
            ),
        ],
        className="places-control",
    )


def text_field(id_: str, label: str, value: str) -> html.Div:
    """A labelled text input beside the selects (an amount, a share typed the German way)."""
    return html.Div(
        [
            html.Label(label, htmlFor=id_, className="form-label"),
            dcc.Input(id=id_, value=value, type="text", className="form-control"),
        ],
        className="places-control",
    )


def ranking(names: dict[str, str], result: IndexResult | None) -> html.Div:
    if result is None:
        return html.Div([html.H2("Sozialstrukturindex"), html.P("Kein Index definiert.")])
    codes = [c["code"] for c in result.components]
    header = [
        html.Th("Rang", scope="col"),
        html.Th("Ort", scope="col"),
        html.Th("Punkte", scope="col"),
        *[html.Th(f"{names.get(c, c)}", scope="col") for c in codes],
    ]
    body = []
    for row in result.rows:
        link = dcc.Link(row.place, href=f"/bezirke/{quote(row.place)}")
        if row.score is None:
            body.append(
                html.Tr(
                    [
                        html.Td("–"),
                        html.Th(link, scope="row"),
                        html.Td(f"nicht berechenbar: {row.reason}", colSpan=len(codes) + 1),
                    ],
                    className="not-computable",
                )
            )
            continue
        body.append(
            html.Tr(
                [
                    html.Td(fmt_number(row.rank)),
                    html.Th(link, scope="row"),
                    html.Td(fmt_number(row.score, 1), className="num"),
                    *[
                        html.Td(signed_points(row.contributions.get(c, 0.0)), className="num")
                        for c in codes
                    ],
                ]
            )
        )
    parts = ", ".join(
        f"{names.get(c['code'], c['code'])} (Gewicht {fmt_number(c['weight'])}, "
        f"{'höher = belasteter' if c['direction'] == 'hoeher_belastet' else 'niedriger = belasteter'})"
        for c in result.components
    )
    return html.Div(
        [
            html.H2(f"{result.name}: Rangfolge der {LEVEL_WORDS.get(result.level, result.level)}"),
            html.P(
                f"Fassung {result.version}, {period_text(result.period)}. Jeder Bestandteil wird "
                "über alle Orte derselben Ebene standardisiert (z-Wert); Punkte = 100 + 10 × "
                f"gewichteter Mittelwert. Bestandteile: {parts}. Die Spalten zeigen den Beitrag "
                "jedes Bestandteils in Punkten.",
                className="muted",
            ),
            html.Div(
                html.Table(
                    [html.Thead(html.Tr(header)), html.Tbody(body)],
                    className="table zc-table places-ranking",
                ),
                className="table-scroll",
                tabIndex="0",
                role="region",
                **attrs({"aria-label": "Rangfolge des Sozialstrukturindex"}),
            ),
        ]
    )


def signed_points(value: float) -> str:
    text = fmt_number(abs(value), 1)
    return f"+{text}" if value > 0.05 else (f"−{text}" if value < -0.05 else "0,0")


def eur(cents: int) -> str:
    return fmt_value(cents / 100, "EUR") if cents % 100 else fmt_value(cents // 100, "EUR")


def index_form(
    indicators: Sequence[Any], current: Any, levels: list[tuple[str, str]]
) -> html.Section:
    """The form of the index: per context indicator in or out, direction, weight; the level."""
    parts = {c["code"]: c for c in (current.components if current else [])}
    rows = []
    for ind in indicators:
        part = parts.get(ind.code)
        rows.append(
            html.Tr(
                [
                    html.Td(
                        dbc.Checkbox(  # a native checkbox with its label
                            id=ids.index_part_id(ids.PLACES_INDEX_USE, ind.code),
                            label=ind.name,
                            value=bool(part),
                        )
                    ),
                    html.Td(
                        # a label around the field names it (pattern-matching ids have no htmlFor)
                        html.Label(
                            [
                                html.Span(f"Richtung für {ind.name}", className="visually-hidden"),
                                dbc.Select(
                                    id=ids.index_part_id(ids.PLACES_INDEX_DIRECTION, ind.code),
                                    options=[
                                        {"label": "höher = belasteter", "value": "hoeher_belastet"},
                                        {
                                            "label": "niedriger = belasteter",
                                            "value": "niedriger_belastet",
                                        },
                                    ],
                                    value=part["direction"] if part else "hoeher_belastet",
                                ),
                            ],
                            className="w-100",
                        )
                    ),
                    html.Td(
                        html.Label(
                            [
                                html.Span(f"Gewicht für {ind.name}", className="visually-hidden"),
                                dcc.Input(
                                    id=ids.index_part_id(ids.PLACES_INDEX_WEIGHT, ind.code),
                                    value=fmt_number(part["weight"]) if part else "1",
                                    type="text",
                                    className="form-control",
                                ),
                            ],
                            className="w-100",
                        )
                    ),
                ]
            )
        )
    version = f"Gültig: Fassung {current.version} von {current.created_by}" if current else ""
    return html.Section(
        [
            html.H2("Sozialstrukturindex festlegen"),
            html.P(
                f"Jede Speicherung ist eine neue Fassung; frühere bleiben erhalten und stehen im "
                f"Änderungsprotokoll. {version}.",
                className="muted",
            ),
            select_field(
                ids.PLACES_INDEX_LEVEL,
                "Verglichene Orte",
                levels,
                current.level if current else "stadtbezirk",
            ),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th("Bestandteil", scope="col"),
                                html.Th("Richtung", scope="col"),
                                html.Th("Gewicht", scope="col"),
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                className="table zc-table places-index-form",
            ),
            html.Button(
                "Als neue Fassung speichern",
                id=ids.PLACES_INDEX_SAVE,
                className="btn btn-primary",
                type="button",
            ),
            html.Div(id=ids.PLACES_INDEX_MESSAGE, role="status"),
        ],
        className="panel",
    )


def allocation_table(rows: Sequence[AllocationRow]) -> html.Div:
    """Each place's base part, index part and sum, and the total (exact to the cent)."""
    total = sum(r.total_cents for r in rows)
    return html.Div(
        [
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(t, scope="col")
                                for t in (
                                    "Ort",
                                    "Köpfe",
                                    "Sockelbetrag",
                                    "Indexanteil",
                                    "Summe",
                                    "Hinweis",
                                )  # fmt: skip
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Th(r.place, scope="row"),
                                    html.Td(fmt_number(r.heads), className="num"),
                                    html.Td(eur(r.base_cents), className="num"),
                                    html.Td(eur(r.index_cents), className="num"),
                                    html.Td(eur(r.total_cents), className="num"),
                                    html.Td(r.note or ""),
                                ]
                            )
                            for r in rows
                        ]
                        + [
                            html.Tr(
                                [
                                    html.Th("Summe", scope="row"),
                                    html.Td(""),
                                    html.Td(eur(sum(r.base_cents for r in rows)), className="num"),
                                    html.Td(eur(sum(r.index_cents for r in rows)), className="num"),
                                    html.Td(eur(total), className="num"),
                                    html.Td("geht auf den Cent auf"),
                                ],
                                className="sum-row",
                            )
                        ]
                    ),
                ],
                className="table zc-table places-allocation",
            )
        ]
    )
