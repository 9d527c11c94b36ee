"""The dense workbook of issue 26 sent to the real server: refused at the memory limit in under a
minute while another user's requests keep being answered; the server lives on, nothing written.
Also: the API's import answer names no path of the server."""

from __future__ import annotations

import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from access_helpers import preview_payload
from dash import Dash
from dash_helpers import logged_in_client
from sqlalchemy import func, select

from benchmarks.dash_requests import DASH
from db.engine import make_engine
from db.models import ImportRun, Messwert
from db.tokens import create_token
from etl.reading import MACRO_NOTICE
from tests.etl.conftest import write_xlsx
from tests.etl.test_bad_files import HEADER
from tests.etl.test_hostile_files import dense_workbook, xlsx_with_error
from tests.live import LiveServer, copy_demo, demo_server


@pytest.fixture(scope="module")
def server(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, str, Path]]:
    folder = tmp_path_factory.mktemp("hostile_live")
    db = copy_demo(sqlite_templates, folder)
    engine = make_engine(f"sqlite:///{db}")
    token = create_token(engine, "statistikstelle", "controlling", [], actor="test")
    engine.dispose()
    with demo_server(folder, db) as live:
        yield live, token, db


def counts(db: Path) -> tuple[int, int]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            values = conn.scalar(select(func.count()).select_from(Messwert))
            runs = conn.scalar(select(func.count()).select_from(ImportRun))
            return int(values or 0), int(runs or 0)
    finally:
        engine.dispose()


def test_hup001_dense_upload_refused_while_others_are_answered(
    server: tuple[LiveServer, str, Path], tmp_path: Path
) -> None:
    live, token, db = server
    path = dense_workbook(tmp_path / "dicht.xlsx", 300)
    before = counts(db)
    answer: dict[str, requests.Response] = {}

    def upload() -> None:
        with path.open("rb") as handle:
            answer["r"] = requests.post(
                live.url + "/api/v1/import",
                headers={"Authorization": f"Bearer {token}"},
                files={"file": ("dicht.xlsx", handle)},
                timeout=120,
            )

    sender = threading.Thread(target=upload)
    started = time.monotonic()
    sender.start()
    slowest = 0.0
    answered = 0
    while sender.is_alive() and time.monotonic() - started < 90:
        t = time.monotonic()
        other = requests.get(live.url + "/login", timeout=10)
        slowest = max(slowest, time.monotonic() - t)
        assert other.status_code == 200
        answered += 1
        time.sleep(0.2)
    sender.join(5)
    took = time.monotonic() - started
    response = answer["r"]
    assert response.status_code == 422, response.text[:500]
    body = response.json()
    message = body["files"][0]["errors"][0]["message"]
    assert "ZIELCOCKPIT_READ_MEMORY_MB" in message and "500 MB" in message
    print(f"refused after {took:.1f} s; {answered} other requests, slowest {slowest:.2f} s")
    assert took < 60
    assert answered >= 3 and slowest < 2.0, (answered, slowest)  # the others were answered
    assert live.process.poll() is None  # the server lives on
    assert requests.get(live.url + "/api/v1/health", timeout=5).status_code == 200
    assert counts(db) == before  # nothing written


def test_hup002_api_import_answer_carries_no_server_path(
    server: tuple[LiveServer, str, Path],
) -> None:
    live, token, _db = server
    csv = b"Indikator;Zeitraum;Wert\nREGE-4.1;2017-Q4;12\n"
    response = requests.post(
        live.url + "/api/v1/import",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("werte.csv", csv)},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    body = response.json()
    assert body["values_written"] == 1
    assert body["files"][0]["checksum"]  # names the archived original
    assert "archive_path" not in body["files"][0]
    assert str(live.archive) not in response.text and "/archiv" not in response.text


@pytest.mark.parametrize("backend", ["sqlite"])
def test_hup003_macro_notice_and_error_cell_shown_in_the_upload_preview(
    web: Dash, tmp_path: Path
) -> None:
    client = logged_in_client(web, "demo-controlling")
    rows: list[list[Any]] = [HEADER, ["REGE-4.1", "2017-Q4", 12]]
    macro = write_xlsx(tmp_path / "makro.xlsm", {"Werte": rows})
    with zipfile.ZipFile(macro, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Attribute VB_Name = Module1")
    text = json.dumps(
        client.post(DASH, json=preview_payload("makro.xlsm", macro.read_bytes())).get_json(),
        ensure_ascii=False,
    )
    assert MACRO_NOTICE in text
    broken = xlsx_with_error(tmp_path / "fehler.xlsx", "#DIV/0!")
    text = json.dumps(
        client.post(DASH, json=preview_payload("fehler.xlsx", broken.read_bytes())).get_json(),
        ensure_ascii=False,
    )
    assert "C3" in text and "Fehlerwert #DIV/0!" in text and "Division durch 0" in text
