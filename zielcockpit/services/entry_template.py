"""Use case: the Erfassungsvorlage, an Excel file per Organisationseinheit and quarter (openpyxl).

Pre-filled with the unit's indicators (code, measure, name, unit, target, last quarter's value),
key columns locked, a drop-down for milestone states, number validation and a comment column.
Filled in, it comes back through the same import machinery (profile „erfassungsvorlage“).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection, Engine, select

from db.indicators import indicators_with_measure
from db.models import Indikator, Massnahme, Messwert, Organisationseinheit, Plan
from db.units import unit_parents
from etl.text_cells import keep_text
from zielcockpit.domain.access import units_with_children
from zielcockpit.domain.formatting import fmt_date, fmt_number
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import MILESTONE_WORDS, value_label

SHEET = "Erfassung"
HEADER_ROW = 8
COLUMNS = (
    ("Schlüssel", 24),
    ("Indikator-Code", 16),
    ("Maßnahme", 34),
    ("Indikator", 48),
    ("Einheit", 11),
    ("Zielwert", 12),
    ("Vorquartal", 12),
    ("Art des Werts", 22),
    ("Wert", 12),
    ("Sachstand", 14),
    ("Kommentar (Begründung bei Abweichung)", 50),
)
COL_KEY, COL_CODE, COL_LABEL, COL_VALUE, COL_STATUS, COL_COMMENT = 1, 2, 8, 9, 10, 11
MILESTONE_CHOICES = tuple(MILESTONE_WORDS.values())
LOCKED_FILL = PatternFill("solid", fgColor="EEEEEE")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")


class TemplateError(Exception):
    """The template cannot be made (unknown unit, period or plan); the message is German."""


@dataclass(frozen=True)
class TemplateResult:
    path: Path
    oe: str
    plan_key: str
    period_label: str
    indicators: int


@dataclass(frozen=True)
class _Line:
    indicator_id: int
    code: str
    measure: str
    name: str
    kind: str
    unit: str
    target: Decimal | None
    aggregation: str


def write_template(
    engine: Engine, oe: str, period_text: str, path: Path, plan_key: str | None = None
) -> TemplateResult:
    period = _quarter(period_text)
    with engine.connect() as conn:
        units = {
            r.code: (r.id, r.parent_id, r.name)
            for r in conn.execute(
                select(
                    Organisationseinheit.code,
                    Organisationseinheit.id,
                    Organisationseinheit.parent_id,
                    Organisationseinheit.name,
                )
            )
        }
        if oe not in units:
            known = ", ".join(sorted(units)) or "keine"
            raise TemplateError(f"Organisationseinheit „{oe}“ gibt es nicht. Vorhanden: {known}.")
        wanted = {units[c][0] for c in units_with_children([oe], unit_parents(conn))}
        chosen, lines = _plan_lines(conn, period, oe, wanted, plan_key)
        previous = _previous_values(conn, lines, period)
    _write(path, oe, units[oe][2], chosen.key, chosen.title, period, lines, previous)
    return TemplateResult(path, oe, chosen.key, period.label, len(lines))


def _quarter(period_text: str) -> Period:
    try:
        period = Period.parse(period_text)
    except PeriodError as exc:
        raise TemplateError(str(exc)) from exc
    if period.kind != "quarter":
        raise TemplateError(
            f"Die Erfassungsvorlage gilt für ein Quartal: bitte z. B. {period.year}-Q2 angeben."
        )
    return period


def _plan_lines(
    conn: Connection, period: Period, oe: str, wanted: set[int], plan_key: str | None
) -> tuple[Any, list[_Line]]:
    """The one plan of the year with measures of the units, and their indicators in order."""
    plans = conn.execute(
        select(Plan.id, Plan.key, Plan.title).where(Plan.year == period.year).order_by(Plan.key)
    ).all()
    if plan_key is not None:
        plans = [p for p in plans if p.key == plan_key]
    lines: list[_Line] = []
    chosen = None
    for plan in plans:
        rows = conn.execute(
            indicators_with_measure(
                Indikator.id,
                Indikator.code,
                Massnahme.code.label("measure_code"),
                Massnahme.title,
                Indikator.name,
                Indikator.kind,
                Indikator.unit,
                Indikator.target,
                Indikator.aggregation,
            )
            .where(Indikator.plan_id == plan.id, Massnahme.oe_id.in_(wanted))
            .order_by(Massnahme.position, Indikator.position)
        ).all()
        if not rows:
            continue
        if chosen is not None:
            raise TemplateError(
                f"Mehrere Pläne des Jahres {period.year} haben Maßnahmen der OE {oe}: "
                "bitte --plan angeben."
            )
        chosen = plan
        lines = [
            _Line(
                r.id,
                r.code,
                f"{r.measure_code} {r.title}",
                r.name,
                r.kind,
                r.unit,
                r.target,
                r.aggregation,
            )
            for r in rows
        ]
    if chosen is None:
        raise TemplateError(
            f"Kein Plan des Jahres {period.year} hat Maßnahmen der OE {oe}"
            + (f" (Plan {plan_key})" if plan_key else "")
            + "."
        )
    return chosen, lines


def _previous_values(conn: Connection, lines: list[_Line], period: Period) -> dict[int, str]:
    """Last quarter's value per indicator: the quarter itself, else its months rolled up."""
    prev = period.previous_quarter()
    if prev is None or not lines:
        return {}
    keys = [prev.key] + [m.key for m in prev.months()]
    rows = conn.execute(
        select(
            Messwert.indikator_id,
            Messwert.period,
            Messwert.ort_id,
            Messwert.value,
            Messwert.symbol,
            Messwert.status,
        ).where(
            Messwert.indikator_id.in_([line.indicator_id for line in lines]),
            Messwert.period.in_(keys),
        )
    ).all()
    by_indicator: dict[
        int, list[tuple[str, int | None, Decimal | None, str | None, str | None]]
    ] = defaultdict(list)
    for r in rows:
        by_indicator[r.indikator_id].append((r.period, r.ort_id, r.value, r.symbol, r.status))
    shown: dict[int, str] = {}
    for line in lines:
        found = by_indicator.get(line.indicator_id)
        if not found:
            continue
        text = _roll_up(found, prev, line)
        if text is not None:
            shown[line.indicator_id] = text
    return shown


