"""A whole quarter in headless Chromium against the real server: a value entered, the quarter
released, a later change refused, the report downloaded and read back, the public view showing
the released quarter and refusing the rest. Screenshots go to the browser tests' folder."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from app import ids as aids
from db.engine import make_engine
from tests.browser.helpers import (
    SCREENSHOTS,
    LiveServer,
    Visit,
    field,
    go,
    wait_text,
)
from zielcockpit.cli import main
from zielcockpit.services.entry import FieldInput, Submission, save_entry

pytestmark = pytest.mark.browser

TIMEOUT = 30_000


def test_bcyc001_a_whole_quarter(
    as_user: Callable[..., Visit], module_server: LiveServer, tmp_path: Path
) -> None:
    server, url = module_server, module_server.database_url
    # 1. A value entered by the Jugendamt.
    fb = as_user("demo-fb-510")
    page = go(fb, server.url + "/erfassung?period=2017-Q3&oe=510")
    page.fill(field(aids.ENTRY_VALUE, "510-4.2"), "2")
    page.fill(field(aids.ENTRY_COMMENT, "510-4.2"), "Zwei neue Kooperationen im Sommer")
    page.click(f"#{aids.ENTRY_SAVE}")
    assert "510-4.2" in wait_text(page, ".entry-result", "Gespeichert")

    # 2. Controlling releases the quarter, after confirming what is still missing.
    controlling = as_user("demo-controlling")
    page = go(controlling, server.url + "/vollstaendigkeit?period=2017-Q3")
    assert "Entwurf" in page.inner_text(f"#{aids.COMPLETENESS_QUARTER_STATE}")
    page.click(field(aids.COMPLETENESS_RELEASE, "quartal"))
    wait_text(page, f"#{aids.COMPLETENESS_QUARTER_MESSAGE}", "Nicht freigegeben")
    page.check(field(aids.COMPLETENESS_RELEASE_CONFIRM, "quartal"))
    page.click(field(aids.COMPLETENESS_RELEASE, "quartal"))
    wait_text(page, f"#{aids.COMPLETENESS_QUARTER_MESSAGE}", "ist freigegeben")
    state = page.inner_text(f"#{aids.COMPLETENESS_QUARTER_STATE}")
    assert "freigegeben am" in state and "demo-controlling" in state
    controlling.shoot("zyklus_freigegeben")

    # 3. A later change is refused: no save button in the form, and the use case says why.
    page = go(fb, server.url + "/erfassung?period=2017-Q3&oe=510")
    assert "ist freigegeben" in page.inner_text(f"#{aids.ENTRY_RELEASED}")
    assert page.locator(f"#{aids.ENTRY_SAVE}").count() == 0
    fb.shoot("zyklus_erfassung_gesperrt")
    engine = make_engine(url)
    try:
        from db.users import principal_of

        result = save_entry(
            engine,
            principal_of(engine, "demo-fb-510"),
            Submission("2017", "2017-Q3", {"510-4.2": FieldInput("510-4.2", "9", None, "x")}, {}),
        )
    finally:
        engine.dispose()
    assert result.errors and "freigegeben" in " ".join(result.errors)

    # 4. The Leitung downloads the report from the overview.
    leitung = as_user("demo-leitung")
    page = go(leitung, server.url + "/?period=2017-Q3")
    assert "freigegeben am" in page.inner_text(f"#{aids.OVERVIEW_QUARTER_STATE}")
    with page.expect_download(timeout=180_000) as download_info:
        page.click(f"#{aids.OVERVIEW_REPORT}")
    download = download_info.value
    assert download.suggested_filename == "Zielcockpit_2017_2017-Q3_Bericht.pdf"
    pdf = tmp_path / "bericht.pdf"
    download.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    pages = text.split("\f")[:-1]
    assert f"Seite 1 von {len(pages)}" in pages[0] and "ENTWURF" not in text
    assert "Zwei neue Kooperationen im Sommer" in " ".join(text.split())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "6",
            str(pdf),
            str(SCREENSHOTS / "bericht"),
        ],
        check=True,
    )

    # 5. The public view: off by default, then the released quarter, nothing else.
    anonymous = as_user(None)
    response = anonymous.page.goto(server.url + "/oeffentlich/2017")
    assert response is not None and response.status == 404
    anonymous.errors.clear()  # the browser logs the 404 itself
    assert main(["plan", "public", "--plan", "2017", "--on", "--database-url", url]) == 0
    response = anonymous.page.goto(server.url + "/oeffentlich/2017")
    assert response is not None and response.status == 200
    body = anonymous.page.inner_text("body")
    assert "Wie steht der Plan im 3. Quartal 2017?" in body and "demo-controlling" not in body
    anonymous.shoot("oeffentlich_2017")
    for refused in ("/oeffentlich/2017?period=2017-Q4", "/oeffentlich/2017?period=2017-Q2"):
        response = anonymous.page.goto(server.url + refused)
        assert response is not None and response.status == 404
        assert "nicht freigegeben" in anonymous.page.inner_text("body")
    anonymous.errors.clear()
    response = anonymous.page.goto(server.url + "/")
    assert anonymous.page.url.startswith(server.url + "/login")  # everything else needs a login
