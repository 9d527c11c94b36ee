"""The cell behind a number (/quelle/<id>): the sheet around it, the cell marked, and its import."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from app import ids
from app.components.common import attrs, period_text
from etl.tables import cell_address, column_letter
from zielcockpit.domain.formatting import fmt_datetime, value_text
from zielcockpit.services.source_cell import SourceCell


def source_grid(view: SourceCell) -> html.Div:
    width = max((len(r) for r in view.cells), default=0)
    head = html.Tr(
        [html.Th("", scope="col")]
        + [html.Th(column_letter(view.first_col + c), scope="col") for c in range(width)]
    )
    body = []
    for i, row in enumerate(view.cells):
        r = view.first_row + i
        tds: list[Any] = [html.Th(str(r + 1), scope="row", className="source-rownum")]
        for j, text in enumerate(row):
            c = view.first_col + j
            hit = (r, c) in view.hits
            tds.append(
                html.Td(
                    text,
                    className="source-hit" if hit else None,
                    title=cell_address(r, c),
                    **attrs({"aria-current": "true"} if hit else {}),
                )
            )
        body.append(html.Tr(tds))
    return html.Div(
        html.Table(
            [html.Thead(head), html.Tbody(body)], className="source-table", id=ids.SOURCE_TABLE
        ),
        className="table-scroll",
    )


def source_facts(view: SourceCell) -> html.Dl:
    s = view.source
    assert s is not None
    cells = ", ".join(s.summed_cells) if s.summed_cells else (s.cell or "–")
    rows: list[tuple[str, Any]] = [
        ("Indikator", f"{s.indicator_code} – {s.indicator_name}"),
        ("Zeitraum", period_text(s.period)),
        ("Ort", s.place or "gesamt"),
        ("Wert", value_text(s.value, s.symbol, s.status, s.unit)),
    ]
    if s.import_kind != "datei":
        return _facts(rows)  # no file: the message below says who entered the value
    rows += [
        ("Datei", s.file_name or "–"),
        ("Blatt", view.sheet or s.sheet or "–"),
        ("Zelle", cells),
        ("Prüfsumme (SHA-256)", html.Code(s.checksum or "–")),
        ("importiert am", fmt_datetime(s.imported_at) if s.imported_at else "–"),
        ("importiert von", s.imported_by or "–"),
    ]
    return _facts(rows)


def _facts(rows: list[tuple[str, Any]]) -> html.Dl:
    items: list[Any] = []
    for term, detail in rows:
        items += [html.Dt(term), html.Dd(detail)]
    return html.Dl(items, className="source-facts", id=ids.SOURCE_FACTS)


def source_body(view: SourceCell) -> list[Any]:
    if view.refusal is not None:
        return [dbc.Alert([html.Strong("Keine Berechtigung. "), view.refusal], color="warning")]
    if view.source is None:
        return [dbc.Alert(view.message or "", color="warning")]
    parts: list[Any] = [source_facts(view)]
    if view.message:
        parts.append(dbc.Alert(view.message, color="secondary", className="source-message"))
        return parts
    if not view.archive_checked:
        parts.append(
            dbc.Alert(
                "Achtung: die Prüfsumme der archivierten Datei stimmt nicht mit der des Imports "
                "überein.",
                color="danger",
            )
        )
    hit = ", ".join(cell_address(r, c) for r, c in sorted(view.hits))
    parts += [
        html.H2(f"Blatt „{view.sheet}“ um Zelle {hit}" if view.sheet else f"Zelle {hit}"),
        html.P(
            "Aus der archivierten Originaldatei gelesen; die Zelle des Werts ist markiert.",
            className="muted",
        ),
        source_grid(view),
    ]
    return parts
