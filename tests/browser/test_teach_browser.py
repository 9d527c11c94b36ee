"""Issue 13 in headless Chromium: teach a layout no profile reads on /import, save it, and the
next file of that layout imports without help; the source cell of a number on /massnahme.

These tests write, so they run on their own server and database copy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import ids as aids
from tests.browser.axe_helpers import describe, reviewed, run_axe
from tests.browser.helpers import LiveServer, Visit, go, wait_text
from tests.etl.test_teach import schuldnerberatung
from zielcockpit.cli import main

pytestmark = pytest.mark.browser

TIMEOUT = 30_000
Open = Callable[..., Visit]


def no_barriers(page: Any) -> None:
    """axe-core: no WCAG 2.1 A/AA violation, nothing left to review (skipped without axe)."""
    result = run_axe(page)
    assert not result["violations"], describe(result["violations"])
    left = reviewed(result["incomplete"])
    assert not left, describe(left)


def line(kind: str, i: int) -> str:
    return f'[id=\'{{"index":{i},"type":"{kind}"}}\']'


def choose(page: Any, selector: str, label: str) -> None:
    """Pick in a native select as a person does, by the text shown."""
    page.wait_for_function(
        "([s, t]) => [...document.querySelector(s).options].some(o => o.label === t)",
        arg=[selector, label],
        timeout=TIMEOUT,
    )
    page.select_option(selector, label=label)


def upload(page: Any, path: Path) -> None:
    page.set_input_files(f"#{aids.IMPORT_UPLOAD} input[type=file]", str(path))


def test_btch001_teach_save_and_next_file_imports_alone(
    as_user: Open, module_server: LiveServer, tmp_path: Path
) -> None:
    first = schuldnerberatung(tmp_path / "Schuldnerberatung_Q2.xlsx", values=(11, 8))
    second = schuldnerberatung(tmp_path / "Schuldnerberatung_Q3.xlsx", "3. Quartal 2017", (4, 3))
    v = as_user("demo-controlling")
    page = go(v, module_server.url + "/import")
    upload(page, first)
    wait_text(page, ".import-panel", "Kein Importprofil passt")
    page.click(f"#{aids.TEACH_OPEN}")
    page.wait_for_selector(".teach-table", timeout=TIMEOUT)
    # the sheet as read: the header row marked, the period's cell marked
    assert page.locator(".teach-table td.teach-header").first.inner_text() == "Kennzahl"
    assert "Berichtszeitraum" in page.locator(".teach-table td.teach-period").inner_text()
    assert page.locator(f"#{aids.TEACH_PERIOD_CELL}").input_value() == "A2"
    no_barriers(page)  # native selects, radios and inputs, each with its label

    choose(page, line(aids.TEACH_MAP_ROW, 0), "Zeile 5: Arbeitsaufnahmen 1)")
    # the indicator: typed, with the catalogue as the list to search (code or name)
    options = page.locator(f"#{aids.TEACH_INDICATORS} option")
    assert options.count() > 50
    labels = options.evaluate_all("os => os.map(o => o.value)")
    assert any(v.startswith("500-1.1 – Arbeitsaufnahmen nach Schuldnerberatung") for v in labels)
    page.fill(line(aids.TEACH_MAP_INDICATOR, 0), "500-1.1")
    choose(page, line(aids.TEACH_MAP_COLUMN, 1), "B – Fälle im Quartal")
    choose(page, line(aids.TEACH_MAP_ROW, 1), "Zeile 6: Maßnahmeeintritte")
    page.fill(
        line(aids.TEACH_MAP_INDICATOR, 1), next(v for v in labels if v.startswith("500-1.2 "))
    )
    page.wait_for_function(
        "() => document.querySelectorAll('.teach-table td.teach-value').length >= 5",
        timeout=TIMEOUT,
    )

    # a name that exists: refused in German, nothing saved
    page.fill(f"#{aids.TEACH_NAME}", "rekom")
    page.click(f"#{aids.TEACH_SAVE}")
    refused = wait_text(page, ".teach-errors", "gibt es schon")
    assert "Ein Importprofil „rekom“ gibt es schon" in refused

    page.fill(f"#{aids.TEACH_NAME}", "Schuldnerberatung")
    page.fill(f"#{aids.TEACH_TITLE}", "Schuldnerberatung – Quartalsbericht")
    page.click(f"#{aids.TEACH_PREVIEW}")
    preview = wait_text(page, ".teach-preview", "Würde 2 Werte schreiben")
    rows = page.locator(".teach-preview .import-changes tbody tr").all_inner_texts()
    assert any("500-1.1" in r and "11" in r and "B5" in r for r in rows), rows
    assert any("500-1.2" in r and "8" in r and "B6" in r for r in rows), rows
    assert "Q2 2017" in preview or "2. Quartal 2017" in preview
    v.shoot("import_anlernen")

    page.click(f"#{aids.TEACH_SAVE}")
    wait_text(page, ".teach-saved", "Profil „Schuldnerberatung“ gespeichert")
    panel = wait_text(page, ".import-panel", "automatisch erkannt")
    assert "Schuldnerberatung – Quartalsbericht (Schuldnerberatung; automatisch erkannt)" in panel
    page.click(f"#{aids.IMPORT_CONFIRM}")
    assert "Geschrieben: 2 Werte" in wait_text(page, ".import-done", "Übernommen")

    # next quarter's file: found without help, imported with one click
    upload(page, second)
    wait_text(page, ".import-file-name", "Schuldnerberatung_Q3.xlsx")
    panel = wait_text(page, ".import-panel", "Schuldnerberatung; automatisch erkannt")
    assert "Würde 2 Werte schreiben" in panel
    # „Beratungsgespräche“ is not mapped: noted, and teaching more is offered, not needed
    assert "Nicht zugeordnet: Zeile 7 „Beratungsgespräche“" in panel
    assert "liest nicht alles" in page.locator(".teach-offer").inner_text()
    page.click(f"#{aids.IMPORT_CONFIRM}")
    assert "Geschrieben: 2 Werte" in wait_text(page, ".import-done", "Übernommen")
    v.shoot("import_angelernt_erkannt")

    # the creation is in the audit trail
    page = go(v, module_server.url + "/protokoll")
    page.wait_for_selector(".ag-row", timeout=TIMEOUT)
    page.wait_for_function(
        "() => document.body.innerText.includes('Importprofil angelernt')", timeout=TIMEOUT
    )


def test_btch002_source_cell_three_clicks_from_the_overview(
    as_user: Open, module_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Overview → measure → „Herkunft der Werte“ → „Quelle“: the archived sheet around the
    cell, the cell marked, file name, checksum, import time and who imported it."""
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(module_server.archive))
    path = tmp_path / "Werte_Q1.csv"
    path.write_bytes(
        b"Hinweis;Liste der Schuldnerberatung\n\nIndikator;Zeitraum;Wert\n"
        b"500-1.3;2017-Q1;3\n500-1.4;2017-Q1;4\n"
    )
    url = module_server.database_url
    assert main(["--database-url", url, "import", str(path), "--user", "importeur"]) == 0
    v = as_user("demo-leitung")
    page = go(v, module_server.url + "/")
    page.locator('a[href^="/massnahme/500-1?"], a[href="/massnahme/500-1"]').first.click()  # 1
    page.wait_for_selector(f"#{aids.MEASURE_PROVENANCE}", timeout=TIMEOUT)
    page.locator(f"#{aids.MEASURE_PROVENANCE} summary").click()  # 2
    row = page.locator(f"#{aids.MEASURE_PROVENANCE} tr", has_text="500-1.4").filter(
        has_text="1. Quartal 2017"
    )
    assert "Werte_Q1.csv" in row.inner_text()
    row.get_by_role("link", name="Quelle").click()  # 3
    facts = wait_text(page, f"#{aids.SOURCE_FACTS}", "Werte_Q1.csv")
    assert "importeur" in facts and "500-1.4" in facts and "C5" in facts
    assert "Prüfsumme" in facts
    hit = page.locator(f"#{aids.SOURCE_TABLE} td.source-hit")
    assert hit.count() == 1 and hit.inner_text() == "4"
    table = page.locator(f"#{aids.SOURCE_TABLE}").inner_text()
    assert "Indikator" in table and "500-1.3" in table  # the sheet around the cell
    v.shoot("quelle_zelle")
    no_barriers(page)
