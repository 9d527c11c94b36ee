"""Erfassung (/erfassung): „Welche Werte hat meine Organisationseinheit in diesem Quartal erreicht?“"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from app import engine_of_app, ids
from app.components.common import attrs, demo_band, notes, page_header
from app.components.entry_form import entry_form_view, save_message
from app.components.filterbar import filter_options, filter_row, filter_select
from app.context import guarded, page_context
from app.entry_states import BadRequest, context_after_save, submission_from_states
from app.filters import FILTER_LABELS, first
from app.navigation import signed_in
from app.security import current_principal
from db.quarters import quarter_state
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import ROLE_WORDS
from zielcockpit.services.entry import SaveResult, save_entry
from zielcockpit.services.entry_form import entry_form, entry_units

log = logging.getLogger(__name__)

dash.register_page(
    __name__,
    path="/erfassung",
    name="Erfassung",
    title="Erfassung – Zielcockpit",
    order=5,
    nav_id=ids.NAV_ENTRY,
    nav_carries=("plan", "period", "oe"),
    nav_visible=signed_in,  # every role opens it; the Leitung reads only
)

QUESTION = "Welche Werte hat die Organisationseinheit im {period} erreicht?"


def _read_only(title_extra: str) -> html.Div:
    return html.Div(
        [
            page_header("Erfassung", kicker=title_extra),
            dbc.Alert(
                [
                    html.Strong("Nur lesen. "),
                    "Ihre Rolle „"
                    + ROLE_WORDS["leitung"].split(" (")[0]
                    + "“ sieht alle Werte in der Übersicht und auf den Seiten der Maßnahmen, "
                    "erfasst aber keine. Werte erfassen die Fachbereiche und das Controlling.",
                ],
                color="info",
                className="read-only-note",
            ),
            dcc.Link("Zur Übersicht", href="/", className="btn btn-primary"),
        ],
        id=ids.ENTRY,
        className="page page-entry",
    )


@guarded
def layout(**query: Any) -> html.Div:
    principal = current_principal()
    engine = engine_of_app()
    context = page_context(query)
    f = context.filters
    if principal is None or principal.role == "leitung":
        return _read_only(context.snapshot.data.title)
    units = entry_units(engine, f.plan, principal)
    if not units:
        return html.Div(
            [
                page_header("Erfassung", kicker=context.snapshot.data.title),
                dbc.Alert(
                    f"Ihrer Organisationseinheit gehört im Plan {f.plan} keine Maßnahme; "
                    "hier ist nichts zu erfassen.",
                    color="info",
                ),
            ],
            id=ids.ENTRY,
            className="page page-entry",
        )
    problems = [p for p in f.problems if not p.startswith(f"Filter „{FILTER_LABELS['oe']}“")]
    codes = [u.code for u in units]
    requested = first(query.get("oe"))
    oe = requested if requested in codes else codes[0]
    if requested and requested not in codes:
        problems.append(
            f"Organisationseinheit „{requested}“: keine Berechtigung oder nicht im Plan {f.plan}; "
            f"gezeigt wird {oe}."
        )
    form = entry_form(engine, f.plan, oe, f.period)
    state = quarter_state(engine, f.plan, f.period.key)
    # A released quarter is shown, not offered for saving (save_entry refuses it anyway).
    released_note = (
        dbc.Alert(
            [
                html.Strong(f"{f.period.label} ist {state.label}. "),
                "Werte, Kommentare und manuelle Ampeln dieses Quartals können nicht mehr "
                "geändert werden. Für eine Korrektur kann das Controlling das Quartal mit einer "
                "Begründung wieder öffnen (Seite „Vollständigkeit“).",
            ],
            id=ids.ENTRY_RELEASED,
            color="info",
            className="released-note",
        )
        if state.released
        else None
    )
    options = filter_options(context.snapshot, context.plans)
    shown = {"period": f.period.key, "oe": oe}
    selects = [filter_select("period", f.period.key, options["period"])]
    if len(options["plan"]) > 1:
        shown["plan"] = f.plan
        selects.insert(0, filter_select("plan", f.plan, options["plan"]))
    selects.append(
        filter_select("oe", oe, [{"label": f"{u.code} – {u.name}", "value": u.code} for u in units])
    )
    return html.Div(
        [
            demo_band(form.demo),
            filter_row(selects, shown, label="Auswahl"),
            notes(problems),
            released_note,
            page_header(
                f"Erfassung {oe} – {form.oe_name}",
                kicker=f"{form.plan_title} · {f.period.label}",
                question=QUESTION.format(period=f.period.label),
                extra=html.P(
                    "Zahlen im deutschen Format (1.234,5; Quoten in Prozentpunkten, z. B. 45,5), "
                    "Zeichen der Statistik (*, -, x, ., ...) oder bei Meilensteinen den Sachstand. "
                    "Ein leeres Feld ändert nichts. Ist ein Indikator mit dem neuen Wert rot, "
                    "ist ein Kommentar Pflicht. Gespeichert wird alles in einem Schritt.",
                    className="entry-help",
                ),
            ),
            dcc.Store(
                id=ids.ENTRY_CONTEXT,
                # what the form shows goes back with a save: a value someone else changed
                # meanwhile is never overwritten unseen
                data={"plan": f.plan, "period": f.period.key, "oe": oe, "seen": form.seen()},
            ),
            entry_form_view(form),
            html.Div(
                [
                    dcc.Loading(
                        html.Div(
                            id=ids.ENTRY_MESSAGE, role="status", **attrs({"aria-live": "polite"})
                        ),
                        custom_spinner=html.Div(
                            "Wird geprüft und gespeichert …", className="loading-text"
                        ),
                    ),
                    html.P(
                        f"{f.period.label} ist freigegeben: nichts zu speichern.",
                        className="released-hint",
                    )
                    if state.released
                    else html.Button(
                        f"Speichern ({f.period.short_label})",
                        id=ids.ENTRY_SAVE,
                        className="btn btn-primary btn-lg entry-save",
                        type="button",
                        disabled=not form.measures,
                    ),
                ],
                className="entry-actions",
            ),
        ],
        id=ids.ENTRY,
        className="page page-entry",
    )


# -- saving ----------------------------------------------------------------------------------------


def _period_label(key: str) -> str:
    try:
        return Period.parse(key).label
    except PeriodError:
        return key


@callback(
    Output(ids.ENTRY_MESSAGE, "children"),
    Output(ids.ENTRY_CONTEXT, "data"),
    Input(ids.ENTRY_SAVE, "n_clicks"),
    State(ids.ENTRY_CONTEXT, "data"),
    State({"type": ids.ENTRY_VALUE, "index": ALL}, "value"),
    State({"type": ids.ENTRY_STATUS, "index": ALL}, "value"),
    State({"type": ids.ENTRY_COMMENT, "index": ALL}, "value"),
    State({"type": ids.ENTRY_OVERRIDE_LIGHT, "index": ALL}, "value"),
    State({"type": ids.ENTRY_OVERRIDE_TEXT, "index": ALL}, "value"),
    prevent_initial_call=True,
)
def save(_clicks: int | None, context: Any, *_fields: Any) -> Any:
    # The role and unit of every measure touched are checked in save_entry, on the server:
    # this callback answers any POST, not only the form the page rendered.
    try:
        submission = submission_from_states(context, dash.ctx.states_list)
        result = save_entry(engine_of_app(), current_principal(), submission)
        reload = "/erfassung?" + urlencode(
            {
                k: v
                for k, v in context.items()
                if k in ("plan", "period", "oe") and isinstance(v, str)
            }
        )
        message = save_message(result, _period_label(submission.period), reload)
        return message, context_after_save(context, submission, result)
    except BadRequest as exc:
        return save_message(SaveResult(errors=[str(exc)]), ""), dash.no_update
    except Exception:
        log.exception("Fehler beim Speichern der Erfassung")
        return save_message(
            SaveResult(
                errors=[
                    "Ein unerwarteter Fehler ist aufgetreten; nichts wurde gespeichert. Bitte "
                    "erneut versuchen; bleibt der Fehler, der Administration Bescheid geben."
                ]
            ),
            "",
        ), dash.no_update
