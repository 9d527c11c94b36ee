"""Use case: remind the units of their missing values by e-mail, and controlling with a digest.

One run (`zielcockpit remind`, or the periodic job on the queue) looks at every open quarter of
every plan whose end has passed: the completeness list (db/completeness.py) with its delivery
deadlines, the reminder rules (zielcockpit/domain/reminders.py), the contacts of each unit (or of
a measure, which then gets its own mail). It records each new reminder first (the database
refuses a second one for the same state), then sends every recorded reminder not sent yet: the
new ones and those a mail server refused or could not take last time. Released quarters get
nothing; a unit without contacts is recorded and listed (digest, CLI, /vollstaendigkeit) and
mailed as soon as it has contacts.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine

from db.completeness import MissingRow, completeness
from db.contacts import ContactRow, list_contacts
from db.plan_data import PlanData, load_plan_data, plan_keys
from db.quarters import quarter_state
from db.reminders import ReminderRow, claim, covered, finish, record, set_state, to_send
from db.units import unit_parents
from zielcockpit.domain.formatting import fmt_date, fmt_number
from zielcockpit.domain.german import read_date
from zielcockpit.domain.periods import Period
from zielcockpit.domain.reminders import (
    BEFORE,
    DIGEST,
    DROPPED,
    Rhythm,
    element_key,
    email_problem,
    is_new,
    reminder_element,
    state_key,
)
from zielcockpit.services.entry_template import TemplateError, write_template
from zielcockpit.services.mail import MailError, send
from zielcockpit.settings import SettingError, Settings

log = logging.getLogger(__name__)

NO_SOURCE = "eigene Erfassung"


@dataclass
class RemindReport:
    """What a run did (or, dry, would do), as German lines for the CLI and the job's log."""

    today: dt.date
    dry_run: bool
    lines: list[str] = field(default_factory=list)
    recorded: int = 0
    sent: int = 0
    failed: int = 0
    without_contacts: list[str] = field(default_factory=list)  # „OE 520 (Plan 2017, Q3)“


def rhythm_of(settings: Settings) -> Rhythm:
    return Rhythm(
        settings.number("ZIELCOCKPIT_REMIND_DAYS_BEFORE"),
        max(settings.number("ZIELCOCKPIT_REMIND_OVERDUE_EVERY"), 1),
        settings.number("ZIELCOCKPIT_REMIND_OVERDUE_MAX"),
    )


def digest_recipients(settings: Settings) -> list[str]:
    text = settings.value("ZIELCOCKPIT_DIGEST_TO")
    found = [a for _n, a in getaddresses([text]) if a]
    for address in found:
        problem = email_problem(address)
        if problem:
            raise SettingError(f"ZIELCOCKPIT_DIGEST_TO: {problem}")
    return found


def remind(
    engine: Engine, settings: Settings, *, dry_run: bool = False, plan: str | None = None
) -> RemindReport:
    """One run: record the reminders due today, then send what is not sent yet."""
    report = RemindReport(settings.today, dry_run)
    rhythm = rhythm_of(settings)
    digest_to = digest_recipients(settings)
    contacts = list_contacts(engine)
    with engine.connect() as conn:
        parents = unit_parents(conn)
    keys = [plan] if plan else plan_keys(engine)
    for key in keys:
        data = load_plan_data(engine, key)
        for period in data.quarters():
            if settings.today <= period.end or quarter_state(engine, key, period.key).released:
                continue
            _quarter(engine, settings, report, data, period, rhythm, contacts, parents, digest_to)
    if not dry_run:
        _deliver(engine, settings, report, contacts, parents, digest_to)
    if not report.lines:
        report.lines.append("Keine Erinnerung fällig.")
    return report


# -- deciding --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    oe: str
    measure: str  # "" = the unit's own contacts


def recipients_of(
    contacts: list[ContactRow], parents: dict[str, str | None], oe: str, measure: str
) -> list[str]:
    """A measure's own contacts, else its unit's, else the nearest parent unit's."""
    if measure:
        own = [c.address for c in contacts if c.oe == oe and c.measure == measure]
        if own:
            return own
    unit: str | None = oe
    while unit is not None:
        found = [c.address for c in contacts if c.oe == unit and not c.measure]
        if found:
            return found
        unit = parents.get(unit)
    return []


