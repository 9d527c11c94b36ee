"""The reminder pages over HTTP, as the browser (or an attacker) calls them: /kontakte adds and
removes contacts for controlling only, /postausgang shows the outbox's mails, /vollstaendigkeit
says who was reminded when."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import dash
from access_helpers import engine_of
from dash import Dash
from dash_helpers import logged_in_client
from flask import g

from app import create_app
from app import ids as aids
from benchmarks.dash_requests import DASH, callback_payload
from db.contacts import add_contact, list_contacts
from db.users import principal_of
from zielcockpit.services.mail import outbox as outbox_mails
from zielcockpit.services.reminders import remind
from zielcockpit.settings import Settings


def render(app: Dash, name: str, page: str, **query: Any) -> str:
    with app.server.test_request_context("/"):
        g.principal = principal_of(engine_of(app), name)
        layout = sys.modules[f"app.pages.{page}"].layout(**query)
        return json.dumps(
            layout.to_plotly_json(), ensure_ascii=False, default=lambda o: o.to_plotly_json()
        )


def contact_payload(
    email: str, oe: str = "540", measure: str = "", remove: list[int] | None = None
) -> dict[str, Any]:
    removing = remove is not None
    return callback_payload(
        [
            (aids.CONTACTS_MESSAGE, "children"),
            (aids.CONTACTS_TABLE, "children"),
            (aids.CONTACTS_MEASURE, "value"),
            (aids.CONTACTS_NAME, "value"),
            (aids.CONTACTS_EMAIL, "value"),
        ],
        [
            {"id": aids.CONTACTS_ADD, "property": "n_clicks", "value": None if removing else 1},
            [
                {
                    "id": {"type": aids.CONTACTS_REMOVE, "index": i},
                    "property": "n_clicks",
                    "value": 1,
                }
                for i in (remove or [])
            ],
        ],
        (
            json.dumps({"index": remove[0], "type": aids.CONTACTS_REMOVE}, separators=(",", ":"))
            + ".n_clicks"
            if remove
            else f"{aids.CONTACTS_ADD}.n_clicks"
        ),
        [
            {"id": aids.CONTACTS_UNIT, "property": "value", "value": oe},
            {"id": aids.CONTACTS_MEASURE, "property": "value", "value": measure},
            {"id": aids.CONTACTS_NAME, "property": "value", "value": "Kita-Team"},
            {"id": aids.CONTACTS_EMAIL, "property": "value", "value": email},
        ],
    )


def csrf(client: Any) -> dict[str, str]:
    client.get("/")
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    return {"X-CSRFToken": cookie.value}


def test_rpg001_contacts_page_adds_refuses_and_removes(web: Dash) -> None:
    engine = engine_of(web)
    demo = list_contacts(engine)  # the demo's own contacts (db/demo.py)
    assert {c.oe for c in demo} == {"500", "510", "540", "Jobcenter", "REGE"}
    assert "Keine Berechtigung" in render(web, "demo-fb-510", "kontakte")
    page = render(web, "demo-controlling", "kontakte")
    assert "Wer wird an fehlende Werte erinnert?" in page
    assert "keine Kontakte – wird nicht erinnert" in page  # 170, Dezernat 5

    # A Fachbereich posting the callback directly changes nothing.
    fb = logged_in_client(web, "demo-fb-510")
    answered = fb.post(DASH, json=contact_payload("kita@bielefeld.de"), headers=csrf(fb))
    assert "Keine Berechtigung" in answered.get_data(as_text=True)
    assert list_contacts(engine) == demo

    client = logged_in_client(web, "demo-controlling")
    headers = csrf(client)
    bad = client.post(DASH, json=contact_payload("kita(at)bielefeld.de"), headers=headers)
    text = json.dumps(bad.get_json(), ensure_ascii=False)
    assert "Nicht gespeichert: „kita(at)bielefeld.de“ ist keine gültige E-Mail-Adresse" in text
    assert list_contacts(engine) == demo
    good = client.post(
        DASH, json=contact_payload("kita@bielefeld.de", measure="540-4"), headers=headers
    )
    text = json.dumps(good.get_json(), ensure_ascii=False)
    assert "Kontakt kita@bielefeld.de für OE 540, Maßnahme 540-4 gespeichert." in text
    (row,) = [c for c in list_contacts(engine) if c.email == "kita@bielefeld.de"]
    assert (row.oe, row.measure, row.name) == ("540", "540-4", "Kita-Team")
    gone = client.post(DASH, json=contact_payload("", remove=[row.id]), headers=headers)
    assert "entfernt" in json.dumps(gone.get_json(), ensure_ascii=False)
    assert list_contacts(engine) == demo


def test_rpg002_outbox_and_reminded_on_the_completeness_page(
    databases: Any, tmp_path: Path
) -> None:
    outbox = tmp_path / "postausgang"
    values = {
        "DATABASE_URL": databases.url("demo"),
        "ZIELCOCKPIT_OUTBOX_DIR": str(outbox),
        "ZIELCOCKPIT_TODAY": "2017-10-20",
    }
    dash.page_registry.clear()
    app = create_app(Settings.resolve(values, {}))
    engine = engine_of(app)
    add_contact(engine, "540", "Büro 540", "buero540@bielefeld.de", actor="ctrl")
    report = remind(engine, Settings.resolve(values, {}))
    # Q3 on 20.10.2017: only 540 is late; its demo mailbox and the contact added here.
    assert report.sent == 1 and len(list(outbox.glob("*.eml"))) == 1
    (mail,) = outbox_mails(Settings.resolve(values, {}))
    assert "buero540@bielefeld.de" in mail.to and "oe-540@bielefeld.example" in mail.to
    assert "Keine Berechtigung" in render(app, "demo-leitung", "postausgang")
    page = render(app, "demo-controlling", "postausgang")
    assert "1 Mails im Ordner" in page
    assert "Zielcockpit: 3 fehlende Werte für das 3. Quartal 2017 überfällig – OE 540" in page
    assert "Zielcockpit_Erfassungsvorlage_540_2017-Q3.xlsx" in page
    page = render(app, "demo-controlling", "vollstaendigkeit", plan="2017", period="2017-Q3")
    assert "erinnert am " in page and "(überfällig)" in page
    assert "buero540@bielefeld.de" in page and "540-4.1, 540-4.3, 540-14.1" in page
    assert "Erinnerungen per E-Mail in diesem Quartal" in page
    app.server.config["ZC_ENGINE"].dispose()
