"""The Quartalsvergleich as an Excel workbook with German headers (pure: rows in, bytes out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, get_args

from app.components.grid import CHANGE_TEXT
from app.components.lights import light_text
from app.viewmodel import MeasureRow
from app.xlsx import MIME, Sheet, workbook
from zielcockpit.domain.formatting import fmt_datetime
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import Light

FILLS = {  # the light colours (Okabe–Ito), dark text stays readable on all of them
    "green": "009E73",
    "yellow": "E69F00",
    "red": "D55E00",
    "grey": "8C8C8C",
}
NOT_REPORTED = "noch nicht berichtet"
__all__ = ["MIME", "headers", "table_rows", "workbook_bytes"]


def headers(quarters: Sequence[Period]) -> list[str]:
    return (
        ["Handlungsfeld", "Maßnahme", "Titel", "Organisationseinheit"]
        + [f"Ampel {q.label}" for q in quarters]
        + ["Veränderung zum Vorquartal", "Manuell gesetzt", "Begründung der Ampel", "Demodaten"]
    )


def table_rows(rows: Sequence[MeasureRow], quarters: Sequence[Period]) -> list[list[Any]]:
    texts: dict[Light | None, str] = {light: light_text(light) for light in get_args(Light)}
    texts[None] = NOT_REPORTED  # one text per light, not one per cell
    result = []
    for r in rows:
        lights = [texts[x] for x in r.quarter_lights]
        result.append(
            [r.cluster, r.code, r.title, f"{r.owner} – {r.owner_name}"]
            + lights
            + [
                CHANGE_TEXT.get(r.change or "", "–"),
                "ja" if r.override else "nein",
                r.override.justification if r.override else r.sentence,
                "ja" if r.demo else "nein",
            ]
        )
    return result


def workbook_bytes(
    rows: Sequence[MeasureRow],
    quarters: Sequence[Period],
    about: Sequence[tuple[str, str]],
    now: dt.datetime,
) -> bytes:
    """Sheet „Quartalsvergleich“ (the table) and sheet „Hinweise“ (what was exported, when)."""
    first_light = 4  # the column of the first quarter's light
    fills = {
        (line, first_light + offset): FILLS[light]
        for line, r in enumerate(rows, start=1)
        for offset, light in enumerate(r.quarter_lights)
        if light is not None
    }
    table = Sheet(
        "Quartalsvergleich",
        [headers(quarters), *table_rows(rows, quarters)],
        widths=[28, 14, 48, 30] + [18] * len(quarters) + [22, 14, 70, 12],
        fills=fills,
        freeze=(1, 2),
        autofilter=True,
    )
    notes = Sheet(
        "Hinweise",
        [
            ["Zielcockpit – Quartalsvergleich"],
            *([k, v] for k, v in about),
            ["Erstellt am", fmt_datetime(now)],
        ],
        widths=[28, 90],
    )
    return workbook([table, notes])
