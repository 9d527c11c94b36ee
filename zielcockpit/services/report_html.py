"""The committee report as HTML for WeasyPrint (pure: the gathered data in, one string out).

A4 with the plan's own structure: title page, table of contents, summary, one table per
Handlungsfeld, then one section per measure with its indicators and a small bullet chart drawn
here as SVG. Page numbers, the „Entwurf“ and „Demodaten“ marks and the contents' page numbers
are CSS paged media (margin boxes, `counter(pages)`, `target-counter`), so no second pass is
needed. Every text from the database goes through `esc`; nothing is loaded from outside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from db.completeness import MissingRow
from db.quarters import ChangedAfterRelease, QuarterEvent, QuarterState
from db.queries import CommentRow
from db.status import IndicatorInfo, MeasureStatus, StatusReport
from zielcockpit.domain.formatting import (
    fmt_attainment,
    fmt_date,
    fmt_datetime,
    fmt_number,
    fmt_value,
)
from zielcockpit.domain.rules import Judgement
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS, MILESTONE_WORDS

SHAPES = {"green": "●", "yellow": "▲", "red": "■", "grey": "○"}
COLOURS = {"green": "#009E73", "yellow": "#E69F00", "red": "#D55E00", "grey": "#8C8C8C"}
MISSING_LIMIT = 200  # lines of the „Fehlende Werte“ list; the rest is counted
# Above this many measures the report is the short form („Kurzfassung“): per Handlungsfeld one
# line per measure that is not green, no section per measure (WeasyPrint lays out about four
# pages a second here; 5,000 measures in full would be some 3,000 pages).
SHORT_FORM_ABOVE = 200
LIST_LIMIT = 100  # lines of the „Neu rot“ list in the short form; the rest is counted


def short_form(report: StatusReport) -> bool:
    return len(report.measures) > SHORT_FORM_ABOVE


def _form_note(report: StatusReport) -> str:
    """The sentence that says which form the report is (on the title page and in the summary)."""
    n = len(report.measures)
    if not short_form(report):
        return (
            f"Vollständiger Bericht: alle {fmt_number(n)} Maßnahmen mit Ampel und Begründung, "
            "danach jede Maßnahme mit ihren Indikatoren."
        )
    green = report.counts()["green"]
    return (
        f"Kurzfassung: Der Plan hat {fmt_number(n)} Maßnahmen (mehr als "
        f"{fmt_number(SHORT_FORM_ABOVE)}). Je Handlungsfeld stehen hier nur die Maßnahmen, die "
        f"nicht im Plan sind (gefährdet, nicht im Plan, keine Bewertung), mit Ampel und "
        f"Begründung; die {fmt_number(green)} Maßnahmen im Plan sind gezählt, Abschnitte je "
        "Maßnahme entfallen. Alle Maßnahmen mit Ampel und Begründung: Seite „Quartalsvergleich“, "
        "„Als Excel-Datei herunterladen“."
    )


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, gathered by the use case (zielcockpit/services/report.py)."""

    report: StatusReport
    previous: StatusReport | None
    state: QuarterState
    history: Sequence[QuarterEvent]
    changed: ChangedAfterRelease | None  # None: never released, so nothing changed after it
    comments: dict[str, list[CommentRow]]
    missing: Sequence[MissingRow]
    created_at: dt.datetime

    @property
    def title(self) -> str:
        return f"{self.report.plan.title} – Bericht zum {self.report.period.label}"

    @property
    def first_release(self) -> dt.datetime | None:
        return next((e.at for e in self.history if e.action == "quartal_freigegeben"), None)


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def css_string(text: str) -> str:
    """A CSS string literal (for `content:` in the page's margin boxes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def light_html(light: str | None, manual: bool = False) -> str:
    if light is None:
        return '<span class="light light-none">nachrichtlich</span>'
    mark = ' <span class="manual">manuell</span>' if manual else ""
    return f'<span class="light light-{light}">{SHAPES[light]} {LIGHT_MEANINGS[light]}</span>{mark}'


def colgroup(*widths: str) -> str:
    """Column widths for `table-layout: fixed`: WeasyPrint then skips measuring every cell's
    text twice (min- and max-content), which was a third of the report's time."""
    return (
        "<colgroup>"
        + "".join(f'<col style="width:{w}">' if w else "<col>" for w in widths)
        + "</colgroup>"
    )


# -- the small chart -------------------------------------------------------------------------------


