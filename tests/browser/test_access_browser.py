"""Entry, comments, upload and audit trail in headless Chromium against the real server.

These tests write, so they run on their own server and database copy (not the shared
`live_server` the dashboard tests read), with a 1 MB upload limit and a temporary archive. The
headings, navigation and fit of the entry pages are checked in the walk (walk.py; formerly
test_bacc004).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app import ids as aids
from tests.browser.helpers import (
    LiveServer,
    Visit,
    browser_pages,
    copy_demo,
    demo_server,
    field,
    go,
    long_csv,
    wait_text,
)

pytestmark = pytest.mark.browser

TIMEOUT = 20_000
XSS = (
    '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"> '
    "[klick](javascript:alert(1)) <a href=\"javascript:alert('x')\">Link</a>"
)
Open = Callable[..., Visit]


@pytest.fixture(scope="module")
def access_server(
    sqlite_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("access_live")
    db = copy_demo(sqlite_templates, folder)
    with demo_server(folder, db, {"ZIELCOCKPIT_MAX_UPLOAD_MB": "1"}) as server:
        yield server


@pytest.fixture
def as_user(browser: Any, access_server: LiveServer) -> Iterator[Open]:
    """as_user("demo-fb-510", "beamer") -> a fresh page logged in as that demo account; no
    dialog may open (a user's text run as a script would open one)."""
    with browser_pages(browser, access_server, dialogs=True) as open_page:
        yield open_page


def test_bacc001_entry_with_comment_shown_as_text_and_in_the_audit_trail(
    as_user: Open, access_server: LiveServer
) -> None:
    v = as_user("demo-fb-510")
    page = go(v, access_server.url + "/erfassung?period=2017-Q4&oe=510")
    assert page.locator("h1").inner_text() == "Erfassung 510 – Jugendamt"
    # The unit select offers only the user's own unit.
    options = [t for t in page.locator(".filter-oe option").all_inner_texts() if t]
    assert options == ["510 – Jugendamt"]  # (dbc.Select adds an empty placeholder)
    page.fill(field(aids.ENTRY_VALUE, "510-4.2"), "0")
    page.click(f"#{aids.ENTRY_SAVE}")
    message = wait_text(page, ".entry-result", "Nicht gespeichert")
    assert "510-4.2" in message and "Kommentar" in message and "rot" in message
    page.fill(field(aids.ENTRY_COMMENT, "510-4.2"), XSS)
    page.click(f"#{aids.ENTRY_SAVE}")
    message = wait_text(page, ".entry-result", "Gespeichert")
    assert "510-4.2" in message and "kein Wert → 0" in message
    v.shoot("erfassung_gespeichert")

    page = go(v, access_server.url + "/massnahme/510-4?period=2017-Q4")
    comments = page.locator("#massnahme-comments")
    assert XSS in comments.inner_text()  # the text as typed, visible as text
    assert comments.locator("script, img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.evaluate("window.__xss") is None
    page.locator(f"#{aids.MEASURE_CHANGELOG} summary").click()
    log = page.locator(f"#{aids.MEASURE_CHANGELOG}").inner_text()
    assert "510-4.2 · Q4 2017" in log and "demo-fb-510" in log and XSS in log
    assert (
        page.locator(f"#{aids.MEASURE_CHANGELOG} script, #{aids.MEASURE_CHANGELOG} img").count()
        == 0
    )

    admin = as_user("demo-admin")
    page = go(admin, access_server.url + "/protokoll")
    page.wait_for_selector(".ag-row", timeout=TIMEOUT)
    page.select_option(f"#{aids.AUDIT_MEASURE}", label="2017 · 510-4")
    wait_text(page, f"#{aids.AUDIT_COUNT}", "Einträge")
    # The grid shows only that measure's changes, the form's value among them.
    page.wait_for_function(
        """() => {
            const rows = [...document.querySelectorAll('.ag-center-cols-container .ag-row')];
            return rows.length > 0 && rows.every(r => r.innerText.includes('510-4'))
                && rows.some(r => r.innerText.includes('Wert (Erfassung)'));
        }""",
        timeout=TIMEOUT,
    )
    rows = page.locator(".ag-center-cols-container .ag-row").all_inner_texts()
    assert any("Wert (Erfassung)" in r and "510-4.2 · Q4 2017" in r for r in rows), rows
    admin.shoot("protokoll_gefiltert")


def upload(page: Any, name: str, content: bytes) -> None:
    page.set_input_files(
        f"#{aids.IMPORT_UPLOAD} input[type=file]",
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}],
    )


