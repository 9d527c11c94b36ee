"""Kontakte (/kontakte): „Wer wird an fehlende Werte erinnert?“ – delivery contacts per unit
(and measure) for controlling and the administration; the rules are `zielcockpit contacts`'s
(zielcockpit/services/contacts.py)."""

from __future__ import annotations

from typing import Any, Literal

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from app import engine_of_app, ids
from app.components.common import form_field, no_permission, page_header
from app.context import guarded
from app.security import current_principal
from db.contacts import ContactError, UnitContacts, contacts_by_unit
from zielcockpit.domain.access import Principal
from zielcockpit.services.contacts import add, may_maintain, remove


def may_see(principal: Principal | None) -> bool:
    return may_maintain(principal) is None


dash.register_page(
    __name__,
    path="/kontakte",
    name="Kontakte",
    title="Kontakte – Zielcockpit",
    order=7.5,  # linked from /vollstaendigkeit, no link in the bar
)

REFUSAL = "Kontakte pflegen nur das Controlling und die Administration."


def contacts_table(units: list[UnitContacts]) -> html.Table:
    """Every unit with its contacts; a unit without any says so (reminders cannot reach it)."""
    body = []
    for u in units:
        if not u.contacts:
            body.append(
                html.Tr(
                    [
                        html.Td(u.oe),
                        html.Td(u.name),
                        html.Td(
                            "keine Kontakte – wird nicht erinnert",
                            className="text-danger",
                            colSpan=4,
                        ),
                    ]
                )
            )
            continue
        for c in u.contacts:
            body.append(
                html.Tr(
                    [
                        html.Td(u.oe),
                        html.Td(u.name),
                        html.Td(c.measure or "alle Maßnahmen"),
                        html.Td(c.name or "–"),
                        html.Td(c.email),
                        html.Td(
                            dbc.Button(
                                [
                                    "Entfernen",
                                    html.Span(
                                        f" ({c.email}, {c.scope})", className="visually-hidden"
                                    ),
                                ],
                                id={"type": ids.CONTACTS_REMOVE, "index": c.id},
                                color="secondary",
                                outline=True,
                                size="sm",
                            )
                        ),
                    ]
                )
            )
    head = ("OE", "Name der OE", "Maßnahme", "Name", "E-Mail", "Aktion")
    missing = sum(1 for u in units if not u.contacts)
    return html.Table(
        [
            html.Caption(
                f"{sum(len(u.contacts) for u in units)} Kontakte; {missing} "
                f"{'Organisationseinheit' if missing == 1 else 'Organisationseinheiten'} ohne Kontakt"
            ),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(body),
        ],
        className="table zc-table contacts-table",
    )


def _input(
    id_: str, kind: Literal["text", "email"] = "text", placeholder: str | None = None
) -> dcc.Input:
    return dcc.Input(
        id=id_, type=kind, placeholder=placeholder, className="form-control form-control-sm"
    )


def _add_form(units: list[UnitContacts]) -> html.Section:
    return html.Section(
        [
            html.H2("Kontakt hinzufügen"),
            html.Div(
                [
                    form_field(
                        "Organisationseinheit",
                        dbc.Select(
                            id=ids.CONTACTS_UNIT,
                            options=[{"label": f"{u.oe} – {u.name}", "value": u.oe} for u in units],
                            value=units[0].oe if units else None,
                            size="sm",
                        ),
                    ),
                    form_field(
                        "Maßnahme",
                        _input(ids.CONTACTS_MEASURE, placeholder="z. B. 510-3"),
                        "leer: für alle Maßnahmen der OE",
                    ),
                    form_field("Name", _input(ids.CONTACTS_NAME)),
                    form_field(
                        "E-Mail",
                        _input(ids.CONTACTS_EMAIL, "email", "vorname.name@bielefeld.de"),
                    ),
                ],
                className="users-form",
            ),
            dbc.Button(
                "Hinzufügen", id=ids.CONTACTS_ADD, color="primary", size="sm", className="mt-2"
            ),
        ],
        className="panel",
    )


