"""The catalogue as a workbook controllers maintain: layout, writing and reading.

Sheets: „Hinweise“ (how to use it, the plan), „Maßnahmen“ and „Indikatoren“ (one row each, the
structured columns first, the plan's wording beside them), „Kontakte“ (who is reminded of
missing values, per unit or measure; a workbook without the sheet leaves the contacts as they
are), „Listen“ (the drop-down values).
Reading gives the measures in the catalogue's own shape (`db.catalogue_export`), each row with
its sheet and the cell of every field, so `db.catalogue.check_catalogue` (the one validator of
YAML and workbook) names sheet and cell; what only the workbook can get wrong (an unknown word
in a drop-down column, a missing column) is reported here in the same form.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from etl.text_cells import keep_text
from zielcockpit.domain.catalogue_checks import CELLS, LINE, SHEET
from zielcockpit.domain.german import (
    DateError,
    NumberError,
    fold_name,
    plain_number,
    read_date,
    read_number,
)
from zielcockpit.domain.vocabulary import (
    AGGREGATION_NAMES,
    DIRECTION_NAMES,
    KIND_NAMES,
    NO,
    YES,
)

MEASURES = "Maßnahmen"
INDICATORS = "Indikatoren"
NOTES = "Hinweise"
LISTS = "Listen"
CONTACTS = "Kontakte"
UNIT_NAMES = {"Anzahl": "Anzahl", "%": "%", "EUR": "EUR", "Meilenstein": "Meilenstein", "": ""}
BOOL_NAMES = {True: YES, False: NO}


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = "text"  # text | number | date | ints | names | choice | bool | profile
    width: int = 14
    choices: dict[Any, str] | None = None  # stored value -> word in the workbook
    wording: bool = False  # the plan's own text (shown beside the structured columns)


MEASURE_COLUMNS = (
    Column("Code", "code", width=14),
    Column("Titel", "titel", width=40),
    Column("Handlungsfeld", "handlungsfeld", "choice", 28),
    Column("Untergruppe", "untergruppe", width=24),
    Column("Kategorie", "kategorie", width=10),
    Column("OE", "oe", "choice", 12),
    Column("Schwerpunktthema", "schwerpunktthema", width=30),
    Column("Leitsätze (Nr.)", "leitsaetze", "ints", 12),
    Column("Orte", "orte", "names", 20),
    Column("Aufwand in EUR", "aufwand_eur", "number", 14),
    Column("Leitsatz (Wortlaut)", "leitsatz_wortlaut", width=40, wording=True),
    Column("Ausgangslage", "ausgangslage", width=60, wording=True),
    Column("Zielsetzung", "zielsetzung", width=50, wording=True),
    Column("Maßnahmen zur Zielerreichung", "massnahmen_zur_zielerreichung", width=50, wording=True),
    Column("Umsetzungsschritte", "umsetzungsschritte", width=50, wording=True),
    Column("Indikator (Wortlaut)", "indikator_wortlaut", width=40, wording=True),
    Column("Zielwert (Wortlaut)", "zielwert_wortlaut", width=40, wording=True),
    Column("Datenquellen", "datenquellen", width=30, wording=True),
    Column("Aufwand (Wortlaut)", "aufwand", width=30, wording=True),
    Column("Weitere Angaben", "weitere_angaben", width=30, wording=True),
)

INDICATOR_COLUMNS = (
    Column("Maßnahme", "massnahme", width=12),
    Column("Code", "code", width=14),
    Column("Name", "name", width=40),
    Column("Art", "kind", "choice", 14, KIND_NAMES),
    Column("Einheit", "unit", "choice", 12, UNIT_NAMES),
    Column("Richtung", "direction", "choice", 20, DIRECTION_NAMES),
    Column("Zugänge/Bestand", "aggregation", "choice", 16, AGGREGATION_NAMES),
    Column("steuernd", "steering", "bool", 10, BOOL_NAMES),
    Column("Zielwert", "target", "number", 11),
    Column("Ziel je Ort", "target_per_place", "number", 11),
    Column("Orte", "orte", "names", 30),
    Column("Stichtag", "due", "date", 12),
    Column("erwartet ab", "start", "date", 12),
    Column("mehr als", "strict", "bool", 10, BOOL_NAMES),
    Column("Profil Q1", "Q1", "profile", 10),
    Column("Profil Q2", "Q2", "profile", 10),
    Column("Profil Q3", "Q3", "profile", 10),
    Column("Profil Q4", "Q4", "profile", 10),
    Column("Darunter von", "parent", width=14),
    Column("Ausgangswert", "baseline", "number", 12),
    Column("Ausgangszeitraum", "baseline_period", width=14),
    Column("Senkung in %", "reduction_pct", "number", 12),
    Column("zu prüfen", "zu_pruefen", "bool", 10, BOOL_NAMES),
    Column("Indikator (Wortlaut)", "wortlaut_indikator", width=45, wording=True),
    Column("Zielwert (Wortlaut)", "wortlaut_zielwert", width=45, wording=True),
    Column("Hinweis", "hinweis", width=45, wording=True),
)

CONTACT_COLUMNS = (
    Column("OE", "oe", "choice", 12),
    Column("Maßnahme", "massnahme", width=14),
    Column("Name", "name", width=32),
    Column("E-Mail", "email", width=36),
)

# The words problems use for a field: the column headers.
LABELS = {c.key: c.header for c in MEASURE_COLUMNS + INDICATOR_COLUMNS if c.kind != "profile"}
LABELS["profil"] = "Profil"

NOTE_LINES = (
    "Maßnahmenkatalog zum Pflegen in Excel oder LibreOffice",
    "",
    "Blatt „Maßnahmen“: eine Zeile je Maßnahme; Blatt „Indikatoren“: eine Zeile je Indikator,",
    "in der Reihenfolge des Plans. Links die Felder, nach denen die Ampel rechnet, rechts der",
    "Wortlaut des Plans (grau hinterlegt).",
    "Auswahllisten: Art, Einheit, Richtung, Zugänge/Bestand (Zugänge = neue Fälle je Quartal,",
    "die Quartale werden addiert; Bestand = Stand am Quartalsende, der letzte Wert zählt),",
    "steuernd (nein = nachrichtlich, ohne Ampel), mehr als (ja = „mehr als“: der Zielwert selbst",
    "ist noch nicht erreicht), zu prüfen (ja = aus dem Vorjahr übernommen, noch nicht bestätigt).",
    "Mehrere Orte mit „; “ trennen, Leitsätze mit „, “. Daten als Datum (TT.MM.JJJJ).",
    "Ziel je Ort: der Zielwert in jedem der Orte („in jedem Quartier“); Zielwert = Summe.",
    "Profil Q1–Q4: erwarteter Stand am Ende des Quartals (leer: anteilig bis zum Stichtag).",
    "",
    "Einlesen: zielcockpit catalogue import katalog.xlsx --plan <Plan> (zeigt die Änderungen",
    "alt → neu; schreibt sie mit --yes in einem Schritt, im Protokoll festgehalten).",
    "Codes, Blatt- und Spaltennamen nicht ändern.",
    "Blatt „Kontakte“: wer an fehlende Werte erinnert wird (je OE; mit Maßnahme: nur für sie).",
)
PLAN_CELL = "B20"  # the plan's key, read back by the import


# -- writing ----------------------------------------------------------------------------------------


def catalogue_workbook(data: dict[str, Any], contacts: list[dict[str, Any]] | None = None) -> bytes:
    """The catalogue (`db.catalogue_export.catalogue_data`) as an .xlsx file; with `contacts`
    (oe, massnahme, name, email) also the sheet „Kontakte“."""
    wb = Workbook()
    notes = wb.active
    assert notes is not None
    notes.title = NOTES
    _notes(notes, data)
    lists = wb.create_sheet(LISTS)
    fields = {hf["key"]: hf["titel"] for hf in data.get("handlungsfelder") or []}
    oes = {str(o["code"]): str(o["code"]) for o in data.get("organisationseinheiten") or []}
    measure_choices = {"handlungsfeld": fields, "oe": oes}
    measures = wb.create_sheet(MEASURES)
    indicators = wb.create_sheet(INDICATORS)
    rows_m: list[list[Any]] = []
    rows_i: list[list[Any]] = []
    for m in data.get("massnahmen") or []:
        rows_m.append([_cell(c, m.get(c.key), measure_choices.get(c.key)) for c in MEASURE_COLUMNS])
        for ind in m.get("indikatoren") or []:
            row = dict(ind, massnahme=m["code"], **(ind.get("profil") or {}))
            rows_i.append([_cell(c, row.get(c.key), c.choices) for c in INDICATOR_COLUMNS])
    _table(measures, MEASURE_COLUMNS, rows_m)
    _table(indicators, INDICATOR_COLUMNS, rows_i)
    sheet_c = None
    if contacts is not None:
        sheet_c = wb.create_sheet(CONTACTS)
        rows_c = [[c.get(col.key) or None for col in CONTACT_COLUMNS] for c in contacts]
        _table(sheet_c, CONTACT_COLUMNS, rows_c)
        sheet_c.freeze_panes = "A2"
    choice_lists = {
        **{c.key: list(c.choices.values()) for c in INDICATOR_COLUMNS if c.choices},
        "handlungsfeld": list(fields.values()),
        "oe": list(oes.values()),
    }
    refs = _lists(lists, choice_lists)
    _validations(measures, MEASURE_COLUMNS, refs, len(rows_m))
    _validations(indicators, INDICATOR_COLUMNS, refs, len(rows_i))
    if sheet_c is not None:
        _validations(sheet_c, CONTACT_COLUMNS, refs, len(contacts or []))
    lists.sheet_state = "hidden"
    keep_text(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cell(column: Column, value: Any, choices: dict[Any, str] | None) -> Any:
    if value is None:
        return None
    if choices is not None:
        return choices.get(value, value)
    if column.kind == "ints":
        return ", ".join(str(v) for v in value) or None
    if column.kind == "names":
        return "; ".join(str(v) for v in value) or None
    return value


def _notes(ws: Worksheet, data: dict[str, Any]) -> None:
    for row, line in enumerate(NOTE_LINES, start=1):
        ws.cell(row=row, column=1, value=line)
    ws["A1"].font = Font(bold=True, size=13)
    ws["A20"] = "Plan"
    ws[PLAN_CELL] = str(data["plan"]["key"])
    ws["A21"] = "Titel"
    ws["B21"] = data["plan"]["titel"]
    ws["A20"].font = ws["A21"].font = Font(bold=True)
    ws.column_dimensions["A"].width = 100


def _table(ws: Worksheet, columns: tuple[Column, ...], rows: list[list[Any]]) -> None:
    grey = PatternFill("solid", fgColor="EEEEEE")
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append(row)
    for idx, column in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = column.width
        head = ws.cell(row=1, column=idx)
        head.font = Font(bold=True)
        head.alignment = Alignment(wrap_text=True, vertical="top")
        if column.wording:
            head.fill = grey
        if column.kind == "date":
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = "DD.MM.YYYY"
        if column.wording or column.width >= 40:
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, len(rows) + 1)}"


def _lists(ws: Worksheet, lists: dict[str, list[str]]) -> dict[str, str]:
    refs = {}
    for idx, (key, words) in enumerate(lists.items(), start=1):
        letter = get_column_letter(idx)
        ws.cell(row=1, column=idx, value=key)
        for row, word in enumerate(words, start=2):
            ws.cell(row=row, column=idx, value=word)
        refs[key] = f"{LISTS}!${letter}$2:${letter}${max(2, len(words) + 1)}"
    return refs


def _validations(
    ws: Worksheet, columns: tuple[Column, ...], refs: dict[str, str], n_rows: int
) -> None:
    last = max(n_rows + 200, 500)  # room for new rows
    for idx, column in enumerate(columns, start=1):
        if column.key not in refs or column.kind not in ("choice", "bool"):
            continue
        dv = DataValidation(
            type="list",
            formula1=refs[column.key],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Ungültiger Eintrag",
            error=f"Bitte einen Wert aus der Liste für „{column.header}“ wählen.",
        )
        letter = get_column_letter(idx)
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class WorkbookCatalogue:
    plan_key: str | None
    measures: list[dict[str, Any]]
    problems: list[str]  # already with file, sheet and cell
    contacts: list[dict[str, Any]] | None = None  # None: no sheet „Kontakte“


def read_catalogue_workbook(
    content: bytes, file_name: str, fields: dict[str, str], oes: set[str]
) -> WorkbookCatalogue:
    """Measures with their indicators from a workbook; `fields` maps a Handlungsfeld's title to
    its key (the workbook shows titles)."""
    try:
        wb = load_workbook(io.BytesIO(content), data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        message = f"{file_name}: keine lesbare Excel-Mappe (.xlsx); bitte die exportierte Mappe verwenden."
        return WorkbookCatalogue(None, [], [message])
    problems: list[str] = []
    for sheet in (MEASURES, INDICATORS):
        if sheet not in wb.sheetnames:
            problems.append(f"{file_name}: Blatt „{sheet}“ fehlt.")
    if problems:
        return WorkbookCatalogue(None, [], problems)
    plan_key = None
    if NOTES in wb.sheetnames and wb[NOTES][PLAN_CELL].value is not None:
        plan_key = str(wb[NOTES][PLAN_CELL].value).strip()
    reader = _Reader(file_name, problems)
    field_titles = {key: title for title, key in fields.items()}
    measure_choices = {"handlungsfeld": field_titles, "oe": {o: o for o in oes}}
    measures = reader.rows(wb[MEASURES], MEASURE_COLUMNS, measure_choices)
    indicators = reader.rows(wb[INDICATORS], INDICATOR_COLUMNS, {})
    contacts = (
        reader.rows(wb[CONTACTS], CONTACT_COLUMNS, {"oe": {o: o for o in oes}})
        if CONTACTS in wb.sheetnames
        else None
    )
    if reader.columns_missing:
        return WorkbookCatalogue(plan_key, [], problems)  # the columns first, then the cells
    by_code: dict[str, dict[str, Any]] = {}
    for m in measures:
        m["indikatoren"] = []
        by_code.setdefault(str(m.get("code")), m)
    for ind in indicators:
        owner_code = ind.pop("massnahme", None)
        owner = by_code.get(str(owner_code))
        profile = {q: ind.pop(q) for q in ("Q1", "Q2", "Q3", "Q4") if ind.get(q) is not None}
        for q in ("Q1", "Q2", "Q3", "Q4"):
            ind.pop(q, None)
        ind["profil"] = profile
        if owner is None:
            problems.append(
                f"{reader.where(ind, 'massnahme')}: Indikator {ind.get('code')}: Maßnahme "
                f"„{owner_code}“ gibt es nicht auf dem Blatt „{MEASURES}“."
            )
            continue
        owner["indikatoren"].append(ind)
    return WorkbookCatalogue(plan_key, measures, problems, contacts)


@dataclass
class _Reader:
    file: str
    problems: list[str]
    columns_missing: bool = False

    def where(self, item: dict[str, Any], key: str) -> str:
        cell = item[CELLS].get(key)
        spot = f"Zelle {cell}" if cell else f"Zeile {item[LINE]}"
        return f"{self.file}, Blatt „{item[SHEET]}“, {spot}"

    def rows(
        self,
        ws: Worksheet,
        columns: tuple[Column, ...],
        choices: dict[str, dict[str, str]],
    ) -> list[dict[str, Any]]:
        header = [str(c.value).strip() if c.value is not None else "" for c in ws[1]]
        index: dict[str, int] = {}
        for column in columns:
            if column.header in header:
                index[column.key] = header.index(column.header)
            else:
                self.columns_missing = True
                self.problems.append(
                    f"{self.file}, Blatt „{ws.title}“: Spalte „{column.header}“ fehlt in Zeile 1."
                )
        if len(index) < len(columns):
            return []
        items = []
        for row in ws.iter_rows(min_row=2):
            values = [row[index[c.key]].value if index[c.key] < len(row) else None for c in columns]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            line = row[0].row
            item: dict[str, Any] = {LINE: line, SHEET: ws.title, CELLS: {}}
            for column, raw in zip(columns, values, strict=True):
                cell = f"{get_column_letter(index[column.key] + 1)}{line}"
                item[CELLS][column.key] = cell
                item[column.key] = self.value(item, column, raw, choices.get(column.key))
            item[CELLS]["profil"] = item[CELLS].get("Q1")
            items.append(item)
        return items

    def value(
        self, item: dict[str, Any], column: Column, raw: Any, choices: dict[str, str] | None
    ) -> Any:
        if isinstance(raw, str):
            raw = raw if column.wording else raw.strip()
            if raw == "":
                raw = None
        convert = _CONVERT.get(column.kind)
        if raw is None:
            return _EMPTY.get(column.kind)
        mapping = choices if choices is not None else column.choices
        if mapping is not None:
            reverse = {fold_name(str(word)): value for value, word in mapping.items()}
            reverse |= {fold_name(str(value)): value for value in mapping}
            found = reverse.get(fold_name(str(raw)))
            if found is None:
                allowed = ", ".join(f"„{w}“" for w in dict.fromkeys(mapping.values()) if w)
                self.problems.append(
                    f"{self.where(item, column.key)}: „{column.header}“ ist „{raw}“, "
                    f"erlaubt: {allowed}."
                )
                return raw
            return found
        return convert(raw) if convert else raw


def _number(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw  # reported by the checker
    try:
        return plain_number(read_number(raw))
    except NumberError:
        return raw  # „… muss eine Zahl sein“, from the checker with its cell


def _date(raw: Any) -> Any:
    try:
        return read_date(raw)
    except DateError:
        return str(raw).strip()  # „… muss ein Datum sein“, from the checker with its cell


def _ints(raw: Any) -> Any:
    if isinstance(raw, int | float):
        return [int(raw)]
    try:
        return [int(x) for x in str(raw).replace(";", ",").split(",") if x.strip()]
    except ValueError:
        return [str(raw)]  # „Leitsatz Nr. … gibt es nicht“, from the checker


def _names(raw: Any) -> list[str]:
    return [x.strip() for x in str(raw).split(";") if x.strip()]


def _text(raw: Any) -> Any:
    if isinstance(raw, float) and raw == int(raw):
        return str(int(raw))
    return raw if isinstance(raw, str) else str(raw)


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "number": _number,
    "profile": _number,
    "date": _date,
    "ints": _ints,
    "names": _names,
}
_EMPTY: dict[str, Any] = {"ints": [], "names": [], "choice": None, "bool": None}
