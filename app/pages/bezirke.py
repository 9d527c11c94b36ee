"""Bezirke (/bezirke): the districts on a map coloured by a context indicator or the
Sozialstrukturindex (values as text too), the index ranking with each component's share, and
the allocation calculator (base per head of a target group, the rest by the index) with an
Excel download."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from urllib.parse import quote

import dash
from dash import ALL, Input, Output, State, callback, dcc, html
from flask import current_app

from app import engine_of_app, ids
from app.components.common import attrs, demo_band, page_header, period_text
from app.components.places_map import MapArea, district_map, legend_classes
from app.components.places_panels import (
    LEVEL_WORDS,
    allocation_table,
    index_form,
    ranking,
    select_field,
    text_field,
)
from app.context import guarded
from app.security import current_principal
from app.xlsx import MIME, Sheet, workbook
from db.places import current_index, current_map
from zielcockpit.domain.formatting import fmt_number, fmt_percent, fmt_value
from zielcockpit.services import places as svc
from zielcockpit.services.district_map import MapRefused, may_upload_map, upload_map

dash.register_page(
    __name__,
    path="/bezirke",
    name="Bezirke",
    title="Bezirke – Zielcockpit",
    order=4,
    nav_id=ids.NAV_PLACES,
)

INDEX = "index"


@guarded
def layout(**query: Any) -> html.Div:
    engine = engine_of_app()
    data = svc.load(engine)
    period = data.period(query.get("period") or None)
    if period is None:
        return html.Div(
            [
                page_header("Bezirke", "Wie ist die soziale Lage in den Stadtbezirken?"),
                html.P(
                    "Noch keine Kontextwerte gespeichert. Werte je Ort kommen über den Import "
                    "(Langformat mit Spalte „Ort“) oder „zielcockpit seed-demo“.",
                    className="muted",
                ),
            ],
            id=ids.PLACES,
            className="page page-places",
        )
    demo = bool(data.values["demo"].any())
    indicator_options = [(INDEX, "Sozialstrukturindex")] + [
        (i.code, i.name + (" (Anteil)" if i.base_code else "")) for i in data.indicators
    ]
    heads_options = [(i.code, i.name) for i in data.indicators]
    heads = "K-U18" if any(c == "K-U18" for c, _ in heads_options) else heads_options[0][0]
    levels = [(k, v) for k, v in LEVEL_WORDS.items() if data.of_level(k)]
    definition = current_index(engine)
    level = definition.level if definition else "stadtbezirk"
    level = level if level in dict(levels) else "stadtbezirk"
    return html.Div(
        [
            demo_band(demo),
            page_header(
                "Bezirke",
                "Wie ist die soziale Lage in den Stadtbezirken und Stadtteilen?",
                kicker="Sozialmonitoring · Kontextindikatoren ohne Zielwert und ohne Ampel",
            ),
            html.Div(
                [
                    select_field(
                        ids.PLACES_PERIOD,
                        "Zeitraum",
                        [(p, period_text(p)) for p in reversed(data.periods)],
                        period,
                    ),
                    select_field(
                        ids.PLACES_INDICATOR, "Karte färben nach", indicator_options, INDEX
                    ),
                    select_field(ids.PLACES_LEVEL, "Ebene", levels, level),
                ],
                className="places-controls",
            ),
            html.Div(
                [
                    html.Section(
                        [dcc.Graph(id=ids.PLACES_MAP, config={"displayModeBar": False})],
                        className="panel places-map",
                        **attrs({"aria-label": "Karte"}),
                    ),
                    html.Section(id=ids.PLACES_MAP_TABLE, className="panel places-values"),
                ],
                className="places-grid",
            ),
            html.Section(id=ids.PLACES_RANKING, className="panel"),
            html.Section(
                [
                    html.H2("Verteilung von Mitteln"),
                    html.P(
                        "Wie in Bochum: ein Sockelbetrag nach der Zahl der Köpfe einer Zielgruppe "
                        "im Ort, der Rest nach den Punkten des Sozialstrukturindex. Die Beträge "
                        "gehen auf den Cent auf (größte Reste). Orte ohne berechenbaren Index "
                        "erhalten nur den Sockelbetrag.",
                        className="muted",
                    ),
                    html.Div(
                        [
                            text_field(ids.PLACES_AMOUNT, "Betrag in Euro", "250.000,00"),
                            text_field(ids.PLACES_BASE_SHARE, "Sockelanteil in %", "40"),
                            select_field(
                                ids.PLACES_TARGET_GROUP,
                                "Zielgruppe (Köpfe)",
                                heads_options,
                                heads,
                            ),
                            html.Button(
                                "Verteilen",
                                id=ids.PLACES_ALLOCATE,
                                className="btn btn-primary",
                                type="button",
                            ),
                            html.Button(
                                "Als Excel-Datei herunterladen",
                                id=ids.PLACES_EXPORT,
                                className="btn btn-outline-primary",
                                type="button",
                            ),
                            dcc.Download(id=ids.PLACES_DOWNLOAD),
                        ],
                        className="places-controls",
                    ),
                    html.Div(id=ids.PLACES_ALLOCATION, **attrs({"aria-live": "polite"})),
                ],
                className="panel",
            ),
            _index_form(data, levels),
            _map_upload(),
        ],
        id=ids.PLACES,
        className="page page-places",
    )


def _index_form(data: svc.PlacesData, levels: list[tuple[str, str]]) -> html.Section | html.Div:
    """Controlling and admin set the Sozialstrukturindex: components, direction, weight, level.
    Each save is a new version (the earlier ones stay) and an entry in the audit trail."""
    if not svc.may_define_index(current_principal()):
        return html.Div(id=ids.PLACES_INDEX_MESSAGE, hidden=True)  # the map callback's input
    return index_form(data.indicators, current_index(engine_of_app()), levels)


@callback(
    Output(ids.PLACES_INDEX_MESSAGE, "children"),
    Input(ids.PLACES_INDEX_SAVE, "n_clicks"),
    State(ids.PLACES_INDEX_LEVEL, "value"),
    State({"type": ids.PLACES_INDEX_USE, "code": ALL}, "value"),
    State({"type": ids.PLACES_INDEX_USE, "code": ALL}, "id"),
    State({"type": ids.PLACES_INDEX_DIRECTION, "code": ALL}, "value"),
    State({"type": ids.PLACES_INDEX_WEIGHT, "code": ALL}, "value"),
    prevent_initial_call=True,
)
def save_index_definition(
    clicks: int | None,
    level: str,
    used: list[bool | None],
    keys: list[dict[str, str]],
    directions: list[str],
    weights: list[str],
) -> Any:
    if not clicks:
        return dash.no_update
    parts = []
    for use, key, direction, weight in zip(used, keys, directions, weights, strict=True):
        if use:  # the weight's text is read, and refused with its name, by the service
            parts.append({"code": key["code"], "richtung": direction, "gewicht": str(weight)})
    try:
        saved = svc.define_index(
            engine_of_app(), current_principal(), "Sozialstrukturindex", level, parts
        )
    except svc.PlacesError as exc:
        return html.Div(f"{exc} Nichts gespeichert.", className="alert alert-warning", role="alert")
    return html.Div(
        f"Fassung {saved.version} gespeichert ({len(parts)} Bestandteile).",
        className="alert alert-success",
    )


def _map_upload() -> html.Section | html.Div:
    """The admin's upload of the official district map (GeoJSON); nobody else sees it."""
    if not may_upload_map(current_principal()):
        return html.Div(id=ids.PLACES_MAP_MESSAGE, hidden=True)  # the map callback's input
    return html.Section(
        [
            html.H2("Amtliche Karte der Stadtbezirke"),
            html.P(
                "GeoJSON (FeatureCollection, je Stadtbezirk eine Fläche, Name in einem Feld wie "
                "„name“). Geprüft wird die ganze Datei; nur eine fehlerfreie Karte wird "
                "gespeichert und dann statt der schematischen Karte gezeigt.",
                className="muted",
            ),
            dcc.Upload(
                id=ids.PLACES_MAP_UPLOAD,
                children=html.Div(
                    [html.Strong("GeoJSON-Datei hierher ziehen"), " oder ", html.Span("auswählen")]
                ),
                className="upload-zone",
                multiple=False,
            ),
            html.Div(id=ids.PLACES_MAP_MESSAGE, role="status"),
        ],
        className="panel",
    )


