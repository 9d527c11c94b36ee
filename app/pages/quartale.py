"""Quartalsvergleich (/quartale): every measure × every quarter, sortable, filterable, to Excel."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, quote

import dash
from dash import Input, Output, State, callback, dcc, html

from app import ids
from app.components.common import demo_band, notes, page_header
from app.components.filterbar import filter_bar
from app.components.grid import column_defs, grid_rows, quarter_grid
from app.components.lights import legend
from app.context import guarded, page_context
from app.export import MIME, workbook_bytes
from app.filters import FILTER_KEYS, FILTER_LABELS, Filters
from app.viewmodel import QuarterTable, view_table
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS
from zielcockpit.services.evaluation import PlanSnapshot

dash.register_page(
    __name__,
    path="/quartale",
    name="Quartalsvergleich",
    title="Quartalsvergleich – Zielcockpit",
    order=3,
    nav_id=ids.NAV_QUARTERS,
    nav_carries=FILTER_KEYS,
)


def _measure_link(f: Filters) -> Any:
    return lambda code: (
        f"/massnahme/{quote(code)}" + f.search(cluster=None, oe=None, leitsatz=None, light=None)
    )


@guarded
def layout(**query: Any) -> html.Div:
    context = page_context(query)
    f = context.filters
    table = view_table(context.snapshot, f)
    reset = f.link("/quartale", cluster=None, oe=None, leitsatz=None, light=None)
    return html.Div(
        [
            demo_band(table.demo),
            filter_bar(f, context.snapshot, context.plans, reset_href=reset),
            notes(f.problems),
            page_header(
                "Quartalsvergleich",
                kicker=context.snapshot.data.title,
                question="Wie haben sich die Ampeln aller Maßnahmen über die Quartale entwickelt?",
                extra=html.P(
                    f"{fmt_number(len(table.rows))} von {fmt_number(table.total)} Maßnahmen, "
                    f"Stand {f.period.label}.",
                    className="page-answer",
                ),
            ),
            html.Div(
                [
                    legend(
                        "Sortieren: Spaltenkopf anklicken (Ampeln nach Schwere). Filtern: in das "
                        "Feld unter dem Spaltenkopf schreiben, z. B. „nicht im Plan“."
                    ),
                    html.Button(
                        "Als Excel-Datei herunterladen",
                        id=ids.QUARTERS_EXPORT,
                        className="btn btn-primary export-button",
                        type="button",
                    ),
                    dcc.Download(id=ids.QUARTERS_DOWNLOAD),
                ],
                className="grid-toolbar",
            ),
            quarter_grid(
                ids.QUARTERS_GRID,
                grid_rows(table.rows, table.quarters, _measure_link(f)),
                column_defs(table.quarters, f.period),
            ),
        ],
        id=ids.QUARTERS,
        className="page page-quarters",
    )


def export_about(
    table: QuarterTable, snapshot: PlanSnapshot, visible: int | None
) -> list[tuple[str, str]]:
    """What the workbook holds, in words: plan, quarter, filters, whether it is demo data."""
    f = table.filters
    about = [("Plan", snapshot.data.title), ("Stand", f.period.label)]
    clusters = {c.id: c.title for c in snapshot.data.clusters}
    owners = {o.code: f"{o.code} – {o.name}" for o in snapshot.owners()}
    principles = {s.number: f"{s.number}. {s.short}" for s in snapshot.leitsaetze}
    for name, value in (
        ("cluster", clusters.get(f.cluster) if f.cluster is not None else None),
        ("oe", owners.get(f.oe) if f.oe else None),
        ("leitsatz", principles.get(f.leitsatz) if f.leitsatz is not None else None),
        ("light", LIGHT_MEANINGS[f.light] if f.light else None),
    ):
        if value is not None:
            about.append((f"Filter {FILTER_LABELS[name]}", str(value)))
    if visible is not None and visible != len(table.rows):
        about.append(("Tabellenfilter", f"{visible} von {len(table.rows)} Zeilen wie angezeigt"))
    about.append(("Demodaten", "ja – erfundene Beispielwerte" if table.demo else "nein"))
    return about


def export_file(
    search: str | None, visible_rows: list[dict[str, Any]] | None, now: dt.datetime
) -> dict[str, Any]:
    """The workbook of the current view; rows as the grid shows them (its filters and order)."""
    context = page_context(parse_qs((search or "").lstrip("?")))
    table = view_table(context.snapshot, context.filters)
    rows = table.rows
    if visible_rows is not None:
        by_code = {r.code: r for r in rows}
        rows = [by_code[v["code_plain"]] for v in visible_rows if v.get("code_plain") in by_code]
    content = workbook_bytes(
        rows,
        table.quarters,
        export_about(table, context.snapshot, None if visible_rows is None else len(rows)),
        now,
    )
    name = f"Zielcockpit_{context.snapshot.key}_{context.filters.period.key}_Quartalsvergleich.xlsx"
    return dcc.send_bytes(content, name, type=MIME)


@callback(
    Output(ids.QUARTERS_DOWNLOAD, "data"),
    Input(ids.QUARTERS_EXPORT, "n_clicks"),
    State(ids.URL, "search"),
    State(ids.QUARTERS_GRID, "virtualRowData"),
    prevent_initial_call=True,
)
def download_excel(
    _clicks: int | None, search: str | None, visible: list[dict[str, Any]] | None
) -> dict[str, Any]:
    return export_file(search, visible, dt.datetime.now())
