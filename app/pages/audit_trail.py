"""Protokoll (/protokoll): „Wer hat wann was geändert?“ – the audit trail for admin and controlling."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from app import engine_of_app, ids
from app.components.audit_trail import trail_grid, trail_rows
from app.components.common import no_permission, page_header
from app.context import guarded
from app.security import current_principal
from db.audit_trail import TRAIL_LIMIT, audit_trail, kind_label, trail_choices
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_number


def may_see(principal: Principal | None) -> bool:
    return principal is not None and principal.sees_completeness


dash.register_page(
    __name__,
    path="/protokoll",
    name="Protokoll",
    title="Änderungsprotokoll – Zielcockpit",
    order=8,
    nav_id=ids.NAV_AUDIT,
    nav_visible=may_see,
)

ALL = "alle"
REFUSAL = "Das Änderungsprotokoll sehen nur das Controlling und die Administration."


def _select(component_id: str, label: str, options: list[dict[str, str]]) -> html.Label:
    return html.Label(
        [
            html.Span(label, className="filter-label"),
            dbc.Select(
                id=component_id,
                options=options,
                value=ALL,
                size="sm",
                className="filter-select audit-filter",
            ),
        ],
        className="filter-field",
    )


def count_text(shown: int) -> str:
    if shown >= TRAIL_LIMIT:
        return (
            f"Die neuesten {fmt_number(shown)} Einträge; bitte weiter filtern, um ältere zu sehen."
        )
    return f"{fmt_number(shown)} {'Eintrag' if shown == 1 else 'Einträge'}, die neuesten zuerst."


@guarded
def layout(**_query: Any) -> html.Div:
    principal = current_principal()
    if not may_see(principal):
        return no_permission("Änderungsprotokoll", REFUSAL, ids.AUDIT)
    engine = engine_of_app()
    choices = trail_choices(engine)
    rows = audit_trail(engine)
    return html.Div(
        [
            html.Div(
                [
                    _select(
                        ids.AUDIT_MEASURE,
                        "Maßnahme",
                        [{"label": "alle Maßnahmen", "value": ALL}]
                        + [{"label": label, "value": str(i)} for i, label in choices.measures],
                    ),
                    _select(
                        ids.AUDIT_USER,
                        "Wer",
                        [{"label": "alle Benutzer", "value": ALL}]
                        + [{"label": u, "value": u} for u in choices.users],
                    ),
                    _select(
                        ids.AUDIT_KIND,
                        "Art",
                        [{"label": "alle Arten", "value": ALL}]
                        + [{"label": kind_label(k), "value": k} for k in choices.kinds],
                    ),
                ],
                className="filter-bar",
                role="search",
            ),
            page_header(
                "Änderungsprotokoll",
                kicker="Werte, Kommentare, Ampeln, Importe und Benutzer",
                question="Wer hat wann was geändert, und woher kam es?",
                extra=html.P(count_text(len(rows)), id=ids.AUDIT_COUNT, className="page-answer"),
            ),
            # The way to the accounts on every screen: the name in the bar that leads there is
            # hidden below 1200 px to leave room for the links.
            html.P(html.A("Benutzer verwalten", href="/benutzer"), className="panel-sub")
            if principal is not None and principal.can_manage_users
            else None,
            trail_grid(rows),
        ],
        id=ids.AUDIT,
        className="page page-audit",
    )


def _choice(value: Any) -> str | None:
    return None if value in (None, "", ALL) or not isinstance(value, str) else value


@callback(
    Output(ids.AUDIT_GRID, "rowData"),
    Output(ids.AUDIT_COUNT, "children"),
    Input(ids.AUDIT_MEASURE, "value"),
    Input(ids.AUDIT_USER, "value"),
    Input(ids.AUDIT_KIND, "value"),
    prevent_initial_call=True,
)
def filter_trail(measure: Any, user: Any, kind: Any) -> tuple[list[dict[str, Any]], str]:
    if not may_see(current_principal()):
        return [], "Keine Berechtigung: " + REFUSAL
    chosen = _choice(measure)
    measure_id = int(chosen) if chosen and chosen.isdigit() else None
    rows = audit_trail(engine_of_app(), measure_id, _choice(user), _choice(kind))
    return trail_rows(rows), count_text(len(rows))