@guarded
def layout(**_query: Any) -> html.Div:
    if not may_see(current_principal()):
        return no_permission("Kontakte", REFUSAL, ids.CONTACTS)
    units = contacts_by_unit(engine_of_app())
    return html.Div(
        [
            page_header(
                "Kontakte",
                kicker="Erinnerungen",
                question="Wer wird an fehlende Werte erinnert?",
                extra=html.P(
                    [
                        "Vor jedem Liefertermin und danach, solange Werte fehlen, schreibt das "
                        "Zielcockpit diesen Kontakten (eine Maßnahme mit eigenen Kontakten bekommt "
                        "eine eigene Mail). Was verschickt wurde, steht auf der Seite ",
                        dcc.Link("Vollständigkeit", href="/vollstaendigkeit"),
                        " und, ohne Mailserver, im ",
                        dcc.Link("Postausgang", href="/postausgang"),
                        ".",
                    ],
                    className="page-answer",
                ),
            ),
            html.Div(id=ids.CONTACTS_MESSAGE, role="status"),
            html.Section(
                contacts_table(units), id=ids.CONTACTS_TABLE, className="panel table-scroll"
            ),
            _add_form(units),
        ],
        id=ids.CONTACTS,
        className="page page-contacts",
    )


FIELDS = (ids.CONTACTS_MEASURE, ids.CONTACTS_NAME, ids.CONTACTS_EMAIL)
KEEP = tuple(dash.no_update for _ in FIELDS)


@callback(
    Output(ids.CONTACTS_MESSAGE, "children"),
    Output(ids.CONTACTS_TABLE, "children"),
    *[Output(i, "value") for i in FIELDS],
    Input(ids.CONTACTS_ADD, "n_clicks"),
    Input({"type": ids.CONTACTS_REMOVE, "index": ALL}, "n_clicks"),
    State(ids.CONTACTS_UNIT, "value"),
    State(ids.CONTACTS_MEASURE, "value"),
    State(ids.CONTACTS_NAME, "value"),
    State(ids.CONTACTS_EMAIL, "value"),
    prevent_initial_call=True,
)
def change_contacts(
    added: int | None,
    removed: list[int | None],
    oe: str | None,
    measure: str | None,
    name: str | None,
    email: str | None,
) -> Any:
    """Add or remove a contact; the role is checked here and again in the use case."""
    principal = current_principal()
    if not may_see(principal):
        return dbc.Alert(f"Keine Berechtigung: {REFUSAL}", color="danger"), dash.no_update, *KEEP
    if not added and not any(removed):
        raise dash.exceptions.PreventUpdate  # the table was (re)drawn; nobody clicked
    engine = engine_of_app()
    triggered = dash.ctx.triggered_id
    fields: tuple[Any, ...] = KEEP
    try:
        if triggered == ids.CONTACTS_ADD:
            row = add(engine, principal, oe or "", name or "", email or "", measure or "")
            message = dbc.Alert(
                f"Kontakt {row.email} für {row.scope} gespeichert.", color="success"
            )
            fields = ("", "", "")
        elif isinstance(triggered, dict) and triggered.get("type") == ids.CONTACTS_REMOVE:
            wanted = int(triggered["index"])
            found = [c for u in contacts_by_unit(engine) for c in u.contacts if c.id == wanted]
            if not found:
                raise ContactError("Diesen Kontakt gibt es nicht mehr.")
            row = remove(engine, principal, found[0].oe, found[0].email, found[0].measure)
            message = dbc.Alert(f"Kontakt {row.email} für {row.scope} entfernt.", color="success")
        else:
            raise dash.exceptions.PreventUpdate
    except ContactError as exc:
        message = dbc.Alert(f"Nicht gespeichert: {exc}", color="danger")
    return message, contacts_table(contacts_by_unit(engine)), *fields
