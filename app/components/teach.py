"""„Aufbau anlernen“ on /import: the sheet as read (a grid with the recognised and chosen parts
marked) and the form that turns the controller's choices into a profile. Pure builders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from app.components.import_preview import preview_body
from etl.tables import column_letter
from zielcockpit.services.teach import Choices, SheetView, TeachOutcome

MAP_LINES = 6
PERIOD_OPTIONS = [
    {"label": "aus dem Spaltenkopf (Monat oder Quartal über der Wertespalte)", "value": "column"},
    {"label": "aus einer Zelle über der Tabelle (z. B. „Berichtszeitraum: …“)", "value": "cell"},
    {"label": "aus dem Dateinamen", "value": "file_name"},
    {"label": "aus einer Spalte (je Zeile ein Zeitraum)", "value": "row"},
    {"label": "fest (immer derselbe Zeitraum)", "value": "fixed"},
]
PLACE_OPTIONS = [
    {"label": "kein Ort (Werte für die ganze Stadt)", "value": "none"},
    {"label": "ein fester Ort für alle Werte", "value": "fixed"},
    {"label": "aus einer Spalte (je Zeile ein Ort)", "value": "column"},
]


# Native controls only (select, radio, input with a datalist), like the filters of every page:
# dcc.Dropdown is a custom combobox that screen readers and axe-core do not take as a form field.
NONE = "-"  # the empty choice of a select (dbc.Select keeps "" for its own placeholder)


def select_options(options: list[dict[str, Any]], empty: str = "–") -> list[dict[str, str]]:
    return [{"label": empty, "value": NONE}] + [
        {"label": str(o["label"]), "value": str(o["value"])} for o in options
    ]


def select(id: Any, options: list[dict[str, Any]], value: Any = None, empty: str = "–") -> Any:
    """A native select; values travel as text (a row or column number, or "")."""
    return dbc.Select(
        id=id,
        options=select_options(options, empty),
        value=NONE if value is None else str(value),
    )


ALL_ROWS = "alle Zeilen (je Zeile ein Ort oder Zeitraum)"
ANY_COLUMN = "Wertespalte …"


def _short(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def column_options(view: dict[str, Any]) -> list[dict[str, Any]]:
    cells: list[list[str]] = view["cells"]
    header: list[int] = view.get("header_rows") or []
    width = max((len(r) for r in cells), default=0)
    out = []
    for c in range(width):
        heading = " / ".join(
            dict.fromkeys(cells[r][c] for r in header if r < len(cells) and cells[r][c])
        )
        out.append({"label": f"{column_letter(c)} – {_short(heading) or '(leer)'}", "value": c})
    return out


def row_options(view: dict[str, Any], label_column: int | None) -> list[dict[str, Any]]:
    """Every row below the header with a label in the label column."""
    cells: list[list[str]] = view["cells"]
    header: list[int] = view.get("header_rows") or []
    out: list[dict[str, Any]] = []
    if label_column is None:
        return out
    start = max(header) + 1 if header else 0
    for r in range(start, len(cells)):
        text = cells[r][label_column] if label_column < len(cells[r]) else ""
        if text:
            out.append({"label": f"Zeile {r + 1}: {_short(text)}", "value": r})
    return out


def teach_grid(
    view: dict[str, Any],
    header_rows: Sequence[int],
    label_column: int | None,
    value_columns: Sequence[int],
    period_cell: tuple[int, int] | None,
) -> html.Div:
    """The first rows and columns as read: merged cells span, the header rows, the label
    column, the mapped value columns and the period's cell marked (colour and a legend)."""
    cells: list[list[str]] = view["cells"]
    width = max((len(r) for r in cells), default=0)
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in view.get("merged") or []:
        spans[(r0, c0)] = (r1 - r0 + 1, c1 - c0 + 1)
        covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
    head = html.Tr(
        [html.Th("", scope="col")] + [html.Th(column_letter(c), scope="col") for c in range(width)]
    )
    body = []
    for r, row in enumerate(cells):
        tds: list[Any] = [html.Th(str(r + 1), scope="row", className="teach-rownum")]
        for c in range(width):
            if (r, c) in covered:
                continue
            classes = []
            if r in header_rows:
                classes.append("teach-header")
            below = bool(header_rows) and r > max(header_rows)
            if c == label_column and below:
                classes.append("teach-label")
            if c in value_columns and below:
                classes.append("teach-value")
            if period_cell == (r, c):
                classes.append("teach-period")
            rows_span, cols_span = spans.get((r, c), (1, 1))
            if (r, c) in spans:
                classes.append("teach-merged")
            tds.append(
                html.Td(
                    row[c] if c < len(row) else "",
                    rowSpan=rows_span if rows_span > 1 else None,
                    colSpan=cols_span if cols_span > 1 else None,
                    className=" ".join(classes) or None,
                    title=f"{column_letter(c)}{r + 1}",
                )
            )
        body.append(html.Tr(tds))
    legend = html.P(
        [
            html.Span("Kopfzeile", className="teach-key teach-header"),
            html.Span("Beschriftung", className="teach-key teach-label"),
            html.Span("Wertespalte", className="teach-key teach-value"),
            html.Span("Zeitraum", className="teach-key teach-period"),
            html.Span("verbundene Zellen", className="teach-key teach-merged"),
        ],
        className="teach-legend",
    )
    more = ""
    if view.get("total_rows", 0) > len(cells) or view.get("total_cols", 0) > width:
        more = (
            f"Gezeigt: die ersten {len(cells)} von {view.get('total_rows')} Zeilen und "
            f"{width} von {view.get('total_cols')} Spalten."
        )
    return html.Div(
        [
            legend,
            html.Div(
                html.Table(
                    [html.Thead(head), html.Tbody(body)],
                    className="teach-table",
                    id=ids.TEACH_TABLE,
                ),
                className="table-scroll teach-scroll",
            ),
            html.P(more, className="muted") if more else None,
        ]
    )


