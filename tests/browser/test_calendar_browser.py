"""The reporting calendar in headless Chromium against the real server (ZIELCOCKPIT_TODAY set):
the Vollständigkeit page tells „überfällig“ from „noch nicht fällig“ with their dates, late
first, and its Excel reminder list carries the deadline per line (read back with openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import delete, select

from app import ids as aids
from app.reminders import HEADERS
from db.deadlines import set_deadline
from db.engine import make_engine
from db.models import Indikator, Messwert
from tests.browser.helpers import SCREENSHOTS, SIZES, LiveServer, Visit, copy_demo, demo_server

pytestmark = pytest.mark.browser

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def calendar_server(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("calendar_live")
    db = copy_demo(sqlite_templates, folder)
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        # The BA's Q3 figures have not come yet (42 days' lag: due 26.11.2017).
        ind = conn.scalar(select(Indikator.id).where(Indikator.code == "Jobcenter-2.1"))
        conn.execute(
            delete(Messwert).where(
                Messwert.indikator_id == ind,
                Messwert.period.in_(["2017-Q3", "2017-07", "2017-08", "2017-09"]),
            )
        )
    set_deadline(engine, "2017", "2017-Q3", dt.date(2017, 10, 10), "controlling", oe="540")
    engine.dispose()
    with demo_server(folder, db, {"ZIELCOCKPIT_TODAY": "2017-10-20"}) as server:
        yield server


def test_bcal001_completeness_shows_late_and_not_yet_due_with_dates(
    browser: Any, calendar_server: LiveServer
) -> None:
    width, height = SIZES["gross"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="de-DE", accept_downloads=True
    )
    context.add_cookies(calendar_server.login_cookies("demo-controlling"))
    v = Visit(context.new_page(), "gross")
    page = v.page
    page.goto(calendar_server.url + "/vollstaendigkeit?period=2017-Q3")
    page.wait_for_selector(f"#{aids.COMPLETENESS_LIST}", timeout=TIMEOUT)
    listing = page.inner_text(f"#{aids.COMPLETENESS_LIST}")
    # 540's own deadline was 10.10.2017: late since 11.10., ten days by 20.10.2017.
    assert "überfällig – fehlt seit 11.10.2017 (10 Tage)" in listing
    assert "noch nicht fällig – Wert fällig am 26.11.2017" in listing  # BA: 15.10. + 42 days
    answer = page.inner_text(".page-answer")
    assert "davon 3 überfällig, 1 noch nicht fällig (Stand 20.10.2017)" in answer, answer
    counts = page.inner_text(f"#{aids.COMPLETENESS_COUNTS}")
    assert "davon überfällig" in counts
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "vollstaendigkeit_liefertermine.png"), full_page=True)

    with page.expect_download(timeout=60_000) as download_info:
        page.click(f"#{aids.COMPLETENESS_EXPORT}")
    content = Path(download_info.value.path()).read_bytes()
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Erinnerungsliste"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    due = HEADERS.index("Liefertermin")
    by_code = {r[HEADERS.index("Indikator")]: r for r in rows[1:]}
    assert by_code["Jobcenter-2.1"][due] == dt.datetime(2017, 11, 26)
    assert by_code["Jobcenter-2.1"][due + 1] == "noch nicht fällig"
    assert by_code["540-14.1"][due] == dt.datetime(2017, 10, 10)
    assert by_code["540-14.1"][due + 1] == "überfällig"
    assert by_code["540-14.1"][due + 2] == 10
    assert all(r[due] is not None for r in rows[1:])  # a deadline on every line
    context.close()
    assert not v.outside(), f"Anfragen nach außen: {v.outside()}"
    assert not v.errors, f"Fehler im Browser: {v.errors}"
