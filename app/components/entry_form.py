"""The form of /erfassung (a section per measure, a row per indicator) and its save message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from app.components.common import attrs
from app.components.lights import light_badge, manual_mark
from zielcockpit.domain.formatting import fmt_date, fmt_number, fmt_value
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS, MILESTONE_WORDS
from zielcockpit.services.entry import SaveResult
from zielcockpit.services.entry_form import EntryForm, EntryLine, EntryMeasure

# Select values for "nothing chosen"; an empty value would show the select's placeholder.
NO_STATUS = "kein"
NO_OVERRIDE = "keine"


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
                id=ids.entry_field(ids.ENTRY_STATUS, line.code),
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
                    id=ids.entry_field(ids.ENTRY_VALUE, line.code),
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
                        id=ids.entry_field(ids.ENTRY_COMMENT, line.code),
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
                        id=ids.entry_field(ids.ENTRY_OVERRIDE_LIGHT, m.code),
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
                        id=ids.entry_field(ids.ENTRY_OVERRIDE_TEXT, m.code),
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
        role="group",  # a named group: an aria-label on a plain div is not read out
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
