"""What /vollstaendigkeit shows: the counts per unit and the list of missing values."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from db.completeness import Completeness
from zielcockpit.domain.formatting import fmt_number, fmt_percent


def completeness_counts(c: Completeness) -> html.Table:
    head = ["Organisationseinheit", "Steuernde Indikatoren", "vollständig", "fehlen", "Anteil"]
    body = []
    for u in c.counts:
        share = 100 * u.complete / u.steering if u.steering else 100.0
        body.append(
            html.Tr(
                [
                    html.Th(f"{u.oe} – {u.oe_name}", scope="row"),
                    html.Td(fmt_number(u.steering), className="num"),
                    html.Td(fmt_number(u.complete), className="num"),
                    html.Td(
                        fmt_number(u.missing),
                        className="num" + (" missing-count" if u.missing else " zero"),
                    ),
                    html.Td(fmt_percent(share, 0), className="num"),
                ]
            )
        )
    return html.Table(
        [
            html.Caption(f"Vollständigkeit je Organisationseinheit, {c.period.label}"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(body),
        ],
        className="table zc-table completeness-counts",
        id=ids.COMPLETENESS_COUNTS,
    )


def completeness_list(c: Completeness, entry_link: Callable[[str], str]) -> html.Div:
    if not c.rows:
        return html.Div(
            dbc.Alert(f"Für {c.period.label} fehlt nichts.", color="success"),
            id=ids.COMPLETENESS_LIST,
        )
    sections = []
    for (oe, name), group in groupby(c.rows, key=lambda r: (r.oe, r.oe_name)):
        items = list(group)
        sections.append(
            html.Section(
                [
                    html.H3(
                        [
                            f"{oe} – {name}: {fmt_number(len(items))} "
                            f"{'fehlt' if len(items) == 1 else 'fehlen'} ",
                            dcc.Link("zur Erfassung", href=entry_link(oe), className="h-link"),
                        ]
                    ),
                    html.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th(h, scope="col")
                                        for h in ("Maßnahme", "Indikator", "Was fehlt")
                                    ]
                                )
                            ),
                            html.Tbody(
                                [
                                    html.Tr(
                                        [
                                            html.Td(
                                                [
                                                    dcc.Link(
                                                        r.measure,
                                                        href=f"/massnahme/{r.measure}",
                                                        className="code",
                                                    ),
                                                    " ",
                                                    r.measure_title,
                                                ]
                                            ),
                                            html.Td(
                                                [
                                                    html.Span(r.indicator, className="code"),
                                                    " ",
                                                    r.indicator_name,
                                                ]
                                            ),
                                            html.Td(r.what, className="missing-what"),
                                        ]
                                    )
                                    for r in items
                                ]
                            ),
                        ],
                        className="table zc-table completeness-table",
                    ),
                ],
                className="panel completeness-unit",
            )
        )
    return html.Div(sections, id=ids.COMPLETENESS_LIST)
