"""Handlungsfeld (/cluster/<id>): its measures with light, owner, main indicator and trend."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash
from dash import dcc, html

from app import engine_of_app, ids
from app.components.charts import bullet
from app.components.common import attrs, breadcrumb, count_tiles, demo_band, notes, page_header
from app.components.filterbar import filter_bar
from app.components.lights import change_mark, legend, light_badge, light_cell, manual_mark
from app.context import guarded, page_context
from app.filters import Filters
from app.viewmodel import ClusterMeasure, ClusterModel, cluster_view
from db.plan_data import NotFound
from db.queries import cluster_plan
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.domain.periods import Period

dash.register_page(
    __name__,
    path_template="/cluster/<cluster_id>",
    name="Handlungsfeld",
    title="Handlungsfeld – Zielcockpit",
    order=1,
)


def _cluster_id(text: str | None) -> int:
    try:
        return int(str(text))
    except ValueError:
        raise NotFound(
            f"„{text}“ ist keine Nummer eines Handlungsfelds (erwartet z. B. /cluster/3)."
        ) from None


def _row(item: ClusterMeasure, quarters: list[Period], period: Period, f: Filters) -> html.Tr:
    r = item.row
    href = f"/massnahme/{quote(r.code)}" + f.search(
        cluster=None, oe=None, leitsatz=None, light=None
    )
    main = item.main
    indicator: list[Any] = []
    if main is not None:
        indicator = [
            html.Div(main.name, className="main-name"),
            bullet(main, compact=True),
        ]
    if r.override:
        sentence = f"Manuell gesetzt: {r.override.justification}"
    else:
        sentence = (f"{r.sentence_indicator}: " if r.sentence_indicator else "") + r.sentence
    return html.Tr(
        [
            html.Td(
                [light_badge(r.light), manual_mark() if r.override else None],
                className="light-col",
            ),
            html.Th(
                [
                    dcc.Link(
                        [html.Span(r.code, className="code"), " ", r.title],
                        href=href,
                        className="measure-link",
                    ),
                    html.Div(f"{r.owner} – {r.owner_name}", className="owner"),
                    html.Div(sentence, className="sentence"),
                ],
                scope="row",
                className="measure-col",
            ),
            html.Td(indicator, className="indicator-col"),
            html.Td(
                [
                    html.Div(
                        [
                            html.Span(
                                [
                                    html.Span(q.short_label.split()[0], className="trend-q"),
                                    light_cell(light, future=light is None),
                                ],
                                className="trend-item",
                            )
                            for q, light in zip(quarters, r.quarter_lights, strict=True)
                        ],
                        className="trend",
                    ),
                    change_mark(r.change),
                ],
                className="trend-col",
            ),
        ]
    )


def _neighbours(model: ClusterModel, clusters: list[tuple[int, str]], f: Filters) -> html.Nav:
    position = model.position - 1
    links = []
    if position > 0:
        cid, title = clusters[position - 1]
        links.append(
            dcc.Link(f"‹ {title}", href=f.link(f"/cluster/{cid}", cluster=None), className="prev")
        )
    if position + 1 < len(clusters):
        cid, title = clusters[position + 1]
        links.append(
            dcc.Link(f"{title} ›", href=f.link(f"/cluster/{cid}", cluster=None), className="next")
        )
    return html.Nav(
        links, className="neighbours", **attrs({"aria-label": "Weitere Handlungsfelder"})
    )


@guarded
def layout(cluster_id: str | None = None, **query: Any) -> html.Div:
    number = _cluster_id(cluster_id)
    plan_key = cluster_plan(engine_of_app(), number)
    context = page_context({**query, "cluster": None}, plan_key=plan_key)
    f = context.filters
    cluster = next(c for c in context.snapshot.data.clusters if c.id == number)
    model = cluster_view(context.snapshot, cluster, f)
    here = f"/cluster/{number}"
    previous = f.period.previous_quarter()
    table: Any
    if model.measures:
        table = html.Table(
            [
                html.Caption(
                    f"Maßnahmen im Handlungsfeld {cluster.title}", className="visually-hidden"
                ),
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Ampel", scope="col"),
                            html.Th("Maßnahme", scope="col"),
                            html.Th("Hauptindikator: Ist, Soll und Ziel", scope="col"),
                            html.Th("Verlauf", scope="col"),
                        ]
                    )
                ),
                html.Tbody([_row(item, model.quarters, f.period, f) for item in model.measures]),
            ],
            className="table zc-table cluster-measures",
        )
    else:
        table = html.P("Keine Maßnahme passt zu dieser Auswahl.", className="muted")
    clusters = [(c.id, c.title) for c in context.snapshot.data.clusters]
    return html.Div(
        [
            demo_band(model.demo),
            filter_bar(
                f,
                context.snapshot,
                context.plans,
                shown=("period", "oe", "leitsatz", "light"),
                reset_href=f.link(here, cluster=None, oe=None, leitsatz=None, light=None),
            ),
            notes(f.problems),
            breadcrumb([("Übersicht", f.link("/", cluster=None)), (cluster.title, None)]),
            page_header(
                cluster.title,
                kicker=f"Handlungsfeld {model.position} von {model.cluster_count} · {context.snapshot.data.title}",
                extra=html.P(
                    f"{fmt_number(model.counts['green'])} von {fmt_number(sum(model.counts.values()))} "
                    f"Maßnahmen sind im {f.period.label} im Plan."
                    + (f" Budget: {model.budget}." if model.budget else ""),
                    className="page-answer",
                ),
            ),
            count_tiles(
                model.counts,
                model.previous_counts,
                previous.short_label if previous else None,
                link_for=lambda light: f.link(
                    here, cluster=None, light=None if f.light == light else light
                ),
                active=f.light,
            ),
            html.Section(
                [
                    html.H2("Maßnahmen"),
                    legend(
                        "Balken: Ist; Strich: Soll zum Quartalsende; heller Bereich: Jahresziel."
                    ),
                    html.P(
                        [
                            f"Gezeigt werden die ersten {fmt_number(len(model.measures))} von "
                            f"{fmt_number(model.matching)} Maßnahmen – ",
                            dcc.Link(
                                "alle im Quartalsvergleich ansehen",
                                href=f.link("/quartale", cluster=number),
                            ),
                            ".",
                        ],
                        className="cap-note",
                    )
                    if model.matching > len(model.measures)
                    else None,
                    html.Div(table, className="table-scroll"),
                ],
                id=ids.HANDLUNGSFELD_TABLE,
                className="panel",
            ),
            _neighbours(model, clusters, f),
        ],
        id=ids.HANDLUNGSFELD,
        className="page page-cluster",
    )
