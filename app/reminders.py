"""The completeness reminder list as an Excel workbook with German headers (pure: rows in, bytes out)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.xlsx import Sheet, workbook
from db.completeness import Completeness
from zielcockpit.domain.formatting import fmt_date, fmt_datetime

HEADERS = [
    "Organisationseinheit",
    "Name der Organisationseinheit",
    "Maßnahme",
    "Titel der Maßnahme",
    "Indikator",
    "Name des Indikators",
    "Was fehlt",
    "Quartal",
    "Liefertermin",
    "Stand",
    "Tage überfällig",
]


def reminder_workbook(
    report: Completeness, plan_title: str, now: dt.datetime, today: dt.date | None = None
) -> bytes:
    """The reminder list: one row per missing value with its delivery deadline (a date cell),
    „überfällig“ or „noch nicht fällig“ and the days late; German headers (pure)."""
    label = report.period.label
    rows: list[list[Any]] = [HEADERS]
    rows += [
        [
            r.oe,
            r.oe_name,
            r.measure,
            r.measure_title,
            r.indicator,
            r.indicator_name,
            r.what,
            label,
            r.due,
            None if r.delivery is None else r.delivery.word,
            None if r.delivery is None or not r.delivery.overdue else r.delivery.days_overdue,
        ]
        for r in report.rows
    ]
    counts: list[list[Any]] = [
        ["Organisationseinheit", "Name", "Steuernde Indikatoren", "vollständig", "fehlen"]
    ]
    counts += [[u.oe, u.oe_name, u.steering, u.complete, u.missing] for u in report.counts]
    return workbook(
        [
            Sheet(
                "Erinnerungsliste",
                rows,
                widths=[18, 34, 14, 48, 14, 60, 34, 18, 14, 18, 16],
                freeze=(1, 0),
                autofilter=True,
            ),
            Sheet("Übersicht", counts, widths=[18, 40, 22, 14, 12]),
            Sheet(
                "Hinweise",
                [
                    ["Zielcockpit – Erinnerungsliste fehlender Werte"],
                    ["Plan", plan_title],
                    ["Quartal", label],
                    ["Erstellt am", fmt_datetime(now)],
                    ["Stand der Liefertermine", fmt_date(today) if today else "–"],
                ],
                widths=[20, 80],
            ),
        ]
    )
