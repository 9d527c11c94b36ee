"""Benutzer (/benutzer): „Wer darf was?“ – accounts for the administration: list, add, disable
and enable, reset a password. The rules are the `user` command's (zielcockpit/services/users.py)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from app import engine_of_app, ids
from app.components.common import form_field, no_permission, page_header
from app.context import guarded
from app.security import current_principal
from db.users import UserRow
from zielcockpit.domain.access import AuthError, Principal
from zielcockpit.domain.formatting import fmt_datetime
from zielcockpit.domain.vocabulary import ROLE_WORDS, ROLES
from zielcockpit.services.users import (
    accounts,
    create_account,
    may_manage,
    reset_password,
    set_active,
)


def may_see(principal: Principal | None) -> bool:
    return may_manage(principal) is None


dash.register_page(
    __name__,
    path="/benutzer",
    name="Benutzer",
    title="Benutzer – Zielcockpit",
    order=8.5,  # no link in the bar (it fits 1024 px as it is): the user's name links here
)

REFUSAL = "Benutzer verwaltet nur die Administration."


def _button(kind: str, name: str, text: str, label: str, color: str = "secondary") -> dbc.Button:
    return dbc.Button(
        [text, html.Span(f" ({name})", className="visually-hidden")],  # whose, for screen readers
        id=ids.user_action(kind, name),
        color=color,
        outline=True,
        size="sm",
        className="me-1",
        title=label,
    )


def users_table(rows: list[UserRow], me: str) -> html.Table:
    """Every account with its role, units, state and last login, and what can be done to it."""
    body = []
    for r in rows:
        actions: list[Any] = []
        if r.active and r.name != me:
            actions.append(_button(ids.USERS_DISABLE, r.name, "Sperren", f"{r.name} sperren"))
        elif not r.active:
            actions.append(
                _button(ids.USERS_ENABLE, r.name, "Entsperren", f"{r.name} entsperren", "primary")
            )
        if not r.directory:  # a directory account's password is the directory's
            actions.append(
                _button(
                    ids.USERS_RESET,
                    r.name,
                    "Passwort zurücksetzen",
                    f"Passwort von {r.name} zurücksetzen",
                )
            )
        status = "aktiv" if r.active else "gesperrt"
        body.append(
            html.Tr(
                [
                    html.Td(
                        r.name
                        + (" (Demo)" if r.demo else "")
                        + (" (Verzeichnis)" if r.directory else "")
                    ),
                    html.Td(r.display_name or "–"),
                    html.Td(ROLE_WORDS.get(r.role, r.role)),
                    html.Td(", ".join(r.units) or "–"),
                    html.Td(status, className="" if r.active else "text-danger"),
                    html.Td(fmt_datetime(r.last_login_at) if r.last_login_at else "noch nie"),
                    html.Td(actions),
                ]
            )
        )
    head = ("Name", "Anzeigename", "Rolle", "OE", "Status", "letzte Anmeldung", "Aktionen")
    return html.Table(
        [
            html.Caption(f"{len(rows)} Benutzer"),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
            html.Tbody(body),
        ],
        className="table zc-table users-table",
    )


def _add_form() -> html.Section:
    return html.Section(
        [
            html.H2("Benutzer anlegen"),
            html.Div(
                [
                    form_field(
                        "Benutzername",
                        dcc.Input(
                            id=ids.USERS_NAME, type="text", className="form-control form-control-sm"
                        ),
                    ),
                    form_field(
                        "Anzeigename",
                        dcc.Input(
                            id=ids.USERS_DISPLAY_NAME,
                            type="text",
                            className="form-control form-control-sm",
                        ),
                    ),
                    form_field(
                        "Rolle",
                        dbc.Select(
                            id=ids.USERS_ROLE,
                            options=[{"label": ROLE_WORDS[r], "value": r} for r in ROLES],
                            value="fachbereich",
                            size="sm",
                        ),
                    ),
                    form_field(
                        "OE",
                        dcc.Input(
                            id=ids.USERS_UNITS,
                            type="text",
                            placeholder="z. B. 510, REGE",
                            className="form-control form-control-sm",
                        ),
                        "für die Rolle Fachbereich Pflicht; mit Komma getrennt",
                    ),
                    form_field(
                        "Passwort",
                        dcc.Input(
                            id=ids.USERS_PASSWORD,
                            type="password",
                            autoComplete="new-password",
                            className="form-control form-control-sm",
                        ),
                        "leer: wird erzeugt und einmal angezeigt; sonst mindestens 10 Zeichen",
                    ),
                ],
                className="users-form",
            ),
            dbc.Button("Anlegen", id=ids.USERS_ADD, color="primary", size="sm", className="mt-2"),
        ],
        className="panel",
    )


@guarded
def layout(**_query: Any) -> html.Div:
    principal = current_principal()
    if not may_see(principal) or principal is None:
        return no_permission("Benutzer", REFUSAL, ids.USERS)
    rows = accounts(engine_of_app(), principal)
    return html.Div(
        [
            page_header(
                "Benutzer",
                kicker="Administration",
                question="Wer darf was?",
            ),
            html.Div(id=ids.USERS_MESSAGE, role="status", className="users-message"),
            html.Section(users_table(rows, principal.name), id=ids.USERS_TABLE, className="panel"),
            _add_form(),
        ],
        id=ids.USERS,
        className="page page-users",
    )


FORM_FIELDS = (ids.USERS_NAME, ids.USERS_DISPLAY_NAME, ids.USERS_UNITS, ids.USERS_PASSWORD)
KEEP = tuple(dash.no_update for _ in FORM_FIELDS)
CLEARED = ("", "", "", "")  # after an account was added: nothing typed stays on the page


def _all(kind: str) -> dict[str, Any]:
    return {"type": kind, "index": ALL}


def _alert(parts: list[Any], color: str) -> dbc.Alert:
    return dbc.Alert(parts, color=color, className="mb-2")


def _shown_once(name: str, password: str) -> list[Any]:
    return [
        f"Passwort für „{name}“: ",
        html.Code(password, className="shown-password"),
        " – wird nur jetzt angezeigt; bitte sicher weitergeben.",
    ]


@callback(
    Output(ids.USERS_MESSAGE, "children"),
    Output(ids.USERS_TABLE, "children"),
    *[Output(i, "value") for i in FORM_FIELDS],
    Input(ids.USERS_ADD, "n_clicks"),
    Input(_all(ids.USERS_DISABLE), "n_clicks"),
    Input(_all(ids.USERS_ENABLE), "n_clicks"),
    Input(_all(ids.USERS_RESET), "n_clicks"),
    State(ids.USERS_NAME, "value"),
    State(ids.USERS_DISPLAY_NAME, "value"),
    State(ids.USERS_ROLE, "value"),
    State(ids.USERS_UNITS, "value"),
    State(ids.USERS_PASSWORD, "value"),
    prevent_initial_call=True,
)
def change_users(
    add: int | None,
    disable: list[int | None],
    enable: list[int | None],
    reset: list[int | None],
    name: str | None,
    display_name: str | None,
    role: str | None,
    units: str | None,
    password: str | None,
) -> Any:
    """One callback for every change; the role is checked here and again in the use case."""
    principal = current_principal()
    if not may_see(principal) or principal is None:
        return _alert([f"Keine Berechtigung: {REFUSAL}"], "danger"), dash.no_update, *KEEP
    if not add and not any(disable) and not any(enable) and not any(reset):
        raise dash.exceptions.PreventUpdate  # the table was (re)drawn; nobody clicked
    engine = engine_of_app()
    triggered = dash.ctx.triggered_id
    fields: tuple[Any, ...] = KEEP
    try:
        if triggered == ids.USERS_ADD:
            made = create_account(
                engine,
                principal,
                name or "",
                role or "",
                (units or "").split(","),
                password=password or None,
                display_name=display_name,
            )
            parts: list[Any] = [f"Benutzer „{(name or '').strip()}“ angelegt. "]
            message = _alert(parts + (_shown_once(name or "", made) if made else []), "success")
            fields = CLEARED
        elif isinstance(triggered, dict) and triggered.get("type") == ids.USERS_RESET:
            who = str(triggered["index"])
            made = reset_password(engine, principal, who)
            message = _alert(
                [f"Passwort von „{who}“ zurückgesetzt; alle Sitzungen beendet. "]
                + _shown_once(who, str(made)),
                "success",
            )
        elif isinstance(triggered, dict):
            who = str(triggered["index"])
            active = triggered.get("type") == ids.USERS_ENABLE
            set_active(engine, principal, who, active)
            word = "entsperrt" if active else "gesperrt (Anmeldung nicht mehr möglich)"
            message = _alert([f"Benutzer „{who}“ {word}."], "success")
        else:
            raise dash.exceptions.PreventUpdate
    except AuthError as exc:
        message = _alert([str(exc)], "danger")
    return message, users_table(accounts(engine, principal), principal.name), *fields
