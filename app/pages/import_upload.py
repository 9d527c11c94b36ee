"""Import (/import): „Was würde diese Datei ändern?“ – upload, preview, then confirm."""

from __future__ import annotations

import logging
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app

from app import engine_of_app, ids
from app.components.common import no_permission, page_header
from app.components.import_preview import import_preview, import_result, import_summary
from app.components.jobs import job_progress
from app.components.teach import (
    ALL_ROWS,
    ANY_COLUMN,
    column_options,
    row_options,
    select_options,
    teach_grid,
    teach_panel,
    teach_result,
)
from app.context import guarded
from app.security import current_principal
from zielcockpit.services.jobs import job_of, submit_upload
from zielcockpit.services.teach import (
    open_upload,
    parse_address,
    preview_taught,
    save_taught,
    sheet_view,
    spec_from_form,
    teach_choices,
    teach_refusal,
)
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
def _own(area: str) -> Any:
    """A spinner's `target_components`: only the callback of its own area's children (Dash
    types the dict as an empty TypedDict, so it goes in as Any)."""
    return {area: "children"}


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
            # The spinners answer to their own area's callback only: the confirm button, the
            # result and the job's progress live inside the preview and must stay in view
            # while they update (without `target_components` every poll hid the preview).
            dcc.Loading(
                html.Div(id=ids.IMPORT_PREVIEW, className="import-preview"),
                custom_spinner=html.Div(
                    "Datei wird gelesen und geprüft …", className="loading-text"
                ),
                target_components=_own(ids.IMPORT_PREVIEW),
            ),
            dcc.Loading(
                html.Div(id=ids.TEACH),
                custom_spinner=html.Div("Datei wird gelesen …", className="loading-text"),
                target_components=_own(ids.TEACH),
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
    return _preview(data)


@callback(
    Output(ids.TEACH, "children", allow_duplicate=True),
    Input(ids.IMPORT_FILE, "data"),
    prevent_initial_call=True,
)
def close_teach(_data: Any) -> None:
    """A new file: the „Aufbau anlernen“ panel of the last one must not linger."""
    return None


def _preview(data: Any) -> tuple[Any, Any]:
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
    return [import_preview(outcome), teach_offer(outcome)], checked


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


# -- „Aufbau anlernen“: teach a layout no profile reads (issue 13) ------------------------------


def teach_offer(outcome: UploadOutcome) -> Any:
    """The way to teach the layout, where no profile fits or one read only a part."""
    if teach_refusal(current_principal()) is not None or outcome.refusal is not None:
        return None
    report = outcome.report
    if report is None:
        return None
    partial = any(n.startswith("Nicht zugeordnet") for f in report.files for n in f.notes)
    if report.status != "rejected" and not partial:
        return None
    why = (
        "Kein Profil passt zu dieser Datei, oder es liest nur einen Teil? "
        if report.status == "rejected"
        else "Das Profil liest nicht alles, was in der Datei steht? "
    )
    return html.Div(
        [
            html.Span(why),
            html.Button(
                "Aufbau anlernen", id=ids.TEACH_OPEN, className="btn btn-primary", type="button"
            ),
        ],
        className="teach-offer",
    )


def _panel(data: Any, sheet: str | None = None) -> Any:
    name, contents = _file(data)
    refusal = teach_refusal(current_principal())
    if refusal is not None:
        return dbc.Alert(refusal, color="warning")
    try:
        book = open_upload(_settings(), name, contents)
    except ValueError as exc:
        return dbc.Alert(str(exc), color="danger")
    stem = (name or "Profil").rsplit(".", 1)[0]
    suggestion = "".join(ch if ch.isalnum() or ch in " _-" else " " for ch in stem)[:40].strip()
    return teach_panel(sheet_view(book, sheet), teach_choices(engine_of_app()), suggestion)


@callback(
    Output(ids.TEACH, "children", allow_duplicate=True),
    Input(ids.TEACH_OPEN, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    prevent_initial_call=True,
)
def open_teach(clicks: int | None, data: Any) -> Any:
    if not clicks:
        raise PreventUpdate
    return _panel(data)


@callback(
    Output(ids.TEACH, "children", allow_duplicate=True),
    Input(ids.TEACH_SHEET, "value"),
    State(ids.TEACH_VIEW, "data"),
    State(ids.IMPORT_FILE, "data"),
    prevent_initial_call=True,
)
def change_sheet(sheet: Any, view: Any, data: Any) -> Any:
    if not isinstance(sheet, str) or not isinstance(view, dict) or view.get("sheet") == sheet:
        raise PreventUpdate
    return _panel(data, sheet)


@callback(
    Output(ids.TEACH_GRID, "children"),
    Output({"type": ids.TEACH_MAP_ROW, "index": ALL}, "options"),
    Output({"type": ids.TEACH_MAP_COLUMN, "index": ALL}, "options"),
    Input(ids.TEACH_VIEW, "data"),
    Input(ids.TEACH_HEADER, "value"),
    Input(ids.TEACH_HEADER_BOTTOM, "value"),
    Input(ids.TEACH_LABEL, "value"),
    Input({"type": ids.TEACH_MAP_COLUMN, "index": ALL}, "value"),
    Input(ids.TEACH_PERIOD_CELL, "value"),
    Input(ids.TEACH_PERIOD_FROM, "value"),
)
def mark_grid(
    view: Any,
    top: Any,
    bottom: Any,
    label: Any,
    columns: list[Any],
    cell: Any,
    period_from: Any,
) -> tuple[Any, list[Any], list[Any]]:
    """The grid with what is chosen marked; the row and column choices follow the header."""
    if not isinstance(view, dict):
        raise PreventUpdate
    spec = spec_from_form({"header_top": top, "header_bottom": bottom, "label_column": label})
    rows = list(spec.header_rows)
    shown = dict(view, header_rows=rows)
    values = [c for c in (_number(v) for v in columns) if c is not None]
    period_cell = parse_address(cell) if period_from == "cell" else None
    grid = teach_grid(shown, rows, spec.label_column, values, period_cell)
    return (
        grid,
        [select_options(row_options(shown, spec.label_column), ALL_ROWS)] * len(columns),
        [select_options(column_options(shown), ANY_COLUMN)] * len(columns),
    )


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@callback(
    Output(ids.TEACH_RESULT, "children"),
    Output(ids.IMPORT_PREVIEW, "children", allow_duplicate=True),
    Output(ids.IMPORT_CHECKED, "data", allow_duplicate=True),
    Input(ids.TEACH_PREVIEW, "n_clicks"),
    Input(ids.TEACH_SAVE, "n_clicks"),
    State(ids.IMPORT_FILE, "data"),
    State(ids.TEACH_VIEW, "data"),
    State(ids.TEACH_HEADER, "value"),
    State(ids.TEACH_HEADER_BOTTOM, "value"),
    State(ids.TEACH_LABEL, "value"),
    State({"type": ids.TEACH_MAP_COLUMN, "index": ALL}, "value"),
    State({"type": ids.TEACH_MAP_ROW, "index": ALL}, "value"),
    State({"type": ids.TEACH_MAP_INDICATOR, "index": ALL}, "value"),
    State(ids.TEACH_PERIOD_FROM, "value"),
    State(ids.TEACH_PERIOD_CELL, "value"),
    State(ids.TEACH_PERIOD_COLUMN, "value"),
    State(ids.TEACH_PERIOD_VALUE, "value"),
    State(ids.TEACH_PLACE_FROM, "value"),
    State(ids.TEACH_PLACE_VALUE, "value"),
    State(ids.TEACH_PLACE_COLUMN, "value"),
    State(ids.TEACH_NAME, "value"),
    State(ids.TEACH_TITLE, "value"),
    prevent_initial_call=True,
)
def teach(  # one form: every choice arrives as its own State
    _preview_clicks: Any,
    _save_clicks: Any,
    data: Any,
    view: Any,
    header_top: Any,
    header_bottom: Any,
    label: Any,
    columns: list[Any],
    rows: list[Any],
    indicators: list[Any],
    period_from: Any,
    period_cell: Any,
    period_column: Any,
    period_value: Any,
    place_from: Any,
    place_value: Any,
    place_column: Any,
    name: Any,
    title: Any,
) -> tuple[Any, Any, Any]:
    clicked = _save_clicks if ctx.triggered_id == ids.TEACH_SAVE else _preview_clicks
    if not clicked or not isinstance(view, dict):
        raise PreventUpdate  # the buttons were just drawn, nobody clicked yet
    spec = spec_from_form(
        {
            "name": name,
            "title": title,
            "sheet": view.get("sheet"),
            "header_top": header_top,
            "header_bottom": header_bottom,
            "label_column": label,
            "lines": [
                {"column": c, "row": r, "indicator": i}
                for c, r, i in zip(columns, rows, indicators, strict=False)
            ],
            "period_from": period_from,
            "period_cell": period_cell,
            "period_column": period_column,
            "period_value": period_value,
            "place_from": place_from,
            "place_value": place_value,
            "place_column": place_column,
        }
    )
    file_name, contents = _file(data)
    use = save_taught if ctx.triggered_id == ids.TEACH_SAVE else preview_taught
    try:
        outcome = use(engine_of_app(), _settings(), current_principal(), file_name, contents, spec)
    except Exception:
        log.exception("Fehler beim Anlernen eines Aufbaus")
        return dbc.Alert(_failed(file_name, True).refusal, color="danger"), no_update, no_update
    if not outcome.saved:
        return teach_result(outcome), no_update, no_update
    # Saved: the file again, now with auto-detection, so „Übernehmen“ imports it in one click.
    shown, checked = _preview(data)
    return teach_result(outcome), shown, checked