def _labelled(label: str, control: Any, hint: str | None = None) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=control.id, className="form-label"),
            control,
            html.Small(hint, className="muted d-block") if hint else None,
        ],
        className="teach-field",
    )


def _choice(legend: str, control: Any) -> html.Fieldset:
    return html.Fieldset(
        [html.Legend(legend, className="form-label"), control], className="teach-field"
    )


def _inside(label: str, control: Any, class_name: str) -> html.Label:
    """A control of a mapping line, named by a label around it (its id is a pattern)."""
    return html.Label(
        [html.Span(label, className="visually-hidden"), control], className=class_name
    )


def _map_line(i: int, view: dict[str, Any]) -> html.Div:
    first_value = (view.get("value_columns") or [None])[0] if i == 0 else None
    return html.Div(
        [
            _inside(
                f"Zuordnung {i + 1}: Wertespalte",
                select(
                    {"type": ids.TEACH_MAP_COLUMN, "index": i},
                    column_options(view),
                    first_value,
                    ANY_COLUMN,
                ),
                "teach-map-column",
            ),
            _inside(
                f"Zuordnung {i + 1}: Zeile",
                select(
                    {"type": ids.TEACH_MAP_ROW, "index": i},
                    row_options(view, view.get("label_column")),
                    None,
                    ALL_ROWS,
                ),
                "teach-map-row",
            ),
            _inside(
                f"Zuordnung {i + 1}: Indikator (Code oder Name eintippen)",
                dbc.Input(
                    id={"type": ids.TEACH_MAP_INDICATOR, "index": i},
                    type="text",
                    list=ids.TEACH_INDICATORS,
                    placeholder="Indikator: Code oder Name eintippen …",
                    autoComplete="off",
                ),
                "teach-map-indicator",
            ),
        ],
        className="teach-map-line",
    )