def bullet_svg(j: Judgement, width: float = 110, height: float = 16) -> str:
    """Actual as a bar in the light's colour, expected as a black tick, target as a grey line.

    Hand-written SVG: a few rectangles and lines need no chart library, and WeasyPrint draws
    them without a browser.
    """
    values = [v for v in (j.actual, j.expected, j.target) if v is not None and v >= 0]
    if j.light is None or j.actual is None or (j.expected is None and j.target is None):
        return ""  # nachrichtlich, no value or nothing to compare with: no chart
    if not values or max(values) <= 0:
        return ""
    top = max(values) * 1.1

    def x(v: float) -> float:
        return round(max(0.0, min(v, top)) / top * width, 2)

    colour = COLOURS.get(j.light or "grey", COLOURS["grey"])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">',
        f'<rect x="0" y="3" width="{width}" height="{height - 6}" fill="#EEEEEE"/>',
        f'<rect x="0" y="5" width="{x(j.actual)}" height="{height - 10}" fill="{colour}"/>',
    ]
    if j.target is not None:
        parts.append(
            f'<line x1="{x(j.target)}" y1="1" x2="{x(j.target)}" y2="{height - 1}" '
            'stroke="#666666" stroke-width="1" stroke-dasharray="2,1"/>'
        )
    if j.expected is not None:
        parts.append(
            f'<line x1="{x(j.expected)}" y1="1" x2="{x(j.expected)}" y2="{height - 1}" '
            'stroke="#000000" stroke-width="2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


# -- pieces ----------------------------------------------------------------------------------------


def _measure_anchor(index: int) -> str:
    return f"m{index}"


def _cluster_anchor(cluster_id: int, part: str) -> str:
    return f"{part}{cluster_id}"


def _target_text(ind: IndicatorInfo, j: Judgement) -> str:
    rule = ind.rule
    if rule.kind == "milestone":
        return f"erledigt bis {fmt_date(rule.due)}" if rule.due else "erledigt"
    if j.target is None:
        return "kein quantifizierter Zielwert"
    due = f" bis {fmt_date(rule.due)}" if rule.due else ""
    return fmt_value(j.target, rule.unit) + due


def _actual_text(ind: IndicatorInfo, j: Judgement) -> str:
    if j.status is not None:
        return MILESTONE_WORDS.get(j.status, j.status)
    return fmt_value(j.actual, ind.rule.unit)


def _counts_change(now: int, before: int | None) -> str:
    if before is None:
        return "–"
    diff = now - before
    return f"+{fmt_number(diff)}" if diff > 0 else ("±0" if diff == 0 else f"−{fmt_number(-diff)}")


def _toc(
    data: ReportData, groups: Sequence[tuple[int, str, list[tuple[int, MeasureStatus]]]]
) -> str:
    lines = ['<li><a href="#zusammenfassung">Zusammenfassung</a></li>']
    lines.append('<li><a href="#handlungsfelder">Handlungsfelder</a><ul>')
    for cid, title, _ in groups:
        lines.append(f'<li><a href="#{_cluster_anchor(cid, "hf")}">{esc(title)}</a></li>')
    lines.append("</ul></li>")
    if short_form(data.report):
        return f'<nav class="toc"><h2>Inhalt</h2><ul>{"".join(lines)}</ul></nav>'
    lines.append('<li><a href="#massnahmen">Maßnahmen im Einzelnen</a><ul>')
    for cid, title, items in groups:
        lines.append(
            f'<li class="toc-cluster"><a href="#{_cluster_anchor(cid, "mh")}">{esc(title)}</a></li>'
        )
        for index, m in items:
            lines.append(
                f'<li class="toc-measure"><a href="#{_measure_anchor(index)}">'
                f"{esc(m.info.code)} {esc(m.info.title)}</a></li>"
            )
    lines.append("</ul></li>")
    return f'<nav class="toc"><h2>Inhalt</h2><ul>{"".join(lines)}</ul></nav>'


def _title_page(data: ReportData) -> str:
    state = data.state
    if state.released:
        state_text = (
            f"Freigegeben am {fmt_datetime(state.released_at)} von {esc(state.released_by)}"
        )
    else:
        state_text = (
            "Entwurf – das Quartal ist noch nicht freigegeben; die Zahlen können sich noch ändern."
        )
    demo = (
        '<p class="title-demo">Demodaten: erfundene Beispielwerte zur Vorführung, keine echten '
        "Zahlen.</p>"
        if data.report.demo
        else ""
    )
    return (
        '<section class="title-page">'
        f'<p class="title-kicker">{esc(data.report.plan.title)}</p>'
        f"<h1>{esc(data.title)}</h1>"
        f'<p class="title-state">{state_text}</p>'
        f'<p class="title-created">Erstellt am {fmt_datetime(data.created_at)} mit Zielcockpit</p>'
        f'<p class="title-form">{esc(_form_note(data.report))}</p>'
        f"{demo}</section>"
    )


def _summary(
    data: ReportData, groups: Sequence[tuple[int, str, list[tuple[int, MeasureStatus]]]]
) -> str:
    report, previous = data.report, data.previous
    counts = report.counts()
    before = previous.counts() if previous is not None else None
    prev_label = previous.period.short_label if previous is not None else None
    rows = "".join(
        f"<tr><td>{light_html(light)}</td><td class='num'>{fmt_number(counts[light])}</td>"
        f"<td class='num'>{fmt_number(before[light]) if before else '–'}</td>"
        f"<td class='num'>{_counts_change(counts[light], before[light] if before else None)}</td></tr>"
        for light in LIGHTS
    )
    total = sum(counts.values())
    out = [
        '<section class="summary" id="zusammenfassung"><h2>Zusammenfassung</h2>',
        f"<p class='answer'>{fmt_number(counts['green'])} von {fmt_number(total)} Maßnahmen "
        f"sind im {esc(report.period.label)} im Plan.</p>",
        f"<p class='note'>{esc(_form_note(report))}</p>",
        "<table class='counts'>"
        + colgroup("40mm", "25mm", "25mm", "25mm")
        + "<thead><tr><th>Ampel</th><th class='num'>Maßnahmen</th>"
        f"<th class='num'>{esc(prev_label or 'Vorquartal')}</th><th class='num'>Veränderung</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>",
    ]
    if previous is None:
        out.append("<p class='note'>Im ersten Quartal gibt es kein Vorquartal zum Vergleich.</p>")
    # Handlungsfelder × Ampel
    cluster_counts = report.cluster_counts()
    hf_rows = "".join(
        f"<tr><td>{esc(title)}</td>"
        + "".join(
            f"<td class='num'>{fmt_number(cluster_counts[cid][light])}</td>" for light in LIGHTS
        )
        + "</tr>"
        for cid, title, _ in groups
    )
    out.append(
        "<h3>Handlungsfelder</h3><table class='hf-counts'>"
        + colgroup("", "25mm", "25mm", "28mm", "30mm")
        + "<thead><tr><th>Handlungsfeld</th>"
        + "".join(f"<th class='num'>{light_html(light)}</th>" for light in LIGHTS)
        + f"</tr></thead><tbody>{hf_rows}</tbody></table>"
    )
    # Newly red
    before_lights = {m.info.id: m.light for m in previous.measures} if previous else {}
    newly_red = [
        m
        for m in report.measures
        if m.light == "red" and previous is not None and before_lights.get(m.info.id) != "red"
    ]
    out.append("<h3>Neu rot</h3>")
    if previous is None:
        out.append("<p class='note'>Im ersten Quartal gibt es kein Vorquartal.</p>")
    elif not newly_red:
        out.append(f"<p>Keine Maßnahme ist seit {esc(previous.period.label)} neu rot.</p>")
    else:
        out.append(
            f"<p>Seit {esc(previous.period.label)} auf „nicht im Plan“ gefallen: "
            f"{fmt_number(len(newly_red))}</p><ul class='plain'>"
            + "".join(
                f"<li>{light_html('red')} <strong>{esc(m.info.code)}</strong> {esc(m.info.title)}</li>"
                for m in newly_red[: LIST_LIMIT if short_form(report) else None]
            )
            + "</ul>"
        )
        if short_form(report) and len(newly_red) > LIST_LIMIT:
            out.append(
                f"<p class='note'>… und {fmt_number(len(newly_red) - LIST_LIMIT)} weitere.</p>"
            )
    # Missing values
    out.append("<h3>Fehlende Werte</h3>")
    if not data.missing:
        out.append("<p>Alle steuernden Werte des Quartals liegen vor.</p>")
    else:
        shown = data.missing[:MISSING_LIMIT]
        overdue = sum(1 for r in data.missing if r.overdue)
        out.append(
            f"<p>{fmt_number(len(data.missing))} steuernde Indikatoren ohne Wert (oder nur mit "
            "einem Zeichen der Statistik) bzw. Meilensteine ohne Sachstand, davon "
            f"{fmt_number(overdue)} überfällig (Liefertermin verstrichen):</p>"
            "<table class='missing'>"
            + colgroup("20mm", "22mm", "", "45mm")
            + "<thead><tr><th>OE</th><th>Maßnahme</th><th>Indikator</th>"
            "<th>Was fehlt</th></tr></thead><tbody>"
            + "".join(
                f"<tr><td>{esc(r.oe)}</td><td>{esc(r.measure)}</td>"
                f"<td>{esc(r.indicator)} {esc(r.indicator_name)}</td><td>{esc(r.what)}"
                f"{'' if r.delivery is None else ' – ' + esc(r.delivery.text())}</td></tr>"
                for r in shown
            )
            + "</tbody></table>"
        )
        if len(data.missing) > len(shown):
            out.append(
                f"<p class='note'>… und {fmt_number(len(data.missing) - len(shown))} weitere.</p>"
            )
    out.append(_history(data))
    out.append("</section>")
    return "".join(out)


def _history(data: ReportData) -> str:
    if not data.history:
        return ""
    items = []
    for e in data.history:
        if e.action == "quartal_freigegeben":
            items.append(f"<li>freigegeben am {fmt_datetime(e.at)} von {esc(e.by)}</li>")
        else:
            reason = f"; Begründung: {esc(e.reason)}" if e.reason else ""
            items.append(
                f"<li>wieder geöffnet am {fmt_datetime(e.at)} von {esc(e.by)}{reason}</li>"
            )
    changed = data.changed
    count = (len(changed.values) + len(changed.comments) + len(changed.overrides)) if changed else 0
    note = (
        f"<p>Nach der ersten Freigabe geändert: {fmt_number(len(changed.values))} Werte, "
        f"{fmt_number(len(changed.comments))} Maßnahmen mit neuen Kommentaren, "
        f"{fmt_number(len(changed.overrides))} manuelle Ampeln; im Bericht mit "
        "<span class='changed'>◆ nach Freigabe geändert</span> gekennzeichnet.</p>"
        if changed is not None and count
        else ""
    )
    return f"<h3>Freigabe</h3><ul class='plain'>{''.join(items)}</ul>{note}"


def _cluster_tables(
    groups: Sequence[tuple[int, str, list[tuple[int, MeasureStatus]]]], report: StatusReport
) -> str:
    counts = report.cluster_counts()
    short = short_form(report)
    out = ['<section id="handlungsfelder" class="clusters"><h2>Handlungsfelder</h2>']
    for cid, title, items in groups:
        c = counts[cid]
        summary = ", ".join(f"{fmt_number(c[light])} {LIGHT_MEANINGS[light]}" for light in LIGHTS)
        if short:
            summary += "; hier nur die Maßnahmen, die nicht im Plan sind"
        rows = []
        for index, m in items:
            if short and m.light == "green":
                continue
            sentence, about = m.sentence()
            about_text = f"<span class='about'>{esc(about)}: </span>" if about else ""
            code = (
                esc(m.info.code)
                if short
                else f"<a href='#{_measure_anchor(index)}'>{esc(m.info.code)}</a>"
            )
            rows.append(
                f"<tr><td class='code'>{code}</td>"
                f"<td>{esc(m.info.title)}</td><td>{esc(m.info.owner)}</td>"
                f"<td>{light_html(m.light, m.override is not None)}</td>"
                f"<td class='sentence'>{about_text}{esc(sentence)}</td></tr>"
            )
        out.append(
            f'<section class="cluster" id="{_cluster_anchor(cid, "hf")}"><h3>{esc(title)}</h3>'
            f"<p class='cluster-counts'>{summary}</p>"
            "<table class='measures'>"
            + colgroup("23mm", "44mm", "20mm", "33mm", "")
            + "<thead><tr><th>Code</th><th>Maßnahme</th><th>OE</th>"
            "<th>Ampel</th><th>Begründung</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></section>"
        )
    out.append("</section>")
    return "".join(out)


def _measure_section(index: int, m: MeasureStatus, data: ReportData) -> str:
    changed = data.changed
    sentence, about = m.sentence()
    about_text = f"{esc(about)}: " if about else ""
    rows = []
    for ind, j in m.indicators:
        mark = (
            " <span class='changed'>◆ nach Freigabe geändert</span>"
            if changed is not None and ind.code in changed.values
            else ""
        )
        tags = [] if ind.rule.steering else ["nachrichtlich"]
        if ind.rule.parent:
            tags.append(f"darunter von {esc(ind.rule.parent)}")
        tag_text = f" <span class='tag'>{', '.join(tags)}</span>" if tags else ""
        forecast = fmt_value(j.forecast, ind.rule.unit) if j.forecast is not None else "–"
        rows.append(
            f"<tr class='indicator'><td colspan='7'><strong>{esc(ind.code)}</strong> "
            f"{esc(ind.name)}{tag_text}</td></tr>"
            "<tr class='figures'>"
            f"<td>{esc(_target_text(ind, j))}</td>"
            f"<td class='num'>{fmt_value(j.expected, ind.rule.unit) if j.expected is not None else '–'}</td>"
            f"<td class='num'>{esc(_actual_text(ind, j))}{mark}</td>"
            f"<td class='num'>{fmt_attainment(j.attainment)}</td>"
            f"<td class='num'>{forecast}</td>"
            f"<td>{light_html(j.light)}</td>"
            f"<td class='chart'>{bullet_svg(j)}</td></tr>"
            f"<tr class='explanation'><td colspan='7'>{esc(j.explanation)}</td></tr>"
        )
    extra = []
    if m.override is not None:
        o = m.override
        mark = (
            " <span class='changed'>◆ nach Freigabe geändert</span>"
            if changed is not None and m.info.code in changed.overrides
            else ""
        )
        extra.append(
            f"<p class='override'><strong>Manuelle Ampel</strong> {light_html(o.light)} statt "
            f"{light_html(m.computed_light)} – Begründung: {esc(o.justification)} "
            f"<span class='by'>({esc(o.by)}, {fmt_datetime(o.at)})</span>{mark}</p>"
        )
    comments = data.comments.get(m.info.code, [])
    if comments:
        mark = (
            " <span class='changed'>◆ nach Freigabe geändert</span>"
            if changed is not None and m.info.code in changed.comments
            else ""
        )
        extra.append(
            f"<div class='comments'><strong>Kommentare</strong>{mark}<ul class='plain'>"
            + "".join(
                f"<li><span class='by'>{esc(c.period.short_label)}"
                f"{' · ' + esc(c.indicator_code) if c.indicator_code else ''}"
                f"{' · ' + esc(c.author) if c.author else ''}, {fmt_datetime(c.created_at)}:</span> "
                f"{esc(c.text)}</li>"
                for c in comments
            )
            + "</ul></div>"
        )
    table = (
        "<table class='indicators'>"
        + colgroup("38mm", "20mm", "24mm", "20mm", "20mm", "29mm", "")
        + "<thead><tr><th>Zielwert</th>"
        "<th class='num'>Soll</th><th class='num'>Ist</th><th class='num'>Ziel-<br>erreichung</th>"
        "<th class='num'>Prognose</th><th>Ampel</th><th>Ist / Soll / Ziel</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        if rows
        else "<p class='note'>Keine Indikatoren.</p>"
    )
    return (
        f'<section class="measure" id="{_measure_anchor(index)}">'
        f"<h4>{esc(m.info.code)} {esc(m.info.title)}</h4>"
        f"<p class='measure-head'>{esc(m.info.owner)} – {esc(m.info.owner_name)} · "
        f"{light_html(m.light, m.override is not None)}</p>"
        f"<p class='measure-sentence'>{about_text}{esc(sentence)}</p>"
        f"{table}{''.join(extra)}</section>"
    )


CSS = """
@page {
  size: A4;
  margin: 20mm 16mm 18mm 16mm;
  @top-left { content: %(header)s; font-size: 7.5pt; color: #555; }
  @top-right { content: %(draft)s; font-size: 9pt; font-weight: bold; color: #D55E00; }
  @bottom-left { content: %(demo)s; font-size: 8pt; font-weight: bold; color: #8a6d00; }
  @bottom-right { content: "Seite " counter(page) " von " counter(pages); font-size: 8pt; }
}
html { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; color: #1a1a1a; line-height: 1.35; }
h1 { font-size: 22pt; margin: 0 0 8mm; line-height: 1.2; }
h2 { font-size: 15pt; margin: 0 0 4mm; break-after: avoid; }
h3 { font-size: 12pt; margin: 6mm 0 2mm; break-after: avoid; }
h4 { font-size: 10.5pt; margin: 0 0 1mm; break-after: avoid; }
.title-page { break-after: page; padding-top: 60mm; }
.title-kicker { font-size: 11pt; color: #555; }
.title-state { font-size: 12pt; font-weight: bold; margin-top: 10mm; }
.title-created { color: #555; }
.title-form { color: #333; margin-top: 6mm; }
.title-demo { font-weight: bold; color: #8a6d00; border: 1px solid #E69F00; padding: 2mm; }
.toc { break-after: page; }
.toc ul { list-style: none; padding-left: 0; margin: 0; }
.toc ul ul { padding-left: 5mm; }
.toc li { margin: 0.6mm 0; }
.toc a { color: inherit; text-decoration: none; }
.toc a::after { content: leader(".") target-counter(attr(href), page); }
.toc .toc-cluster { font-weight: bold; margin-top: 1.5mm; }
.summary, .clusters { break-after: page; }
.measures-all > h2 { break-before: page; }
.cluster-measures > h3 { break-before: page; }
.cluster-measures:first-of-type > h3 { break-before: auto; }
table { table-layout: fixed; border-collapse: collapse; width: 100%%; margin: 1mm 0 3mm; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th { text-align: left; font-size: 8pt; color: #333; border-bottom: 1.5px solid #333; padding: 1mm 1.5mm; }
td { border-bottom: 0.5px solid #ccc; padding: 1mm 1.5mm; vertical-align: top; }
.num { text-align: right; white-space: nowrap; }
.counts { width: 115mm; }
td, th { overflow-wrap: break-word; }
.light { white-space: nowrap; font-weight: bold; }
.light-green { color: #007a59; } .light-yellow { color: #a86f00; }
.light-red { color: #b34700; } .light-grey { color: #666; } .light-none { color: #666; font-weight: normal; }
.manual { font-size: 7pt; border: 0.5px solid #333; padding: 0 1mm; font-weight: normal; }
.changed { font-size: 7.5pt; color: #6a3d9a; font-weight: bold; white-space: nowrap; }
.tag { font-size: 7.5pt; color: #555; }
tr.indicator td { border-bottom: none; padding: 1.5mm 1.5mm 0; }
tr.figures td { border-bottom: none; padding-top: 0.5mm; padding-bottom: 0.3mm; }
tr.explanation td { font-size: 8pt; color: #333; padding-top: 0; }
tr.indicator, tr.figures { break-after: avoid; }
th.num { white-space: normal; }
table.measures, table.missing { font-size: 8.5pt; }
.measure { margin: 0 0 6mm; padding-top: 2mm; border-top: 1px solid #999; }
.measure-head { margin: 0; }
.measure-sentence { margin: 1mm 0 2mm; }
.about, .by { color: #555; }
.note { color: #555; }
.answer { font-size: 11pt; font-weight: bold; }
ul.plain { list-style: none; padding-left: 0; }
.chart { width: 32mm; }
.watermark { position: fixed; top: 105mm; left: 0; width: 100%%; text-align: center;
  font-size: 90pt; font-weight: bold; color: rgba(213, 94, 0, 0.10); transform: rotate(-35deg); }
"""


def _details(sections: list[str]) -> str:
    if not sections:
        return ""  # the short form
    return (
        '<section class="measures-all" id="massnahmen"><h2>Maßnahmen im Einzelnen</h2>'
        f"{''.join(sections)}</section>"
    )


def report_html(data: ReportData) -> str:
    """The whole report as one HTML document (German, A4 paged media CSS)."""
    report = data.report
    draft = not data.state.released
    css = CSS % {
        "header": css_string(data.title),
        "draft": css_string("ENTWURF – nicht freigegeben") if draft else "none",
        "demo": css_string("Demodaten – keine echten Zahlen") if report.demo else "none",
    }
    by_cluster: dict[int, list[tuple[int, MeasureStatus]]] = {
        c.id: [] for c in report.plan.clusters
    }
    for index, m in enumerate(report.measures):
        by_cluster.setdefault(m.info.cluster_id, []).append((index, m))
    groups = [(c.id, c.title, by_cluster[c.id]) for c in report.plan.clusters if by_cluster[c.id]]
    sections = []
    for cid, title, items in [] if short_form(report) else groups:
        sections.append(
            f'<section class="cluster-measures"><h3 id="{_cluster_anchor(cid, "mh")}">{esc(title)}</h3>'
            + "".join(_measure_section(index, m, data) for index, m in items)
            + "</section>"
        )
    watermark = '<div class="watermark">ENTWURF</div>' if draft else ""
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        f"<title>{esc(data.title)}</title><style>{css}</style></head><body>"
        f"{watermark}{_title_page(data)}{_toc(data, groups)}{_summary(data, groups)}"
        f"{_cluster_tables(groups, report)}{_details(sections)}</body></html>"
    )