def _roll_up(
    found: list[tuple[str, int | None, Decimal | None, str | None, str | None]],
    quarter: Period,
    line: _Line,
) -> str | None:
    for wanted in [[quarter.key], [m.key for m in quarter.months()]]:
        parts = [f for f in found if f[0] in wanted]
        if not parts:
            continue
        if any(p[4] for p in parts):
            last = sorted(parts, key=lambda p: p[0])[-1]
            return MILESTONE_WORDS.get(last[4] or "", last[4])
        if any(p[3] for p in parts):
            return next(p[3] for p in parts if p[3])
        if wanted != [quarter.key] and line.aggregation == "last":
            latest = max(p[0] for p in parts)
            parts = [p for p in parts if p[0] == latest]
        total = sum((p[2] for p in parts if p[2] is not None), Decimal(0))
        return fmt_number(float(total))  # shown, not read back: the overview's format
    return None


def _write(
    path: Path,
    oe: str,
    oe_name: str,
    plan_key: str,
    plan_title: str,
    period: Period,
    lines: list[_Line],
    previous: dict[int, str],
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    _write_head(ws, oe, oe_name, plan_key, plan_title, period)
    money = DataValidation(
        type="decimal",
        operator="between",
        formula1="-1000000000",
        formula2="1000000000",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Kein Betrag",
        error="Bitte einen Betrag in Euro eintragen, z. B. 12500.",
    )
    states = DataValidation(
        type="list",
        formula1='"' + ",".join(MILESTONE_CHOICES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Sachstand",
        error="Bitte einen Sachstand aus der Liste wählen: " + ", ".join(MILESTONE_CHOICES) + ".",
    )
    for validation in (money, states):
        ws.add_data_validation(validation)
    # One number check per kind of value, each with its own prompt: a flow or a stock.
    numbers: dict[str, DataValidation] = {}
    for i, line in enumerate(lines):
        r = HEADER_ROW + 1 + i
        values: tuple[Any, ...] = (
            f"{plan_key}|{line.code}|{period.key}",
            line.code,
            line.measure,
            line.name,
            line.unit,
            None if line.target is None else float(line.target),
            previous.get(line.indicator_id),
            value_label(line.kind, line.aggregation, line.unit),
        )
        for col, content in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=content)
            cell.fill = LOCKED_FILL
            cell.protection = Protection(locked=True)
            cell.alignment = Alignment(vertical="top", wrap_text=col in (3, 4))
        _input_cells(ws, r, line, money, states, numbers)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=COL_CODE + 1)
    # Sheet protection locks the key columns; widths and rows may still be adjusted.
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    keep_text(wb)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _write_head(
    ws: Worksheet, oe: str, oe_name: str, plan_key: str, plan_title: str, period: Period
) -> None:
    """Title, unit, period and plan, the instructions, and the column headers."""
    ws["A1"] = "Zielcockpit – Erfassungsvorlage"
    ws["A1"].font = Font(bold=True, size=14)
    for row, (label, value, text) in enumerate(
        (
            ("Organisationseinheit:", oe, oe_name),
            ("Zeitraum:", period.key, period.label),
            ("Plan:", plan_key, plan_title),
        ),
        start=3,
    ):
        ws.cell(row=row, column=2, value=label).font = Font(bold=True)
        ws.cell(row=row, column=3, value=value)
        ws.cell(row=row, column=4, value=text)
    ws.cell(
        row=6,
        column=2,
        value=(
            "Bitte nur die gelben Felder ausfüllen, wie die Spalte „Art des Werts“ sagt: "
            "Zugänge und Beträge nur dieses Quartals, Bestände und Quoten als Stand am "
            "Quartalsende (Quoten in Prozentpunkten), bei Meilensteinen den Sachstand, bei "
            "Abweichungen eine Begründung. Erstellt am "
            f"{fmt_date(dt.date.today())}."
        ),
    ).alignment = Alignment(wrap_text=False)
    for col, (title, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = width
    ws.column_dimensions["A"].hidden = True


def _input_cells(
    ws: Worksheet,
    r: int,
    line: _Line,
    money: DataValidation,
    states: DataValidation,
    numbers: dict[str, DataValidation],
) -> None:
    """The row's value, state and comment cells: open where the kind of value is entered."""
    value_cell = ws.cell(row=r, column=COL_VALUE)
    status_cell = ws.cell(row=r, column=COL_STATUS)
    comment_cell = ws.cell(row=r, column=COL_COMMENT)
    if line.kind == "milestone":
        value_cell.protection, value_cell.fill = Protection(locked=True), LOCKED_FILL
        status_cell.protection, status_cell.fill = Protection(locked=False), INPUT_FILL
        states.add(status_cell.coordinate)
    else:
        value_cell.protection, value_cell.fill = Protection(locked=False), INPUT_FILL
        value_cell.number_format = "#,##0.##"
        status_cell.protection, status_cell.fill = Protection(locked=True), LOCKED_FILL
        label = value_label(line.kind, line.aggregation, line.unit)
        if line.unit == "EUR":
            money.add(value_cell.coordinate)
        else:
            if label not in numbers:
                numbers[label] = _numbers(label)
                ws.add_data_validation(numbers[label])
            numbers[label].add(value_cell.coordinate)
    comment_cell.protection, comment_cell.fill = Protection(locked=False), INPUT_FILL
    comment_cell.alignment = Alignment(wrap_text=True, vertical="top")


def _numbers(label: str) -> DataValidation:
    """A non-negative number, with the kind of value („Bestand am Quartalsende“) as prompt."""
    return DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Keine Zahl",
        error="Bitte eine Zahl eintragen, z. B. 12 oder 5,9 (Quoten in Prozentpunkten).",
        promptTitle="Wert",
        prompt=label,
        showInputMessage=True,
    )