@callback(
    Output(ids.PLACES_MAP_MESSAGE, "children"),
    Input(ids.PLACES_MAP_UPLOAD, "contents"),
    State(ids.PLACES_MAP_UPLOAD, "filename"),
    prevent_initial_call=True,
)
def receive_map(contents: str | None, file_name: str | None) -> Any:
    if not contents:
        return dash.no_update
    settings = current_app.config["ZC_SETTINGS"]
    try:
        raw = base64.b64decode(contents.split(",", 1)[1])
        text = upload_map(
            engine_of_app(),
            current_principal(),
            file_name or "karte.geojson",
            raw,
            settings.max_upload_mb * 1024 * 1024,
        )
    except MapRefused as exc:
        return html.Div(str(exc), className="alert alert-warning", role="alert")
    return html.Div(text, className="alert alert-success")


# -- the map, its values and the ranking ------------------------------------------------------------


def _area_text(line: svc.PlacesData, code: str, value: float | None) -> str:
    ind = line.indicator(code)
    return fmt_percent(value, 1) if ind.base_code and value is not None else fmt_value(value, "")


def overview_parts(period: str, indicator: str, level: str) -> tuple[Any, Any, Any]:
    """Map figure, the values as a table, and the ranking (the callback's work, callable alone)."""
    engine = engine_of_app()
    data = svc.load(engine)
    period = data.period(period) or period
    result = svc.place_index(data, engine, period, level)
    names = [p.name for p in data.of_level(level)]
    areas: list[MapArea] = []
    heading = ""
    if indicator == INDEX or result is None:
        by_place = {r.place: r for r in (result.rows if result else [])}
        for name in names:
            row = by_place.get(name)
            score = row.score if row else None
            areas.append(
                MapArea(name, score, "nicht berechenbar" if score is None else fmt_number(score, 1))
            )
        heading = f"Sozialstrukturindex ({period_text(period)}; 100 = Durchschnitt)"
    else:
        ind = data.indicator(indicator)
        table = svc.shares_of(data, period)
        for name in names:
            value = svc.number_at(table, name, indicator)
            areas.append(MapArea(name, value, _area_text(data, indicator, value)))
        word = "Anteil in %" if ind.base_code else ind.unit
        heading = f"{ind.name} ({word}, {period_text(period)})"
    stored = current_map(engine) if level == "stadtbezirk" else None
    figure = district_map(
        areas,
        heading,
        stored.geojson if stored else None,
        stored.name_field if stored else "name",
    )
    values = [a.value for a in areas if a.value is not None]
    legend = legend_classes(min(values) if values else None, max(values) if values else None,
                            lambda v: fmt_number(v, 1))  # fmt: skip
    value_table = html.Div(
        [
            html.H2(heading),
            html.Table(
                [
                    html.Thead(
                        html.Tr([html.Th("Ort", scope="col"), html.Th("Wert", scope="col")])
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Th(
                                        dcc.Link(a.name, href=f"/bezirke/{quote(a.name)}"),
                                        scope="row",
                                    ),
                                    html.Td(a.text, className="num"),
                                ]
                            )
                            for a in sorted(areas, key=lambda a: (a.value is None, -(a.value or 0)))
                        ]
                    ),
                ],
                className="table zc-table places-value-table",
            ),
            html.P(
                [
                    "Farbstufen (hell = niedrig, dunkel = hoch): ",
                    *[
                        html.Span(
                            [
                                html.Span(
                                    "■", style={"color": colour}, **attrs({"aria-hidden": "true"})
                                ),
                                f" {text}  ",
                            ]  # fmt: skip
                        )
                        for colour, text in legend
                    ],
                    "Karte schematisch (Kacheln), ohne amtliche Grenzen."
                    if stored is None
                    else f"Karte: {stored.file_name or 'amtliche Grenzen'}.",
                ],
                className="muted small",
            ),
        ]
    )
    return figure, value_table, ranking({i.code: i.name for i in data.indicators}, result)