def _item(row: MissingRow, source: str | None, kind: str, slot: int) -> dict[str, Any]:
    assert row.delivery is not None
    return {
        "element": element_key(row.indicator, slot),
        "indicator": row.indicator,
        "name": row.indicator_name,
        "measure": row.measure,
        "oe_name": row.oe_name,
        "due": row.delivery.due.isoformat(),
        "source": source or "",
        "what": row.what,
        "days_overdue": row.delivery.days_overdue,
        "slot": slot,
    }


def _quarter(
    engine: Engine,
    settings: Settings,
    report: RemindReport,
    data: PlanData,
    period: Period,
    rhythm: Rhythm,
    contacts: list[ContactRow],
    parents: dict[str, str | None],
    digest_to: list[str],
) -> None:
    state = completeness(data, period, today=settings.today)
    sources = {i.code: i.source for i in data.indicators}
    own_measures = {(c.oe, c.measure) for c in contacts if c.measure}
    groups: dict[tuple[_Scope, str], list[dict[str, Any]]] = defaultdict(list)
    for row in state.rows:
        if row.delivery is None:
            continue
        element = reminder_element(row.delivery.due, settings.today, rhythm)
        if element is None:
            continue  # not yet in its reminder window, or reminded often enough
        kind, slot = element
        scope = _Scope(row.oe, row.measure if (row.oe, row.measure) in own_measures else "")
        groups[(scope, kind)].append(_item(row, sources.get(row.indicator), kind, slot))
    recorded: list[str] = []
    for (scope, kind), items in sorted(
        groups.items(), key=lambda g: (g[0][0].oe, g[0][0].measure, g[0][1])
    ):
        elements = [i["element"] for i in items]
        done = covered(engine, data.plan_id, period.key, scope.oe, scope.measure, kind)
        if not is_new(elements, done):
            continue
        to = recipients_of(contacts, parents, scope.oe, scope.measure)
        subject = _subject(kind, period, scope, items)
        who = ", ".join(to) if to else "KEINE KONTAKTE HINTERLEGT"
        line = f"{data.key} {period.label} · {_scope_text(scope)} · {subject} → {who}"
        if not to:
            report.without_contacts.append(
                f"{_scope_text(scope)} (Plan {data.key}, {period.label})"
            )
        if report.dry_run:
            report.lines.append(f"würde erinnern: {line}")
            continue
        key = state_key(elements)
        reminder_id = record(
            engine,
            plan_id=data.plan_id,
            period=period.key,
            oe=scope.oe,
            measure=scope.measure,
            kind=kind,
            state_key=key,
            items=items,
            recipients=to,
            subject=subject,
        )
        if reminder_id is not None:
            report.recorded += 1
            recorded.append(f"{scope.oe}/{scope.measure}/{kind}/{key}")
            report.lines.append(f"vorgemerkt: {line}")
    if recorded or (report.dry_run and groups):
        silent = {u.oe for u in state.counts if not recipients_of(contacts, parents, u.oe, "")}
        _digest(engine, report, data, period, state, recorded, digest_to, silent)


def _digest(
    engine: Engine,
    report: RemindReport,
    data: PlanData,
    period: Period,
    state: Any,
    recorded: list[str],
    digest_to: list[str],
    without_contacts: set[str],
) -> None:
    """Controlling's digest of a round: per unit how many are delivered and late."""
    if not digest_to:
        report.lines.append(
            f"{data.key} {period.label}: keine Übersicht an das Controlling "
            "(ZIELCOCKPIT_DIGEST_TO ist leer)."
        )
        return
    subject = f"Zielcockpit: Übersicht der Erinnerungen, {period.label} (Plan {data.key})"
    if report.dry_run:
        report.lines.append(f"würde senden: {subject} → {', '.join(digest_to)}")
        return
    items = [
        {
            "element": u.oe,
            "oe": u.oe,
            "oe_name": u.oe_name,
            "steering": u.steering,
            "missing": u.missing,
            "overdue": u.overdue,
            "without_contacts": u.oe in without_contacts,
        }
        for u in state.counts
    ]
    if record(
        engine,
        plan_id=data.plan_id,
        period=period.key,
        oe="",
        measure="",
        kind=DIGEST,
        state_key=state_key(recorded),
        items=items,
        recipients=digest_to,
        subject=subject,
    ):
        report.recorded += 1
        report.lines.append(f"vorgemerkt: {subject} → {', '.join(digest_to)}")


