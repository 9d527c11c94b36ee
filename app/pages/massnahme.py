"""Maßnahme (/massnahme/<code>): „Ist diese Maßnahme im Plan, und warum (nicht)?“"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from app import engine_of_app, ids
from app.components.change_log import change_log
from app.components.charts import bullet, quarter_graph
from app.components.common import breadcrumb, demo_band, notes, page_header
from app.components.filterbar import filter_bar
from app.components.indicator_edit import indicator_edit_form
from app.components.lights import light_badge, light_title, manual_mark
from app.components.tables import comments_block, provenance_table, quarter_values_table
from app.context import guarded, page_context
from app.filters import first
from app.security import current_principal
from app.viewmodel import IndicatorView, MeasureModel, measure_view
from db.audit_trail import audit_entries
from db.queries import (
    IndicatorText,
    MeasureTexts,
    find_measure_plan,
    measure_comments,
    measure_provenance,
    measure_texts,
)
from db.value_versions import measure_versions
from zielcockpit.domain.formatting import fmt_date, fmt_datetime, fmt_value
from zielcockpit.services.catalogue_edit import (
    EditForm,
    IndicatorEdit,
    edit_forms,
    may_edit,
    save_indicator,
)

dash.register_page(
    __name__,
    path_template="/massnahme/<code>",
    name="Maßnahme",
    title="Maßnahme – Zielcockpit",
    order=2,
)

KIND_WORDS = {
    "count": "Anzahl, über das Jahr summiert",
    "rate": "Quote zum Stichtag",
    "upper_bound": "Obergrenze",
    "reduction": "Senkung gegenüber dem Vorjahr",
    "money": "Euro, über das Jahr summiert",
    "milestone": "Meilenstein",
    "unquantified": "ohne quantifizierten Zielwert",
}


def _forecast(view: IndicatorView) -> html.P | None:
    j = view.judgement
    if j.forecast is None:
        return None
    due = view.due
    when = f"zum {fmt_date(due)}" if due else "zum Jahresende"
    target = fmt_value(j.target, view.unit) if j.target is not None else "–"
    return html.P(
        [
            html.Strong("Prognose: "),
            f"Bei gleichem Tempo {fmt_value(round(j.forecast), view.unit)} {when} "
            f"(Ziel {target}) – ",
            light_badge(j.forecast_light, "sm"),
        ],
        className="forecast",
    )


def _wording(text: IndicatorText | None) -> html.P | None:
    if text is None:
        return None
    parts = []
    if text.wortlaut_indikator:
        parts.append(f"Indikator „{text.wortlaut_indikator.strip()}“")
    if text.wortlaut_zielwert:
        parts.append(f"Zielwert „{text.wortlaut_zielwert.strip()}“")
    if text.places:
        parts.append("Orte: " + ", ".join(text.places))
    if not parts and not text.hinweis:
        return None
    return html.P(
        [
            html.Span("Im Plan: ", className="label"),
            "; ".join(parts),
            html.Br() if text.hinweis and parts else None,
            html.Span(f"Hinweis: {text.hinweis}") if text.hinweis else None,
        ],
        className="wording",
    )


def _indicator_panel(
    view: IndicatorView,
    text: IndicatorText | None,
    parents: dict[str, str],
    form: EditForm | None = None,
) -> html.Section:
    j = view.judgement
    rule = view.info.rule
    tags = [KIND_WORDS.get(view.kind, view.kind)]
    if not rule.steering:
        tags.append("nachrichtlich (ohne Ampel)")
    if rule.parent:
        tags.append(f"Darunter-Wert von {rule.parent} {parents.get(rule.parent, '')}".strip())
    if view.due:
        tags.append(f"Stichtag {fmt_date(view.due)}")
    if view.info.to_check:
        tags.append("zu prüfen (Zielwert und Termine aus dem Vorjahr übernommen)")
    graph = quarter_graph(view, ids.indicator_graph_id(view.code))
    return html.Section(
        [
            html.Header(
                [
                    html.H3([html.Span(view.code, className="code"), " ", view.name]),
                    html.P(" · ".join(tags), className="indicator-tags"),
                ]
            ),
            html.Div(
                [light_badge(j.light, "lg"), html.Span(j.explanation, className="explanation")],
                className="judgement",
            ),
            html.Ul([html.Li(w) for w in j.warnings], className="warnings") if j.warnings else None,
            _forecast(view),
            html.Div(
                [
                    html.Div([bullet(view), graph], className="indicator-chart"),
                    html.Div(quarter_values_table(view), className="indicator-values"),
                ],
                className="indicator-body",
            ),
            _wording(text),
            indicator_edit_form(form) if form is not None else None,
        ],
        className="panel indicator-panel",
        id=f"indikator-{view.code}",
    )


def _answer(model: MeasureModel) -> html.Div:
    r = model.row
    parts: list[Any] = [
        html.Div(
            [light_badge(r.light, "xl"), manual_mark() if r.override else None],
            className="answer-light",
        )
    ]
    if r.override is not None:
        o = r.override
        parts.append(
            html.Div(
                [
                    html.P(
                        [html.Strong("Manuell gesetzt"), f" von {o.by} am {fmt_datetime(o.at)}."],
                        className="answer-sentence",
                    ),
                    html.P(
                        [html.Strong("Begründung: "), o.justification], className="justification"
                    ),
                    html.P(
                        [
                            "Berechnet wäre: ",
                            html.Strong(light_title(r.computed_light)),
                            f" – {r.sentence}",
                        ],
                        className="computed",
                    ),
                ],
                className="answer-text",
            )
        )
    else:
        about = f"{r.sentence_indicator}: " if r.sentence_indicator else ""
        parts.append(
            html.Div(
                html.P(about + r.sentence, className="answer-sentence"), className="answer-text"
            )
        )
    return html.Div(parts, className="answer panel")


def _texts(texts: MeasureTexts) -> html.Div:
    sections: list[Any] = [
        html.Details(
            [html.Summary(heading), html.Div(_paragraphs(body), className="plan-text")],
            open=index == 0,
        )
        for index, (heading, body) in enumerate(texts.sections)
    ]
    if texts.leitsaetze or texts.leitsatz_wortlaut:
        items = [html.Li(f"{s.number}. {s.text}") for s in texts.leitsaetze]
        sections.append(
            html.Details(
                [
                    html.Summary("Leitsätze"),
                    html.Div(
                        [
                            html.Ul(items) if items else None,
                            html.Div(_paragraphs(texts.leitsatz_wortlaut), className="muted")
                            if texts.leitsatz_wortlaut and not items
                            else None,
                        ],
                        className="plan-text",
                    ),
                ]
            )
        )
    facts = [
        ("Handlungsfeld", texts.cluster),
        ("Zielgruppe / Untergruppe", texts.untergruppe),
        ("Kategorie", texts.kategorie),
        ("Schwerpunktthema", texts.schwerpunktthema),
        ("Verantwortlich", f"{texts.owner} – {texts.owner_name}"),
        ("Orte", ", ".join(texts.places) if texts.places else None),
        ("Aufwand in Euro", fmt_value(texts.aufwand_eur, "EUR") if texts.aufwand_eur else None),
    ]
    return html.Div(
        [
            html.Dl(
                [
                    item
                    for label, value in facts
                    if value
                    for item in (html.Dt(label), html.Dd(value))
                ],
                className="facts",
            ),
            *sections,
        ]
    )


def _paragraphs(text: str | None) -> list[html.P]:
    if not text:
        return []
    return [html.P(block.strip()) for block in text.split("\n\n") if block.strip()]


def _judged(model: MeasureModel, texts: MeasureTexts, forms: dict[str, EditForm]) -> list[Any]:
    """The answer and the indicator panels: what a saved edit redraws."""
    names = {v.code: v.name for v in model.indicators}
    return [
        _answer(model),
        html.Section(
            [
                html.H2("Indikatoren"),
                *[
                    _indicator_panel(
                        view, texts.indicators.get(view.code), names, forms.get(view.code)
                    )
                    for view in model.indicators
                ],
            ]
            if model.indicators
            else [html.H2("Indikatoren"), html.P("Diese Maßnahme hat keine Indikatoren.")],
            id=ids.MEASURE_INDICATORS,
        ),
    ]


@guarded
def layout(code: str | None = None, **query: Any) -> html.Div:
    code = (code or "").strip()
    engine = engine_of_app()
    plan_key = find_measure_plan(engine, code, first(query.get("plan")))
    context = page_context(query, plan_key=plan_key)
    f = context.filters
    model = measure_view(context.snapshot, code, f)
    texts = measure_texts(engine, plan_key, code)
    editor = may_edit(current_principal()) is None
    forms = edit_forms(engine, plan_key, code) if editor else {}
    comments = measure_comments(engine, plan_key, code)
    provenance = measure_provenance(engine, plan_key, code)
    log_entries = audit_entries(engine, model.row.id)
    versions = measure_versions(engine, model.row.id)
    names = {v.code: v.name for v in model.indicators}
    r = model.row
    base = f.search(cluster=None, oe=None, leitsatz=None, light=None)
    return html.Div(
        [
            demo_band(r.demo or any(p.demo for p in provenance)),
            filter_bar(f, context.snapshot, context.plans, shown=("period",)),
            notes(f.problems),
            breadcrumb(
                [
                    ("Übersicht", "/" + base),
                    (r.cluster, f"/cluster/{r.cluster_id}" + base),
                    (r.code, None),
                ]
            ),
            page_header(
                r.title,
                kicker=f"{r.code} · {r.owner} – {r.owner_name} · {f.period.label}",
                question=f"Ist diese Maßnahme im {f.period.label} im Plan, und warum (nicht)?",
            ),
            html.Div(
                id=ids.MEASURE_EDIT_MESSAGE,
                role="status",
                className="measure-edit-message",
            ),
            dcc.Store(id=ids.MEASURE_EDIT_CONTEXT, data={"plan": plan_key, "code": code}),
            html.Div(_judged(model, texts, forms), id=ids.MEASURE_JUDGED),
            html.Div(
                [
                    html.Section(
                        [html.H2("Texte des Plans"), _texts(texts)],
                        id=ids.MEASURE_TEXTS,
                        className="panel",
                    ),
                    html.Section(
                        [html.H2("Kommentare"), comments_block(comments, names)],
                        id=ids.MEASURE_COMMENTS,
                        className="panel",
                    ),
                ],
                className="measure-lower",
            ),
            html.Section(
                html.Details(
                    [
                        html.Summary(
                            html.H2(
                                f"Herkunft der Werte ({len(provenance)} gespeicherte Werte)",
                                className="summary-heading",
                            )
                        ),
                        html.P(
                            "Jeder gespeicherte Wert mit Datei, Blatt und Zelle, Import und Erfassung; "
                            "ersetzte Werte darunter.",
                            className="panel-sub",
                        ),
                        provenance_table(provenance),
                    ]
                ),
                id=ids.MEASURE_PROVENANCE,
                className="panel",
            ),
            html.Section(
                html.Details(
                    [
                        html.Summary(
                            html.H2(
                                f"Änderungsprotokoll ({len(log_entries)} Einträge, "
                                f"{len(versions)} ersetzte Werte)",
                                className="summary-heading",
                            )
                        ),
                        html.P(
                            "Wer hat wann Werte, Kommentare und die Ampel dieser Maßnahme "
                            "geändert, und aus welcher Datei oder welchem Formular.",
                            className="panel-sub",
                        ),
                        change_log(log_entries, versions),
                    ]
                ),
                id=ids.MEASURE_CHANGELOG,
                className="panel",
            ),
        ],
        id=ids.MEASURE,
        className="page page-measure",
    )


# -- „Bearbeiten“: one indicator's structured fields (controlling) ---------------------------------


def _all(kind: str) -> dict[str, Any]:
    return {"type": kind, "index": ALL}


def _edit_from(code: str, values: dict[tuple[str, str], Any]) -> IndicatorEdit:
    def get(kind: str) -> Any:
        return values.get((kind, code))

    return IndicatorEdit(
        code=code,
        seen=str(get(ids.MEASURE_EDIT_SEEN) or ""),
        target=get(ids.MEASURE_EDIT_TARGET),
        target_per_place=get(ids.MEASURE_EDIT_PLACE_TARGET),
        places=get(ids.MEASURE_EDIT_PLACES),
        due=get(ids.MEASURE_EDIT_DUE),
        start=get(ids.MEASURE_EDIT_START),
        profile={
            q: get(kind)
            for q, kind in zip(("Q1", "Q2", "Q3", "Q4"), ids.MEASURE_EDIT_PROFILE, strict=True)
        },
        aggregation=get(ids.MEASURE_EDIT_AGGREGATION),
        steering=get(ids.MEASURE_EDIT_STEERING) != "nein",
    )


@callback(
    Output(ids.MEASURE_EDIT_MESSAGE, "children"),
    Output(ids.MEASURE_JUDGED, "children"),
    Input(_all(ids.MEASURE_EDIT_SAVE), "n_clicks"),
    State(ids.MEASURE_EDIT_CONTEXT, "data"),
    State(ids.URL, "search"),
    *[
        State(_all(kind), "data" if kind == ids.MEASURE_EDIT_SEEN else "value")
        for kind in ids.MEASURE_EDIT_FIELD_TYPES
    ],
    prevent_initial_call=True,
)
def save_edit(clicks: list[int | None], context: Any, search: str | None, *_fields: Any) -> Any:
    """Save one indicator's fields; the role is checked here and again in the use case."""
    principal = current_principal()
    refusal = may_edit(principal)
    if refusal is not None:
        return dbc.Alert(refusal, color="danger"), dash.no_update
    triggered = dash.ctx.triggered_id
    if not any(clicks) or not isinstance(triggered, dict) or not isinstance(context, dict):
        raise dash.exceptions.PreventUpdate  # the forms were (re)drawn; nobody clicked
    values = {
        (state["id"]["type"], state["id"]["index"]): state.get("value")
        for group in dash.ctx.states_list[2:]
        for state in group
    }
    plan_key, code = str(context.get("plan")), str(context.get("code"))
    engine = engine_of_app()
    outcome = save_indicator(
        engine, principal, plan_key, code, _edit_from(str(triggered["index"]), values)
    )
    alert = dbc.Alert(
        [html.P(m, className="mb-0") for m in outcome.messages],
        color="success" if outcome.saved else "danger",
        className="mb-2",
    )
    if not outcome.saved:
        return alert, dash.no_update
    query = parse_qs((search or "").lstrip("?"))
    page = page_context(query, plan_key=plan_key)
    model = measure_view(page.snapshot, code, page.filters)
    texts = measure_texts(engine, plan_key, code)
    return alert, _judged(model, texts, edit_forms(engine, plan_key, code))