@callback(
    Output(ids.PLACES_MAP, "figure"),
    Output(ids.PLACES_MAP_TABLE, "children"),
    Output(ids.PLACES_RANKING, "children"),
    Input(ids.PLACES_PERIOD, "value"),
    Input(ids.PLACES_INDICATOR, "value"),
    Input(ids.PLACES_LEVEL, "value"),
    Input(ids.PLACES_MAP_MESSAGE, "children"),
    Input(ids.PLACES_INDEX_MESSAGE, "children"),
)
def update_overview(
    period: str, indicator: str, level: str, _uploaded: Any = None, _saved: Any = None
) -> tuple[Any, Any, Any]:
    return overview_parts(period, indicator, level)


# -- the allocation --------------------------------------------------------------------------------


def allocation_rows(
    period: str, level: str, amount: str, base: str, heads: str
) -> tuple[list[svc.AllocationRow], svc.IndexResult]:
    engine = engine_of_app()
    data = svc.load(engine)
    result = svc.place_index(data, engine, period, level)
    if result is None:
        raise svc.PlacesError("Es ist kein Sozialstrukturindex definiert.")
    return svc.allocation(data, result, amount, base, heads), result


@callback(
    Output(ids.PLACES_ALLOCATION, "children"),
    Input(ids.PLACES_ALLOCATE, "n_clicks"),
    State(ids.PLACES_PERIOD, "value"),
    State(ids.PLACES_LEVEL, "value"),
    State(ids.PLACES_AMOUNT, "value"),
    State(ids.PLACES_BASE_SHARE, "value"),
    State(ids.PLACES_TARGET_GROUP, "value"),
    prevent_initial_call=True,
)
def show_allocation(
    _clicks: int | None, period: str, level: str, amount: str, base: str, heads: str
) -> Any:
    try:
        rows, _result = allocation_rows(period, level, amount, base, heads)
    except svc.PlacesError as exc:
        return html.Div(str(exc), className="alert alert-warning", role="alert")
    return allocation_table(rows)