def test_bacc002_upload_preview_confirm_errors_names_and_size(
    as_user: Open, access_server: LiveServer
) -> None:
    v = as_user("demo-controlling")
    page = go(v, access_server.url + "/import")
    upload(
        page, "werte.csv", long_csv([("REGE-4.1", "2017-Q4", "12"), ("REGE-1.1", "2017-Q3", "50")])
    )
    panel = wait_text(page, ".import-panel", "Vorschau")
    assert "Langformat" in panel and "automatisch erkannt" in panel
    assert "Würde 2 Werte schreiben" in panel
    row = page.locator(".import-changes tr", has_text="REGE-1.1").inner_text()
    assert "46,4\u00a0%" in row and "50\u00a0%" in row  # bisher → neu
    v.shoot("import_vorschau")
    page.click(f"#{aids.IMPORT_CONFIRM}")
    done = wait_text(page, ".import-done", "Übernommen")
    assert "Geschrieben: 2 Werte" in done
    assert page.locator(f"#{aids.IMPORT_CONFIRM}").is_disabled()

    upload(page, "fehler.csv", long_csv([("REGE-4.1", "2017-Q4", "zwölf")]))
    rejected = wait_text(page, ".import-panel", "Abgelehnt")
    assert "Zelle" in page.locator(".import-errors thead").inner_text()
    error_row = page.locator(".import-errors tbody tr").first.inner_text()
    assert "C2" in error_row and "zwölf" in error_row and "Text statt Zahl" in error_row
    assert page.locator(f"#{aids.IMPORT_CONFIRM}").count() == 0
    assert "fehler.csv" in rejected
    v.shoot("import_fehler")

    # A crafted name with path parts: only the base name is shown and used.
    upload(page, "..\\..\\Windows\\werte2.csv", long_csv([("REGE-4.1", "2017-Q4", "13")]))
    # The heading is read once it shows the new name: a callback still running inside the
    # preview's loading area hides its children for a moment (inner_text is then empty).
    heading = wait_text(page, ".import-file-name", "werte2.csv").strip()
    assert heading == "werte2.csv" and "Windows" not in heading
    assert "verwendet wird „werte2.csv“" in wait_text(page, ".import-panel", "Pfadangaben")

    # Too large: refused in the browser, the file is never sent.
    sent: list[int] = []
    page.on(
        "request",
        lambda r: (
            sent.append(len(r.post_data_buffer or b""))
            if "/_dash-update-component" in r.url
            else None
        ),
    )
    upload(page, "gross.csv", b"Indikator;Zeitraum;Wert\n" + b"REGE-4.1;2017-Q4;1\n" * 80_000)
    message = wait_text(page, f"#{aids.IMPORT_CLIENT_MESSAGE}", "erlaubt sind höchstens 1 MB")
    assert "„gross.csv“ ist 1,45 MB groß" in message and "nicht hochgeladen" in message
    page.wait_for_function(
        "() => !document.querySelector('.import-panel')", timeout=TIMEOUT
    )  # the previous file's preview is gone, so nothing can be confirmed by mistake
    assert sent and max(sent) < 10_000, sent


def test_bacc003_fachbereich_upload_of_another_unit_is_refused(
    as_user: Open, access_server: LiveServer
) -> None:
    v = as_user("demo-fb-rege")
    page = go(v, access_server.url + "/import")
    upload(
        page, "gemischt.csv", long_csv([("REGE-4.1", "2017-Q4", "5"), ("510-4.2", "2017-Q4", "3")])
    )
    panel = wait_text(page, ".import-panel", "Abgelehnt")
    assert "510-4.2 (510)" in panel and "Nichts wurde geschrieben" in panel
    assert page.locator(f"#{aids.IMPORT_CONFIRM}").count() == 0
