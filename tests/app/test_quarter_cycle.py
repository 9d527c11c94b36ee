"""Release and reopening of a quarter in the browser's callbacks, called over HTTP as the browser
(or an attacker) would: the role is checked on the server, a missing value needs a confirmation,
a released quarter is shown as such on the overview and in the entry form, and refuses a save."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import pytest
from access_helpers import callback_output, dump, engine_of, save_payload
from dash import Dash
from dash_helpers import logged_in_client
from flask import g
from sqlalchemy import select

from app import ids as aids
from benchmarks.dash_requests import DASH, callback_payload
from db.models import AuditEntry
from db.quarters import quarter_state
from db.users import principal_of
from zielcockpit.services.evaluation import clear_cache

CONTEXT = {"plan": "2017", "period": "2017-Q3"}


def _control(kind: str, prop: str, value: Any) -> list[dict[str, Any]]:
    return [{"id": aids.quarter_control(kind), "property": prop, "value": value}]


def quarter_payload(
    action: str = "release",
    confirmed: bool = False,
    reason: str | None = None,
    context: Any = None,
) -> dict[str, Any]:
    """The request of „Quartal freigeben“ (or „Wieder öffnen“) on /vollstaendigkeit."""
    release, reopen = aids.COMPLETENESS_RELEASE, aids.COMPLETENESS_REOPEN
    clicked = release if action == "release" else reopen
    return callback_payload(
        [(aids.COMPLETENESS_QUARTER, "children")],
        [
            _control(release, "n_clicks", 1) if action == "release" else [],
            _control(reopen, "n_clicks", 1) if action == "reopen" else [],
        ],
        json.dumps(aids.quarter_control(clicked), separators=(",", ":")) + ".n_clicks",
        [
            {
                "id": aids.COMPLETENESS_QUARTER_CONTEXT,
                "property": "data",
                "value": CONTEXT if context is None else context,
            },
            _control(aids.COMPLETENESS_RELEASE_CONFIRM, "value", confirmed)
            if action == "release"
            else [],
            _control(aids.COMPLETENESS_REOPEN_REASON, "value", reason)
            if action == "reopen"
            else [],
        ],
    )


def answer(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.dumps(response.get_json(), ensure_ascii=False)


def text_of(component: Any) -> str:
    return json.dumps(
        component.to_plotly_json(), ensure_ascii=False, default=lambda o: o.to_plotly_json()
    )


def render(app: Dash, name: str, page: str, **query: Any) -> str:
    """A page's layout as the user `name` gets it (its JSON, as text)."""
    with app.server.test_request_context("/"):
        g.principal = principal_of(engine_of(app), name)
        return text_of(sys.modules[f"app.pages.{page}"].layout(**query))


