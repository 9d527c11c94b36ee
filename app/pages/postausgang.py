"""Postausgang (/postausgang): „Welche Erinnerungen wären verschickt worden?“ – the `.eml` files
written when no mail server is set (ZIELCOCKPIT_SMTP_URL empty, the default of `make run`)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html
from flask import current_app

from app import ids
from app.components.common import no_permission, page_header
from app.context import guarded
from app.security import current_principal
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_datetime, fmt_number
from zielcockpit.services.mail import OutboxMail, outbox, outbox_dir
from zielcockpit.settings import Settings


def may_see(principal: Principal | None) -> bool:
    return principal is not None and principal.sees_completeness


dash.register_page(
    __name__,
    path="/postausgang",
    name="Postausgang",
    title="Postausgang – Zielcockpit",
    order=7.6,  # linked from /vollstaendigkeit and /kontakte, no link in the bar
)

REFUSAL = "Den Postausgang sehen nur das Controlling und die Administration."


def mail_card(mail: OutboxMail) -> html.Details:
    return html.Details(
        [
            html.Summary(
                [
                    html.Strong(mail.subject),
                    html.Span(
                        f" · an {mail.to} · {fmt_datetime(mail.written)}", className="text-muted"
                    ),
                ]
            ),
            html.Dl(
                [
                    html.Dt("Von"),
                    html.Dd(mail.sender),
                    html.Dt("An"),
                    html.Dd(mail.to),
                    html.Dt("Anhang"),
                    html.Dd(", ".join(mail.attachments) or "–"),
                    html.Dt("Datei"),
                    html.Dd(html.Code(mail.name)),
                ],
                className="outbox-headers",
            ),
            html.Pre(mail.text, className="outbox-text"),
        ],
        className="panel outbox-mail",
    )


@guarded
def layout(**_query: Any) -> html.Div:
    if not may_see(current_principal()):
        return no_permission("Postausgang", REFUSAL, ids.OUTBOX)
    settings: Settings = current_app.config["ZC_SETTINGS"]
    mails = outbox(settings)
    server = settings.value("ZIELCOCKPIT_SMTP_URL").strip()
    note = (
        dbc.Alert(
            "Ein Mailserver ist eingestellt (ZIELCOCKPIT_SMTP_URL): Erinnerungen gehen dorthin; "
            "hier stehen nur Mails aus der Zeit ohne Mailserver.",
            color="info",
        )
        if server
        else None
    )
    return html.Div(
        [
            page_header(
                "Postausgang",
                kicker="Erinnerungen",
                question="Welche Erinnerungen wären verschickt worden?",
                extra=html.P(
                    [
                        f"{fmt_number(len(mails))} Mails im Ordner {outbox_dir(settings)}, die "
                        "neueste zuerst. Wer sie bekommt, steht auf der Seite ",
                        dcc.Link("Kontakte", href="/kontakte"),
                        ".",
                    ],
                    className="page-answer",
                ),
            ),
            note,
            html.Div(
                [mail_card(m) for m in mails]
                or [html.P("Noch keine Mail im Postausgang.", className="text-muted")],
                id=ids.OUTBOX_LIST,
            ),
        ],
        id=ids.OUTBOX,
        className="page page-outbox",
    )
