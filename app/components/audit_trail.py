"""The audit trail of /protokoll as a grid, and the readable texts of audit entries."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag

from app import ids
from app.components.grid import LOCALE_TEXT_DE
from db.audit_trail import TrailRow, kind_label
from zielcockpit.domain.formatting import fmt_datetime
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS

AUDIT_KEYS = {
    "datei": "Datei",
    "pruefsumme": "Prüfsumme",
    "profil": "Profil",
    "werte_geschrieben": "Werte geschrieben",
    "unveraendert": "unverändert",
    "kommentare": "Kommentare",
    "ampel": "Ampel",
    "begruendung": "Begründung",
    "rolle": "Rolle",
    "oe": "Organisationseinheit",
    "aktiv": "aktiv",
}


def _audit_value(key: str, value: Any) -> str:
    if key == "pruefsumme" and isinstance(value, str) and len(value) > 12:
        return value[:12] + " …"  # enough to tell files apart; the full one is in the archive
    if key == "ampel" and value in LIGHT_MEANINGS:
        return LIGHT_MEANINGS[value]
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    return "–" if value is None else str(value)


def readable(text: str | None) -> str:
    """Audit values are stored as text or JSON; JSON objects shown as „Schlüssel: Wert; …“."""
    if text is None:
        return "–"
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return text
        if isinstance(data, dict):
            return "; ".join(
                f"{AUDIT_KEYS.get(k, k)}: {_audit_value(k, v)}" for k, v in data.items()
            )
    return text


def subject_text(key: str) -> str:
    """„REGE-4.1 2017-Q3“ → „REGE-4.1 · Q3 2017“: the period of a key in German."""
    head, _, last = key.rpartition(" ")
    if not head:
        return key
    try:
        return f"{head} · {Period.parse(last).short_label}"
    except PeriodError:
        return key


def trail_rows(rows: Sequence[TrailRow]) -> list[dict[str, Any]]:
    return [
        {
            "at": r.at.isoformat(sep=" ", timespec="seconds"),
            "at_text": fmt_datetime(r.at),
            "actor": r.actor,
            "kind": kind_label(r.kind),
            "measure": r.measure or "–",
            "subject": subject_text(r.subject),
            "old": readable(r.old),
            "new": readable(r.new),
            "source": r.source or "–",
        }
        for r in rows
    ]


def trail_grid(rows: Sequence[TrailRow]) -> dag.AgGrid:
    text = {"filter": "agTextColumnFilter", "floatingFilter": True}
    return dag.AgGrid(
        id=ids.AUDIT_GRID,
        rowData=trail_rows(rows),
        columnDefs=[
            # Widths add up to the 1024 px of a projector; old and new take what is left.
            {"field": "at_text", "headerName": "Zeitpunkt", "width": 130, "sortable": False},
            {"field": "actor", "headerName": "Wer", "width": 120, **text},
            {"field": "kind", "headerName": "Art", "width": 140, **text},
            {"field": "measure", "headerName": "Maßnahme", "width": 110, **text},
            {"field": "subject", "headerName": "Was", "width": 140, **text},
            {"field": "old", "headerName": "bisher", "flex": 1, "minWidth": 100, **text},
            {"field": "new", "headerName": "neu", "flex": 1, "minWidth": 100, **text},
            {"field": "source", "headerName": "Quelle", "width": 130, **text},
        ],
        defaultColDef={"resizable": True, "wrapText": True, "autoHeight": True},
        dashGridOptions={
            "localeText": LOCALE_TEXT_DE,
            "pagination": True,
            "paginationPageSize": 50,
            "paginationPageSizeSelector": False,
            "enableCellTextSelection": True,
        },
        className="ag-theme-alpine audit-grid",
        style={"height": "70vh"},
    )