def test_qc001_release_needs_a_confirmation_when_values_are_missing(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    engine = engine_of(web)
    text = answer(client.post(DASH, json=quarter_payload()))
    # 540-4.1, 540-4.3, 540-14.1; not 500-8.x: by the plan's timing nothing is due before Q4.
    assert "Nicht freigegeben: 3 Werte fehlen" in text and "Trotzdem freigeben" in text
    assert not quarter_state(engine, "2017", "2017-Q3").released
    text = answer(client.post(DASH, json=quarter_payload(confirmed=True)))
    assert "3. Quartal 2017 ist freigegeben." in text and "Wieder öffnen" in text
    state = quarter_state(engine, "2017", "2017-Q3")
    assert state.released and state.released_by == "demo-controlling"
    # Twice: refused with the release named, nothing changed.
    text = answer(client.post(DASH, json=quarter_payload(confirmed=True)))
    assert "bereits freigegeben" in text
    assert quarter_state(engine, "2017", "2017-Q3") == state


def test_qc002_released_quarter_on_overview_and_entry_and_a_save_is_refused(web: Dash) -> None:
    controlling = logged_in_client(web, "demo-controlling")
    draft = render(web, "demo-leitung", "overview", period="2017-Q3")
    assert "Stand: " in draft and "Entwurf" in draft
    answer(controlling.post(DASH, json=quarter_payload(confirmed=True)))
    clear_cache()
    overview = render(web, "demo-leitung", "overview", period="2017-Q3")
    assert "freigegeben am" in overview and "demo-controlling" in overview
    fb = logged_in_client(web, "demo-fb-510")
    entry = render(web, "demo-fb-510", "erfassung", period="2017-Q3", oe="510")
    assert aids.ENTRY_RELEASED in entry and "ist freigegeben" in entry
    assert f'"{aids.ENTRY_SAVE}"' not in entry  # no save button
    assert f'"{aids.ENTRY_SAVE}"' in render(
        web, "demo-fb-510", "erfassung", period="2017-Q4", oe="510"
    )
    before = dump(engine_of(web))
    context = {**CONTEXT, "oe": "510"}
    text = answer(fb.post(DASH, json=save_payload(context, {"510-4.2": "3"})))
    assert "Nicht gespeichert" in text and "freigegeben" in text
    assert dump(engine_of(web)) == before


def test_qc003_reopen_needs_a_reason_and_is_in_the_audit_trail(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    engine = engine_of(web)
    answer(client.post(DASH, json=quarter_payload(confirmed=True)))
    for reason in (None, "", "   "):
        text = answer(client.post(DASH, json=quarter_payload("reopen", reason=reason)))
        assert "schriftlichen Begründung" in text
        assert quarter_state(engine, "2017", "2017-Q3").released
    text = answer(
        client.post(DASH, json=quarter_payload("reopen", reason="Nachlieferung Jobcenter"))
    )
    assert "ist wieder geöffnet" in text and "freigeben" in text
    state = quarter_state(engine, "2017", "2017-Q3")
    assert not state.released and state.reopen_reason == "Nachlieferung Jobcenter"
    with engine.connect() as conn:
        kinds = list(conn.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert kinds[-2:] == ["quartal_freigegeben", "quartal_geoeffnet"]


@pytest.mark.parametrize("name", ["demo-leitung", "demo-fb-510"])
def test_qc004_other_roles_are_refused_on_the_server(web: Dash, name: str) -> None:
    client = logged_in_client(web, name)
    before = dump(engine_of(web))
    for payload in (quarter_payload(confirmed=True), quarter_payload("reopen", reason="x")):
        text = answer(client.post(DASH, json=payload))
        assert "Keine Berechtigung" in text and "Entwurf" not in text
    assert not quarter_state(engine_of(web), "2017", "2017-Q3").released
    assert dump(engine_of(web)) == before
    anonymous = web.server.test_client()
    response = anonymous.post(DASH, json=quarter_payload(confirmed=True))
    assert response.status_code == 401


def test_qc005_a_crafted_quarter_is_refused_in_german(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    for context, words in (
        ({"plan": "1999", "period": "1999-Q1"}, "gibt es nicht"),
        ({"plan": "2017", "period": "2016-Q4"}, "kein Quartal des Planungsjahres"),
        ("kaputt", "nennt kein Quartal"),
    ):
        text = answer(client.post(DASH, json=quarter_payload(confirmed=True, context=context)))
        assert words in text


def report_payload(context: Any = None) -> dict[str, Any]:
    """The request of „Bericht als PDF“ on the overview (it queues the report as a job)."""
    return callback_payload(
        [
            (aids.OVERVIEW_REPORT_MESSAGE, "children"),
            (aids.OVERVIEW_REPORT_JOB, "data"),
            (aids.OVERVIEW_REPORT_POLL, "disabled"),
        ],
        [{"id": aids.OVERVIEW_REPORT, "property": "n_clicks", "value": 1}],
        f"{aids.OVERVIEW_REPORT}.n_clicks",
        [
            {
                "id": aids.OVERVIEW_REPORT_CONTEXT,
                "property": "data",
                "value": CONTEXT if context is None else context,
            }
        ],
    )


def report_and_wait(client: Any, context: Any = None) -> Any:
    """„Bericht als PDF“, then the page's timer until the job has ended: the last response."""
    response = client.post(DASH, json=report_payload(context))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    job = response.get_json()["response"][aids.OVERVIEW_REPORT_JOB]["data"]
    if job is None:
        return response
    output = callback_output(client, f"{aids.OVERVIEW_REPORT_POLL}.disabled@")
    poll = {
        "output": output,
        "outputs": [
            {"id": aids.OVERVIEW_REPORT_DOWNLOAD, "property": "data"},
            {"id": aids.OVERVIEW_REPORT_MESSAGE, "property": "children"},
            {"id": aids.OVERVIEW_REPORT_POLL, "property": "disabled"},
        ],
        "inputs": [{"id": aids.OVERVIEW_REPORT_POLL, "property": "n_intervals", "value": 1}],
        "changedPropIds": [f"{aids.OVERVIEW_REPORT_POLL}.n_intervals"],
        "state": [{"id": aids.OVERVIEW_REPORT_JOB, "property": "data", "value": job}],
    }
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        response = client.post(DASH, json=poll)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        if response.get_json()["response"][aids.OVERVIEW_REPORT_POLL]["disabled"]:
            return response
        time.sleep(0.3)
    raise AssertionError("Der Bericht wurde nicht in 180 s fertig.")


def test_qc006_report_download_for_leitung_refused_for_fachbereich(web: Dash) -> None:
    import base64

    assert "Bericht als PDF (Entwurf)" in render(web, "demo-leitung", "overview", period="2017-Q3")
    assert "Bericht als PDF" not in render(web, "demo-fb-510", "overview", period="2017-Q3")
    leitung = logged_in_client(web, "demo-leitung")
    response = report_and_wait(leitung)
    data = response.get_json()["response"][aids.OVERVIEW_REPORT_DOWNLOAD]["data"]
    assert data["filename"] == "Zielcockpit_2017_2017-Q3_Bericht_Entwurf.pdf"
    assert base64.b64decode(data["content"]).startswith(b"%PDF")
    text = answer(report_and_wait(leitung, {"plan": "2017", "period": "2017-Q4"}))
    assert "gibt es noch keine Werte" in text and "%PDF" not in text
    fb = logged_in_client(web, "demo-fb-510")
    text = answer(report_and_wait(fb))
    assert "Keine Berechtigung" in text and '"content"' not in text
    assert web.server.test_client().post(DASH, json=report_payload()).status_code == 401


def test_qc007_the_way_to_the_accounts_on_the_audit_trail_for_the_administration(web: Dash) -> None:
    # The name in the bar that links to /benutzer is hidden below 1200 px: the audit trail,
    # the administration's page, carries the link on every screen.
    assert '"href": "/benutzer"' in render(web, "demo-admin", "audit_trail")
    assert "/benutzer" not in render(web, "demo-controlling", "audit_trail")
