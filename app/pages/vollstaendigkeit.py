"""Vollständigkeit (/vollstaendigkeit): „Welche Werte fehlen in diesem Quartal noch?“"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from app import engine_of_app, ids
from app.components.common import demo_band, no_permission, notes, page_header
from app.components.completeness import (
    completeness_counts,
    completeness_list,
    reminder_texts,
    reminders_table,
)
from app.components.filterbar import filter_bar
from app.components.quarter_release import missing_text, release_panel
from app.context import guarded, page_context
from app.reminders import reminder_workbook
from app.security import current_principal
from app.xlsx import MIME
from db.completeness import Completeness, completeness
from db.quarters import QuarterError, quarter_state
from db.reminders import reminders_of
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_date, fmt_number
from zielcockpit.domain.periods import Period
from zielcockpit.services.quarter import (
    may_release,
    missing_values,
    release_quarter,
    reopen_quarter,
)
from zielcockpit.settings import today as settings_today


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
    return context, completeness(context.snapshot.data, f.period, f.oe, today=settings_today())


@guarded
def layout(**query: Any) -> html.Div:
    if not may_see(current_principal()):
        return no_permission("Vollständigkeit", REFUSAL, ids.COMPLETENESS)
    context, report = _report(query)
    f = context.filters
    missing = sum(u.missing for u in report.counts)
    overdue = sum(u.overdue for u in report.counts)
    steering = sum(u.steering for u in report.counts)
    # The release is for the whole plan, whatever unit the list below is filtered to.
    plan_missing = (
        missing if f.oe is None else len(completeness(context.snapshot.data, f.period).rows)
    )
    state = quarter_state(context.engine, f.plan, f.period.key)
    reminders = reminders_of(context.engine, f.plan, f.period.key)
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
                    f"Sachstand; davon {fmt_number(overdue)} überfällig, "
                    f"{fmt_number(missing - overdue)} noch nicht fällig "
                    f"(Stand {fmt_date(settings_today())}).",
                    className="page-answer",
                ),
            ),
            dcc.Store(
                id=ids.COMPLETENESS_QUARTER_CONTEXT,
                data={"plan": f.plan, "period": f.period.key},
            ),
            html.Section(
                release_panel(state, plan_missing),
                id=ids.COMPLETENESS_QUARTER,
                className="panel quarter-release",
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
                    dcc.Link(
                        "Kontakte für Erinnerungen", href="/kontakte", className="btn btn-link"
                    ),
                    dcc.Link("Postausgang", href="/postausgang", className="btn btn-link"),
                ],
                className="grid-toolbar",
            ),
            html.Div(
                completeness_counts(report, reminder_texts(reminders)),
                className="panel table-scroll",
            ),
            html.Details(
                [
                    html.Summary("Erinnerungen per E-Mail in diesem Quartal"),
                    reminders_table(reminders, f.period.label),
                ],
                id=ids.COMPLETENESS_REMINDERS,
                className="panel table-scroll",
            ),
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
    content = reminder_workbook(
        report, context.snapshot.data.title, dt.datetime.now(), today=settings_today()
    )
    oe = f"_{context.filters.oe}" if context.filters.oe else ""
    name = f"Zielcockpit_{context.snapshot.key}_{report.period.key}{oe}_Erinnerungsliste.xlsx"
    return dict(dcc.send_bytes(content, name, type=MIME))


# -- release and reopening -------------------------------------------------------------------------


def _alert(text: str, color: str) -> dbc.Alert:
    return dbc.Alert(text, color=color, className="mb-0")


def _all(kind: str) -> dict[str, Any]:
    return {"type": kind, "index": ALL}


def _context(data: Any) -> tuple[str, str]:
    if not isinstance(data, dict):
        raise QuarterError("Die Anfrage nennt kein Quartal.")
    plan, period = data.get("plan"), data.get("period")
    if not isinstance(plan, str) or not isinstance(period, str):
        raise QuarterError("Die Anfrage nennt kein Quartal.")
    return plan, period


@callback(
    Output(ids.COMPLETENESS_QUARTER, "children"),
    Input(_all(ids.COMPLETENESS_RELEASE), "n_clicks"),
    Input(_all(ids.COMPLETENESS_REOPEN), "n_clicks"),
    State(ids.COMPLETENESS_QUARTER_CONTEXT, "data"),
    State(_all(ids.COMPLETENESS_RELEASE_CONFIRM), "value"),
    State(_all(ids.COMPLETENESS_REOPEN_REASON), "value"),
    prevent_initial_call=True,
)
def change_quarter(
    release_clicks: list[int | None],
    reopen_clicks: list[int | None],
    context: Any,
    confirmations: list[bool | None],
    reasons: list[str | None],
) -> list[Any]:
    """Release or reopen the page's quarter; the role is checked here, on the server, and again
    in the use case (this callback answers any POST, not only the button the page showed)."""
    engine = engine_of_app()
    principal = current_principal()
    refusal = may_release(principal)
    if refusal is not None:
        return [_alert(refusal, "danger")]  # and nothing about the quarter is told
    if not any(release_clicks) and not any(reopen_clicks):
        raise dash.exceptions.PreventUpdate  # the panel was (re)drawn; nobody clicked
    confirmed = bool(confirmations and confirmations[0])
    reason = next((r for r in reasons if isinstance(r, str)), "")
    triggered = dash.ctx.triggered_id
    reopening = isinstance(triggered, dict) and triggered.get("type") == ids.COMPLETENESS_REOPEN
    try:
        plan, period = _context(context)
        if reopening:
            state = reopen_quarter(engine, principal, plan, period, reason)
            label = Period.parse(state.period).label
            message = _alert(
                f"{label} ist wieder geöffnet; Änderungen stehen im Protokoll.", "success"
            )
        else:
            outcome = release_quarter(engine, principal, plan, period, confirmed=confirmed)
            if outcome.needs_confirmation:
                message = _alert(
                    f"Nicht freigegeben: {missing_text(len(outcome.missing))}. Bitte "
                    "„Trotzdem freigeben“ ankreuzen oder die Werte nachtragen.",
                    "warning",
                )
            elif outcome.error is not None:
                message = _alert(f"Nicht freigegeben: {outcome.error}", "danger")
            else:
                label = Period.parse(period).label
                message = _alert(f"{label} ist freigegeben.", "success")
        state = quarter_state(engine, plan, period)
    except QuarterError as exc:
        message = _alert(str(exc), "danger")
        try:
            state = quarter_state(engine, *_context(context))
        except QuarterError:
            return [message]  # no such plan or quarter: nothing to show but the refusal
    return release_panel(state, len(missing_values(engine, state.plan_key, state.period)), message)
