"""The committee report as data for its Typst template (pure: the gathered data in, a dict out).

A4 with the plan's own structure: title page, table of contents, summary, one table per
Handlungsfeld, then one section per measure with its indicators and a small bullet chart. This
module decides every word and number the report prints (German formats from
`zielcockpit/domain/formatting.py`); the template `zielcockpit/report/bericht.typ` only places
them. The dict goes to the template as JSON, never as Typst source: a comment with `#image(…)`,
`*markup*`, `<b>` or a URL is a string there and is printed as it was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from db.completeness import MissingRow
from db.plan_data import IndicatorInfo
from db.quarters import ChangedAfterRelease, QuarterEvent, QuarterState
from db.queries import CommentRow
from zielcockpit.domain.formatting import (
    fmt_attainment,
    fmt_date,
    fmt_datetime,
    fmt_number,
    fmt_value,
)
from zielcockpit.domain.rules import Judgement
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHT_SHAPES, LIGHTS, MILESTONE_WORDS
from zielcockpit.services.evaluation import MeasureStatus, StatusReport

MISSING_LIMIT = 200  # lines of the „Fehlende Werte“ list; the rest is counted
# Above this many measures the report is the short form („Kurzfassung“): per Handlungsfeld one
# line per measure that is not green, no section per measure (5,000 measures in full are some
# 2,500 pages, too many for a meeting's papers).
SHORT_FORM_ABOVE = 200
LIST_LIMIT = 100  # lines of the „Neu rot“ list in the short form; the rest is counted
NO_LIGHT_WORD = "nachrichtlich"
# The marks the template prints: beside what changed after release, in every page's head and
# foot, across every page of a draft.
MARKS = {
    "changed": "◆ nach Freigabe geändert",
    "draft": "ENTWURF – nicht freigegeben",
    "demo": "Demodaten – keine echten Zahlen",
    "watermark": "ENTWURF",
    "manual": "manuell",
}

Doc = dict[str, Any]
Groups = Sequence[tuple[int, str, list[tuple[int, MeasureStatus]]]]


def short_form(report: StatusReport) -> bool:
    return len(report.measures) > SHORT_FORM_ABOVE


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


def _form_note(report: StatusReport, short: bool) -> str:
    """The sentence that says which form the report is (on the title page and in the summary)."""
    n = len(report.measures)
    if not short:
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


def light(key: str | None, manual: bool = False) -> Doc:
    """A light as the template draws it: shape and word (never colour alone), colour by key."""
    if key is None:
        return {"key": None, "text": NO_LIGHT_WORD, "manual": False}
    # No-break spaces: „▲ nicht im Plan“ is never parted at a line's end.
    text = f"{LIGHT_SHAPES[key]} {LIGHT_MEANINGS[key]}".replace(" ", "\u00a0")
    return {"key": key, "text": text, "manual": manual}


# One dict per light and state: a plan of 5,000 measures repeats them 20,000 times.
_LIGHTS: dict[tuple[str | None, bool], Doc] = {
    (key, manual): light(key, manual) for key in (*LIGHTS, None) for manual in (False, True)
}


def chart(j: Judgement) -> Doc | None:
    """The bullet chart's positions as fractions of its width: actual as a bar in the light's
    colour, expected as a black tick, target as a dashed grey line (None: nothing to draw)."""
    values = [v for v in (j.actual, j.expected, j.target) if v is not None and v >= 0]
    if j.light is None or j.actual is None or (j.expected is None and j.target is None):
        return None  # nachrichtlich, no value or nothing to compare with: no chart
    if not values or max(values) <= 0:
        return None
    top = max(values) * 1.1

    def x(v: float | None) -> float | None:
        return None if v is None else round(max(0.0, min(v, top)) / top, 4)

    return {
        "light": j.light,
        "actual": x(j.actual),
        "expected": x(j.expected),
        "target": x(j.target),
    }


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


def _anchor(index: int) -> str:
    return f"m{index}"


def _title_page(data: ReportData, short: bool) -> Doc:
    state = data.state
    if state.released:
        state_text = f"Freigegeben am {fmt_datetime(state.released_at)} von {state.released_by}"
    else:
        state_text = (
            "Entwurf – das Quartal ist noch nicht freigegeben; die Zahlen können sich noch ändern."
        )
    return {
        "kicker": data.report.plan.title,
        "state": state_text,
        "created": f"Erstellt am {fmt_datetime(data.created_at)} mit Zielcockpit",
        "form_note": _form_note(data.report, short),
        "demo_note": (
            "Demodaten: erfundene Beispielwerte zur Vorführung, keine echten Zahlen."
            if data.report.demo
            else None
        ),
    }


def _newly_red(data: ReportData, short: bool) -> Doc:
    report, previous = data.report, data.previous
    if previous is None:
        return {"text": "Im ersten Quartal gibt es kein Vorquartal.", "note": True, "items": []}
    before_lights = {m.info.id: m.light for m in previous.measures}
    newly_red = [
        m for m in report.measures if m.light == "red" and before_lights.get(m.info.id) != "red"
    ]
    if not newly_red:
        return {
            "text": f"Keine Maßnahme ist seit {previous.period.label} neu rot.",
            "note": False,
            "items": [],
        }
    shown = newly_red[: LIST_LIMIT if short else None]
    return {
        "text": (
            f"Seit {previous.period.label} auf „nicht im Plan“ gefallen: "
            f"{fmt_number(len(newly_red))}"
        ),
        "note": False,
        "items": [
            {"light": _LIGHTS[("red", False)], "code": m.info.code, "title": m.info.title}
            for m in shown
        ],
        "more": (
            f"… und {fmt_number(len(newly_red) - len(shown))} weitere."
            if len(newly_red) > len(shown)
            else None
        ),
    }


def _missing(data: ReportData) -> Doc:
    if not data.missing:
        return {"text": "Alle steuernden Werte des Quartals liegen vor.", "rows": []}
    shown = data.missing[:MISSING_LIMIT]
    overdue = sum(1 for r in data.missing if r.overdue)
    return {
        "text": (
            f"{fmt_number(len(data.missing))} steuernde Indikatoren ohne Wert (oder nur mit "
            "einem Zeichen der Statistik) bzw. Meilensteine ohne Sachstand, davon "
            f"{fmt_number(overdue)} überfällig (Liefertermin verstrichen):"
        ),
        "rows": [
            [
                r.oe,
                r.measure,
                f"{r.indicator} {r.indicator_name}",
                r.what + ("" if r.delivery is None else " – " + r.delivery.text()),
            ]
            for r in shown
        ],
        "more": (
            f"… und {fmt_number(len(data.missing) - len(shown))} weitere."
            if len(data.missing) > len(shown)
            else None
        ),
    }


def _history(data: ReportData) -> Doc | None:
    if not data.history:
        return None
    items = []
    for e in data.history:
        if e.action == "quartal_freigegeben":
            items.append(f"freigegeben am {fmt_datetime(e.at)} von {e.by}")
        else:
            reason = f"; Begründung: {e.reason}" if e.reason else ""
            items.append(f"wieder geöffnet am {fmt_datetime(e.at)} von {e.by}{reason}")
    changed = data.changed
    count = (len(changed.values) + len(changed.comments) + len(changed.overrides)) if changed else 0
    note = (
        f"Nach der ersten Freigabe geändert: {fmt_number(len(changed.values))} Werte, "
        f"{fmt_number(len(changed.comments))} Maßnahmen mit neuen Kommentaren, "
        f"{fmt_number(len(changed.overrides))} manuelle Ampeln; im Bericht mit "
        if changed is not None and count
        else None
    )
    # The template writes the note, then the mark (as beside each changed value), then `after`.
    return {"items": items, "note": note, "after": " gekennzeichnet."}


def _summary(data: ReportData, groups: Groups, short: bool) -> Doc:
    report, previous = data.report, data.previous
    counts = report.counts()
    before = previous.counts() if previous is not None else None
    cluster_counts = report.cluster_counts()
    return {
        "answer": (
            f"{fmt_number(counts['green'])} von {fmt_number(sum(counts.values()))} Maßnahmen "
            f"sind im {report.period.label} im Plan."
        ),
        "form_note": _form_note(report, short),
        "previous_label": previous.period.short_label if previous is not None else "Vorquartal",
        "counts": [
            {
                "light": _LIGHTS[(key, False)],
                "now": fmt_number(counts[key]),
                "before": fmt_number(before[key]) if before else "–",
                "change": _counts_change(counts[key], before[key] if before else None),
            }
            for key in LIGHTS
        ],
        "first_quarter": previous is None,
        "lights": [_LIGHTS[(key, False)] for key in LIGHTS],
        "clusters": [
            {"title": title, "counts": [fmt_number(cluster_counts[cid][k]) for k in LIGHTS]}
            for cid, title, _ in groups
        ],
        "newly_red": _newly_red(data, short),
        "missing": _missing(data),
        "history": _history(data),
    }


def _cluster_tables(groups: Groups, report: StatusReport, short: bool) -> list[Doc]:
    counts = report.cluster_counts()
    out = []
    for cid, title, items in groups:
        c = counts[cid]
        summary = ", ".join(f"{fmt_number(c[key])} {LIGHT_MEANINGS[key]}" for key in LIGHTS)
        if short:
            summary += "; hier nur die Maßnahmen, die nicht im Plan sind"
        rows = []
        for index, m in items:
            if short and m.light == "green":
                continue
            sentence, about = m.sentence()
            rows.append(
                {
                    "code": m.info.code,
                    "link": None if short else _anchor(index),
                    "title": m.info.title,
                    "owner": m.info.owner,
                    "light": _LIGHTS[(m.light, m.override is not None)],
                    "about": f"{about}: " if about else "",
                    "sentence": sentence,
                }
            )
        out.append({"title": title, "summary": summary, "rows": rows})
    return out


def _indicator(ind: IndicatorInfo, j: Judgement, changed: ChangedAfterRelease | None) -> Doc:
    tags = [] if ind.rule.steering else ["nachrichtlich"]
    if ind.rule.parent:
        tags.append(f"darunter von {ind.rule.parent}")
    unit = ind.rule.unit
    return {
        "code": ind.code,
        "name": ind.name,
        "tags": ", ".join(tags),
        "target": _target_text(ind, j),
        "expected": fmt_value(j.expected, unit) if j.expected is not None else "–",
        "actual": _actual_text(ind, j),
        "changed": changed is not None and ind.code in changed.values,
        "attainment": fmt_attainment(j.attainment),
        "forecast": fmt_value(j.forecast, unit) if j.forecast is not None else "–",
        "light": _LIGHTS[(j.light, False)],
        "chart": chart(j),
        "explanation": j.explanation,
    }


def _measure(index: int, m: MeasureStatus, data: ReportData) -> Doc:
    changed = data.changed
    sentence, about = m.sentence()
    override = None
    if m.override is not None:
        o = m.override
        override = {
            "light": _LIGHTS[(o.light, False)],
            "computed": _LIGHTS[(m.computed_light, False)],
            "justification": o.justification,
            "by": f"({o.by}, {fmt_datetime(o.at)})",
            "changed": changed is not None and m.info.code in changed.overrides,
        }
    comments = data.comments.get(m.info.code, [])
    return {
        "anchor": _anchor(index),
        "head": f"{m.info.code} {m.info.title}",
        "owner": f"{m.info.owner} – {m.info.owner_name}",
        "light": _LIGHTS[(m.light, m.override is not None)],
        "sentence": (f"{about}: " if about else "") + sentence,
        "indicators": [_indicator(ind, j, changed) for ind, j in m.indicators],
        "override": override,
        "comments": {
            "changed": changed is not None and m.info.code in changed.comments,
            "items": [
                {
                    "by": (
                        c.period.short_label
                        + (f" · {c.indicator_code}" if c.indicator_code else "")
                        + (f" · {c.author}" if c.author else "")
                        + f", {fmt_datetime(c.created_at)}:"
                    ),
                    "text": c.text,
                }
                for c in comments
            ],
        }
        if comments
        else None,
    }


def report_document(data: ReportData, short: bool | None = None) -> Doc:
    """The whole report for the template; `short` forces a form (default: by the plan's size)."""
    report = data.report
    if short is None:
        short = short_form(report)
    by_cluster: dict[int, list[tuple[int, MeasureStatus]]] = {
        c.id: [] for c in report.plan.clusters
    }
    for index, m in enumerate(report.measures):
        by_cluster.setdefault(m.info.cluster_id, []).append((index, m))
    groups = [(c.id, c.title, by_cluster[c.id]) for c in report.plan.clusters if by_cluster[c.id]]
    return {
        "title": data.title,
        "marks": MARKS,
        "draft": not data.state.released,
        "demo": report.demo,
        "short": short,
        "title_page": _title_page(data, short),
        "summary": _summary(data, groups, short),
        "clusters": _cluster_tables(groups, report, short),
        "details": []
        if short
        else [
            {"title": title, "measures": [_measure(index, m, data) for index, m in items]}
            for _cid, title, items in groups
        ],
    }