def _scope_text(scope: _Scope) -> str:
    return f"OE {scope.oe}" + (f", Maßnahme {scope.measure}" if scope.measure else "")


def _subject(kind: str, period: Period, scope: _Scope, items: list[dict[str, Any]]) -> str:
    n = len(items)
    values = f"{fmt_number(n)} {'fehlender Wert' if n == 1 else 'fehlende Werte'}"
    if kind == BEFORE:
        due = min(read_date(i["due"]) for i in items)
        return (
            f"Zielcockpit: {values} für das {period.label}, fällig am {fmt_date(due)} – "
            f"{_scope_text(scope)}"
        )
    slot = max(int(i["slot"]) for i in items)
    return (
        f"Zielcockpit: {values} für das {period.label} überfällig – {_scope_text(scope)} "
        f"({fmt_number(slot)}. Erinnerung)"
    )


# -- sending ---------------------------------------------------------------------------------------


def _deliver(
    engine: Engine,
    settings: Settings,
    report: RemindReport,
    contacts: list[ContactRow],
    parents: dict[str, str | None],
    digest_to: list[str],
) -> None:
    released: dict[tuple[str, str], bool] = {}
    for row in to_send(engine):
        quarter = (row.plan_key, row.period)
        if quarter not in released:
            released[quarter] = quarter_state(engine, *quarter).released
        if released[quarter]:
            set_state(engine, row.id, DROPPED)
            continue
        to = (
            digest_to
            if row.kind == DIGEST
            else recipients_of(contacts, parents, row.oe, row.measure)
        )
        if not to:
            continue  # stays „ohne Empfänger“ until the unit has contacts
        if not claim(engine, row.id, to, row.subject):
            continue  # another process sends it
        try:
            message = build_message(engine, settings, row, to)
            where = send(settings, message, f"{row.created_at:%Y%m%d-%H%M%S}-erinnerung-{row.id}")
        except (MailError, SettingError) as exc:
            finish(engine, row.id, error=str(exc))
            report.failed += 1
            report.lines.append(f"nicht gesendet (wird erneut versucht): {row.subject} – {exc}")
            log.warning("Erinnerung %s nicht gesendet: %s", row.id, exc)
            continue
        except Exception:
            finish(engine, row.id, error="Unerwarteter Fehler beim Senden; wird erneut versucht.")
            log.exception("Erinnerung %s nicht gesendet", row.id)
            report.failed += 1
            continue
        finish(engine, row.id, message=message.as_bytes())
        report.sent += 1
        report.lines.append(f"gesendet: {row.subject} → {', '.join(to)} ({where})")


def erfassung_link(settings: Settings, plan: str, period: str, oe: str) -> str:
    base = settings.value("ZIELCOCKPIT_BASE_URL").rstrip("/")
    return f"{base}/erfassung?{urlencode({'plan': plan, 'period': period, 'oe': oe})}"


def build_message(
    engine: Engine, settings: Settings, row: ReminderRow, to: list[str]
) -> EmailMessage:
    """The German mail of a recorded reminder (plain text; the entry template attached when
    the unit enters any of the listed values itself, i.e. they come from no import source)."""
    sender = settings.value("ZIELCOCKPIT_MAIL_FROM")
    domain = parseaddr(sender)[1].rpartition("@")[2] or "zielcockpit.local"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = row.subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    # The same id on every try: a receiver (or a person) sees a repeated delivery as one mail.
    message["Message-ID"] = f"<zielcockpit-erinnerung-{row.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Zielcockpit-Erinnerung"] = row.kind
    if row.kind == DIGEST:
        message.set_content(_digest_text(settings, row))
        return message
    message.set_content(_unit_text(settings, row))
    if any(not item["source"] for item in row.items):
        attachment = _template(engine, row)
        if attachment is not None:
            name, content = attachment
            message.add_attachment(
                content,
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename=name,
            )
    return message


