"""The change log of a measure page: its audit entries and the values that were replaced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import html

from app.components.audit_trail import readable, subject_text
from app.components.common import period_text
from app.components.tables import data_table
from db.audit_trail import kind_label
from db.value_versions import VersionRow
from zielcockpit.domain.formatting import fmt_datetime


def change_log(entries: Sequence[dict[str, Any]], versions: Sequence[VersionRow]) -> html.Div:
    """Audit entries of a measure and its replaced values, as text (never as HTML)."""
    parts: list[Any] = []
    if entries:
        head = ("Zeitpunkt", "Wer", "Art", "Was", "bisher", "neu", "Quelle")
        rows = [
            html.Tr(
                [
                    html.Td(fmt_datetime(e["at"])),
                    html.Td(e["actor"]),
                    html.Td(kind_label(e["action"])),
                    html.Td(subject_text(e["key"])),
                    html.Td(readable(e["old"])),
                    html.Td(readable(e["new"])),
                    html.Td(e["source"] or "–"),
                ]
            )
            for e in entries
        ]
        caption = "Änderungen an Werten, Kommentaren und Ampeln"
        parts.append(data_table(head, rows, "changelog-table", caption, caption_shown=True))
    else:
        parts.append(html.P("Noch keine Änderungen im Protokoll.", className="muted"))
    if versions:
        columns = ("Indikator", "Zeitraum", "früherer Wert", "erfasst", "ersetzt", "Quelle")
        replaced = [
            html.Tr(
                [
                    html.Td(v.indicator, className="code"),
                    html.Td(period_text(v.period)),
                    html.Td(v.old),
                    html.Td(f"{v.recorded_by or 'unbekannt'}, {fmt_datetime(v.recorded_at)}"),
                    html.Td(f"{v.replaced_by or 'unbekannt'}, {fmt_datetime(v.replaced_at)}"),
                    html.Td(v.source or "–"),
                ]
            )
            for v in versions
        ]
        caption = "Ersetzte Werte (frühere Fassungen)"
        parts.append(data_table(columns, replaced, "changelog-table", caption, caption_shown=True))
    return html.Div(parts, className="changelog table-scroll")
