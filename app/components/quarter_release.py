"""The „Quartal freigeben“ / „Wieder öffnen“ panel of /vollstaendigkeit, and the quarter's state
as a short line for other pages (pure: the state and the count in, components out)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from app import ids
from app.components.common import attrs
from db.quarters import QuarterState
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.domain.periods import Period


def state_line(state: QuarterState, element_id: str) -> html.P:
    """„Stand: Entwurf“ or „Stand: freigegeben am 12.10.2017 09:30 von controlling“."""
    return html.P(
        [html.Span("Stand: ", className="quarter-state-label"), html.Strong(state.label)],
        id=element_id,
        className="quarter-state " + ("quarter-released" if state.released else "quarter-draft"),
        **attrs({"data-state": state.state}),
    )


def missing_text(missing: int) -> str:
    if missing == 1:
        return "1 Wert fehlt"
    return f"{fmt_number(missing)} Werte fehlen"


def release_panel(state: QuarterState, missing: int, message: Any = None) -> list[Any]:
    """The panel's contents: the state, then the control that changes it."""
    label = Period.parse(state.period).label
    parts: list[Any] = [
        html.H2("Quartal freigeben"),
        state_line(state, ids.COMPLETENESS_QUARTER_STATE),
    ]
    if state.released:
        parts += [
            html.P(
                "Werte, Kommentare und manuelle Ampeln dieses Quartals sind festgeschrieben. "
                "Eine Korrektur braucht eine Wiederöffnung mit schriftlicher Begründung; sie "
                "steht im Protokoll, und der Bericht kennzeichnet danach geänderte Werte.",
                className="panel-sub",
            ),
            html.Label("Begründung der Wiederöffnung (Pflicht)", className="form-label d-block"),
            dbc.Textarea(
                id=ids.quarter_control(ids.COMPLETENESS_REOPEN_REASON),
                rows=2,
                maxLength=4000,
                placeholder="z. B. Korrektur der Zahlen des Jobcenters nach Nachlieferung",
                className="mb-2",
            ),
            html.Button(
                "Wieder öffnen",
                id=ids.quarter_control(ids.COMPLETENESS_REOPEN),
                type="button",
                className="btn btn-outline-dark",
            ),
        ]
    else:
        if state.reopen_reason:
            parts.append(
                html.P(
                    f"Wieder geöffnet von {state.reopened_by}; Begründung: {state.reopen_reason}",
                    className="panel-sub",
                )
            )
        if missing:
            parts += [
                html.P(
                    f"Noch offen: {missing_text(missing)} (siehe Liste unten). Nach der Freigabe "
                    "können Werte, Kommentare und manuelle Ampeln dieses Quartals nicht mehr "
                    "geändert werden.",
                    className="panel-sub",
                ),
                dbc.Checkbox(
                    id=ids.quarter_control(ids.COMPLETENESS_RELEASE_CONFIRM),
                    label=f"Trotzdem freigeben, obwohl {missing_text(missing)}",
                    value=False,
                    className="mb-2",
                ),
            ]
        else:
            parts.append(
                html.P(
                    "Alle steuernden Werte sind da. Nach der Freigabe können Werte, Kommentare "
                    "und manuelle Ampeln dieses Quartals nicht mehr geändert werden.",
                    className="panel-sub",
                )
            )
        parts.append(
            html.Button(
                f"{label} freigeben",
                id=ids.quarter_control(ids.COMPLETENESS_RELEASE),
                type="button",
                className="btn btn-primary",
            )
        )
    parts.append(
        html.Div(
            message,
            id=ids.COMPLETENESS_QUARTER_MESSAGE,
            role="status",
            className="mt-2",
            **attrs({"aria-live": "polite"}),
        )
    )
    return parts
