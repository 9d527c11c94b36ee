"""Helpers of the entry/import/audit tests: callback payloads as Dash's renderer sends them,
a dump of everything a save may change, and small source files."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import dash
from dash import Dash
from sqlalchemy import Engine, Table, select

from app import create_app, ids
from app import ids as aids
from benchmarks.dash_requests import route_payload, save_payload  # noqa: F401 - for the tests
from db.models import (
    AuditEntry,
    ImportRun,
    Kommentar,
    Messwert,
    MesswertVersion,
    StatusOverride,
)
from zielcockpit.settings import Settings

PAGES = ("/erfassung", "/import", "/protokoll", "/vollstaendigkeit")
WRITTEN_TABLES = (Messwert, MesswertVersion, Kommentar, StatusOverride, AuditEntry, ImportRun)


def access_app(url: str, archive: Path, max_upload_mb: int = 1) -> Dash:
    """The app with its archive in a temporary folder and a small upload limit."""
    dash.page_registry.clear()
    return create_app(
        Settings.resolve(
            {
                "DATABASE_URL": url,
                "ZIELCOCKPIT_ARCHIVE_DIR": str(archive),
                "ZIELCOCKPIT_MAX_UPLOAD_MB": str(max_upload_mb),
            }
        )
    )


def engine_of(app: Dash) -> Engine:
    engine: Engine = app.server.config["ZC_ENGINE"]
    return engine


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a save or an import could write, for "nothing was written" comparisons."""
    out = {}
    with engine.connect() as conn:
        for model in WRITTEN_TABLES:
            table = model.__table__
            assert isinstance(table, Table)  # declarative models map a Table, not any FromClause
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(table.c.id))]
    return out


def data_url(content: bytes, mime: str = "text/csv") -> str:
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")


def preview_payload(name: str, content: bytes) -> dict[str, Any]:
    return {
        "output": f"..{aids.IMPORT_PREVIEW}.children...{aids.IMPORT_CHECKED}.data..",
        "outputs": [
            {"id": aids.IMPORT_PREVIEW, "property": "children"},
            {"id": aids.IMPORT_CHECKED, "property": "data"},
        ],
        "inputs": [
            {
                "id": aids.IMPORT_FILE,
                "property": "data",
                "value": {"name": name, "contents": data_url(content)},
            }
        ],
        "changedPropIds": [f"{aids.IMPORT_FILE}.data"],
        "state": [],
    }


def confirm_payload(name: str, content: bytes, checked: Any) -> dict[str, Any]:
    return {
        "output": (
            f"..{aids.IMPORT_RESULT}.children...{aids.IMPORT_CONFIRM}.disabled..."
            f"{aids.IMPORT_JOB}.data...{aids.IMPORT_POLL}.disabled.."
        ),
        "outputs": [
            {"id": aids.IMPORT_RESULT, "property": "children"},
            {"id": aids.IMPORT_CONFIRM, "property": "disabled"},
            {"id": aids.IMPORT_JOB, "property": "data"},
            {"id": aids.IMPORT_POLL, "property": "disabled"},
        ],
        "inputs": [{"id": aids.IMPORT_CONFIRM, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{aids.IMPORT_CONFIRM}.n_clicks"],
        "state": [
            {
                "id": aids.IMPORT_FILE,
                "property": "data",
                "value": {"name": name, "contents": data_url(content)},
            },
            {"id": aids.IMPORT_CHECKED, "property": "data", "value": checked},
        ],
    }


def callback_output(client: Any, marker: str) -> str:
    """The output key of the callback whose outputs contain `marker` (outputs declared with
    `allow_duplicate=True` carry a hash Dash makes), as the renderer reads it."""
    for dependency in client.get("/_dash-dependencies").get_json():
        if marker in dependency["output"]:
            return str(dependency["output"])
    raise AssertionError(f"Kein Callback mit der Ausgabe {marker}.")


def poll_payload(output: str, job: Any, checked: Any) -> dict[str, Any]:
    """The import page's timer asking for the progress of „Übernehmen“ (a job)."""
    return {
        "output": output,
        "outputs": [
            {"id": aids.IMPORT_RESULT, "property": "children"},
            {"id": aids.IMPORT_CONFIRM, "property": "disabled"},
            {"id": aids.IMPORT_POLL, "property": "disabled"},
        ],
        "inputs": [{"id": aids.IMPORT_POLL, "property": "n_intervals", "value": 1}],
        "changedPropIds": [f"{aids.IMPORT_POLL}.n_intervals"],
        "state": [
            {"id": aids.IMPORT_JOB, "property": "data", "value": job},
            {"id": aids.IMPORT_CHECKED, "property": "data", "value": checked},
        ],
    }


def confirm_and_wait(client: Any, name: str, content: bytes, checked: Any) -> Any:
    """Post „Übernehmen“, then poll its job as the page's timer does until it has ended; the
    last response (the result, or the refusal when nothing was queued)."""
    import time

    response = client.post("/_dash-update-component", json=confirm_payload(name, content, checked))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    job = response.get_json()["response"].get(aids.IMPORT_JOB, {}).get("data")
    if not job:
        return response
    output = callback_output(client, f"{aids.IMPORT_POLL}.disabled@")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = client.post("/_dash-update-component", json=poll_payload(output, job, checked))
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        if response.get_json()["response"][aids.IMPORT_POLL]["disabled"]:
            return response
        time.sleep(0.2)
    raise AssertionError("Der Import-Auftrag wurde nicht in 120 s fertig.")


def trail_payload(measure: str = "alle", user: str = "alle", kind: str = "alle") -> dict[str, Any]:
    return {
        "output": f"..{aids.AUDIT_GRID}.rowData...{aids.AUDIT_COUNT}.children..",
        "outputs": [
            {"id": aids.AUDIT_GRID, "property": "rowData"},
            {"id": aids.AUDIT_COUNT, "property": "children"},
        ],
        "inputs": [
            {"id": aids.AUDIT_MEASURE, "property": "value", "value": measure},
            {"id": aids.AUDIT_USER, "property": "value", "value": user},
            {"id": aids.AUDIT_KIND, "property": "value", "value": kind},
        ],
        "changedPropIds": [f"{aids.AUDIT_KIND}.value"],
        "state": [],
    }


def download_payload(search: str) -> dict[str, Any]:
    return {
        "output": f"{aids.COMPLETENESS_DOWNLOAD}.data",
        "outputs": {"id": aids.COMPLETENESS_DOWNLOAD, "property": "data"},
        "inputs": [{"id": aids.COMPLETENESS_EXPORT, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{aids.COMPLETENESS_EXPORT}.n_clicks"],
        "state": [{"id": ids.URL, "property": "search", "value": search}],
    }


def all_payloads() -> list[dict[str, Any]]:
    """One request per callback of the four pages."""
    context = {"plan": "2017", "period": "2017-Q3", "oe": "510"}
    return [
        save_payload(context, {"510-4.2": "2"}),
        preview_payload("werte.csv", b"Indikator;Zeitraum;Wert\nREGE-4.1;2017-Q4;1\n"),
        confirm_payload("werte.csv", b"Indikator;Zeitraum;Wert\nREGE-4.1;2017-Q4;1\n", {}),
        trail_payload(),
        download_payload("?plan=2017&period=2017-Q3"),
        route_payload("/erfassung"),
    ]
