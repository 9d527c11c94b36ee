"""Ausschussmodus (/praesentation): one Handlungsfeld per slide, large type, keys move slides."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from app import ids
from app.components.common import attrs, counts_text, demo_band, notes, stacked_bar
from app.components.lights import light_badge, manual_mark
from app.context import guarded, page_context
from app.filters import FILTER_KEYS, Filters, first
from app.viewmodel import MeasureRow, Slide, slide_rows, slides
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.domain.rules import count_lights
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS
from zielcockpit.services.evaluation import PlanSnapshot

dash.register_page(
    __name__,
    path="/praesentation",
    name="Ausschussmodus",
    title="Ausschussmodus – Zielcockpit",
    order=4,
    nav_id=ids.NAV_PRESENTATION,
    nav_carries=FILTER_KEYS,
)

SLIDE_PARAM = "folie"


def slide_number(text: str | None, count: int) -> tuple[int, str | None]:
    """The slide of the URL (1-based), within bounds, and a note when it was not usable."""
    if text is None:
        return 1, None
    try:
        n = int(text)
    except ValueError:
        return 1, f"Folie „{text}“ ist keine Zahl; gezeigt wird Folie 1."
    if not 1 <= n <= count:
        shown = min(max(n, 1), count)
        return shown, f"Folie {n} gibt es nicht (1 bis {count}); gezeigt wird Folie {shown}."
    return n, None


def _count_row(counts: dict[str, int]) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Span(fmt_number(counts[light]), className="slide-count-number"),
                    light_badge(light, "lg"),
                ],
                className=f"slide-count count-{light}",
            )
            for light in LIGHTS
        ],
        className="slide-counts",
    )


def _overview_slide(slide: Slide, snapshot: PlanSnapshot, f: Filters) -> list[Any]:
    report = snapshot.report(f.period)
    clusters = [c for c in snapshot.data.clusters if f.cluster is None or c.id == f.cluster]
    rows = []
    for c in clusters:
        counts = count_lights(m.light for m in report.measures if m.info.cluster_id == c.id)
        if not sum(counts.values()):
            continue
        rows.append(
            html.Tr(
                [
                    html.Th(c.title, scope="row"),
                    html.Td(stacked_bar(counts), className="slide-bar"),
                    html.Td(counts_text(counts), className="slide-counts-text"),
                ]
            )
        )
    return [
        _count_row(slide.counts),
        html.Table(html.Tbody(rows), className="slide-table") if rows else None,
    ]


def _cluster_slide(slide: Slide, rows: list[MeasureRow]) -> list[Any]:
    items = []
    for r in rows:
        sentence = f"Manuell: {r.override.justification}" if r.override else r.sentence
        items.append(
            html.Li(
                [
                    html.Div(
                        [light_badge(r.light, "lg"), manual_mark() if r.override else None],
                        className="slide-light",
                    ),
                    html.Div(
                        [
                            html.P(
                                [html.Span(r.code, className="code"), " ", r.title],
                                className="slide-measure",
                            ),
                            html.P(sentence, className="slide-sentence"),
                        ],
                        className="slide-text",
                    ),
                ],
                className="slide-item",
            )
        )
    counts_line = " · ".join(
        f"{fmt_number(slide.counts[light])} {LIGHT_MEANINGS[light]}" for light in LIGHTS
    )
    return [
        html.P(counts_line, className="slide-counts-line"),
        html.Ol(items, className="slide-list"),
    ]


@guarded
def layout(**query: Any) -> html.Div:
    context = page_context(query)
    f = context.filters
    deck = slides(context.snapshot, f)
    n, note = slide_number(first(query.get(SLIDE_PARAM)), len(deck))
    slide = deck[n - 1]
    problems = list(f.problems) + ([note] if note else [])
    title = slide.title + (f" (Teil {slide.part[0]} von {slide.part[1]})" if slide.part else "")
    body = (
        _overview_slide(slide, context.snapshot, f)
        if slide.cluster_id is None
        else _cluster_slide(slide, slide_rows(context.snapshot, slide, f.period))
    )
    demo = context.snapshot.report(f.period).demo

    def go(to: int) -> str:
        return f.link("/praesentation", **{SLIDE_PARAM: to})

    controls = [
        dcc.Link("‹ Zurück", href=go(n - 1), id=ids.PRESENTATION_PREV, className="slide-button")
        if n > 1
        else html.Span(
            "‹ Zurück", className="slide-button disabled", **attrs({"aria-disabled": "true"})
        ),
        html.Span(
            f"Folie {n} von {len(deck)}",
            className="slide-position",
            **attrs({"aria-live": "polite"}),
        ),
        dcc.Link("Weiter ›", href=go(n + 1), id=ids.PRESENTATION_NEXT, className="slide-button")
        if n < len(deck)
        else html.Span(
            "Weiter ›", className="slide-button disabled", **attrs({"aria-disabled": "true"})
        ),
        html.Span(
            "Tasten: → weiter · ← zurück · F Vollbild · Esc Ende",
            className="slide-keys",
        ),
        html.Button(
            "Vollbild", id=ids.PRESENTATION_FULLSCREEN, className="slide-button", type="button"
        ),
        dcc.Link("Beenden", href=f.link("/"), id=ids.PRESENTATION_EXIT, className="slide-button"),
    ]
    return html.Div(
        [
            demo_band(demo),
            notes(problems),
            html.Section(
                [
                    html.P(slide.kicker, className="slide-kicker"),
                    html.H1(title, className="slide-title"),
                    *body,
                ],
                className="slide" + (" slide-overview" if slide.cluster_id is None else ""),
                **attrs(
                    {
                        "aria-roledescription": "Folie",
                        "aria-label": f"Folie {n} von {len(deck)}: {title}",
                    }
                ),
            ),
            html.Nav(controls, className="slide-controls", **attrs({"aria-label": "Folien"})),
        ],
        id=ids.PRESENTATION,
        className="page presentation",
        **attrs({"data-slide": str(n), "data-slides": str(len(deck))}),
    )
