"""Übersicht (/): the state of the whole plan for one quarter."""

from __future__ import annotations

import dash
from dash import html

from app import engine_of_app
from db.status import NotFound, plan_keys, plan_status

dash.register_page(__name__, path="/", name="Übersicht", title="Übersicht – Zielcockpit")


def layout(plan: str | None = None, period: str | None = None, **_query: str) -> html.Div:
    engine = engine_of_app()
    keys = plan_keys(engine)
    if not keys:
        return html.Div([html.H1("Übersicht"), html.P("Noch kein Plan geladen.")])
    plan = plan or ("2017" if "2017" in keys else keys[0])
    try:
        report = plan_status(engine, plan, period or f"{plan}-Q3")
    except NotFound as exc:
        return html.Div([html.H1("Übersicht"), html.P(str(exc))])
    counts = report.counts()
    return html.Div(
        [
            html.Div("Demodaten", className="demo-band") if report.demo else None,
            html.H1(f"{report.plan.title} – {report.period.label}"),
            html.P(
                f"im Plan: {counts['green']} · gefährdet: {counts['yellow']} · "
                f"nicht im Plan: {counts['red']} · keine Bewertung: {counts['grey']}"
            ),
            html.Ul([html.Li(f"{m.info.code} {m.info.title}") for m in report.measures]),
        ]
    )
