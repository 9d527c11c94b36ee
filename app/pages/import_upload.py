"""Import (/import): „Was würde diese Datei ändern?“ – upload, preview, then confirm."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate
from flask import current_app

from app import engine_of_app, ids
from app.components.common import no_permission, page_header
from app.components.import_preview import import_preview, import_result, import_summary
from app.components.jobs import job_progress
from app.context import guarded
from app.security import current_principal
from zielcockpit.services.jobs import job_of, submit_upload
from zielcockpit.services.upload import (
    ACCEPT,
    ALLOWED_SUFFIXES,
    UploadOutcome,
    import_refusal,
    run_upload,
)
from zielcockpit.settings import Settings

log = logging.getLogger(__name__)
# How often the page asks for the progress of „Übernehmen“ (a job on the queue).
POLL_MS = 700

dash.register_page(
    __name__,
    path="/import",
    name="Import",
    title="Import – Zielcockpit",
    order=6,
    nav_id=ids.NAV_IMPORT,
    nav_visible=lambda principal: import_refusal(principal) is None,
)


def _settings() -> Settings:
    settings: Settings = current_app.config["ZC_SETTINGS"]
    return settings


@guarded
def layout(**_query: Any) -> html.Div:
    principal = current_principal()
    refusal = import_refusal(principal)
    if refusal is not None or principal is None:
        return no_permission("Import", refusal or "", ids.IMPORT)
    settings = _settings()
    limit = settings.max_upload_mb * 1024 * 1024
    own = (
        html.P(
            "Als Fachbereich können Sie Werte der eigenen Organisationseinheit(en) "
            f"{', '.join(sorted(principal.units))} importieren; eine Datei mit Indikatoren "
            "anderer Einheiten wird abgelehnt.",
            className="import-own",
        )
        if principal.role == "fachbereich"
        else None
    )
    return html.Div(
        [
            page_header(
                "Import",
                kicker="Werte aus Excel- oder CSV-Dateien",
                question="Was würde diese Datei ändern?",
                extra=html.P(
                    "Die Datei wird zuerst nur geprüft: erkanntes Profil, jede Änderung "
                    "(bisher → neu) und jeder Fehler mit Blatt und Zelle. Geschrieben wird erst "
                    "mit „Übernehmen“ – wie beim Befehl „zielcockpit import“.",
                    className="page-answer",
                ),
            ),
            own,
            dcc.Store(id=ids.IMPORT_LIMIT, data=limit),
            dcc.Store(id=ids.IMPORT_FILE),
            dcc.Store(id=ids.IMPORT_CHECKED),
            dcc.Store(id=ids.IMPORT_JOB),
            dcc.Interval(id=ids.IMPORT_POLL, interval=POLL_MS, disabled=True),
            dcc.Upload(
                id=ids.IMPORT_UPLOAD,
                children=html.Div(
                    [
                        html.Strong("Datei hierher ziehen"),
                        " oder ",
                        html.Span("auswählen", className="upload-link"),
                        html.Br(),
                        html.Span(
                            f"{', '.join(ALLOWED_SUFFIXES)} · höchstens "
                            f"{settings.max_upload_mb} MB",
                            className="muted",
                        ),
                    ]
                ),
                accept=ACCEPT,
                multiple=False,
                className="upload-zone",
                className_active="upload-zone upload-zone-active",
            ),
            html.Div(id=ids.IMPORT_CLIENT_MESSAGE, role="alert"),
            dcc.Loading(
                html.Div(id=ids.IMPORT_PREVIEW, className="import-preview"),
                custom_spinner=html.Div(
                    "Datei wird gelesen und geprüft …", className="loading-text"
                ),
            ),
        ],
        id=ids.IMPORT,
        className="page page-import",
    )


# A file over the limit never leaves the browser: the check runs there, before any request.
clientside_callback(
    """function(contents, filename, limit) {
        if (!contents) { return [null, "", ""]; }
        const comma = contents.indexOf(",");
        const size = Math.floor((contents.length - comma - 1) * 3 / 4);
        if (size > limit) {
            const mb = (x) => (x / 1024 / 1024).toFixed(2).replace(".", ",");
            return [null,
                "Die Datei „" + filename + "“ ist " + mb(size) + " MB groß; erlaubt sind höchstens "
                + Math.round(limit / 1024 / 1024) + " MB. Sie wurde nicht hochgeladen.",
                "alert alert-danger"];
        }
        return [{name: filename, contents: contents}, "", ""];
    }""",
    Output(ids.IMPORT_FILE, "data"),
    Output(ids.IMPORT_CLIENT_MESSAGE, "children"),
    Output(ids.IMPORT_CLIENT_MESSAGE, "className"),
    Input(ids.IMPORT_UPLOAD, "contents"),
    State(ids.IMPORT_UPLOAD, "filename"),
    State(ids.IMPORT_LIMIT, "data"),
    prevent_initial_call=True,
)


def _file(data: Any) -> tuple[str | None, str | None]:
    if not isinstance(data, dict):
        return None, None
    name, contents = data.get("name"), data.get("contents")
    return (
        name if isinstance(name, str) else None,
        contents if isinstance(contents, str) else None,
    )


def _failed(name: str | None, dry_run: bool) -> UploadOutcome:
    return UploadOutcome(
        name or "",
        dry_run,
        refusal="Ein unerwarteter Fehler ist aufgetreten; nichts wurde geschrieben. Bitte erneut "
        "versuchen; bleibt der Fehler, der Administration Bescheid geben.",
    )


@callback(
    Output(ids.IMPORT_PREVIEW, "children"),
    Output(ids.IMPORT_CHECKED, "data"),
    Input(ids.IMPORT_FILE, "data"),
    prevent_initial_call=True,
)
def preview(data: Any) -> tuple[Any, Any]:
    name, contents = _file(data)
    if contents is None:
        return None, None  # a file refused in the browser: the last preview must not linger
    try:
        outcome = run_upload(
            engine_of_app(), _settings(), current_principal(), name, contents, dry_run=True
        )
    except Exception:
        log.exception("Fehler bei der Vorschau eines Imports")
        outcome = _failed(name, True)
    checked = {"checksum": outcome.checksum, "name": outcome.name} if outcome.accepted else None
    return import_preview(outcome), checked


@callback(
    Output(ids.IMPORT_RESULT, "children"),
    Output(ids.IMPORT_CONFIRM, "disabled"),
    Output(ids.IMPORT_JOB, "data"),
    Output(ids.IMPORT_POLL, "disabled"),
    Input(ids.IMPORT_CONFIRM, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    State(ids.IMPORT_CHECKED, "data"),
    prevent_initial_call=True,
)
def confirm(clicks: int | None, data: Any, checked: Any) -> tuple[Any, bool, Any, bool]:
    """„Übernehmen“ queues the writing as a job (it checks everything again first); the timer
    then shows its progress and its result."""
    if not clicks:
        raise PreventUpdate
    name, contents = _file(data)
    expected = checked.get("checksum") if isinstance(checked, dict) else None
    if contents is None or not isinstance(expected, str):
        alert = dbc.Alert("Bitte zuerst eine Datei hochladen und prüfen.", color="warning")
        return alert, False, None, True
    try:
        queued = submit_upload(
            engine_of_app(), _settings(), current_principal(), name, contents, expected
        )
    except Exception:
        log.exception("Fehler beim Einreihen eines Imports")
        queued = _failed(name, False)
    if isinstance(queued, UploadOutcome):
        return import_result(queued), False, None, True
    progress = job_progress(0, "Wartet auf die Verarbeitung …", ids.IMPORT_JOB + "-bar")
    return progress, True, {"id": queued, "checksum": expected}, False


@callback(
    Output(ids.IMPORT_RESULT, "children", allow_duplicate=True),
    Output(ids.IMPORT_CONFIRM, "disabled", allow_duplicate=True),
    Output(ids.IMPORT_POLL, "disabled", allow_duplicate=True),
    Input(ids.IMPORT_POLL, "n_intervals"),
    State(ids.IMPORT_JOB, "data"),
    State(ids.IMPORT_CHECKED, "data"),
    prevent_initial_call=True,
)
def poll(_ticks: int | None, job: Any, checked: Any) -> tuple[Any, Any, bool]:
    """The job's progress; once it has ended, its result (any instance can answer: the state is
    in the database)."""
    if not isinstance(job, dict) or not isinstance(job.get("id"), str):
        return dash.no_update, dash.no_update, True
    if not isinstance(checked, dict) or checked.get("checksum") != job.get("checksum"):
        return dash.no_update, dash.no_update, True  # another file is shown now
    view = job_of(engine_of_app(), current_principal(), job["id"])
    if view is None:
        alert = dbc.Alert("Dieser Auftrag ist nicht (mehr) bekannt.", color="warning")
        return alert, False, True
    if not view.finished:
        return job_progress(view.progress, view.message, ids.IMPORT_JOB + "-bar"), True, False
    if view.result is None:  # broke off (worker died, unexpected error): nothing was written
        return (
            dbc.Alert([html.Strong("Nicht übernommen. "), view.message], color="danger"),
            False,
            True,
        )
    written = view.result.get("status") in ("ok", "unchanged")
    return import_summary(view.result), written, True
