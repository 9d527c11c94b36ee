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
from app.components.import_preview import import_preview, import_result
from app.context import guarded
from app.security import current_principal
from zielcockpit.services.upload import (
    ACCEPT,
    ALLOWED_SUFFIXES,
    UploadOutcome,
    import_refusal,
    run_upload,
)
from zielcockpit.settings import Settings

log = logging.getLogger(__name__)

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
    Input(ids.IMPORT_CONFIRM, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    State(ids.IMPORT_CHECKED, "data"),
    prevent_initial_call=True,
)
def confirm(clicks: int | None, data: Any, checked: Any) -> tuple[Any, bool]:
    if not clicks:
        raise PreventUpdate
    name, contents = _file(data)
    expected = checked.get("checksum") if isinstance(checked, dict) else None
    if contents is None or not isinstance(expected, str):
        return dbc.Alert("Bitte zuerst eine Datei hochladen und prüfen.", color="warning"), False
    try:
        # The same call as the preview, now writing: it checks everything again first.
        outcome = run_upload(
            engine_of_app(),
            _settings(),
            current_principal(),
            name,
            contents,
            dry_run=False,
            expected_checksum=expected,
        )
    except Exception:
        log.exception("Fehler beim Übernehmen eines Imports")
        outcome = _failed(name, False)
    return import_result(outcome), outcome.accepted
