"""Use case: the committee report of a plan's quarter as PDF (A4), for the CLI and the browser.

`report_data` gathers what the report shows (the evaluation of the quarter and of the quarter
before, the release state and its history, the quarter's comments, the missing values, what
changed after the release); `report_layout` (pure) decides every word of it; `report_pdf` sets
it with the Typst template `zielcockpit/report/bericht.typ` as tagged PDF/UA-1 and PDF/A-2a.

Values changed after release: writers refuse every change to a released quarter, so a value,
comment or manual light of the quarter recorded after the quarter's *first* release can only
have been written while it was reopened (`quartal_geoeffnet` in the audit trail). Those are
marked „nach Freigabe geändert“, also after the quarter has been released again: the committee
sees what differs from what was first released.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from db.completeness import completeness
from db.plan_data import NotFound, load_plan_data
from db.quarters import QuarterError, changed_after, quarter_history, quarter_of, quarter_state
from db.queries import quarter_comments
from zielcockpit.domain.access import Principal
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.services.evaluation import evaluate
from zielcockpit.services.report_layout import ReportData, report_document
from zielcockpit.services.report_pdf import ReportRenderError, render_pdf
from zielcockpit.settings import today as settings_today

log = logging.getLogger(__name__)


class ReportError(ValueError):
    """A report that cannot be made, explained in German."""


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    file_name: str
    pages: int


def may_download(principal: Principal | None) -> str | None:
    """Why this principal may not have the report (None: may)."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_download_report:
        return None
    return (
        "Keine Berechtigung: Den Bericht erhalten die Dezernatsleitung, das Controlling und die "
        "Administration."
    )


def report_data(
    engine: Engine, plan_key: str, period_key: str, now: dt.datetime | None = None
) -> ReportData:
    try:
        period = Period.parse(period_key)
    except PeriodError as exc:
        raise ReportError(f"Zeitraum: {exc}") from exc
    try:
        data = load_plan_data(engine, plan_key, up_to=period)
        state = quarter_state(engine, plan_key, period.key)  # refuses a month or another year
    except (NotFound, QuarterError) as exc:
        raise ReportError(str(exc)) from exc
    has_values = any(
        quarter_of(o.period.key) == period.key
        for observations in data.observations.values()
        for o in observations
    )
    if not has_values:
        raise ReportError(
            f"Für {period.label} des Plans {plan_key} gibt es noch keine Werte; ein Bericht "
            "wäre leer."
        )
    today = settings_today()
    report = evaluate(data, period, today)
    before = period.previous_quarter()
    previous = evaluate(data, before, today) if before is not None else None
    history = quarter_history(engine, plan_key, period.key)
    first = next((e.at for e in history if e.action == "quartal_freigegeben"), None)
    return ReportData(
        report=report,
        previous=previous,
        state=state,
        history=history,
        changed=changed_after(engine, plan_key, period, first) if first is not None else None,
        comments=quarter_comments(engine, plan_key, period),
        missing=completeness(data, period, today=today).rows,
        created_at=now or dt.datetime.now(),
    )


def committee_report(
    engine: Engine,
    plan_key: str,
    period_key: str,
    now: dt.datetime | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> ReportFile:
    """The report of a plan's quarter as a PDF; ReportError explains a refusal in German.

    `progress(percent, German message)` is told each step (a job shows it in the browser)."""
    if progress is not None:
        progress(10, "Die Werte des Quartals werden ausgewertet …")
    data = report_data(engine, plan_key, period_key, now)
    if progress is not None:
        progress(40, "Der Bericht wird gesetzt (PDF) …")
    try:
        content, pages = render_pdf(report_document(data), data.created_at)
    except ReportRenderError as exc:
        log.error("Bericht %s %s: %s", plan_key, period_key, exc)
        raise ReportError(
            "Der Bericht konnte nicht gesetzt werden (ein Fehler der Berichtsvorlage, nicht der "
            "Daten; Einzelheiten im Protokoll)."
        ) from exc
    draft = "" if data.state.released else "_Entwurf"
    name = f"Zielcockpit_{plan_key}_{data.report.period.key}_Bericht{draft}.pdf"
    return ReportFile(content, name, pages)
