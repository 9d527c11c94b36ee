"""The change log of a measure page: a value saved twice through the form shows the audit entry
and the replaced value, with who and when."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from access_helpers import engine_of
from dash import Dash
from dash_helpers import logged_in_client
from flask import g

from app import ids
from benchmarks.dash_requests import DASH, find_prop, form_fields, form_save_payload, route_payload
from db.users import principal_of
from zielcockpit.services.evaluation import clear_cache

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

MEASURE, CODE, UNIT, PERIOD = "510-4", "510-4.2", "510", "2017-Q4"


def save(client: Any, value: str) -> None:
    search = f"?plan=2017&period={PERIOD}&oe={UNIT}"
    page = client.post(DASH, json=route_payload("/erfassung", search)).get_json()
    context = find_prop(page, ids.ENTRY_CONTEXT, "data")
    fields = form_fields(page)
    fields[ids.ENTRY_VALUE][CODE] = value
    answer = json.dumps(
        client.post(DASH, json=form_save_payload(context, fields)).get_json(), ensure_ascii=False
    )
    assert "Gespeichert für" in answer, answer[:500]


def measure_page(app: Dash, name: str) -> str:
    with app.server.test_request_context("/"):
        g.principal = principal_of(engine_of(app), name)
        layout = sys.modules["app.pages.massnahme"].layout(code=MEASURE, period=PERIOD)
        return json.dumps(
            layout.to_plotly_json(), ensure_ascii=False, default=lambda o: o.to_plotly_json()
        )


def test_cl001_a_replaced_value_is_in_the_change_log_with_who_and_when(web: Dash) -> None:
    before = measure_page(web, "demo-controlling")
    assert "Ersetzte Werte (frühere Fassungen)" not in before
    writer = logged_in_client(web, "demo-fb-510")
    save(writer, "7")
    save(writer, "9")
    clear_cache()
    text = measure_page(web, "demo-controlling")
    assert "Änderungen an Werten, Kommentaren und Ampeln" in text
    assert "Ersetzte Werte (frühere Fassungen)" in text
    # the replaced value 7, recorded and replaced by the same user, in the quarter's words
    assert '"7"' in text and "4. Quartal 2017" in text
    assert text.count("demo-fb-510, ") >= 2
