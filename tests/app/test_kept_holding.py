"""What the probes of issue 26 found holding, kept as tests where none existed: HTML and script in
the plan's text fields stay text on the measure page, in the public view and in the committee
report; crafted callbacks of a read-only role write nothing."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import plotly
import pytest
from access_helpers import all_payloads, dump, engine_of
from dash import Dash
from dash_helpers import logged_in_client
from sqlalchemy import update

from benchmarks.dash_requests import DASH
from db.engine import transaction
from db.models import Indikator, Massnahme
from db.quarters import release
from zielcockpit.domain.access import Principal
from zielcockpit.services.evaluation import clear_cache
from zielcockpit.services.public import set_public
from zielcockpit.services.report import committee_report

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FIELDS = {
    "title": f"Titel {XSS}",
    "zielsetzung": f"Ziel {XSS}",
    "ausgangslage": f"Lage {XSS}",
}
CONTROLLING = Principal("controlling-test", "controlling")


def hostile_texts(app: Dash) -> None:
    with engine_of(app).begin() as conn:
        conn.execute(update(Massnahme).where(Massnahme.code == "REGE-4").values(**FIELDS))
        conn.execute(
            update(Indikator).where(Indikator.code == "REGE-4.1").values(name=f"Name {XSS}")
        )
    clear_cache()


def test_held001_script_in_text_fields_is_text_on_the_measure_page(web: Dash) -> None:
    hostile_texts(web)
    module = sys.modules["app.pages.massnahme"]
    with web.server.test_request_context("/"):
        layout = module.layout(code="REGE-4", period="2017-Q2")
    tree = json.dumps(layout, cls=plotly.utils.PlotlyJSONEncoder)
    for text in [*FIELDS.values(), f"Name {XSS}"]:
        assert json.dumps(text)[1:-1] in tree, text  # a plain string React renders as text
    assert '"dangerously_allow_html": true' not in tree
    assert '"type": "Script"' not in tree and '"type": "Iframe"' not in tree


def test_held002_script_in_text_fields_is_escaped_in_the_public_view(web: Dash) -> None:
    hostile_texts(web)
    engine = engine_of(web)
    set_public(engine, CONTROLLING, "2017", True)
    with transaction(engine) as session:
        release(session, "2017", "2017-Q2", "Frau Controlling")
    clear_cache()
    response = web.server.test_client().get("/oeffentlich/2017")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.escape(FIELDS["title"], quote=False) in body or html.escape(FIELDS["title"]) in body
    assert "<script>alert" not in body and "<img src=x" not in body


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils fehlt")
def test_held003_script_in_text_fields_is_text_in_the_report(web: Dash, tmp_path: Path) -> None:
    hostile_texts(web)
    engine = engine_of(web)
    report = committee_report(engine, "2017", "2017-Q2")
    pdf = tmp_path / "bericht.pdf"
    pdf.write_bytes(report.content)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert '<script>alert("x")</script>' in flat.replace("“", '"').replace("”", '"')


def test_held004_a_read_only_role_crafting_every_callback_writes_nothing(web: Dash) -> None:
    client = logged_in_client(web, "demo-leitung")
    before = dump(engine_of(web))
    for payload in all_payloads():
        response = client.post(DASH, json=payload)
        assert response.status_code in (200, 204, 403), payload["output"]
        if response.status_code == 200 and "Nicht gespeichert" not in response.get_data(
            as_text=True
        ):
            assert "Gespeichert" not in response.get_data(as_text=True)
    assert dump(engine_of(web)) == before