def allocation_workbook(period: str, level: str, amount: str, base: str, heads: str) -> bytes:
    rows, result = allocation_rows(period, level, amount, base, heads)
    sheet_rows: list[list[Any]] = [
        ["Ort", "Köpfe", "Sockelbetrag (EUR)", "Indexanteil (EUR)", "Summe (EUR)", "Hinweis"]
    ]
    for r in rows:
        sheet_rows.append(
            [
                r.place,
                r.heads,
                r.base_cents / 100,
                r.index_cents / 100,
                r.total_cents / 100,
                r.note or "",
            ]  # fmt: skip
        )
    sheet_rows.append(["Summe", None, sum(r.base_cents for r in rows) / 100,
                       sum(r.index_cents for r in rows) / 100,
                       sum(r.total_cents for r in rows) / 100, ""])  # fmt: skip
    about = [
        ["Zeitraum", period_text(result.period)],
        ["Index", f"{result.name}, Fassung {result.version}"],
        ["Betrag", amount],
        ["Sockelanteil in %", base],
        ["Zielgruppe", heads],
    ]
    return workbook(
        [
            Sheet("Verteilung", sheet_rows, widths=(26, 10, 18, 18, 18, 60)),
            Sheet("Angaben", about, widths=(20, 50), bold_rows=frozenset()),
        ]
    )


@callback(
    Output(ids.PLACES_DOWNLOAD, "data"),
    Output(ids.PLACES_ALLOCATION, "children", allow_duplicate=True),
    Input(ids.PLACES_EXPORT, "n_clicks"),
    State(ids.PLACES_PERIOD, "value"),
    State(ids.PLACES_LEVEL, "value"),
    State(ids.PLACES_AMOUNT, "value"),
    State(ids.PLACES_BASE_SHARE, "value"),
    State(ids.PLACES_TARGET_GROUP, "value"),
    prevent_initial_call=True,
)
def download_allocation(
    _clicks: int | None, period: str, level: str, amount: str, base: str, heads: str
) -> tuple[Any, Any]:
    try:
        content = allocation_workbook(period, level, amount, base, heads)
    except svc.PlacesError as exc:
        return dash.no_update, html.Div(str(exc), className="alert alert-warning", role="alert")
    stamp = dt.datetime.now().strftime("%Y%m%d")
    return dcc.send_bytes(content, f"Zielcockpit_Verteilung_{period}_{stamp}.xlsx", type=MIME), (
        dash.no_update
    )
