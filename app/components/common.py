"""Page furniture: headers, the Demodaten band, notes, refusals, breadcrumbs, counts, small bars."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app.components.lights import SHAPES, light_badge, light_title
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS


def attrs(values: dict[str, str]) -> dict[str, Any]:
    """HTML attributes with dashes (aria-label, data-demo) as keyword arguments of Dash."""
    return dict(values)


DEMO_TEXT = (
    "die Werte auf dieser Seite sind erfundene Beispielwerte zur Vorführung, keine echten Zahlen."
)


def demo_band(demo: bool) -> html.Div | None:
    if not demo:
        return None
    return html.Div(
        [html.Strong("Demodaten"), " – " + DEMO_TEXT],
        className="demo-band",
        role="note",
        **attrs({"data-demo": "true"}),
    )


def page_header(
    title: str, question: str | None = None, kicker: str | None = None, extra: Any = None
) -> html.Header:
    return html.Header(
        [
            html.P(kicker, className="page-kicker") if kicker else None,
            html.H1(title, className="page-title"),
            html.P(question, className="page-question") if question else None,
            extra,
        ],
        className="page-header",
    )


def notes(problems: Sequence[str]) -> dbc.Alert | None:
    """Ignored URL values, each named, so a wrong link never shows something else silently."""
    if not problems:
        return None
    return dbc.Alert(
        [html.Strong("Hinweis: "), html.Ul([html.Li(p) for p in problems], className="mb-0")],
        color="warning",
        className="notes",
    )


def message_page(title: str, text: str, link: tuple[str, str] = ("Zur Übersicht", "/")) -> html.Div:
    """A German message instead of a page (unknown plan, measure, cluster; errors)."""
    return html.Div(
        [
            html.H1(title, className="page-title"),
            html.P(text, className="lead"),
            dcc.Link(link[0], href=link[1], className="btn btn-primary"),
        ],
        className="message-page",
    )


def no_permission(title: str, text: str, page_id: str) -> html.Div:
    """The page of a role that may not see it: a German sentence, nothing else."""
    return html.Div(
        [
            html.H1(title, className="page-title"),
            dbc.Alert([html.Strong("Keine Berechtigung. "), text], color="warning"),
            dcc.Link("Zur Übersicht", href="/", className="btn btn-primary"),
        ],
        id=page_id,
        className="page message-page",
    )


def period_text(key: str) -> str:
    """„2017-Q3“ → „3. Quartal 2017“ (the period's label); a key that is no period stays as it is."""
    try:
        return Period.parse(key).label
    except PeriodError:
        return key


def breadcrumb(items: Sequence[tuple[str, str | None]]) -> html.Nav:
    entries = []
    for label, href in items:
        if href:
            entries.append(html.Li(dcc.Link(label, href=href), className="breadcrumb-item"))
        else:
            entries.append(
                html.Li(
                    label, className="breadcrumb-item active", **attrs({"aria-current": "page"})
                )
            )
    return html.Nav(html.Ol(entries, className="breadcrumb"), **attrs({"aria-label": "Brotkrumen"}))


def signed(n: int) -> str:
    if n > 0:
        return f"+{fmt_number(n)}"
    if n < 0:
        return f"−{fmt_number(-n)}"
    return "±0"


def count_tiles(
    counts: dict[str, int],
    previous: dict[str, int] | None,
    previous_label: str | None,
    link_for: Callable[[str], str] | None = None,
    active: str | None = None,
) -> html.Div:
    """The four counts in large type with the change since the previous quarter."""
    tiles: list[Any] = []
    for light in LIGHTS:
        change = (
            html.Span(
                f"{signed(counts[light] - previous[light])} ggü. {previous_label}",
                className="count-change",
            )
            if previous is not None and previous_label
            else html.Span("erstes Quartal", className="count-change")
        )
        body = [
            html.Span(fmt_number(counts[light]), className="count-number"),
            light_badge(light),
            change,
        ]
        cls = f"count-tile count-{light}" + (" count-active" if active == light else "")
        if link_for is not None:
            label = f"{counts[light]} Maßnahmen {LIGHT_MEANINGS[light]} – " + (
                "Filter aufheben" if active == light else "nur diese zeigen"
            )
            tiles.append(dcc.Link(body, href=link_for(light), className=cls, title=label))
        else:
            tiles.append(html.Div(body, className=cls))
    return html.Div(tiles, className="count-tiles")


def stacked_bar(counts: dict[str, int]) -> html.Div:
    """A small bar of the four counts; each segment carries its shape, the text says it all."""
    total = sum(counts.values())
    segments = []
    for light in LIGHTS:
        n = counts.get(light, 0)
        if not n or not total:
            continue
        segments.append(
            html.Span(
                SHAPES[light] if n / total >= 0.08 else "",
                className=f"bar-seg light-{light}",
                style={"width": f"{100 * n / total:.3f}%"},
                title=f"{n} {light_title(light)}",
                **attrs({"aria-hidden": "true"}),
            )
        )
    return html.Div(segments, className="stacked-bar")


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{fmt_number(counts[light])} {LIGHT_MEANINGS[light]}" for light in LIGHTS if counts[light]
    )


def form_field(label: str, control: Any, hint: str | None = None) -> html.Label:
    """A labelled form control with an optional hint below it (/benutzer, /kontakte)."""
    return html.Label(
        [
            html.Span(label, className="form-label d-block"),
            control,
            html.Small(hint, className="text-muted d-block") if hint else None,
        ],
        className="users-field",
    )
