"""The dashboard in headless Chromium against the real server: flows, keys, screenshots, network.
Every page's heading, language and demo band are checked in the walk (walk.py; formerly
test_brow001)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser.helpers import LiveServer, Visit, go
from tests.browser.walk import DASH_IDLE

pytestmark = pytest.mark.browser

Open = Callable[[str], Visit]
TIMEOUT = 15_000


def test_brow002_overview_to_cluster_to_measure(visit: Open, live_server: LiveServer) -> None:
    v = visit("gross")
    page = go(v, live_server.url + "/?period=2017-Q2")
    page.locator("#overview-clusters a", has_text="Kinder und Jugendliche").click()
    page.wait_for_url(re.compile(r"/cluster/\d+\?plan=2017&period=2017-Q2$"))
    page.wait_for_selector("#cluster", timeout=TIMEOUT)
    assert page.locator("h1").inner_text() == "Kinder und Jugendliche"
    page.locator("#cluster-table a.measure-link", has_text="510-1").click()
    page.wait_for_url(re.compile(r"/massnahme/510-1\?plan=2017&period=2017-Q2$"))
    page.wait_for_selector("#massnahme", timeout=TIMEOUT)
    assert page.locator("h1").inner_text() == "Neue Kitas schaffen"
    # Each indicator's sentence is on the page itself, not in a tooltip.
    explanations = page.locator(".indicator-panel .explanation")
    assert explanations.count() == 2
    assert all(" – " in t for t in explanations.all_inner_texts())
    page.go_back()
    page.wait_for_selector("#cluster", timeout=TIMEOUT)
    assert page.locator("h1").inner_text() == "Kinder und Jugendliche"


def test_brow003_filters_travel_in_the_url(visit: Open, live_server: LiveServer) -> None:
    v = visit("gross")
    page = go(v, live_server.url + "/")
    page.locator("select.filter-period").select_option("2017-Q2")
    page.wait_for_url(re.compile(r"\?plan=2017&period=2017-Q2$"))
    page.wait_for_function(
        "() => document.querySelector('h1').textContent.includes('2. Quartal 2017')"
    )
    page.locator("select.filter-light").select_option("red")
    page.wait_for_url(re.compile(r"\?plan=2017&period=2017-Q2&light=red$"))
    page.wait_for_selector(".count-active.count-red", timeout=TIMEOUT)
    cells = page.locator("#overview-scorecard td.current .light-cell")
    shown = cells.count()
    assert shown > 0
    assert all(c.get_attribute("title") == "rot – nicht im Plan" for c in cells.all())
    # A reload of the same address shows the same view.
    page.reload()
    page.wait_for_selector(".count-active.count-red", timeout=TIMEOUT)
    assert page.locator("h1").inner_text() == "Wie steht der Plan im 2. Quartal 2017?"
    assert page.locator("select.filter-period").input_value() == "2017-Q2"
    assert page.locator("select.filter-light").input_value() == "red"
    assert page.locator("#overview-scorecard td.current .light-cell").count() == shown
    # The back button undoes the last filter.
    page.go_back()
    page.wait_for_url(re.compile(r"\?plan=2017&period=2017-Q2$"))
    page.wait_for_function("() => !document.querySelector('.count-active')")
    assert page.locator("#overview-scorecard td.current .light-cell").count() == 48
    # The navigation carries the selection to the next page.
    page.locator("#app-nav-quartale").click()
    page.wait_for_url(re.compile(r"/quartale\?plan=2017&period=2017-Q2$"))
    page.wait_for_selector(".ag-row", timeout=TIMEOUT)
    assert page.locator(".ag-header-cell-sortable[col-id=q2]").inner_text() == "Q2 2017 (gewählt)"


def test_brow004_committee_mode_moves_with_the_keyboard(
    visit: Open, live_server: LiveServer
) -> None:
    v = visit("beamer")
    page = go(v, live_server.url + "/praesentation")
    assert page.locator(".slide-position").inner_text() == "Folie 1 von 13"
    # Large type at 1024×768: the slide title at least 30 px, the body at least 20 px.
    title_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.slide-title')).fontSize)"
    )
    body_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.presentation')).fontSize)"
    )
    assert title_px >= 30 and body_px >= 20
    assert not page.locator(".zc-navbar").is_visible() or page.evaluate(
        "document.querySelector('.presentation').getBoundingClientRect().top === 0"
    )
    for key, slide in (("ArrowRight", 2), ("PageDown", 3), ("PageUp", 2)):
        page.keyboard.press(key)
        page.wait_for_url(re.compile(rf"folie={slide}$"))
        page.wait_for_function(
            f"() => document.querySelector('.slide-position').textContent === 'Folie {slide} von 13'"
        )
    # Each measure on a slide says its light in words and why, without hovering.
    items = page.locator(".slide-item")
    assert items.count() == 6
    for item in items.all():
        assert item.locator(".light-word").inner_text() in (
            "im Plan",
            "gefährdet",
            "nicht im Plan",
            "keine Bewertung",
        )
        assert item.locator(".slide-sentence").inner_text()
    v.shoot("praesentation_folie2_tastatur")
    page.reload()
    page.wait_for_selector(".presentation", timeout=TIMEOUT)
    assert page.locator(".slide-position").inner_text() == "Folie 2 von 13"
    page.keyboard.press("Escape")
    page.wait_for_selector("#overview", timeout=TIMEOUT)
    assert page.url.endswith("/?plan=2017&period=2017-Q3")


def test_brow005_excel_download(visit: Open, live_server: LiveServer, tmp_path: Any) -> None:
    v = visit("gross")
    page = go(v, live_server.url + "/quartale?light=red")
    page.wait_for_selector(".ag-row", timeout=TIMEOUT)
    with page.expect_download() as download:
        page.locator("#quartale-export").click()
    assert download.value.suggested_filename == "Zielcockpit_2017_2017-Q3_Quartalsvergleich.xlsx"
    target = tmp_path / "export.xlsx"
    download.value.save_as(target)
    sheet = load_workbook(target)["Quartalsvergleich"]
    head = [c.value for c in sheet[1]]
    assert head[:2] == ["Handlungsfeld", "Maßnahme"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 17  # stocks are judged by their level (issue 12): 17 measures red in Q3
    assert {r[head.index("Ampel 3. Quartal 2017")] for r in rows} == {"■ nicht im Plan"}


def test_brow006_grid_sorts_lights_by_severity(visit: Open, live_server: LiveServer) -> None:
    v = visit("gross")
    page = go(v, live_server.url + "/quartale")
    page.wait_for_selector(".ag-row", timeout=TIMEOUT)
    header = page.locator(".ag-header-cell-sortable[col-id=q3]")
    header.click()
    header.click()  # descending: the worst first
    page.wait_for_selector(
        ".ag-header-cell-sortable[col-id=q3][aria-sort=descending]", timeout=TIMEOUT
    )
    page.wait_for_function(DASH_IDLE, timeout=TIMEOUT)
    first = page.locator(".ag-center-cols-container .ag-row[row-index='0'] [col-id=q3]")
    assert first.inner_text() == "■ nicht im Plan"


def test_brow007_postgres_smoke(visit: Open, live_server_postgres: LiveServer) -> None:
    v = visit("gross")
    v.page.context.clear_cookies()  # cookies are per host, not per port: log in on this server
    v.page.context.add_cookies(live_server_postgres.login_cookies())
    page = go(v, live_server_postgres.url + "/")
    assert page.locator("h1").inner_text() == "Wie steht der Plan im 3. Quartal 2017?"
    numbers = page.locator(".count-number").all_inner_texts()
    assert numbers == ["18", "8", "17", "5"]
    page.locator("#overview-scorecard a", has_text="REGE-4").first.click()
    page.wait_for_selector("#massnahme", timeout=TIMEOUT)
    assert "Ist 32 von erwartet 31,5" in page.locator(".indicator-panel").first.inner_text()


CONTRAST_JS = """
(selector) => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(',').map((x) => parseFloat(x));
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = parse(getComputedStyle(el).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    const text = el.textContent.trim();
    if (!text || box.width === 0 || box.height === 0) continue;
    const l1 = lum(parse(getComputedStyle(el).color));
    const l2 = lum(background(el));
    found.push([text.slice(0, 50), (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05)]);
  }
  return found;
}
"""
TEXT_SELECTOR = (
    ".light, .light-cell:not(.light-future), .count-change, .count-number, .muted, "
    ".page-kicker, .page-question, .zc-table td, .zc-table th, .legend-list, .legend-note, "
    ".bullet-text, .change, main a, .filter-label, .breadcrumb-item, .zc-navbar .nav-link, "
    ".slide-kicker, .slide-sentence, .slide-counts-line, .slide-keys, .manual-mark, "
    ".indicator-tags, .explanation, .comment-meta, .panel-sub"
)


@pytest.mark.parametrize(
    "path", ["/", "/massnahme/510-1", "/praesentation?folie=2", "/quartale", "/cluster/2"]
)
def test_brow008_text_contrast_meets_wcag_aa(
    visit: Open, live_server: LiveServer, path: str
) -> None:
    v = visit("beamer")
    page = go(v, live_server.url + path)
    if path == "/quartale":
        page.wait_for_selector(".ag-row", timeout=TIMEOUT)
    measured = page.evaluate(CONTRAST_JS, TEXT_SELECTOR)
    assert len(measured) > 10
    low = [(text, round(ratio, 2)) for text, ratio in measured if ratio < 4.5]
    assert not low, f"Kontrast unter 4,5:1: {low[:10]}"
    if path == "/quartale":
        cells = page.evaluate(CONTRAST_JS, ".light-grid")
        assert cells and min(r for _, r in cells) >= 4.5
