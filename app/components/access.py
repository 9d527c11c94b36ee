"""Components of the entry, import, audit and completeness pages (pure: data in, Dash out)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from app import access_ids as aids
from app.components.common import attrs
from app.components.grid import LOCALE_TEXT_DE
from app.components.lights import light_badge, manual_mark
from db.audit_trail import TrailRow, kind_label
from db.completeness import Completeness
from db.entry_form import EntryForm, EntryLine, EntryMeasure
from db.value_versions import VersionRow
from etl.loader import Change
from zielcockpit.domain.formatting import (
    LIGHT_MEANINGS,
    MILESTONE_WORDS,
    fmt_date,
    fmt_datetime,
    fmt_number,
    fmt_percent,
    fmt_value,
)
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.rules import LIGHTS
from zielcockpit.services.entry import SaveResult
from zielcockpit.services.upload import UploadOutcome

# Select values for "nothing chosen"; an empty value would show the select's placeholder.
NO_STATUS = "kein"
NO_OVERRIDE = "keine"


def no_permission(title: str, text: str, page_id: str) -> html.Div:
    """The page of a role that may not see it: a German sentence, nothing else."""
    return html.Div(
        [
            html.H1(title, className="page-title"),
            dbc.Alert([html.Strong("Keine Berechtigung. "), text], color="warning"),
            dcc.Link("Zur Übersicht", href="/", className="btn btn-primary"),
        ],
        id=page_id,
        className="page message-page",
    )


# -- Erfassung -----------------------------------------------------------------------------------


def _target(line: EntryLine) -> str:
    if line.kind == "milestone":
        return f"erledigt bis {fmt_date(line.due)}" if line.due else "erledigt"
    if line.target is None:
        return "kein quantifizierter Zielwert"
    due = f" bis {fmt_date(line.due)}" if line.due else ""
    return fmt_value(line.target, line.unit) + due


def _hidden_label(text: str, control: Any) -> html.Label:
    """A control with a label only screen readers read (the column head says it to the eye)."""
    return html.Label([html.Span(text, className="visually-hidden"), control], className="w-100")


def _value_input(line: EntryLine, period: Period) -> Any:
    label = f"{'Sachstand' if line.kind == 'milestone' else 'Wert'} {period.short_label} für {line.code}"
    if line.kind == "milestone":
        return _hidden_label(
            label,
            dbc.Select(
                id=aids.entry_field(aids.ENTRY_STATUS, line.code),
                options=[{"label": "– kein Sachstand –", "value": NO_STATUS}]
                + [{"label": word, "value": key} for key, word in MILESTONE_WORDS.items()],
                value=line.status or NO_STATUS,
                className="entry-status",
                size="sm",
            ),
        )
    unit = {"%": "%", "EUR": "€"}.get(line.unit, "")
    return _hidden_label(
        label,
        html.Div(
            [
                dcc.Input(
                    id=aids.entry_field(aids.ENTRY_VALUE, line.code),
                    type="text",
                    value=line.value_text,
                    placeholder="z. B. 1.234,5",
                    className="form-control form-control-sm entry-value",
                    autoComplete="off",
                    debounce=False,
                ),
                html.Span(unit, className="entry-unit") if unit else None,
            ],
            className="entry-value-wrap",
        ),
    )


def _line_row(line: EntryLine, period: Period) -> html.Tr:
    tags = []
    if not line.steering:
        tags.append("nachrichtlich")
    if line.parent:
        tags.append(f"darunter von {line.parent}")
    if line.kind != "milestone":
        tags.append(line.unit or "ohne Einheit")
    return html.Tr(
        [
            html.Th(
                [
                    html.Div(
                        [html.Span(line.code, className="code"), " ", line.name],
                        className="entry-name",
                    ),
                    html.Div(
                        [light_badge(line.light, "sm"), html.Span(" · ".join(tags))],
                        className="entry-tags",
                        title=line.explanation,
                    ),
                ],
                scope="row",
            ),
            html.Td(_target(line), className="entry-target"),
            html.Td(line.previous or "–", className="entry-previous num"),
            html.Td(_value_input(line, period), className="entry-input"),
            html.Td(
                _hidden_label(
                    f"Kommentar {period.short_label} zu {line.code}",
                    dcc.Textarea(
                        id=aids.entry_field(aids.ENTRY_COMMENT, line.code),
                        value=line.comment,
                        placeholder="Begründung bei Abweichung (Pflicht bei Rot)",
                        className="form-control form-control-sm entry-comment",
                        rows=2,
                    ),
                ),
                className="entry-comment-cell",
            ),
        ],
        id=f"eingabe-{line.code}",
    )


def _override_row(m: EntryMeasure, period: Period) -> html.Div:
    return html.Div(
        [
            html.Label(
                [
                    html.Span("Manuelle Ampel", className="filter-label"),
                    dbc.Select(
                        id=aids.entry_field(aids.ENTRY_OVERRIDE_LIGHT, m.code),
                        options=[{"label": "keine (berechnete Ampel gilt)", "value": NO_OVERRIDE}]
                        + [{"label": LIGHT_MEANINGS[x], "value": x} for x in LIGHTS],
                        value=m.override_light or NO_OVERRIDE,
                        size="sm",
                        className="entry-override-light",
                    ),
                ],
                className="entry-override-field",
            ),
            html.Label(
                [
                    html.Span("Begründung (Pflicht bei manueller Ampel)", className="filter-label"),
                    dcc.Textarea(
                        id=aids.entry_field(aids.ENTRY_OVERRIDE_TEXT, m.code),
                        value=m.override_text,
                        rows=2,
                        className="form-control form-control-sm entry-override-text",
                    ),
                ],
                className="entry-override-field entry-override-wide",
            ),
            html.P(
                f"Zuletzt gesetzt von {m.override_by}." if m.override_by else None,
                className="muted entry-override-by",
            ),
        ],
        className="entry-override",
        **attrs({"aria-label": f"Manuelle Ampel {period.short_label} für {m.code}"}),
    )


def _measure_section(m: EntryMeasure, period: Period) -> html.Section:
    head = ["Indikator", "Zielwert", "Vorquartal", f"Wert {period.short_label}", "Kommentar"]
    return html.Section(
        [
            html.Header(
                [
                    html.H2(
                        [
                            dcc.Link(m.code, href=f"/massnahme/{m.code}", className="code"),
                            " ",
                            m.title,
                        ],
                        className="entry-measure-title",
                    ),
                    html.Span(
                        [light_badge(m.light), manual_mark() if m.override_light else None],
                        className="entry-measure-light",
                    ),
                ],
                className="entry-measure-head",
            ),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                    html.Tbody([_line_row(line, period) for line in m.lines]),
                ],
                className="table zc-table entry-table",
            )
            if m.lines
            else html.P("Diese Maßnahme hat keine Indikatoren.", className="muted"),
            _override_row(m, period),
        ],
        className="panel entry-measure",
        id=f"massnahme-{m.code}",
    )


def entry_form_view(form: EntryForm) -> html.Div:
    if not form.measures:
        return html.Div(
            html.P(
                f"Die Organisationseinheit {form.oe} hat im Plan {form.plan_key} keine Maßnahmen.",
                className="lead",
            )
        )
    return html.Div(
        [_measure_section(m, form.period) for m in form.measures], className="entry-form"
    )


def save_message(result: SaveResult, period_label: str, reload: str | None = None) -> dbc.Alert:
    if result.refused:
        return dbc.Alert(
            [html.Strong("Nicht gespeichert. "), *_lines(result.errors)],
            color="danger",
            className="entry-result",
        )
    if result.errors:
        return dbc.Alert(
            [
                html.Strong(
                    f"Nicht gespeichert – {len(result.errors)} "
                    f"{'Angabe muss' if len(result.errors) == 1 else 'Angaben müssen'} "
                    "korrigiert werden:"
                ),
                html.Ul([html.Li(e) for e in result.errors], className="mb-0"),
            ],
            color="danger",
            className="entry-result",
        )
    if not result.changed:
        return dbc.Alert(
            "Keine Änderungen – alle Angaben sind bereits so gespeichert.",
            color="secondary",
            className="entry-result",
        )
    counts = (
        (result.values, "Wert", "Werte"),
        (result.comments, "Kommentar", "Kommentare"),
        (result.overrides, "manuelle Ampel", "manuelle Ampeln"),
    )
    parts = [f"{fmt_number(n)} {one if n == 1 else many}" for n, one, many in counts if n]
    return dbc.Alert(
        [
            html.Strong(f"Gespeichert für {period_label}: " + ", ".join(parts) + "."),
            html.Ul([html.Li(c) for c in result.changes], className="mb-0"),
            html.A("Seite mit den neuen Ampeln laden", href=reload, className="alert-link")
            if reload
            else None,
        ],
        color="success",
        className="entry-result",
    )


def _lines(texts: Sequence[str]) -> list[Any]:
    if len(texts) == 1:
        return [texts[0]]
    return [html.Ul([html.Li(t) for t in texts], className="mb-0")]


# -- Import --------------------------------------------------------------------------------------


def _period_label(key: str) -> str:
    try:
        return Period.parse(key).label
    except PeriodError:
        return key


def _changes_table(changes: Sequence[Change], total: int) -> html.Div:
    head = ["Indikator", "Zeitraum", "Ort", "bisher", "neu", "Blatt", "Zelle"]
    body = [
        html.Tr(
            [
                html.Td(c.indicator, className="code"),
                html.Td(_period_label(c.period)),
                html.Td(c.place or "–"),
                html.Td(c.old or "neu", className="num"),
                html.Td(c.new, className="num change-new"),
                html.Td(c.sheet or "–"),
                html.Td(c.cell or "–"),
            ]
        )
        for c in changes
    ]
    more = (
        html.P(f"… und {fmt_number(total - len(changes))} weitere Änderungen.", className="muted")
        if total > len(changes)
        else None
    )
    return html.Div(
        [
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                    html.Tbody(body),
                ],
                className="table zc-table import-changes",
            ),
            more,
        ],
        className="table-scroll",
    )


def _errors_table(outcome: UploadOutcome) -> html.Table:
    assert outcome.report is not None
    head = ["Datei", "Blatt", "Zelle", "gefunden", "Fehler"]
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(e.file),
                            html.Td(e.sheet or "–"),
                            html.Td(e.cell or "–", className="code"),
                            html.Td(e.value or "–"),
                            html.Td(e.message),
                        ]
                    )
                    for e in outcome.report.all_errors
                ]
            ),
        ],
        className="table zc-table import-errors",
    )


def _file_head(outcome: UploadOutcome) -> list[Any]:
    parts: list[Any] = [html.H2(outcome.name, className="import-file-name")]
    report = outcome.report
    if report is not None:
        for f in report.files:
            if f.profile:
                how = "automatisch erkannt" if f.detected else "angegeben"
                parts.append(
                    html.P(
                        [html.Strong("Profil: "), f"{f.profile_title} ({f.profile}; {how})"],
                        className="import-profile",
                    )
                )
    notes = list(outcome.notes)
    if report is not None:
        notes += [n for f in report.files for n in f.notes]
    if notes:
        parts.append(html.Ul([html.Li(["Hinweis: ", n]) for n in notes], className="import-notes"))
    return parts


def import_preview(outcome: UploadOutcome) -> html.Div:
    """The preview: profile, errors with their cells, or the values that would change."""
    if outcome.refusal is not None:
        return html.Div(
            [
                *_file_head(outcome),
                dbc.Alert([html.Strong("Abgelehnt. "), outcome.refusal], color="danger"),
            ],
            className="panel import-panel",
        )
    report = outcome.report
    assert report is not None
    if report.status == "rejected":
        errors = report.all_errors
        return html.Div(
            [
                *_file_head(outcome),
                dbc.Alert(
                    html.Strong(
                        f"Abgelehnt – nichts wird geschrieben. {fmt_number(len(errors))} Fehler "
                        "mit Datei, Blatt und Zelle:"
                    ),
                    color="danger",
                    className="import-rejected",
                ),
                html.Div(_errors_table(outcome), className="table-scroll"),
            ],
            className="panel import-panel",
        )
    written = sum(f.values_written for f in report.files)
    unchanged = sum(f.values_unchanged for f in report.files)
    comments = sum(f.comments_written for f in report.files)
    total = sum(f.changes_total for f in report.files)
    summary = (
        f"Vorschau – noch nichts geschrieben. Würde {fmt_number(written)} Werte schreiben, "
        f"{fmt_number(unchanged)} sind unverändert, {fmt_number(comments)} Kommentare."
    )
    body: list[Any] = [*_file_head(outcome), html.P(summary, className="import-summary")]
    if report.status == "unchanged":
        body.append(
            dbc.Alert("Alle Werte dieser Datei sind bereits so gespeichert.", color="secondary")
        )
    else:
        body += [
            html.H3("Was sich ändern würde (bisher → neu)"),
            _changes_table(report.changes, total),
            html.Div(
                [
                    html.Button(
                        "Übernehmen",
                        id=aids.IMPORT_CONFIRM,
                        className="btn btn-primary",
                        type="button",
                    ),
                    html.Span(
                        " Schreibt die Werte nach erneuter Prüfung in einem Schritt.",
                        className="muted",
                    ),
                ],
                className="import-actions",
            ),
            dcc.Loading(
                html.Div(id=aids.IMPORT_RESULT),
                custom_spinner=html.Div("Werte werden geschrieben …", className="loading-text"),
            ),
        ]
    return html.Div(body, className="panel import-panel")


def import_result(outcome: UploadOutcome) -> dbc.Alert:
    if outcome.refusal is not None:
        return dbc.Alert([html.Strong("Nicht übernommen. "), outcome.refusal], color="danger")
    report = outcome.report
    assert report is not None
    if report.status == "rejected":
        return dbc.Alert(
            [
                html.Strong("Nicht übernommen – die erneute Prüfung fand Fehler:"),
                html.Ul([html.Li(e.text()) for e in report.all_errors], className="mb-0"),
            ],
            color="danger",
        )
    written = sum(f.values_written for f in report.files)
    unchanged = sum(f.values_unchanged for f in report.files)
    comments = sum(f.comments_written for f in report.files)
    if report.status == "unchanged":
        return dbc.Alert(
            f"Nichts geändert: alle {fmt_number(unchanged)} Werte sind bereits so gespeichert.",
            color="secondary",
        )
    runs = ", ".join(f"Nr. {f.import_run_id}" for f in report.files if f.import_run_id)
    return dbc.Alert(
        [
            html.Strong("Übernommen. "),
            f"Geschrieben: {fmt_number(written)} Werte, {fmt_number(unchanged)} unverändert, "
            f"{fmt_number(comments)} Kommentare (Import {runs}). Die Originaldatei ist archiviert.",
        ],
        color="success",
        className="import-done",
    )


# -- Protokoll -----------------------------------------------------------------------------------


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


def _readable(text: str | None) -> str:
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
            "old": _readable(r.old),
            "new": _readable(r.new),
            "source": r.source or "–",
        }
        for r in rows
    ]


def trail_grid(rows: Sequence[TrailRow]) -> dag.AgGrid:
    text = {"filter": "agTextColumnFilter", "floatingFilter": True}
    return dag.AgGrid(
        id=aids.AUDIT_GRID,
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


# -- Vollständigkeit -----------------------------------------------------------------------------


def completeness_counts(c: Completeness) -> html.Table:
    head = ["Organisationseinheit", "Steuernde Indikatoren", "vollständig", "fehlen", "Anteil"]
    body = []
    for u in c.counts:
        share = 100 * u.complete / u.steering if u.steering else 100.0
        body.append(
            html.Tr(
                [
                    html.Th(f"{u.oe} – {u.oe_name}", scope="row"),
                    html.Td(fmt_number(u.steering), className="num"),
                    html.Td(fmt_number(u.complete), className="num"),
                    html.Td(
                        fmt_number(u.missing),
                        className="num" + (" missing-count" if u.missing else " zero"),
                    ),
                    html.Td(fmt_percent(share, 0), className="num"),
                ]
            )
        )
    return html.Table(
        [
            html.Caption(f"Vollständigkeit je Organisationseinheit, {c.period.label}"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(body),
        ],
        className="table zc-table completeness-counts",
        id=aids.COMPLETENESS_COUNTS,
    )


def completeness_list(c: Completeness, entry_link: Callable[[str], str]) -> html.Div:
    if not c.rows:
        return html.Div(
            dbc.Alert(f"Für {c.period.label} fehlt nichts.", color="success"),
            id=aids.COMPLETENESS_LIST,
        )
    sections = []
    for (oe, name), group in groupby(c.rows, key=lambda r: (r.oe, r.oe_name)):
        items = list(group)
        sections.append(
            html.Section(
                [
                    html.H3(
                        [
                            f"{oe} – {name}: {fmt_number(len(items))} "
                            f"{'fehlt' if len(items) == 1 else 'fehlen'} ",
                            dcc.Link("zur Erfassung", href=entry_link(oe), className="h-link"),
                        ]
                    ),
                    html.Table(
                        [
                            html.Thead(
                                html.Tr(
                                    [
                                        html.Th(h, scope="col")
                                        for h in ("Maßnahme", "Indikator", "Was fehlt")
                                    ]
                                )
                            ),
                            html.Tbody(
                                [
                                    html.Tr(
                                        [
                                            html.Td(
                                                [
                                                    dcc.Link(
                                                        r.measure,
                                                        href=f"/massnahme/{r.measure}",
                                                        className="code",
                                                    ),
                                                    " ",
                                                    r.measure_title,
                                                ]
                                            ),
                                            html.Td(
                                                [
                                                    html.Span(r.indicator, className="code"),
                                                    " ",
                                                    r.indicator_name,
                                                ]
                                            ),
                                            html.Td(r.what, className="missing-what"),
                                        ]
                                    )
                                    for r in items
                                ]
                            ),
                        ],
                        className="table zc-table completeness-table",
                    ),
                ],
                className="panel completeness-unit",
            )
        )
    return html.Div(sections, id=aids.COMPLETENESS_LIST)


# -- Maßnahme: Änderungsprotokoll ----------------------------------------------------------------


def change_log(entries: Sequence[dict[str, Any]], versions: Sequence[VersionRow]) -> html.Div:
    """Audit entries of a measure and its replaced values, as text (never as HTML)."""
    parts: list[Any] = []
    if entries:
        parts.append(
            html.Table(
                [
                    html.Caption("Änderungen an Werten, Kommentaren und Ampeln"),
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(h, scope="col")
                                for h in (
                                    "Zeitpunkt",
                                    "Wer",
                                    "Art",
                                    "Was",
                                    "bisher",
                                    "neu",
                                    "Quelle",
                                )
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Td(fmt_datetime(e["at"])),
                                    html.Td(e["actor"]),
                                    html.Td(kind_label(e["action"])),
                                    html.Td(subject_text(e["key"])),
                                    html.Td(_readable(e["old"])),
                                    html.Td(_readable(e["new"])),
                                    html.Td(e["source"] or "–"),
                                ]
                            )
                            for e in entries
                        ]
                    ),
                ],
                className="table zc-table changelog-table",
            )
        )
    else:
        parts.append(html.P("Noch keine Änderungen im Protokoll.", className="muted"))
    if versions:
        parts.append(
            html.Table(
                [
                    html.Caption("Ersetzte Werte (frühere Fassungen)"),
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(h, scope="col")
                                for h in (
                                    "Indikator",
                                    "Zeitraum",
                                    "früherer Wert",
                                    "erfasst",
                                    "ersetzt",
                                    "Quelle",
                                )
                            ]
                        )
                    ),
                    html.Tbody(
                        [
                            html.Tr(
                                [
                                    html.Td(v.indicator, className="code"),
                                    html.Td(_period_label(v.period)),
                                    html.Td(v.old),
                                    html.Td(
                                        f"{v.recorded_by or 'unbekannt'}, {fmt_datetime(v.recorded_at)}"
                                    ),
                                    html.Td(
                                        f"{v.replaced_by or 'unbekannt'}, {fmt_datetime(v.replaced_at)}"
                                    ),
                                    html.Td(v.source or "–"),
                                ]
                            )
                            for v in versions
                        ]
                    ),
                ],
                className="table zc-table changelog-table",
            )
        )
    return html.Div(parts, className="changelog table-scroll")
