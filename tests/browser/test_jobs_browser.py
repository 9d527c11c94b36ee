"""A large upload in headless Chromium: „Übernehmen“ shows the job's progress, then the result."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import ids as aids
from benchmarks.bench_import import bench_catalogue, bench_workbook
from db.engine import make_engine
from tests.browser.helpers import SCREENSHOTS, SIZES, LiveServer, Visit, copy_demo, demo_server
from zielcockpit.services.catalogue import load_catalogue

pytestmark = pytest.mark.browser

ROWS = 30_000
TIMEOUT = 120_000


@pytest.fixture(scope="module")
def jobs_server(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, Path]]:
    """The app (embedded jobs, the default) on a demo copy with the benchmark plan loaded."""
    folder = tmp_path_factory.mktemp("jobs_live")
    db = copy_demo(sqlite_templates, folder)
    bench_catalogue(folder / "bench.yaml")
    engine = make_engine(f"sqlite:///{db}")
    load_catalogue(engine, folder / "bench.yaml")
    engine.dispose()
    workbook = folder / "gross.xlsx"
    bench_workbook(workbook, ROWS)
    with demo_server(folder, db, {"ZIELCOCKPIT_JOBS": None}) as server:
        yield server, workbook


STEPS = """() => {
  window.__steps = [];
  const note = () => {
    const m = document.querySelector('.job-message');
    if (m && m.innerText && !window.__steps.includes(m.innerText)) window.__steps.push(m.innerText);
  };
  new MutationObserver(note).observe(document.body, { childList: true, subtree: true, characterData: true });
  note();
}"""


def shoot(page: Any, name: str, selector: str) -> None:
    """The window around an element (the preview above it lists 30,000 changes)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(selector).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"{name}_1920x1080.png"))


def test_bjob001_a_large_upload_shows_progress_then_the_result(
    browser: Any, jobs_server: tuple[LiveServer, Path]
) -> None:
    server, workbook = jobs_server
    width, height = SIZES["gross"]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    try:
        context.add_cookies(server.login_cookies("demo-controlling"))
        v = Visit(context.new_page(), "gross")
        page = v.page
        page.goto(server.url + "/import")
        page.wait_for_selector(f"#{aids.IMPORT_UPLOAD}", timeout=TIMEOUT)
        page.set_input_files(f"#{aids.IMPORT_UPLOAD} input[type=file]", str(workbook))
        page.wait_for_selector(f"#{aids.IMPORT_CONFIRM}", timeout=TIMEOUT)
        assert "Würde 30.000 Werte schreiben" in page.inner_text(".import-panel")
        page.click(f"#{aids.IMPORT_CONFIRM}")

        # The answer comes at once: a bar, its share as text, the step in words.
        progress = page.wait_for_selector(".job-progress", timeout=TIMEOUT)
        assert progress is not None
        assert page.locator(".job-progress progress").count() == 1
        assert "\u00a0%" in page.inner_text(".job-share")
        assert page.locator(f"#{aids.IMPORT_CONFIRM}").is_disabled()
        # Every step the page shows, noted by the page itself as it is drawn.
        page.evaluate(STEPS)
        steps = {page.inner_text(".job-message")}
        shoot(page, "import_auftrag_fortschritt", ".job-progress")
        page.wait_for_selector(".import-done, .alert-danger", timeout=TIMEOUT)
        assert page.locator(".alert-danger").count() == 0, page.inner_text(".import-panel")
        steps |= set(page.evaluate("window.__steps"))
        done = page.inner_text(".import-done")
        assert "Übernommen" in done and "Geschrieben: 30.000 Werte" in done
        assert page.locator(".job-progress").count() == 0
        assert steps & {"Wartet auf die Verarbeitung …", "Datei 1 von 1 wird gelesen und geprüft …"}
        shoot(page, "import_auftrag_fertig", ".import-done")
        assert not v.errors, v.errors
        assert not v.outside(), v.outside()
    finally:
        context.close()
