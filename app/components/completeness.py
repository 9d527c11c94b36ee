"""What /vollstaendigkeit shows: the counts per unit and the list of missing values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import groupby

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from db.completeness import Completeness, MissingRow
from db.reminders import ReminderRow
from zielcockpit.domain.formatting import fmt_date, fmt_datetime, fmt_number, fmt_percent
from zielcockpit.domain.reminders import DIGEST, KIND_WORDS, SENT, STATE_WORDS, SUPERSEDED


def _when(r: ReminderRow) -> str:
    moment = r.sent_at if r.state == SENT and r.sent_at else r.created_at
    return fmt_date(moment.date())


def reminder_texts(rows: list[ReminderRow]) -> dict[str, str]:
    """Per unit: „erinnert am 08.04.2017 (vor dem Liefertermin), am 16.04.2017 (überfällig)“,
    or why a reminder did not go out (pure)."""
    texts: dict[str, list[str]] = {}
    for r in rows:
        if r.kind == DIGEST or r.state == SUPERSEDED:
            continue
        scope = f", Maßnahme {r.measure}" if r.measure else ""
        if r.state == SENT:
            part = f"am {_when(r)} ({KIND_WORDS[r.kind]}{scope})"
        else:
            part = f"{KIND_WORDS[r.kind]}{scope}: {STATE_WORDS.get(r.state, r.state)}"
        texts.setdefault(r.oe, []).append(part)
    return {
        oe: ("erinnert " if any(p.startswith("am ") for p in parts) else "") + ", ".join(parts)
        for oe, parts in texts.items()
    }


def reminders_table(rows: list[ReminderRow], period_label: str) -> html.Table | html.P:
    """Every reminder of the quarter: when, to whom, what it listed, whether it went out."""
    shown = [r for r in rows if r.state != SUPERSEDED]
    if not shown:
        return html.P(f"Für {period_label} wurde noch niemand erinnert.", className="text-muted")
    head = ["Datum", "Empfänger", "Art", "Werte", "Stand"]
    body = [
        html.Tr(
            [
                html.Td(fmt_datetime(r.sent_at if r.state == SENT and r.sent_at else r.created_at)),
                html.Td(
                    ("Controlling" if r.kind == DIGEST else f"OE {r.oe}")
                    + (f", Maßnahme {r.measure}" if r.measure else "")
                    + (f": {', '.join(r.recipients)}" if r.recipients else "")
                ),
                html.Td(KIND_WORDS[r.kind]),
                html.Td(
                    "–" if r.kind == DIGEST else ", ".join(str(i["indicator"]) for i in r.items)
                ),
                html.Td(STATE_WORDS.get(r.state, r.state) + (f" ({r.error})" if r.error else "")),
            ]
        )
        for r in shown
    ]
    return html.Table(
        [
            html.Caption(f"Erinnerungen per E-Mail, {period_label}"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(body),
        ],
        className="table zc-table completeness-reminders",
    )


def completeness_counts(c: Completeness, reminded: Mapping[str, str] | None = None) -> html.Table:
    head = [
        "Organisationseinheit",
        "Steuernde Indikatoren",
        "vollständig",
        "fehlen",
        "davon überfällig",
        "Anteil",
    ]
    if reminded is not None:
        head.append("Erinnerung")
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
                    html.Td(
                        fmt_number(u.overdue),
                        className="num" + (" overdue-count" if u.overdue else " zero"),
                    ),
                    html.Td(fmt_percent(share, 0), className="num"),
                    *(
                        []
                        if reminded is None
                        else [html.Td(reminded.get(u.oe, "–"), className="reminded")]
                    ),
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
        id=ids.COMPLETENESS_COUNTS,
    )


def completeness_list(c: Completeness, entry_link: Callable[[str], str]) -> html.Div:
    if not c.rows:
        return html.Div(
            dbc.Alert(f"Für {c.period.label} fehlt nichts.", color="success"),
            id=ids.COMPLETENESS_LIST,
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
                                        for h in (
                                            "Maßnahme",
                                            "Indikator",
                                            "Was fehlt",
                                            "Liefertermin",
                                        )
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
                                            _delivery_cell(r),
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
    return html.Div(sections, id=ids.COMPLETENESS_LIST)


def _delivery_cell(r: MissingRow) -> html.Td:
    """○ grey, never a light: „überfällig – fehlt seit 16.10.2017 (5 Tage)“ or „noch nicht
    fällig – Wert fällig am 15.10.2017“."""
    d = r.delivery
    if d is None:
        return html.Td("–", className="delivery")
    if d.overdue:
        n = d.days_overdue
        words: list[str | html.Strong] = [
            html.Strong("überfällig"),
            f" – fehlt seit {fmt_date(d.missing_since)} ({fmt_number(n)} {'Tag' if n == 1 else 'Tage'})",
        ]
        return html.Td(words, className="delivery delivery-overdue")
    return html.Td(
        ["noch nicht fällig – Wert fällig am ", html.Span(fmt_date(d.due), className="nowrap")],
        className="delivery delivery-pending",
    )
