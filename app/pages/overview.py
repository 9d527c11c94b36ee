"""Übersicht (/): „Wie steht der Plan im 3. Quartal?“ – counts, Handlungsfelder, scorecard, lists."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash
from dash import Input, Output, State, callback, dcc, html
from flask import current_app

from app import engine_of_app, ids
from app.components.common import attrs, count_tiles, demo_band, notes, page_header
from app.components.filterbar import filter_bar
from app.components.jobs import job_progress
from app.components.lights import legend
from app.components.quarter_release import state_line
from app.components.tables import attention_list, handlungsfeld_table, scorecard
from app.context import guarded, page_context
from app.filters import FILTER_KEYS, Filters
from app.security import current_principal
from app.viewmodel import OverviewModel, overview
from db.quarters import QuarterState, quarter_state
from zielcockpit.domain.formatting import fmt_number, fmt_percent
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS
from zielcockpit.services.jobs import job_download, job_of, submit_report
from zielcockpit.services.report import may_download

dash.register_page(
    __name__,
    path="/",
    name="Übersicht",
    title="Übersicht – Zielcockpit",
    order=0,
    nav_id=ids.NAV_OVERVIEW,
    nav_carries=FILTER_KEYS,
)

# How often the page asks for the report job's progress, and its bar's id.
REPORT_POLL_MS = 1000
REPORT_BAR = ids.OVERVIEW_REPORT_JOB + "-bar"


def measure_href(filters: Filters) -> Any:
    return lambda code: (
        f"/massnahme/{quote(code)}"
        + filters.search(cluster=None, oe=None, leitsatz=None, light=None)
    )


def handlungsfeld_href(filters: Filters) -> Any:
    return lambda cluster_id: filters.link(f"/cluster/{cluster_id}", cluster=None)


def answer(model: OverviewModel) -> str:
    """The question of the page answered in one sentence."""
    total = sum(model.counts.values())
    if not total:
        return "Für diese Auswahl gibt es keine Maßnahmen."
    green = model.counts["green"]
    parts = [
        f"{fmt_number(model.counts[light])} {LIGHT_MEANINGS[light]}"
        for light in ("yellow", "red", "grey")
        if model.counts[light]
    ]
    rest = (", ".join(parts[:-1]) + " und " + parts[-1]) if len(parts) > 1 else "".join(parts)
    share = fmt_percent(round(100 * green / total), 0)
    sentence = f"{fmt_number(green)} von {fmt_number(total)} Maßnahmen sind im Plan ({share})"
    return sentence + (f"; {rest}." if rest else ".")


def _capped_list(rows: list[Any], count: int, href: Any, empty: str, more_href: str) -> list[Any]:
    shown = attention_list(rows, href, empty)
    if count <= len(rows):
        return [shown]
    return [
        shown,
        dcc.Link(
            f"… und {fmt_number(count - len(rows))} weitere im Quartalsvergleich",
            href=more_href,
            className="more-link",
        ),
    ]


def report_control(plan: str, period: str, state: QuarterState) -> html.Div | None:
    """„Bericht als PDF“ for the Leitung and controlling (checked again in the callback)."""
    principal = current_principal()
    if principal is None or not principal.can_download_report:
        return None
    draft = "" if state.released else " (Entwurf)"
    return html.Div(
        [
            dcc.Store(id=ids.OVERVIEW_REPORT_CONTEXT, data={"plan": plan, "period": period}),
            dcc.Loading(
                html.Button(
                    f"Bericht als PDF{draft}",
                    id=ids.OVERVIEW_REPORT,
                    type="button",
                    className="btn btn-outline-dark btn-sm",
                ),
                custom_spinner=html.Span("Bericht wird erstellt …", className="loading-text"),
            ),
            html.Span(id=ids.OVERVIEW_REPORT_MESSAGE, role="status", className="report-message"),
            dcc.Download(id=ids.OVERVIEW_REPORT_DOWNLOAD),
            dcc.Store(id=ids.OVERVIEW_REPORT_JOB),
            dcc.Interval(id=ids.OVERVIEW_REPORT_POLL, interval=REPORT_POLL_MS, disabled=True),
        ],
        className="report-control",
    )


@guarded
def layout(**query: Any) -> html.Div:
    context = page_context(query)
    f = context.filters
    model = overview(context.snapshot, f)
    previous_label = model.previous.short_label if model.previous else None
    reset = f.link("/", cluster=None, oe=None, leitsatz=None, light=None)
    capped = model.matching > len(model.rows)
    state = quarter_state(context.engine, f.plan, f.period.key)
    return html.Div(
        [
            demo_band(model.demo),
            filter_bar(f, context.snapshot, context.plans, reset_href=reset),
            notes(f.problems),
            page_header(
                f"Wie steht der Plan im {f.period.label}?",
                kicker=model.plan_title,
                extra=html.Div(
                    [
                        html.P(answer(model), className="page-answer"),
                        state_line(state, ids.OVERVIEW_QUARTER_STATE),
                        report_control(f.plan, f.period.key, state),
                    ]
                ),
            ),
            html.Section(
                count_tiles(
                    model.counts,
                    model.previous_counts,
                    previous_label,
                    link_for=lambda light: f.link("/", light=None if f.light == light else light),
                    active=f.light,
                ),
                id=ids.OVERVIEW_COUNTS,
                **attrs({"aria-label": "Maßnahmen je Ampel"}),
            ),
            html.Div(
                [
                    html.Div(
                        [
                            html.Section(
                                [
                                    html.H2("Handlungsfelder"),
                                    html.Div(
                                        handlungsfeld_table(
                                            model.clusters,
                                            handlungsfeld_href(f),
                                            model.has_budget,
                                        ),
                                        className="table-scroll",
                                    ),
                                ],
                                id=ids.OVERVIEW_HANDLUNGSFELDER,
                                className="panel",
                            ),
                            html.Section(
                                [
                                    html.H2("Ampeln je Maßnahme und Quartal"),
                                    legend(
                                        "Grün ab 95 %, gelb ab 85 % des erwarteten Werts; "
                                        "„–“: Quartal liegt nach dem gewählten."
                                    ),
                                    html.P(
                                        [
                                            f"Gezeigt werden die ersten {fmt_number(len(model.rows))} "
                                            f"von {fmt_number(model.matching)} Maßnahmen. Bitte nach "
                                            "Handlungsfeld oder Organisationseinheit filtern – oder ",
                                            dcc.Link(
                                                "alle im Quartalsvergleich ansehen",
                                                href=f.link("/quartale"),
                                            ),
                                            ".",
                                        ],
                                        className="cap-note",
                                    )
                                    if capped
                                    else None,
                                    html.Div(
                                        scorecard(
                                            model.rows,
                                            model.quarters,
                                            f.period,
                                            measure_href(f),
                                            handlungsfeld_href(f),
                                        )
                                        if model.rows
                                        else html.P(
                                            "Keine Maßnahme passt zu dieser Auswahl.",
                                            className="muted",
                                        ),
                                        className="table-scroll",
                                    ),
                                ],
                                id=ids.OVERVIEW_SCORECARD,
                                className="panel",
                            ),
                        ],
                        className="overview-main",
                    ),
                    html.Aside(
                        [
                            html.Section(
                                [
                                    html.H2("Neu rot"),
                                    html.P(
                                        f"Seit {model.previous.label} auf „nicht im Plan“ gefallen"
                                        if model.previous
                                        else "Im ersten Quartal gibt es kein Vorquartal.",
                                        className="panel-sub",
                                    ),
                                    *_capped_list(
                                        model.newly_red,
                                        model.newly_red_count,
                                        measure_href(f),
                                        "Keine Maßnahme ist neu rot.",
                                        f.link("/quartale", light="red"),
                                    ),
                                ],
                                id=ids.OVERVIEW_NEW_RED,
                                className="panel",
                            ),
                            html.Section(
                                [
                                    html.H2("Fehlende Werte"),
                                    html.P(
                                        f"Für {f.period.label} fehlt mindestens ein Wert",
                                        className="panel-sub",
                                    ),
                                    *_capped_list(
                                        model.missing,
                                        model.missing_count,
                                        measure_href(f),
                                        "Alle Werte sind da.",
                                        f.link("/quartale", light="grey"),
                                    ),
                                ],
                                id=ids.OVERVIEW_MISSING,
                                className="panel",
                            ),
                        ],
                        className="overview-side",
                        **attrs({"aria-label": "Handlungsbedarf"}),
                    ),
                ],
                className="overview-grid",
            ),
        ],
        id=ids.OVERVIEW,
        className="page page-overview",
    )


@callback(
    Output(ids.OVERVIEW_REPORT_MESSAGE, "children"),
    Output(ids.OVERVIEW_REPORT_JOB, "data"),
    Output(ids.OVERVIEW_REPORT_POLL, "disabled"),
    Input(ids.OVERVIEW_REPORT, "n_clicks"),
    State(ids.OVERVIEW_REPORT_CONTEXT, "data"),
    prevent_initial_call=True,
)
def request_report(_clicks: int | None, context: Any) -> tuple[Any, Any, bool]:
    """„Bericht als PDF“ queues the report as a job; the timer shows its progress, then the
    download starts."""
    # Checked here, on the server: this callback answers any POST, not only the button.
    refusal = may_download(current_principal())
    if refusal is not None:
        return refusal, None, True
    if not isinstance(context, dict):
        return "Die Anfrage nennt kein Quartal.", None, True
    job_id = submit_report(
        engine_of_app(),
        current_app.config["ZC_SETTINGS"],
        current_principal(),
        str(context.get("plan")),
        str(context.get("period")),
    )
    return job_progress(0, "Wartet auf die Verarbeitung …", REPORT_BAR), job_id, False


@callback(
    Output(ids.OVERVIEW_REPORT_DOWNLOAD, "data"),
    Output(ids.OVERVIEW_REPORT_MESSAGE, "children", allow_duplicate=True),
    Output(ids.OVERVIEW_REPORT_POLL, "disabled", allow_duplicate=True),
    Input(ids.OVERVIEW_REPORT_POLL, "n_intervals"),
    State(ids.OVERVIEW_REPORT_JOB, "data"),
    prevent_initial_call=True,
)
def poll_report(_ticks: int | None, job_id: Any) -> tuple[Any, Any, bool]:
    if not isinstance(job_id, str):
        return None, dash.no_update, True
    engine, principal = engine_of_app(), current_principal()
    view = job_of(engine, principal, job_id)
    if view is None:
        return None, "Dieser Auftrag ist nicht (mehr) bekannt.", True
    if not view.finished:
        return None, job_progress(view.progress, view.message, REPORT_BAR), False
    made = job_download(engine, principal, job_id)
    if made is None:  # refused (no values) or broke off: the message says why
        return None, view.message, True
    content, name = made
    return dict(dcc.send_bytes(content, name, type="application/pdf")), view.message, True
