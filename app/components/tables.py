"""Tables and lists: Handlungsfelder × lights, the scorecard, attention lists, values and sources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any

from dash import dcc, html

from app.components.common import stacked_bar
from app.components.lights import change_mark, light_badge, light_cell, manual_mark
from app.viewmodel import ClusterRow, IndicatorView, MeasureRow, MissingItem
from db.queries import CommentRow, ProvenanceRow
from zielcockpit.domain.formatting import fmt_attainment, fmt_datetime, fmt_number, fmt_value
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS, MILESTONE_WORDS, SYMBOL_MEANINGS

LinkFor = Callable[[str], str]


def data_table(
    head: Sequence[Any],
    body: Sequence[html.Tr] | Sequence[html.Tbody],
    cls: str,
    caption: str,
    numeric: frozenset[int] = frozenset(),
    caption_shown: bool = False,
) -> html.Table:
    """A table of the app: column headers, rows (or row groups), a caption for screen readers
    (also shown when `caption_shown`)."""
    return html.Table(
        [
            html.Caption(caption, className=None if caption_shown else "visually-hidden"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col", className="num" if i in numeric else None)
                        for i, h in enumerate(head)
                    ]
                )
            ),
            # rows, or groups of rows that each start with their own heading row
            *(body if body and isinstance(body[0], html.Tbody) else [html.Tbody(list(body))]),
        ],
        className=f"table zc-table {cls}",
    )


def handlungsfeld_table(
    rows: Sequence[ClusterRow], handlungsfeld_href: Callable[[int], str], show_budget: bool
) -> html.Table:
    head: list[Any] = ["Handlungsfeld", "Maßnahmen"]
    head += [light_badge(light, "sm") for light in LIGHTS]
    head += ["Verteilung"] + (["Budget"] if show_budget else [])
    body = []
    for r in rows:
        cells = [
            html.Th(dcc.Link(r.title, href=handlungsfeld_href(r.id)), scope="row"),
            html.Td(fmt_number(r.total), className="num"),
        ]
        cells += [
            html.Td(
                fmt_number(r.counts[light]) if r.counts[light] else "–",
                className="num" + (" zero" if not r.counts[light] else ""),
                title=f"{r.counts[light]} {LIGHT_MEANINGS[light]}",
            )
            for light in LIGHTS
        ]
        cells.append(html.Td(stacked_bar(r.counts), className="bar-cell"))
        if show_budget:
            cells.append(html.Td(r.budget or "–", className="budget"))
        body.append(html.Tr(cells))
    return html.Table(
        [
            html.Caption(
                "Handlungsfelder mit der Zahl ihrer Maßnahmen je Ampel", className="visually-hidden"
            ),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col", className="num" if i and i < 6 else None)
                        for i, h in enumerate(head)
                    ]
                )
            ),
            html.Tbody(body),
        ],
        className="table zc-table cluster-table",
    )


def scorecard(
    rows: Sequence[MeasureRow],
    quarters: Sequence[Period],
    period: Period,
    measure_href: LinkFor,
    handlungsfeld_href: Callable[[int], str],
) -> html.Table:
    """Measures × quarters, grouped by Handlungsfeld, with the change since the last quarter."""
    head: list[Any] = ["Maßnahme"]
    head += [
        html.Span(q.short_label, className="current-quarter" if q == period else None)
        for q in quarters
    ]
    head.append("Veränderung")
    body: list[html.Tbody] = []
    for (cluster_id, cluster), group in groupby(rows, key=lambda r: (r.cluster_id, r.cluster)):
        # One row group per Handlungsfeld, headed by its name: a screen reader names the
        # Handlungsfeld with each of its measures.
        group_rows: list[html.Tr] = [
            html.Tr(
                html.Th(
                    dcc.Link(cluster, href=handlungsfeld_href(cluster_id)),
                    colSpan=len(quarters) + 2,
                    scope="rowgroup",
                ),
                className="group-row",
            )
        ]
        for r in group:
            cells: list[html.Td | html.Th] = [
                html.Th(
                    [
                        dcc.Link(
                            [html.Span(r.code, className="code"), " ", r.title],
                            href=measure_href(r.code),
                        ),
                        manual_mark() if r.override else None,
                    ],
                    scope="row",
                    className="measure-cell",
                )
            ]
            for q, light in zip(quarters, r.quarter_lights, strict=True):
                cells.append(
                    html.Td(
                        light_cell(light, future=light is None),
                        className="light-td" + (" current" if q == period else ""),
                    )
                )
            cells.append(html.Td(change_mark(r.change) or "–", className="change-td"))
            group_rows.append(html.Tr(cells))
        body.append(html.Tbody(group_rows))
    return data_table(head, body, "scorecard", "Ampeln je Maßnahme und Quartal")


def attention_list(
    rows: Sequence[MeasureRow] | Sequence[MissingItem],
    measure_href: LinkFor,
    empty: str,
) -> html.Ul | html.P:
    if not rows:
        return html.P(empty, className="muted")
    items = []
    for item in rows:
        row = item.row if isinstance(item, MissingItem) else item
        sentences = item.sentences if isinstance(item, MissingItem) else (row.sentence,)
        items.append(
            html.Li(
                [
                    html.Div(
                        [
                            light_badge(row.light, "sm"),
                            " ",
                            dcc.Link(
                                [html.Span(row.code, className="code"), " ", row.title],
                                href=measure_href(row.code),
                            ),
                        ],
                        className="attention-head",
                    ),
                    html.Ul([html.Li(s) for s in sentences], className="attention-reasons"),
                ]
            )
        )
    return html.Ul(items, className="attention-list")


def quarter_values_table(view: IndicatorView) -> html.Table:
    """The numbers behind the quarter chart, so nothing is only in a picture or a hover."""
    unit = view.unit
    milestone = view.kind == "milestone"
    actual = "Ist (Jahr bis Quartalsende)" if view.cumulative else "Ist"
    head = ["Quartal", "Sachstand" if milestone else actual]
    if not milestone:
        head += ["Soll", "Zielerreichung"]
    head.append("Ampel")
    body = []
    for p in view.points:
        j = p.judgement
        if not p.reported:
            cells = [html.Td(p.period.label)] + [
                html.Td("noch nicht berichtet", colSpan=len(head) - 1, className="muted")
            ]
            body.append(html.Tr(cells))
            continue
        if milestone:
            value = MILESTONE_WORDS.get(j.status or "", "–")
            cells = [html.Td(p.period.label), html.Td(value)]
        else:
            cells = [
                html.Td(p.period.label),
                html.Td(fmt_value(j.actual, unit), className="num"),
                html.Td(
                    fmt_value(round(j.expected, 1), unit) if j.expected is not None else "–",
                    className="num",
                ),
                html.Td(fmt_attainment(j.attainment), className="num"),
            ]
        cells.append(html.Td(light_badge(j.light, "sm")))
        body.append(html.Tr(cells))
    numeric = frozenset() if milestone else frozenset({1, 2, 3})
    return data_table(head, body, "values-table", f"Werte von {view.code} je Quartal", numeric)


def comments_block(comments: Sequence[CommentRow], names: dict[str, str]) -> html.Div:
    if not comments:
        return html.Div(html.P("Keine Kommentare erfasst.", className="muted"))
    blocks = []
    for period, group in groupby(comments, key=lambda c: c.period):
        items = []
        for c in group:
            about = (
                f"{c.indicator_code} {names.get(c.indicator_code, '')}".strip()
                if c.indicator_code
                else None
            )
            meta = " · ".join(
                x
                for x in (
                    c.author or "unbekannt",
                    fmt_datetime(c.created_at),
                    "Demodaten" if c.demo else None,
                )
                if x
            )
            items.append(
                html.Li(
                    [
                        html.P(about, className="comment-about") if about else None,
                        html.P(c.text, className="comment-text"),
                        html.P(meta, className="comment-meta"),
                    ],
                    className="comment",
                )
            )
        blocks.append(
            html.Section([html.H3(period.label), html.Ul(items, className="comment-list")])
        )
    return html.Div(blocks, className="comments")


def _stored_value(p: ProvenanceRow) -> str:
    if p.symbol is not None:
        return f"„{p.symbol}“ ({SYMBOL_MEANINGS.get(p.symbol, 'kein Zahlenwert')})"
    if p.status is not None:
        return MILESTONE_WORDS.get(p.status, p.status)
    return fmt_value(p.value, p.unit)


IMPORT_KINDS = {
    "datei": "Dateiimport",
    "demo": "Demodaten",
    "erfassung": "Erfassung im Formular",
    "katalog": "Katalog",
}


def provenance_table(rows: Sequence[ProvenanceRow]) -> html.Div:
    """Where each number came from: file, sheet, cell, import and who entered it."""
    if not rows:
        return html.Div(
            html.P("Für diese Maßnahme sind noch keine Werte gespeichert.", className="muted")
        )
    head = ["Indikator", "Zeitraum", "Ort", "Wert", "Quelle", "Blatt / Zelle", "Import", "Erfasst"]
    body = []
    for p in rows:
        source = p.file_name or IMPORT_KINDS.get(p.import_kind or "", "unbekannt")
        kind = IMPORT_KINDS.get(p.import_kind or "", p.import_kind or "–")
        checksum = f"Prüfsumme {p.checksum[:12]}…" if p.checksum else None
        where = " / ".join(x for x in (p.sheet, p.cell) if x) or "–"
        imported = p.import_finished_at or p.import_started_at
        earlier = [
            html.Li(
                f"vorher {_stored_value_plain(v.value, v.symbol, v.status, p.unit)} "
                f"(erfasst {fmt_datetime(v.recorded_at)}"
                + (f" aus {v.file_name}" if v.file_name else "")
                + f", ersetzt {fmt_datetime(v.replaced_at)})"
            )
            for v in p.earlier
        ]
        body.append(
            html.Tr(
                [
                    html.Td(html.Span(p.indicator_code, className="code")),
                    html.Td(p.period.label),
                    html.Td(p.place or "gesamt"),
                    html.Td(
                        [
                            _stored_value(p),
                            html.Span(" Demodaten", className="demo-mark") if p.demo else None,
                            html.Ul(earlier, className="earlier") if earlier else None,
                        ],
                        className="num-left",
                    ),
                    html.Td(_source_cell(p, source, checksum)),
                    html.Td(where),
                    html.Td([kind, html.Br(), html.Small(fmt_datetime(imported))]),
                    html.Td(
                        [p.recorded_by or "–", html.Br(), html.Small(fmt_datetime(p.recorded_at))]
                    ),
                ]
            )
        )
    return html.Div(
        data_table(head, body, "provenance-table", "Herkunft der gespeicherten Werte"),
        className="table-scroll",
    )


def _source_cell(p: ProvenanceRow, source: str, checksum: str | None) -> list[Any]:
    """The file (with „Quelle“: the archived sheet around the cell) or who entered the value."""
    if p.import_kind == "erfassung":
        return [
            f"im Formular erfasst von {p.recorded_by or 'unbekannt'} am "
            f"{fmt_datetime(p.recorded_at)}"
        ]
    parts: list[Any] = [source]
    if checksum:
        parts += [html.Br(), html.Small(checksum)]
    if p.import_kind == "datei" and p.cell and p.value_id is not None:
        parts += [
            html.Br(),
            dcc.Link(
                "Quelle",
                href=f"/quelle/{p.value_id}",
                className="source-link",
                title=f"Zelle {p.cell} in {p.file_name or 'der Originaldatei'} zeigen",
            ),
        ]
    return parts


def _stored_value_plain(
    value: float | None, symbol: str | None, status: str | None, unit: str
) -> str:
    if symbol is not None:
        return f"„{symbol}“"
    if status is not None:
        return MILESTONE_WORDS.get(status, status)
    return fmt_value(value, unit)
