"""Vollständigkeit (/vollstaendigkeit): „Welche Werte fehlen in diesem Quartal noch?“"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import dash
from dash import Input, Output, State, callback, dcc, html

from app import ids
from app.components.common import demo_band, no_permission, notes, page_header
from app.components.completeness import completeness_counts, completeness_list
from app.components.filterbar import filter_bar
from app.context import guarded, page_context
from app.reminders import reminder_workbook
from app.security import current_principal
from app.xlsx import MIME
from db.completeness import Completeness, completeness
from zielcockpit.auth import Principal
from zielcockpit.domain.formatting import fmt_number


def may_see(principal: Principal | None) -> bool:
    return principal is not None and principal.sees_completeness


dash.register_page(
    __name__,
    path="/vollstaendigkeit",
    name="Vollständigkeit",
    title="Vollständigkeit – Zielcockpit",
    order=7,
    nav_id=ids.NAV_COMPLETENESS,
    nav_carries=("plan", "period"),
    nav_visible=may_see,
)

REFUSAL = "Die Vollständigkeit sehen nur das Controlling und die Administration."


def _demo(observations: Mapping[int, Any]) -> bool:
    return any(o.demo for values in observations.values() for o in values)


def _report(query: Mapping[str, Any]) -> tuple[Any, Completeness]:
    context = page_context(query)
    f = context.filters
    return context, completeness(context.snapshot.data, f.period, f.oe)


@guarded
def layout(**query: Any) -> html.Div:
    if not may_see(current_principal()):
        return no_permission("Vollständigkeit", REFUSAL, ids.COMPLETENESS)
    context, report = _report(query)
    f = context.filters
    missing = sum(u.missing for u in report.counts)
    steering = sum(u.steering for u in report.counts)
    return html.Div(
        [
            demo_band(_demo(context.snapshot.data.observations)),
            filter_bar(f, context.snapshot, context.plans, shown=("plan", "period", "oe")),
            notes(f.problems),
            page_header(
                "Vollständigkeit",
                kicker=f"{context.snapshot.data.title} · {f.period.label}",
                question=f"Welche Werte fehlen im {f.period.label} noch?",
                extra=html.P(
                    f"{fmt_number(missing)} von {fmt_number(steering)} steuernden Indikatoren "
                    "ohne Wert (oder nur mit einem Zeichen der Statistik) bzw. Meilensteine ohne "
                    "Sachstand.",
                    className="page-answer",
                ),
            ),
            html.Div(
                [
                    html.Button(
                        "Erinnerungsliste als Excel-Datei",
                        id=ids.COMPLETENESS_EXPORT,
                        className="btn btn-primary export-button",
                        type="button",
                    ),
                    dcc.Download(id=ids.COMPLETENESS_DOWNLOAD),
                ],
                className="grid-toolbar",
            ),
            html.Div(completeness_counts(report), className="panel table-scroll"),
            completeness_list(report, lambda oe: f.link("/erfassung", oe=oe)),
        ],
        id=ids.COMPLETENESS,
        className="page page-completeness",
    )


@callback(
    Output(ids.COMPLETENESS_DOWNLOAD, "data"),
    Input(ids.COMPLETENESS_EXPORT, "n_clicks"),
    State(ids.URL, "search"),
    prevent_initial_call=True,
)
def download(_clicks: int | None, search: str | None) -> dict[str, Any] | None:
    if not may_see(current_principal()):
        return None  # nothing leaves the server for a role that may not see the list
    context, report = _report(parse_qs((search or "").lstrip("?")))
    content = reminder_workbook(report, context.snapshot.data.title, dt.datetime.now())
    oe = f"_{context.filters.oe}" if context.filters.oe else ""
    name = f"Zielcockpit_{context.snapshot.key}_{report.period.key}{oe}_Erinnerungsliste.xlsx"
    return dict(dcc.send_bytes(content, name, type=MIME))