def _template(engine: Engine, row: ReminderRow) -> tuple[str, bytes] | None:
    name = f"Zielcockpit_Erfassungsvorlage_{row.oe}_{row.period}.xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        try:
            write_template(engine, row.oe, row.period, path, row.plan_key)
        except TemplateError:
            log.warning("Keine Erfassungsvorlage für OE %s, %s", row.oe, row.period)
            return None
        return name, path.read_bytes()


def _unit_text(settings: Settings, row: ReminderRow) -> str:
    period = Period.parse(row.period)
    oe_name = row.items[0].get("oe_name", "") if row.items else ""
    unit = f"der Organisationseinheit {row.oe}" + (f" – {oe_name}" if oe_name else "")
    if row.measure:
        unit += f", Maßnahme {row.measure}"
    lines = ["Guten Tag,", ""]
    if row.kind == BEFORE:
        lines.append(
            f"im Zielcockpit (Plan {row.plan_key}) fehlen für das {period.label} noch Werte "
            f"{unit}. Bitte liefern Sie sie bis zum Liefertermin:"
        )
    else:
        slot = max(int(i["slot"]) for i in row.items)
        lines.append(
            f"{fmt_number(slot)}. Erinnerung: im Zielcockpit (Plan {row.plan_key}) sind für das "
            f"{period.label} Werte {unit} überfällig. Bitte liefern Sie sie so bald wie möglich:"
        )
    lines.append("")
    for item in row.items:
        due = fmt_date(read_date(item["due"]))
        late = int(item["days_overdue"])
        when = (
            f"fällig am {due}"
            if not late
            else f"fällig am {due}, seit {fmt_number(late)} {'Tag' if late == 1 else 'Tagen'} überfällig"
        )
        lines.append(f"- {item['indicator']} {item['name']}")
        lines.append(
            f"  Maßnahme {item['measure']} · {when} · Quelle: {item['source'] or NO_SOURCE} · "
            f"{item['what']}"
        )
    lines += [
        "",
        "Hier tragen Sie die Werte ein (Anmeldung erforderlich):",
        erfassung_link(settings, row.plan_key, row.period, row.oe),
    ]
    if any(not item["source"] for item in row.items):
        lines += [
            "",
            "Die Erfassungsvorlage Ihrer Organisationseinheit für dieses Quartal hängt an. "
            "Ausgefüllt laden Sie sie auf der Seite „Import“ hoch oder senden sie an das "
            "Controlling.",
        ]
    lines += [
        "",
        "Werte, die schon unterwegs sind, brauchen keine Antwort. Fragen beantwortet das "
        "Controlling.",
        "",
        "Diese Nachricht hat das Zielcockpit automatisch verschickt.",
    ]
    return "\n".join(lines) + "\n"


def _digest_text(settings: Settings, row: ReminderRow) -> str:
    period = Period.parse(row.period)
    base = settings.value("ZIELCOCKPIT_BASE_URL").rstrip("/")
    lines = [
        "Guten Tag,",
        "",
        f"Stand der Lieferungen für das {period.label} (Plan {row.plan_key}), "
        f"{fmt_date(settings.today)}:",
        "",
    ]
    for u in row.items:
        complete = int(u["steering"]) - int(u["missing"])
        status = (
            "vollständig geliefert"
            if not u["missing"]
            else f"{fmt_number(u['missing'])} fehlen, davon {fmt_number(u['overdue'])} überfällig"
        )
        note = " · KEINE KONTAKTE HINTERLEGT, nicht erinnert" if u.get("without_contacts") else ""
        lines.append(
            f"- OE {u['oe']} {u['oe_name']}: {fmt_number(complete)} von "
            f"{fmt_number(u['steering'])} geliefert; {status}{note}"
        )
    query = urlencode({"plan": row.plan_key, "period": row.period})
    lines += [
        "",
        f"Die Liste mit den gesendeten Erinnerungen: {base}/vollstaendigkeit?{query}",
        "",
        "Diese Nachricht hat das Zielcockpit automatisch verschickt.",
    ]
    return "\n".join(lines) + "\n"
