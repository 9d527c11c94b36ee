"""„Bearbeiten“ on the measure page: the form of one indicator's structured fields (pure builder)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from zielcockpit.domain.vocabulary import AGGREGATION_NAMES, NO, YES
from zielcockpit.services.catalogue_edit import EditForm


def _field(label: str, control: Any, hint: str | None = None) -> html.Label:
    return html.Label(
        [
            html.Span(label, className="form-label d-block"),
            control,
            html.Small(hint, className="text-muted d-block") if hint else None,
        ],
        className="edit-field",
    )


def _text(kind: str, code: str, value: str, placeholder: str = "", size: int = 10) -> dcc.Input:
    return dcc.Input(
        id=ids.measure_edit(kind, code),
        type="text",
        value=value,
        placeholder=placeholder,
        className="form-control form-control-sm",
        style={"width": f"{size + 3}ch"},
        debounce=False,
    )


def indicator_edit_form(form: EditForm) -> html.Details:
    """The form, folded under „Bearbeiten“; saving checks it like a catalogue workbook."""
    code = form.code
    profile = [
        _field(f"Profil {q}", _text(kind, code, form.profile[q], size=5))
        for q, kind in zip(("Q1", "Q2", "Q3", "Q4"), ids.MEASURE_EDIT_PROFILE, strict=True)
    ]
    controls: list[Any] = [
        _field("Zielwert", _text(ids.MEASURE_EDIT_TARGET, code, form.target)),
        _field("Stichtag", _text(ids.MEASURE_EDIT_DUE, code, form.due, "TT.MM.JJJJ", 11)),
        _field(
            "erwartet ab",
            _text(ids.MEASURE_EDIT_START, code, form.start, "TT.MM.JJJJ", 11),
            "leer: ab 1. Januar",
        ),
        _field("Ziel je Ort", _text(ids.MEASURE_EDIT_PLACE_TARGET, code, form.target_per_place)),
        _field(
            "Orte",
            _text(ids.MEASURE_EDIT_PLACES, code, form.places, "Heepen; Sennestadt", 30),
            "mit „; “ getrennt, nur Orte des Plans",
        ),
        *profile,
        _field(
            "Zugänge/Bestand",
            dbc.Select(
                id=ids.measure_edit(ids.MEASURE_EDIT_AGGREGATION, code),
                options=[{"label": word, "value": key} for key, word in AGGREGATION_NAMES.items()],
                value=form.aggregation,
                disabled=not form.counts,
                size="sm",
            ),
        ),
        _field(
            "steuernd",
            dbc.Select(
                id=ids.measure_edit(ids.MEASURE_EDIT_STEERING, code),
                options=[
                    {"label": YES, "value": YES},
                    {"label": f"{NO} (nachrichtlich)", "value": NO},
                ],
                value=YES if form.steering else NO,
                size="sm",
            ),
        ),
    ]
    return html.Details(
        [
            html.Summary("Bearbeiten", className="edit-summary"),
            html.Div(
                [
                    html.P(
                        "Zielwert und Termine sind aus dem Vorjahr übernommen: bitte prüfen und "
                        "speichern (das bestätigt sie).",
                        className="text-warning-emphasis",
                    )
                    if form.to_check
                    else None,
                    html.Div(controls, className="edit-grid"),
                    dcc.Store(id=ids.measure_edit(ids.MEASURE_EDIT_SEEN, code), data=form.seen),
                    dbc.Button(
                        "Speichern",
                        id=ids.measure_edit(ids.MEASURE_EDIT_SAVE, code),
                        color="primary",
                        size="sm",
                        className="mt-2",
                    ),
                ],
                className="edit-body",
            ),
        ],
        className="indicator-edit",
    )
