"""The upload on /import: its preview (profile, errors with their cells, changes) and result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from app import ids
from app.components.common import period_text
from etl.report import Change
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.services.upload import UploadOutcome, outcome_summary


def _changes_table(changes: Sequence[Change], total: int) -> html.Div:
    head = ["Indikator", "Zeitraum", "Ort", "bisher", "neu", "Blatt", "Zelle"]
    body = [
        html.Tr(
            [
                html.Td(c.indicator, className="code"),
                html.Td(period_text(c.period)),
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
                        id=ids.IMPORT_CONFIRM,
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
            # No loading overlay: „Übernehmen“ answers at once with the job's progress bar, and
            # an overlay would cover that bar at every poll of the timer.
            html.Div(id=ids.IMPORT_RESULT, role="status"),
        ]
    return html.Div(body, className="panel import-panel")


def import_result(outcome: UploadOutcome) -> dbc.Alert:
    return import_summary(outcome_summary(outcome))


def import_summary(summary: dict[str, Any]) -> dbc.Alert:
    """The result of „Übernehmen“ from its summary (`outcome_summary`, also kept by a job)."""
    status = summary.get("status")
    if status == "refused":
        return dbc.Alert(
            [html.Strong("Nicht übernommen. "), str(summary.get("refusal", ""))], color="danger"
        )
    if status == "rejected":
        errors = [html.Li(e) for e in summary.get("errors", [])]
        more = int(summary.get("errors_total", 0)) - len(errors)
        if more > 0:
            errors.append(html.Li(f"… und {fmt_number(more)} weitere Fehler."))
        return dbc.Alert(
            [
                html.Strong("Nicht übernommen – die erneute Prüfung fand Fehler:"),
                html.Ul(errors, className="mb-0"),
            ],
            color="danger",
        )
    written = int(summary.get("written", 0))
    unchanged = int(summary.get("unchanged", 0))
    comments = int(summary.get("comments", 0))
    if status == "unchanged":
        return dbc.Alert(
            f"Nichts geändert: alle {fmt_number(unchanged)} Werte sind bereits so gespeichert.",
            color="secondary",
        )
    runs = ", ".join(f"Nr. {r}" for r in summary.get("runs", []))
    return dbc.Alert(
        [
            html.Strong("Übernommen. "),
            f"Geschrieben: {fmt_number(written)} Werte, {fmt_number(unchanged)} unverändert, "
            f"{fmt_number(comments)} Kommentare (Import {runs}). Die Originaldatei ist archiviert.",
        ],
        color="success",
        className="import-done",
    )


def preview_body(outcome: UploadOutcome) -> list[Any]:
    """The preview without its buttons (for „Aufbau anlernen“): profile, errors or changes."""
    head = _file_head(outcome)
    if outcome.refusal is not None:
        return [*head, dbc.Alert(outcome.refusal, color="danger")]
    report = outcome.report
    assert report is not None
    if report.status == "rejected":
        return [*head, html.Div(_errors_table(outcome), className="table-scroll")]
    total = sum(f.changes_total for f in report.files)
    written = sum(f.values_written for f in report.files)
    return [
        *head,
        html.P(
            f"Vorschau – noch nichts geschrieben. Würde {fmt_number(written)} Werte schreiben:",
            className="import-summary",
        ),
        _changes_table(report.changes, total),
    ]