def teach_panel(view: SheetView, choices: Choices, name: str) -> html.Div:
    """The whole „Aufbau anlernen“ panel for one sheet of the uploaded file."""
    data = view_data(view)
    columns = column_options(data)
    recognised = (
        f"Kopfzeilen erkannt vom Profil „{view.recognised_by}“ (nur teilweise passend)."
        if view.recognised_by
        else "Kein Profil passt; die Kopfzeilen unten sind geschätzt – bitte prüfen."
    )
    header_options = [
        {"label": f"Zeile {r + 1}: {_short(' · '.join(x for x in row if x), 60)}", "value": r}
        for r, row in enumerate(view.cells)
    ]
    top = min(view.header_rows) if view.header_rows else None
    bottom = max(view.header_rows) if view.header_rows else None
    return html.Div(
        [
            html.H2("Aufbau anlernen", className="teach-title"),
            html.P(
                "Zeigen Sie, wo in der Datei was steht. Gespeichert wird ein Importprofil wie die "
                "mitgelieferten: die nächste Datei in diesem Aufbau wird automatisch erkannt.",
                className="page-answer",
            ),
            dcc.Store(id=ids.TEACH_VIEW, data=data),
            html.Datalist(
                [html.Option(label, value=label) for _code, label in choices.indicators],
                id=ids.TEACH_INDICATORS,
            ),
            _labelled(
                "Blatt",
                dbc.Select(
                    id=ids.TEACH_SHEET,
                    options=[{"label": n, "value": n} for n in view.sheet_names],
                    value=view.sheet,
                ),
            ),
            html.P(recognised, className="teach-recognised"),
            html.Div(id=ids.TEACH_GRID),
            html.Div(
                [
                    _labelled(
                        "Kopfzeile (oberste Zeile des Tabellenkopfs)",
                        select(ids.TEACH_HEADER, header_options, top),
                    ),
                    _labelled(
                        "bis Zeile",
                        select(ids.TEACH_HEADER_BOTTOM, header_options, bottom),
                        "Bis zu drei übereinanderliegende Zeilen (z. B. „Arbeitslose“ über "
                        "„darunter Alleinerziehende“ über dem Monat).",
                    ),
                    _labelled(
                        "Beschriftungs- oder Code-Spalte",
                        select(ids.TEACH_LABEL, columns, view.label_column),
                        "Die Spalte, die jede Zeile benennt.",
                    ),
                ],
                className="teach-row",
            ),
            html.H3("Zuordnung: Wertespalte und Zeile → Indikator"),
            html.P(
                "Je Zeile eine Zuordnung: „alle Zeilen“ liest die Spalte für jeden Ort oder "
                "Zeitraum der Tabelle; eine Zeile liest eine Zelle.",
                className="muted",
            ),
            html.Div([_map_line(i, data) for i in range(MAP_LINES)], className="teach-map"),
            html.Div(
                [
                    html.Div(
                        [
                            _choice(
                                "Woher kommt der Zeitraum?",
                                dbc.RadioItems(
                                    id=ids.TEACH_PERIOD_FROM,
                                    options=PERIOD_OPTIONS,
                                    value=view.period_from,
                                ),
                            ),
                            _labelled(
                                "Zelle mit dem Zeitraum",
                                dbc.Input(
                                    id=ids.TEACH_PERIOD_CELL,
                                    value=_address(view.period_cell),
                                    placeholder="z. B. A2",
                                    type="text",
                                ),
                            ),
                            _labelled(
                                "Spalte mit dem Zeitraum",
                                select(ids.TEACH_PERIOD_COLUMN, columns),
                            ),
                            _labelled(
                                "Fester Zeitraum",
                                dbc.Input(
                                    id=ids.TEACH_PERIOD_VALUE,
                                    placeholder="z. B. 2017-Q2 oder 2017-06",
                                    type="text",
                                ),
                            ),
                        ],
                        className="teach-col",
                    ),
                    html.Div(
                        [
                            _choice(
                                "Welcher Ort?",
                                dbc.RadioItems(
                                    id=ids.TEACH_PLACE_FROM, options=PLACE_OPTIONS, value="none"
                                ),
                            ),
                            _labelled(
                                "Fester Ort",
                                select(
                                    ids.TEACH_PLACE_VALUE,
                                    [{"label": p, "value": p} for p in choices.places],
                                ),
                            ),
                            _labelled(
                                "Spalte mit dem Ort",
                                select(ids.TEACH_PLACE_COLUMN, columns),
                            ),
                        ],
                        className="teach-col",
                    ),
                ],
                className="teach-row",
            ),
            html.Div(
                [
                    _labelled(
                        "Name des Profils",
                        dbc.Input(
                            id=ids.TEACH_NAME,
                            value=name,
                            type="text",
                            maxLength=60,
                        ),
                        "Eindeutig; erscheint im Bericht jedes Imports.",
                    ),
                    _labelled(
                        "Beschreibung",
                        dbc.Input(
                            id=ids.TEACH_TITLE,
                            type="text",
                            maxLength=200,
                            placeholder="z. B. Schuldnerberatung – Quartalsbericht",
                        ),
                    ),
                ],
                className="teach-row",
            ),
            html.Div(
                [
                    html.Button(
                        "Vorschau der Werte",
                        id=ids.TEACH_PREVIEW,
                        className="btn btn-outline-primary",
                        type="button",
                    ),
                    html.Button(
                        "Als Profil speichern",
                        id=ids.TEACH_SAVE,
                        className="btn btn-primary",
                        type="button",
                    ),
                ],
                className="import-actions teach-actions",
            ),
            dcc.Loading(
                html.Div(id=ids.TEACH_RESULT),
                custom_spinner=html.Div("Aufbau wird geprüft …", className="loading-text"),
            ),
        ],
        className="panel teach-panel",
    )


def _address(cell: tuple[int, int] | None) -> str:
    return "" if cell is None else f"{column_letter(cell[1])}{cell[0] + 1}"


def view_data(view: SheetView) -> dict[str, Any]:
    return {
        "sheet": view.sheet,
        "cells": view.cells,
        "merged": [list(m) for m in view.merged],
        "header_rows": view.header_rows,
        "label_column": view.label_column,
        "value_columns": view.value_columns,
        "total_rows": view.total_rows,
        "total_cols": view.total_cols,
    }


def teach_result(outcome: TeachOutcome) -> html.Div:
    """Refusals in German, else the values that would be written (the importer's preview)."""
    errors = outcome.taught.errors + outcome.errors
    parts: list[Any] = []
    if outcome.saved:
        parts.append(
            dbc.Alert(
                [
                    html.Strong(f"Profil „{outcome.taught.data['name']}“ gespeichert. "),
                    "Die nächste Datei in diesem Aufbau wird automatisch erkannt. Die Vorschau "
                    "oben zeigt diese Datei jetzt mit dem neuen Profil; „Übernehmen“ schreibt sie.",
                ],
                color="success",
                className="teach-saved",
            )
        )
    elif errors:
        parts.append(
            dbc.Alert(
                [
                    html.Strong("Nicht gespeichert:"),
                    html.Ul([html.Li(e) for e in errors], className="mb-0"),
                ],
                color="danger",
                className="teach-errors",
            )
        )
    if outcome.preview is not None and not outcome.saved:
        parts.append(html.Div(preview_body(outcome.preview), className="teach-preview"))
    return html.Div(parts)
