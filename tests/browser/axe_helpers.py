"""axe-core in the browser tests: injected from the npm package, never served by the app.

`make test` and `.ci/run` install it with `npm ci` in `tests/js/` (package.json and
package-lock.json pin the version); the app itself never loads it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

AXE_PATH = "/__tests__/axe.min.js"  # never a route of the app: fulfilled by the test
AXE_JS = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what BITV 2.0 asks for through EN 301 549.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """
async (tags) => {
  // The sticky save bar of /erfassung lies over whatever row is at the bottom of the window,
  // where axe cannot measure a contrast; for the check it stands in the flow (and is measured).
  // Set through the CSSOM, which the Content-Security-Policy allows (a <style> it would refuse).
  const bars = Array.from(document.querySelectorAll(".entry-actions"));
  bars.forEach((bar) => bar.style.setProperty("position", "static", "important"));
  let result;
  try {
    result = await axe.run(document, {
      runOnly: { type: "tag", values: tags },
      resultTypes: ["violations", "incomplete"],
    });
  } finally {
    bars.forEach((bar) => bar.style.removeProperty("position"));
  }
  const brief = (items) => items.map((r) => ({
    id: r.id,
    impact: r.impact,
    help: r.help,
    nodes: r.nodes.map((n) => ({
      target: n.target.join(" "),
      summary: (n.failureSummary || "").slice(0, 300),
      html: n.html.slice(0, 160),
    })),
  }));
  return { violations: brief(result.violations), incomplete: brief(result.incomplete) };
}
"""


def axe_script() -> Path:
    """The axe-core file, or a skip (a failure with ZIELCOCKPIT_REQUIRE_BROWSER=1) naming the fix."""
    if not AXE_JS.exists():
        reason = (
            f"axe-core fehlt ({AXE_JS}); bitte „npm ci --prefix tests/js“ ausführen "
            "(macht „make test“ von selbst)"
        )
        if os.environ.get("ZIELCOCKPIT_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (ZIELCOCKPIT_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    return AXE_JS


def run_axe(page: Any) -> dict[str, list[dict[str, Any]]]:
    """axe's WCAG 2.0/2.1 A and AA violations and needs-review items of the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # As a script of the page's own origin, answered by the browser from the npm package:
        # the app's Content-Security-Policy refuses inline scripts, and the app serves no axe.
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        script = str(axe_script())
        page.route(
            f"{origin}{AXE_PATH}",
            lambda route: route.fulfill(path=script, content_type="application/javascript"),
        )
        page.add_script_tag(url=f"{origin}{AXE_PATH}")
    result: dict[str, list[dict[str, Any]]] = page.evaluate(RUN_AXE, WCAG_TAGS)
    return result


def describe(items: list[dict[str, Any]]) -> str:
    """One line per rule and element, for an assertion message."""
    return "\n".join(
        f"{item['id']} ({item['impact']}): {node['target']} – {node['summary'] or item['help']}"
        for item in items
        for node in item["nodes"]
    )


@dataclass(frozen=True)
class Reviewed:
    """A kind of "needs review" item that was looked at and is fine (listed in docs/accessibility.md)."""

    rule: str
    message: str  # a part of axe's summary
    where: str  # a regular expression over the element's selector and HTML
    why: str


REVIEWED = (
    Reviewed(
        "color-contrast",
        "only non-text characters",
        r".",  # only shapes and arrows are non-text here
        "Formzeichen der Ampeln (● ▲ ■ ○, auch in den gestapelten Balken) und Pfeile: Grafik "
        "neben Wort oder Zahl, die ≥ 4,5:1 haben (test_brow008)",
    ),
    Reviewed(
        "color-contrast",
        "due to a background image",
        r"<select",
        "Auswahllisten: Bootstrap zeichnet den Pfeil als Hintergrundbild; Text #1f2933 auf "
        "Weiß (14,9:1)",
    ),
    Reviewed(
        "color-contrast",
        "overlapped by another element",
        r"upload|ag-cell-value|<strong>Datei|\.xlsx, \.xls|plotly|main-svg|<text|entry-",
        "Der Text der Ablagefläche "
        "unter dem unsichtbaren Dateifeld (/import), Zellen des AG-Grid unter seiner "
        "Kopfzeile, Achsen- und Legendentexte der Diagramme (Plotly stapelt mehrere SVG-"
        "Ebenen): überall dunkler Text auf Weiß",
    ),
    Reviewed(
        "color-contrast",
        "overlapped by another element",
        r'<tspan class="line"|<tspan style="font-weight:bold"',
        "Beschriftungen der Bezirkskarte (/bezirke; Plotly-Textspur über den Flächen): dunkler "
        "Text auf den hellen, weißer auf den dunklen Stufen, je ≥ 4,5:1 (test_plac004)",
    ),
    Reviewed(
        "color-contrast",
        "too short to determine",
        r"<td|<span|<text",
        "einzelne Ziffern oder „–“ in Tabellenzellen und an Diagrammachsen, Farben wie der "
        "übrige Text",
    ),
    Reviewed(
        "color-contrast",
        "no value; test color contrast with a value entered",
        r"<input|<textarea",
        "leere Eingabefelder; eingegebener Text ist #1f2933 auf Weiß",
    ),
    Reviewed(
        "color-contrast",
        "1:1 contrast ratio",
        r'type="file"',
        "das unsichtbare Dateifeld über der Ablagefläche (/import); sichtbar ist deren Text",
    ),
    Reviewed(
        "color-contrast",
        "due to a pseudo element",
        r"ag-header-cell-text",
        "Spaltenköpfe des AG-Grid (Trennlinie als Pseudo-Element); Text auf Weiß",
    ),
    Reviewed(
        "color-contrast",
        "Axe encountered an error",
        r"ag-cell-value",
        "Zellen des AG-Grid, die beim Prüfen neu gezeichnet werden; Text auf Weiß",
    ),
    Reviewed(
        "th-has-data-cells",
        "Table data cells are missing or empty",
        r"scorecard",
        "Übersicht: je Handlungsfeld eine Kopfzeile (th scope=rowgroup über die ganze Zeile) "
        "über seinen Maßnahmen; sie hat in ihrer Zeile keine Datenzellen, das ist ihr Zweck",
    ),
    Reviewed(
        "aria-required-children",
        "Expecting ARIA child role to be added: row",
        r"\.ag-|class=\"ag-",
        "leere Zeilengruppen des AG-Grid (angeheftete und ganzbreite Zeilen), die das Raster "
        "immer anlegt; nur durch Eingriff in dessen DOM zu ändern",
    ),
)


def _explained(rule: str, node: dict[str, Any]) -> bool:
    text = node["target"] + " " + node["html"]
    summary = " ".join(node["summary"].split())
    return any(
        r.rule == rule and r.message in summary and re.search(r.where, text) for r in REVIEWED
    )


def reviewed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The needs-review items left after taking out those REVIEWED explains."""
    left = []
    for item in items:
        nodes = [n for n in item["nodes"] if not _explained(item["id"], n)]
        if nodes:
            left.append({**item, "nodes": nodes})
    return left
