"""Profile of a place (/bezirke/<ort>): each context indicator as a number and a share beside
its Stadtbezirk and the whole city, the change against the previous period, large deviations
marked in words; the measures located there with their lights; source and date of each figure."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import dash
from dash import dcc, html

from app import engine_of_app, ids
from app.components.common import attrs, breadcrumb, demo_band, page_header, period_text
from app.components.lights import light_badge
from app.context import guarded
from zielcockpit.domain.formatting import fmt_number, fmt_percent
from zielcockpit.services import places as svc

dash.register_page(
    __name__,
    path_template="/bezirke/<ort>",
    name="Ortsprofil",
    title="Ortsprofil – Zielcockpit",
    order=4,
)


def _share(value: float | None) -> str:
    return fmt_percent(value, 1) if value is not None else "–"


def _change(value: float | None) -> str:
    if value is None:
        return "–"
    text = fmt_number(abs(value))
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else "±0")


def _deviation(line: svc.ProfileLine) -> Any:
    """„+27 %“ / „−14 %“ against the city's share; a large one marked with ◆ and in bold."""
    if line.deviation is None:
        return "–"
    sign = "+" if line.deviation > 0 else "−"
    text = f"{sign}{fmt_number(abs(line.deviation) * 100, 0)} %"
    if line.large:
        return html.Strong(
            [
                html.Span("◆ ", **attrs({"aria-hidden": "true"})),
                text,
                html.Span(" deutlich", className="visually-hidden"),
            ],
            className="deviation-large",
        )
    return text


def _value(line: svc.ProfileLine) -> str:
    if line.value is None:
        return line.symbol or "–"
    return fmt_number(line.value)


def _table(p: svc.Profile) -> html.Table:
    place = p.place
    bezirk = place.bezirk if place.bezirk and place.bezirk != place.name else None
    head = [
        html.Th("Kennzahl", scope="col"),
        html.Th(f"{place.name}: Anzahl", scope="col"),
        html.Th(f"{place.name}: Anteil", scope="col"),
        html.Th(f"Stadtbezirk {bezirk}: Anteil", scope="col") if bezirk else None,
        html.Th("Gesamtstadt: Anteil", scope="col"),
        html.Th("Abweichung zur Gesamtstadt", scope="col"),
        html.Th(
            f"Veränderung seit {period_text(p.previous)}" if p.previous else "Veränderung",
            scope="col",
        ),  # fmt: skip
        html.Th("Quelle, Stand", scope="col"),
    ]
    rows = []
    for line in p.lines:
        rows.append(
            html.Tr(
                [
                    html.Th(
                        [
                            line.name,
                            html.Div(f"Anteil an: {line.base_name}", className="muted small")
                            if line.base_name
                            else None,
                        ],  # fmt: skip
                        scope="row",
                    ),
                    html.Td(_value(line), className="num"),
                    html.Td(_share(line.share), className="num"),
                    html.Td(_share(line.bezirk_share), className="num") if bezirk else None,
                    html.Td(
                        _share(line.city_share)
                        if line.base_name
                        else (fmt_number(line.city_value) if line.city_value is not None else "–"),
                        className="num",
                    ),
                    html.Td(_deviation(line)),
                    html.Td(_change(line.change), className="num"),
                    html.Td(f"{line.source}, {line.recorded}", className="small"),
                ],
                className="large-deviation" if line.large else None,
            )
        )
    return html.Table(
        [
            html.Caption(
                f"Kontextindikatoren {place.name}, {period_text(p.period)}",
                className="visually-hidden",
            ),
            html.Thead(html.Tr([h for h in head if h is not None])),
            html.Tbody(rows),
        ],
        className="table zc-table place-profile",
    )


@guarded
def layout(ort: str | None = None, **query: Any) -> html.Div:
    engine = engine_of_app()
    data = svc.load(engine)
    name = unquote(ort or "")
    p = svc.profile(data, name, query.get("period") or None)
    place = p.place
    measures = svc.located_measures(engine, data, place, query.get("plan") or None, p.period)
    children = sorted(c.name for c in data.places.values() if c.parent == place.name)
    large = [x.name for x in p.lines if x.large]
    answer = (
        f"Deutlich anders als die Gesamtstadt: {', '.join(large)}."
        if large
        else "Keine Kennzahl weicht deutlich (25 % oder mehr) von der Gesamtstadt ab."
    )
    if not p.lines:
        answer = f"Für {place.name} gibt es im {period_text(p.period)} keine Kontextwerte."
    periods = html.P(
        [
            "Zeitraum: ",
            *[
                html.Span(
                    [
                        dcc.Link(period_text(k), href=f"/bezirke/{quote(place.name)}?period={k}")
                        if k != p.period
                        else html.Strong(period_text(k)),
                        " ",
                    ]
                )
                for k in p.periods
            ],
        ]
    )
    trail: list[tuple[str, str | None]] = [("Bezirke", "/bezirke")]
    if place.parent and place.kind != "stadtbezirk":
        trail.append((place.parent, f"/bezirke/{quote(place.parent)}"))
    trail.append((place.name, None))
    return html.Div(
        [
            demo_band(p.demo),
            breadcrumb(trail),
            page_header(
                place.name,
                f"Wie steht {place.name} im Vergleich mit "
                + (
                    f"dem Stadtbezirk {place.bezirk} und "
                    if place.bezirk not in (None, place.name)
                    else ""
                )
                + "der Gesamtstadt da?",
                kicker=f"{place.level_label} · Ortsprofil",
                extra=html.P(answer, className="page-answer"),
            ),
            periods,
            html.Section(
                [
                    html.H2(f"Kontextindikatoren im {period_text(p.period)}"),
                    html.P(
                        "Ohne Zielwert und ohne Ampel. ◆ deutlich: der Anteil weicht um 25 % oder "
                        "mehr vom Anteil der Gesamtstadt ab.",
                        className="muted",
                    ),
                    html.Div(
                        _table(p),
                        className="table-scroll",
                        tabIndex="0",
                        role="region",
                        **attrs({"aria-label": f"Tabelle der Kontextindikatoren von {place.name}"}),
                    ),
                ],
                id=ids.PLACE_PROFILE_TABLE,
                className="panel",
            ),
            html.Section(
                [
                    html.H2("Maßnahmen in diesem Ort"),
                    html.Ul(
                        [
                            html.Li(
                                [
                                    light_badge(m.light),  # type: ignore[arg-type]
                                    " ",
                                    dcc.Link(
                                        [html.Span(m.code, className="code"), " ", m.title],
                                        href=f"/massnahme/{quote(m.code)}",
                                    ),
                                    f" ({m.place})" if m.place != place.name else "",
                                ],
                                className="place-measure",
                            )
                            for m in measures
                        ],
                        className="list-unstyled",
                    )
                    if measures
                    else html.P("Keine Maßnahme des Plans ist hier verortet.", className="muted"),
                ],
                id=ids.PLACE_MEASURES,
                className="panel",
            ),
            html.Section(
                [
                    html.H2("Orte in " + place.name),
                    html.Ul([html.Li(dcc.Link(c, href=f"/bezirke/{quote(c)}")) for c in children]),
                ],
                className="panel",
            )
            if children
            else None,
        ],
        id=ids.PLACE_PROFILE,
        className="page page-place",
    )
