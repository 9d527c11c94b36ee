"""The Quartalsvergleich grid (dash-ag-grid): German texts, columns, rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_ag_grid as dag

from app.components.lights import light_text
from app.viewmodel import MeasureRow
from zielcockpit.domain.periods import Period

# AG Grid speaks English unless told otherwise: every text a user of the grid can meet.
LOCALE_TEXT_DE: dict[str, str] = {
    "page": "Seite",
    "more": "mehr",
    "to": "bis",
    "of": "von",
    "next": "Nächste",
    "last": "Letzte",
    "first": "Erste",
    "previous": "Vorherige",
    "loadingOoo": "Wird geladen …",
    "loadingError": "Fehler beim Laden",
    "noRowsToShow": "Keine Maßnahmen für diese Auswahl",
    "enabled": "Aktiviert",
    "selectAll": "(Alle auswählen)",
    "searchOoo": "Suchen …",
    "blanks": "(Leer)",
    "noMatches": "Keine Treffer",
    "filterOoo": "Filtern …",
    "equals": "ist gleich",
    "notEqual": "ist ungleich",
    "blank": "ist leer",
    "notBlank": "ist nicht leer",
    "empty": "Bitte wählen …",
    "lessThan": "kleiner als",
    "greaterThan": "größer als",
    "lessThanOrEqual": "kleiner oder gleich",
    "greaterThanOrEqual": "größer oder gleich",
    "inRange": "zwischen",
    "inRangeStart": "von",
    "inRangeEnd": "bis",
    "contains": "enthält",
    "notContains": "enthält nicht",
    "startsWith": "beginnt mit",
    "endsWith": "endet mit",
    "dateFormatOoo": "tt.mm.jjjj",
    "andCondition": "UND",
    "orCondition": "ODER",
    "applyFilter": "Anwenden",
    "resetFilter": "Zurücksetzen",
    "clearFilter": "Leeren",
    "cancelFilter": "Abbrechen",
    "textFilter": "Textfilter",
    "numberFilter": "Zahlenfilter",
    "dateFilter": "Datumsfilter",
    "setFilter": "Auswahlfilter",
    "filterConditions": "Bedingungen",
    "filterValue": "Wert",
    "filterFrom": "von",
    "filterTo": "bis",
    "columns": "Spalten",
    "filters": "Filter",
    "pinColumn": "Spalte anheften",
    "pinLeft": "Links anheften",
    "pinRight": "Rechts anheften",
    "noPin": "Nicht anheften",
    "autosizeThisColumn": "Diese Spalte automatisch anpassen",
    "autosizeAllColumns": "Alle Spalten automatisch anpassen",
    "resetColumns": "Spalten zurücksetzen",
    "sortAscending": "Aufsteigend sortieren",
    "sortDescending": "Absteigend sortieren",
    "sortUnSort": "Sortierung aufheben",
    "copy": "Kopieren",
    "ctrlC": "Strg+C",
    "paste": "Einfügen",
    "ctrlV": "Strg+V",
    "export": "Exportieren",
    "csvExport": "Als CSV exportieren",
    "excelExport": "Als Excel exportieren",
    "columnFilter": "Spaltenfilter",
    "columnChooser": "Spalten auswählen",
    "chooseColumns": "Spalten auswählen",
    "sortAscendingAria": "aufsteigend",
    "sortDescendingAria": "absteigend",
    "sortNoneAria": "unsortiert",
    "ariaFilterInput": "Filtereingabe",
    "ariaFilterValue": "Filterwert",
    "ariaFilterFromValue": "Filter von",
    "ariaFilterToValue": "Filter bis",
    "ariaFilteringOperator": "Filteroperator",
    "ariaColumnFiltered": "Spalte gefiltert",
    "ariaSortableColumn": "Drücke Eingabe zum Sortieren",
    "ariaMenuColumn": "Drücke Alt+Pfeil nach unten für das Spaltenmenü",
    "ariaFilterColumn": "Drücke Strg+Eingabe für den Filter",
    "ariaHidden": "versteckt",
    "ariaVisible": "sichtbar",
    "ariaChecked": "ausgewählt",
    "ariaUnchecked": "nicht ausgewählt",
    "ariaSearch": "Suchen",
    "ariaSearchFilterValues": "Filterwerte durchsuchen",
    "ariaRowSelect": "Drücke Leertaste, um die Zeile auszuwählen",
    "ariaLabelColumnMenu": "Spaltenmenü",
    "ariaLabelColumnFilter": "Spaltenfilter",
    "ariaLabelDialog": "Dialog",
    "ariaLabelFilterCondition": "Filterbedingung",
    "ariaLabelFilterValue": "Filterwert",
    "ariaPageSizeSelectorLabel": "Zeilen je Seite",
    "pageSizeSelectorLabel": "Zeilen je Seite:",
    "thousandSeparator": ".",
    "decimalSeparator": ",",
    "ariaRowCount": "Zeilen",
    "ariaColumnCount": "Spalten",
    "ariaFilterPanelList": "Filterliste",
    "columnMenu": "Spaltenmenü",
    "filterMenu": "Filtermenü",
    "ariaColumnSelectAll": "Alle Spalten auswählen",
    "ariaSortableColumnName": "Spalte",
}

LIGHT_CLASS_RULES = {
    "light-grid light-green": "params.value && params.value.startsWith('●')",
    "light-grid light-yellow": "params.value && params.value.startsWith('▲')",
    "light-grid light-red": "params.value && params.value.startsWith('■')",
    "light-grid light-grey": "params.value && params.value.startsWith('○')",
}
NOT_REPORTED = "–"  # a quarter after the chosen one: not reported yet


def quarter_field(q: Period) -> str:
    return f"q{q.quarter}"


def column_defs(quarters: Sequence[Period], current: Period) -> list[dict[str, Any]]:
    """Code, title and the quarters first: at 1024 px the lights are in view without scrolling."""
    columns: list[dict[str, Any]] = [
        {
            "field": "code",
            "headerName": "Code",
            "minWidth": 110,
            "maxWidth": 140,
            "cellRenderer": "markdown",
            "pinned": "left",
        },
        {
            "field": "title",
            "headerName": "Maßnahme",
            "minWidth": 200,
            "flex": 2,
            "tooltipField": "title",
        },
    ]
    for q in quarters:
        columns.append(
            {
                "field": quarter_field(q),
                "headerName": q.short_label + (" (gewählt)" if q == current else ""),
                "minWidth": 160,
                "maxWidth": 190,
                "cellClassRules": LIGHT_CLASS_RULES,
                "comparator": {"function": "zcLightComparator"},
            }
        )
    columns += [
        {"field": "change", "headerName": "Veränderung", "minWidth": 140},
        {"field": "cluster", "headerName": "Handlungsfeld", "minWidth": 180, "flex": 1},
        {"field": "owner", "headerName": "OE", "minWidth": 100, "maxWidth": 130},
        {"field": "manual", "headerName": "Manuell", "minWidth": 110, "maxWidth": 140},
        {
            "field": "sentence",
            "headerName": "Begründung der Ampel",
            "minWidth": 320,
            "flex": 3,
            "tooltipField": "sentence",
        },
    ]
    return columns


CHANGE_TEXT = {"worse": "↓ verschlechtert", "better": "↑ verbessert"}


def grid_rows(
    rows: Sequence[MeasureRow], quarters: Sequence[Period], link: Any
) -> list[dict[str, Any]]:
    """One dict per measure; `link(code)` gives the measure page's address."""
    result = []
    for r in rows:
        row: dict[str, Any] = {
            "cluster": r.cluster,
            "code": f"[{r.code}]({link(r.code)})",
            "code_plain": r.code,
            "title": r.title,
            "owner": r.owner,
            "change": CHANGE_TEXT.get(r.change or "", "–"),
            "manual": "manuell" if r.override else "",
            "sentence": (f"Manuell: {r.override.justification}" if r.override else r.sentence),
        }
        for q, light in zip(quarters, r.quarter_lights, strict=True):
            row[quarter_field(q)] = light_text(light) if light is not None else NOT_REPORTED
        result.append(row)
    return result


def quarter_grid(
    grid_id: str, rows: list[dict[str, Any]], columns: list[dict[str, Any]]
) -> dag.AgGrid:
    return dag.AgGrid(
        id=grid_id,
        rowData=rows,
        columnDefs=columns,
        defaultColDef={
            "sortable": True,
            "filter": "agTextColumnFilter",
            "floatingFilter": True,
            "resizable": True,
            "wrapText": False,
        },
        dashGridOptions={
            "localeText": LOCALE_TEXT_DE,
            "animateRows": False,
            "enableCellTextSelection": True,
            "tooltipShowDelay": 400,
            "suppressDragLeaveHidesColumns": True,
            "loadThemeGoogleFonts": False,  # nothing leaves the intranet
        },
        columnSize="responsiveSizeToFit",
        className="ag-theme-quartz zc-grid",
        style={"height": "70vh", "width": "100%"},
    )
