"""Named queries and writes of the browser pages: data entry, upload checks, audit trail, completeness."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, select
from sqlalchemy.orm import Session

from db.access import audit
from db.engine import transaction
from db.models import (
    AuditEntry,
    ImportRun,
    Indikator,
    Kommentar,
    Massnahme,
    Messwert,
    MesswertVersion,
    Organisationseinheit,
    Plan,
    StatusOverride,
    _utcnow,
)
from db.queries import plan_snapshot
from db.status import NotFound, PlanData
from etl.extract import Extraction, Problem, Staged, detect, extract
from etl.loader import (
    add_comment,
    diff_values,
    load_catalogue_index,
    new_comments,
    write_values,
)
from etl.profile import load_profiles, profile_by_name
from etl.reading import FileProblem, open_book
from etl.tables import CellValue, ValueProblem, fold, parse_text_value
from etl.validate import CatalogueIndex, CommentRow, IndicatorRef, ValueRow, check, show
from zielcockpit.auth import AuthError, Principal, require_write, units_with_children
from zielcockpit.domain.formatting import (
    LIGHT_MEANINGS,
    MILESTONE_WORDS,
    SYMBOL_MEANINGS,
    fmt_value,
)
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.rules import LIGHTS, Judgement, Light, Observation, judge

ENTRY_SOURCE = "Erfassungsformular"
ENTRY_FILE_NAME = "Erfassung im Browser"
ENTRY_SHEET = "Erfassung"  # what the etl checks call the sheet of a form value
FIELD_VALUE = "Wert des Quartals"
FIELD_STATUS = "Sachstand"
FIELD_COMMENT = "Kommentar"
FIELD_LIGHT = "Manuelle Ampel"
FIELD_JUSTIFICATION = "Begründung"
_SHEET_AND_CELL = re.compile(rf" in Blatt „{ENTRY_SHEET}“, Zelle [^\s)]+")
MAX_TEXT = 4000  # a comment or justification longer than two pages is a pasted document
MILESTONE_STATES = tuple(MILESTONE_WORDS)
TRAIL_LIMIT = 2000


# -- units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitChoice:
    code: str
    name: str


def _unit_parents(conn: Connection) -> dict[str, str | None]:
    rows = conn.execute(
        select(Organisationseinheit.id, Organisationseinheit.code, Organisationseinheit.parent_id)
    ).all()
    code_of = {r.id: r.code for r in rows}
    return {r.code: code_of.get(r.parent_id) for r in rows}


def entry_units(engine: Engine, plan_key: str, principal: Principal | None) -> list[UnitChoice]:
    """The units owning measures of the plan that this principal may enter values for."""
    if principal is None or principal.role == "leitung":
        return []
    owners = plan_snapshot(engine, plan_key).owners()
    if principal.role == "fachbereich":
        return [UnitChoice(o.code, o.name) for o in owners if o.code in principal.units]
    return [UnitChoice(o.code, o.name) for o in owners]


# -- the form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    """One indicator row of the form, with what is stored for the quarter."""

    indikator_id: int
    code: str
    name: str
    kind: str
    unit: str
    steering: bool
    target: float | None
    due: dt.date | None
    parent: str | None
    previous: str | None  # last quarter's value as shown
    value_text: str  # this quarter's stored value as the input shows it ("" = none)
    status: str | None  # this quarter's stored milestone state
    comment: str  # the latest comment of this quarter ("" = none)
    light: Light | None
    explanation: str
    demo: bool


@dataclass(frozen=True)
class EntryMeasure:
    id: int
    code: str
    title: str
    owner: str
    light: Light
    computed_light: Light
    override_light: str | None
    override_text: str
    override_by: str | None
    lines: tuple[EntryLine, ...]


@dataclass(frozen=True)
class EntryForm:
    plan_key: str
    plan_title: str
    period: Period
    oe: str
    oe_name: str
    measures: tuple[EntryMeasure, ...]

    @property
    def demo(self) -> bool:
        return any(line.demo for m in self.measures for line in m.lines)


def input_text(value: Decimal | float | None) -> str:
    """A stored number as the form shows it: German, every stored decimal („1.234,5“)."""
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    text = f"{abs(number):f}"
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return ("-" if sign else "") + grouped + ("," + fraction if fraction else "")


def _quarter_text(
    observations: Sequence[Observation], quarter: Period, unit: str, last: bool
) -> str | None:
    """A quarter's value in words: stored for the quarter, or formed from its months."""
    by_period = {o.period: o for o in observations}
    direct = by_period.get(quarter)
    parts = (
        [direct]
        if direct is not None
        else [by_period[m] for m in quarter.months() if m in by_period]
    )
    if not parts:
        return None
    if any(p.status for p in parts):
        return MILESTONE_WORDS.get(parts[-1].status or "", parts[-1].status)
    symbols = [p.symbol for p in parts if p.value is None and p.symbol]
    if symbols:
        return f"„{symbols[0]}“ ({SYMBOL_MEANINGS.get(symbols[0], 'kein Zahlenwert')})"
    numbers = [p.value for p in parts if p.value is not None]
    if not numbers:
        return None
    return fmt_value(numbers[-1] if last else sum(numbers), unit)


def entry_form(engine: Engine, plan_key: str, oe: str, period: Period) -> EntryForm:
    """The measures of a unit (and its sub-units) with their indicators for one quarter."""
    snapshot = plan_snapshot(engine, plan_key)
    data = snapshot.data
    data.check_period(period)
    if period.kind != "quarter":
        raise NotFound(f"Erfasst wird je Quartal: {period.label} ist kein Quartal.")
    report = snapshot.report(period)
    with engine.connect() as conn:
        parents = _unit_parents(conn)
        names = dict(
            conn.execute(select(Organisationseinheit.code, Organisationseinheit.name)).all()
        )
        if oe not in names:
            raise NotFound(f"Organisationseinheit „{oe}“ gibt es nicht.")
        units = units_with_children([oe], parents)
        measures = [m for m in report.measures if m.info.owner in units]
        ids = [ind.id for m in measures for ind, _j in m.indicators]
        stored: dict[int, tuple[Any, ...]] = {}
        comments: dict[int, str] = {}
        if ids:
            for r in conn.execute(
                select(
                    Messwert.indikator_id, Messwert.value, Messwert.symbol, Messwert.status
                ).where(
                    Messwert.indikator_id.in_(ids),
                    Messwert.period == period.key,
                    Messwert.ort_id.is_(None),
                )
            ):
                stored[r.indikator_id] = (r.value, r.symbol, r.status)
            for c in conn.execute(
                select(Kommentar.indikator_id, Kommentar.text)
                .where(Kommentar.indikator_id.in_(ids), Kommentar.period == period.key)
                .order_by(Kommentar.created_at, Kommentar.id)
            ):
                if c.indikator_id is not None:
                    comments[c.indikator_id] = c.text  # the latest wins
        overrides = {
            r.massnahme_id: r
            for r in conn.execute(
                select(
                    StatusOverride.massnahme_id,
                    StatusOverride.light,
                    StatusOverride.justification,
                    StatusOverride.set_by,
                ).where(
                    StatusOverride.massnahme_id.in_([m.info.id for m in measures]),
                    StatusOverride.period == period.key,
                )
            )
        }
    previous = period.previous_quarter()
    result = []
    for m in measures:
        lines = []
        for ind, j in m.indicators:
            rule = ind.rule
            value, symbol, status = stored.get(ind.id, (None, None, None))
            obs = data.observations.get(ind.id, [])
            lines.append(
                EntryLine(
                    ind.id,
                    ind.code,
                    ind.name,
                    rule.kind,
                    rule.unit,
                    rule.steering,
                    rule.target,
                    rule.due,
                    rule.parent,
                    None
                    if previous is None
                    else _quarter_text(obs, previous, rule.unit, rule.aggregation == "last"),
                    symbol or (input_text(value) if value is not None else ""),
                    status,
                    comments.get(ind.id, ""),
                    j.light,
                    j.explanation,
                    j.demo,
                )
            )
        o = overrides.get(m.info.id)
        result.append(
            EntryMeasure(
                m.info.id,
                m.info.code,
                m.info.title,
                m.info.owner,
                m.light,
                m.computed_light,
                o.light if o else None,
                o.justification if o else "",
                o.set_by if o else None,
                tuple(lines),
            )
        )
    return EntryForm(data.key, data.title, period, oe, names[oe], tuple(result))


# -- a submission, checked and saved -------------------------------------------------------------


@dataclass(frozen=True)
class FieldInput:
    """What the form sent for one indicator (None: the field was not in the form)."""

    code: str
    value: str | None = None
    status: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class OverrideInput:
    measure_code: str
    light: str | None  # None or "": no manual light
    justification: str | None


@dataclass
class Submission:
    plan_key: str
    period: str
    fields: dict[str, FieldInput] = field(default_factory=dict)
    overrides: dict[str, OverrideInput] = field(default_factory=dict)


@dataclass
class SaveResult:
    """The answer to a submission; `errors` in German, each naming indicator and field."""

    refused: bool = False
    errors: list[str] = field(default_factory=list)
    values: int = 0
    comments: int = 0
    overrides: int = 0
    changes: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.refused and not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.values or self.comments or self.overrides)


@dataclass(frozen=True)
class _Ref:
    id: int
    code: str
    name: str
    kind: str
    unit: str
    parent_id: int | None
    massnahme_id: int
    measure_code: str
    oe: str
    baseline_period: str | None


def _where(ref: _Ref, field_name: str) -> str:
    name = ref.name if len(ref.name) <= 60 else ref.name[:57] + " …"
    return f"{ref.code} ({name}), Feld „{field_name}“"


def _blank(text: str | None) -> bool:
    return text is None or not str(text).strip()


def _plan_refs(
    conn: Connection, plan_key: str
) -> tuple[int, dict[str, _Ref], dict[str, tuple[int, str]]]:
    plan_year = conn.scalar(select(Plan.year).where(Plan.key == plan_key))
    if plan_year is None:
        raise NotFound(f"Plan „{plan_key}“ gibt es nicht.")
    plan_id = conn.scalar(select(Plan.id).where(Plan.key == plan_key))
    refs = {
        r.code: _Ref(
            r.id,
            r.code,
            r.name,
            r.kind,
            r.unit,
            r.parent_id,
            r.massnahme_id,
            r.mcode,
            r.oe,
            r.baseline_period,
        )
        for r in conn.execute(
            select(
                Indikator.id,
                Indikator.code,
                Indikator.name,
                Indikator.kind,
                Indikator.unit,
                Indikator.parent_id,
                Indikator.massnahme_id,
                Indikator.baseline_period,
                Massnahme.code.label("mcode"),
                Organisationseinheit.code.label("oe"),
            )
            .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
            .join(Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id)
            .where(Indikator.plan_id == plan_id)
        )
    }
    measures = {
        r.code: (r.id, r.oe)
        for r in conn.execute(
            select(Massnahme.id, Massnahme.code, Organisationseinheit.code.label("oe"))
            .join(Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id)
            .where(Massnahme.plan_id == plan_id)
        )
    }
    return plan_year, refs, measures


def _form_index(
    plan_key: str, plan_year: int, refs: Mapping[str, _Ref], codes: Iterable[str]
) -> CatalogueIndex:
    """The importer's catalogue index, for the form's indicators (and their parents) only.

    etl.loader.load_catalogue_index fetches every indicator of every plan, right for a file that
    may name any of them; a form names a handful of one plan (a thin adapter: same shape)."""
    by_id = {r.id: r for r in refs.values()}
    wanted = {refs[c].id for c in codes if c in refs}
    parents = {by_id[i].parent_id for i in wanted}
    wanted |= {p for p in parents if p is not None and p in by_id}
    index = CatalogueIndex()
    for ind_id in sorted(wanted):
        r = by_id[ind_id]
        index.add(
            IndicatorRef(
                r.id,
                r.code,
                r.name,
                0,
                plan_key,
                plan_year,
                r.massnahme_id,
                r.measure_code,
                r.kind,
                r.unit,
                r.parent_id,
                r.baseline_period,
                frozenset(),
            )
        )
    return index


def _parse_field(ref: _Ref, entry: FieldInput) -> CellValue | str | None:
    """The value of one field, None when empty, or the German error."""
    if ref.kind == "milestone":
        if _blank(entry.status):
            if not _blank(entry.value):
                return f"{_where(ref, FIELD_STATUS)}: ein Meilenstein braucht einen Sachstand, keine Zahl."
            return None
        status = str(entry.status).strip()
        if status not in MILESTONE_STATES:
            words = ", ".join(MILESTONE_WORDS.values())
            return f"{_where(ref, FIELD_STATUS)}: „{status}“ ist kein Sachstand (erlaubt: {words})."
        return CellValue(status=status)
    if not _blank(entry.status):
        return f"{_where(ref, FIELD_STATUS)}: {ref.code} ist kein Meilenstein; bitte einen Wert eintragen."
    if _blank(entry.value):
        return None
    text = str(entry.value).strip()
    try:
        cell = parse_text_value(text)
    except ValueProblem as exc:
        return f"{_where(ref, FIELD_VALUE)}: „{text}“ – {exc}."
    if cell.status is not None:
        return f"{_where(ref, FIELD_VALUE)}: „{text}“ ist ein Sachstand; erwartet wird eine Zahl."
    if ref.unit == "%" and cell.value is not None and not 0 <= cell.value <= 100:
        return (
            f"{_where(ref, FIELD_VALUE)}: „{text}“ – eine Quote liegt zwischen 0 und 100 %; "
            "bitte in Prozentpunkten eintragen (z. B. 45,5)."
        )
    return cell


def _problem_text(problem: Problem, refs_by_code: Mapping[str, _Ref]) -> str:
    """An etl check's problem, said about the form: the staged cell is the indicator code."""
    ref = refs_by_code.get(problem.cell or "")
    # The importer names sheet and cell of the other value; in the form that is just the field.
    message = _SHEET_AND_CELL.sub("", problem.message)
    if ref is None:
        return message
    field_name = FIELD_STATUS if ref.kind == "milestone" else FIELD_VALUE
    found = f"„{problem.value}“ – " if problem.value else ""
    return f"{_where(ref, field_name)}: {found}{message}"


def _stored_quarter(
    session: Session, ids: Iterable[int], period: str
) -> dict[int, tuple[Decimal | None, str | None, str | None]]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    return {
        r.indikator_id: (None if r.value is None else Decimal(r.value), r.symbol, r.status)
        for r in session.execute(
            select(Messwert.indikator_id, Messwert.value, Messwert.symbol, Messwert.status).where(
                Messwert.indikator_id.in_(ids),
                Messwert.period == period,
                Messwert.ort_id.is_(None),
            )
        )
    }


def _new_judgements(
    data: PlanData, period: Period, cells: Mapping[int, CellValue]
) -> dict[int, Judgement]:
    """Each changed indicator judged as it will be after the save (the domain rules)."""
    result = {}
    for ind in data.indicators:
        cell = cells.get(ind.id)
        if cell is None:
            continue
        observations = [o for o in data.observations.get(ind.id, []) if o.period != period]
        observations.append(
            Observation(
                period,
                None if cell.value is None else float(cell.value),
                cell.symbol,
                cell.status,
                False,
            )
        )
        result[ind.id] = judge(
            ind.rule, observations, period, data.thresholds, data.baselines.get(ind.id)
        )
    return result


def _authorise(
    principal: Principal,
    submission: Submission,
    refs: Mapping[str, _Ref],
    measures: Mapping[str, tuple[int, str]],
) -> tuple[list[str], list[str]]:
    """Every measure the submission touches must be the principal's to change: (refusals,
    unknown codes). Checked before anything else, so a refused user learns nothing more."""
    touched: dict[str, str] = {}
    unknown = []
    for code in submission.fields:
        ref = refs.get(code)
        if ref is None:
            unknown.append(f"Indikator „{code}“ gibt es im Plan {submission.plan_key} nicht.")
        else:
            touched[ref.measure_code] = ref.oe
    for code in submission.overrides:
        found = measures.get(code)
        if found is None:
            unknown.append(f"Maßnahme „{code}“ gibt es im Plan {submission.plan_key} nicht.")
        else:
            touched[code] = found[1]
    refusals = []
    for code, oe in sorted(touched.items()):
        try:
            require_write(principal, code, oe)
        except AuthError as exc:
            refusals.append(str(exc))
    return refusals, unknown


def save_entry(
    engine: Engine,
    principal: Principal | None,
    submission: Submission,
    now: dt.datetime | None = None,
) -> SaveResult:
    """Check a form submission like an import, then write it in one transaction, audited."""
    result = SaveResult()
    if principal is None or principal.role == "leitung":
        result.refused = True
        result.errors.append(
            "Bitte zuerst anmelden."
            if principal is None
            else "Keine Berechtigung: die Rolle „leitung“ darf nur lesen."
        )
        return result
    try:
        period = Period.parse(submission.period)
    except PeriodError as exc:
        result.errors.append(f"Quartal: {exc}")
        return result
    with engine.connect() as conn:
        try:
            plan_year, refs, measures = _plan_refs(conn, submission.plan_key)
        except NotFound as exc:
            result.errors.append(str(exc))
            return result
        refusals, unknown = _authorise(principal, submission, refs, measures)
        if refusals or unknown:
            result.refused = bool(refusals)
            result.errors.extend(refusals or unknown)
            return result
    index = _form_index(submission.plan_key, plan_year, refs, submission.fields)
    data = _plan_data(engine, submission.plan_key, period)
    if period.kind != "quarter" or period.year != data.year:
        result.errors.append(
            f"Quartal: {period.label} ist kein Quartal des Planungsjahres {data.year}."
        )
        return result
    now = now or _utcnow()
    by_id = {r.id: r for r in refs.values()}
    staged: list[Staged] = []
    cells: dict[int, CellValue] = {}
    for code, entry in submission.fields.items():
        ref = refs[code]
        parsed = _parse_field(ref, entry)
        if isinstance(parsed, str):
            result.errors.append(parsed)
        elif parsed is not None:
            cells[ref.id] = parsed
            raw = entry.status if ref.kind == "milestone" else entry.value
            staged.append(
                Staged(code, period, None, parsed, ENTRY_SHEET, (code,), str(raw).strip())
            )
        if entry.comment is not None and len(entry.comment) > MAX_TEXT:
            result.errors.append(
                f"{_where(ref, FIELD_COMMENT)}: höchstens {MAX_TEXT} Zeichen "
                f"({len(entry.comment)} eingegeben)."
            )
    # The importer's own checks: kinds, negative numbers, periods, darunter ≤ parent.
    profile = profile_by_name("erfassungsvorlage")
    assert profile is not None
    checked = check(Extraction(profile, False, staged), index, ENTRY_SOURCE)
    result.errors.extend(_problem_text(p, refs) for p in checked.problems)
    rows = [
        r._replace(source_sheet=None, source_cell=None, file=ENTRY_SOURCE)
        for r in checked.rows
        if r.indikator_id in by_id
    ]
    with Session(engine) as session:
        stored = _stored_quarter(session, [*by_id], period.key)
    result.errors.extend(_darunter_against_stored(rows, by_id, stored, cells))
    changed = [r for r in rows if stored.get(r.indikator_id) != r.content]
    judged = _new_judgements(data, period, {r.indikator_id: cells[r.indikator_id] for r in changed})
    for row in changed:
        j = judged.get(row.indikator_id)
        entry = submission.fields[row.code]
        if j is not None and j.light == "red" and _blank(entry.comment):
            ref = by_id[row.indikator_id]
            result.errors.append(
                f"{_where(ref, FIELD_COMMENT)}: mit diesem Wert ist der Indikator rot "
                f"({j.explanation}). Bitte die Abweichung im Kommentar begründen."
            )
    override_changes = _check_overrides(submission, measures, result)
    if result.errors:
        return result
    comments = [
        CommentRow(
            refs[code].massnahme_id, refs[code].id, period.key, str(entry.comment).strip(), code
        )
        for code, entry in submission.fields.items()
        if not _blank(entry.comment)
    ]
    with transaction(engine) as session:
        _write(
            session,
            principal,
            period,
            changed,
            comments,
            override_changes,
            by_id,
            measures,
            now,
            result,
        )
    return result


def _plan_data(engine: Engine, plan_key: str, period: Period) -> PlanData:
    from db.status import load_plan_data

    # Fresh, not the dashboard's cache: the judgement must see what is stored right now.
    return load_plan_data(engine, plan_key, up_to=period)


def _darunter_against_stored(
    rows: Sequence[ValueRow],
    by_id: Mapping[int, _Ref],
    stored: Mapping[int, tuple[Decimal | None, str | None, str | None]],
    cells: Mapping[int, CellValue],
) -> list[str]:
    """A child entered in the form must not exceed its parent's stored value either."""
    errors = []
    for row in rows:
        ref = by_id[row.indikator_id]
        if ref.parent_id is None or row.value is None or ref.parent_id in cells:
            continue  # a parent entered in the same form was compared by the etl check
        parent_value = stored.get(ref.parent_id, (None, None, None))[0]
        if parent_value is not None and row.value > parent_value:
            parent = by_id.get(ref.parent_id)
            name = parent.code if parent else "übergeordneter Indikator"
            errors.append(
                f"{_where(ref, FIELD_VALUE)}: Darunter-Wert {fmt_value(float(row.value), ref.unit)} "
                f"ist größer als der gespeicherte Wert von {name} "
                f"({fmt_value(float(parent_value), ref.unit)})."
            )
    return errors


@dataclass(frozen=True)
class _OverrideChange:
    massnahme_id: int
    code: str
    light: str | None  # None: remove
    justification: str


def _check_overrides(
    submission: Submission, measures: Mapping[str, tuple[int, str]], result: SaveResult
) -> list[_OverrideChange]:
    out = []
    for code, o in submission.overrides.items():
        mid = measures[code][0]
        light = (o.light or "").strip()
        text = (o.justification or "").strip()
        where = f"Maßnahme {code}"
        if light and light not in LIGHTS:
            result.errors.append(f"{where}, Feld „{FIELD_LIGHT}“: „{light}“ ist keine Ampel.")
            continue
        if light and not text:
            result.errors.append(
                f"{where}, Feld „{FIELD_JUSTIFICATION}“: eine manuelle Ampel "
                f"({LIGHT_MEANINGS[light]}) braucht eine schriftliche Begründung."
            )
            continue
        if len(text) > MAX_TEXT:
            result.errors.append(
                f"{where}, Feld „{FIELD_JUSTIFICATION}“: höchstens {MAX_TEXT} Zeichen."
            )
            continue
        out.append(_OverrideChange(mid, code, light or None, text))
    return out


def _show_content(content: tuple[Decimal | None, str | None, str | None], unit: str) -> str:
    return show(CellValue(*content), unit)


def _write(
    session: Session,
    principal: Principal,
    period: Period,
    changed: list[ValueRow],
    comments: list[CommentRow],
    overrides: list[_OverrideChange],
    by_id: Mapping[int, _Ref],
    measures: Mapping[str, tuple[int, str]],
    now: dt.datetime,
    result: SaveResult,
) -> None:
    actor = principal.name[:80]
    fresh = new_comments(session, comments)
    latest = _latest_comments(session, [c.indikator_id for c in fresh], period.key)
    existing = {
        o.massnahme_id: o
        for o in session.scalars(
            select(StatusOverride).where(
                StatusOverride.massnahme_id.in_([o.massnahme_id for o in overrides]),
                StatusOverride.period == period.key,
            )
        )
    }
    overrides = [
        o
        for o in overrides
        if (
            (existing[o.massnahme_id].light, existing[o.massnahme_id].justification.strip())
            if o.massnahme_id in existing
            else None
        )
        != ((o.light, o.justification) if o.light else None)
    ]
    if not changed and not fresh and not overrides:
        return
    run = ImportRun(
        kind="erfassung",
        file_name=ENTRY_FILE_NAME,
        started_at=now,
        user_name=actor,
        status="ok",
    )
    session.add(run)
    session.flush()
    diff = diff_values(session, changed)
    olds = {row.key: old for row, old in diff.changed}
    written, unchanged = write_values(session, run, changed)
    for row in changed:
        ref = by_id[row.indikator_id]
        old = olds.get(row.key)
        old_text = None
        if old is not None:
            old_text = _show_content(old.content, ref.unit) + (" (Demodaten)" if old.demo else "")
        new_text = _show_content(row.content, ref.unit)
        audit(
            session,
            actor,
            "wert",
            "messwert",
            f"{ref.code} {period.key}",
            old_text,
            new_text,
            source=ENTRY_SOURCE,
            massnahme_id=ref.massnahme_id,
            run_id=run.id,
        )
        result.changes.append(f"{ref.code} {ref.name}: {old_text or 'kein Wert'} → {new_text}")
    for c in fresh:
        add_comment(session, c, actor, now, run.id)
        audit(
            session,
            actor,
            "kommentar",
            "kommentar",
            f"{c.code} {period.key}",
            latest.get(c.indikator_id),
            c.text,
            source=ENTRY_SOURCE,
            massnahme_id=c.massnahme_id,
            run_id=run.id,
        )
        result.changes.append(f"{c.code}: Kommentar gespeichert")
    for o in overrides:
        before = existing.get(o.massnahme_id)
        old_value = {"ampel": before.light, "begruendung": before.justification} if before else None
        if o.light is None:
            if before is None:
                continue
            session.delete(before)
            new_value = None
            result.changes.append(f"Maßnahme {o.code}: manuelle Ampel aufgehoben")
        else:
            if before is None:
                session.add(
                    StatusOverride(
                        massnahme_id=o.massnahme_id,
                        period=period.key,
                        light=o.light,
                        justification=o.justification,
                        set_by=actor,
                        set_at=now,
                        demo=False,
                    )
                )
            else:
                before.light, before.justification = o.light, o.justification
                before.set_by, before.set_at, before.demo = actor, now, False
            new_value = {"ampel": o.light, "begruendung": o.justification}
            result.changes.append(f"Maßnahme {o.code}: manuelle Ampel „{LIGHT_MEANINGS[o.light]}“")
        audit(
            session,
            actor,
            "ampel",
            "ampel",
            f"{o.code} {period.key}",
            old_value,
            new_value,
            source=ENTRY_SOURCE,
            massnahme_id=o.massnahme_id,
            run_id=run.id,
        )
        result.overrides += 1
    run.values_written, run.values_unchanged = written, unchanged
    run.finished_at = _utcnow()
    result.values, result.comments, result.run_id = written, len(fresh), run.id


def _latest_comments(session: Session, ids: Sequence[int], period: str) -> dict[int, str]:
    latest: dict[int, str] = {}
    if not ids:
        return latest
    for r in session.execute(
        select(Kommentar.indikator_id, Kommentar.text)
        .where(Kommentar.indikator_id.in_(ids), Kommentar.period == period)
        .order_by(Kommentar.created_at, Kommentar.id)
    ):
        latest[r.indikator_id] = r.text
    return latest


# -- uploads: whose indicators a file holds, and the audit of an import -------------------------


def indicator_owners_in_file(
    engine: Engine, path: Path, name: str, max_bytes: int
) -> dict[str, set[str]]:
    """Indicator code -> owning units, for every indicator a file names (unknown codes left out).

    A thin adapter over the importer's public steps (open, detect, extract): import_files does
    not report the codes of unchanged values, and a fachbereich may import none of another unit.
    """
    try:
        book = open_book(path, max_bytes, name)
        found = detect(load_profiles(), book)
        if isinstance(found, list):
            return {}
        profile, located = found
        if profile.kind == "catalogue":
            return {}
        with engine.connect() as conn:
            index = load_catalogue_index(conn)
            owner_of = {
                r.id: r.oe
                for r in conn.execute(
                    select(Massnahme.id, Organisationseinheit.code.label("oe")).join(
                        Organisationseinheit, Organisationseinheit.id == Massnahme.oe_id
                    )
                )
            }
        extraction = extract(book, profile, located, index.resolve_measure, True)
    except FileProblem:
        return {}  # the import itself reports what is wrong with the file
    owners: dict[str, set[str]] = {}
    codes = {s.code for s in extraction.values} | {c.code for c in extraction.comments}
    for code in codes:
        for ref in index.indicators.get(fold(code), []):
            owners.setdefault(ref.code, set()).add(owner_of[ref.massnahme_id])
    return owners


def foreign_indicators(
    owners: Mapping[str, set[str]], principal: Principal
) -> list[tuple[str, str]]:
    """(code, unit) of every indicator in a file that is not the principal's to change."""
    if principal.role in ("controlling", "admin"):
        return []
    return sorted(
        (code, ", ".join(sorted(units - principal.units)))
        for code, units in owners.items()
        if units - principal.units
    )


# Kinds of the audit trail: audit actions, and the import-run kinds of recorded values.
KIND_LABELS = {
    "datei": "Wert (Import)",
    "demo": "Wert (Demodaten)",
    "wert": "Wert (Erfassung)",
    "kommentar": "Kommentar",
    "ampel": "Manuelle Ampel",
    "import": "Import",
    "katalog": "Katalog",
    "benutzer_angelegt": "Benutzer angelegt",
    "benutzer_gesperrt": "Benutzer gesperrt",
    "passwort_geaendert": "Passwort geändert",
    "token_angelegt": "Token angelegt",
}
VALUE_KINDS = frozenset({"datei", "demo"})  # value history rows, not audit entries


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


@dataclass(frozen=True)
class TrailRow:
    """One change in the audit trail: an audit entry or a recorded value."""

    at: dt.datetime
    actor: str
    kind: str
    measure: str | None
    subject: str
    old: str | None
    new: str | None
    source: str | None


@dataclass(frozen=True)
class TrailChoices:
    measures: list[tuple[int, str]]  # (id, "2017 · REGE-4")
    users: list[str]
    kinds: list[str]


def trail_choices(engine: Engine) -> TrailChoices:
    with engine.connect() as conn:
        measures = [
            (r.id, f"{r.key} · {r.code}")
            for r in conn.execute(
                select(Massnahme.id, Massnahme.code, Plan.key)
                .join(Plan, Plan.id == Massnahme.plan_id)
                .order_by(Plan.year, Plan.key, Massnahme.position)
            )
        ]
        users = set(conn.scalars(select(AuditEntry.actor).distinct()))
        users |= {u for u in conn.scalars(select(Messwert.recorded_by).distinct()) if u}
        users |= {u for u in conn.scalars(select(MesswertVersion.recorded_by).distinct()) if u}
        kinds = set(conn.scalars(select(AuditEntry.action).distinct()))
        kinds |= {k for k in conn.scalars(select(ImportRun.kind).distinct()) if k != "erfassung"}
    return TrailChoices(measures, sorted(users), sorted(kinds, key=kind_label))


def _value_text(value: Any, symbol: str | None, status: str | None, unit: str) -> str:
    return show(CellValue(None if value is None else Decimal(value), symbol, status), unit)


def audit_trail(
    engine: Engine,
    massnahme_id: int | None = None,
    user: str | None = None,
    kind: str | None = None,
    limit: int = TRAIL_LIMIT,
) -> list[TrailRow]:
    """Audit entries and the history of every value, newest first, filtered, at most `limit`.

    Values entered in the form are left out of the value history: each has its own audit
    entry (with the form as source), and one change should be listed once.
    """
    rows: list[TrailRow] = []
    with engine.connect() as conn:
        if kind is None or kind not in VALUE_KINDS:
            stmt = (
                select(
                    AuditEntry.at,
                    AuditEntry.actor,
                    AuditEntry.action,
                    AuditEntry.entity_key,
                    AuditEntry.old,
                    AuditEntry.new,
                    AuditEntry.source,
                    Massnahme.code.label("mcode"),
                    Plan.key.label("plan_key"),
                )
                .outerjoin(Massnahme, Massnahme.id == AuditEntry.massnahme_id)
                .outerjoin(Plan, Plan.id == Massnahme.plan_id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit)
            )
            if massnahme_id is not None:
                stmt = stmt.where(AuditEntry.massnahme_id == massnahme_id)
            if user:
                stmt = stmt.where(AuditEntry.actor == user)
            if kind:
                stmt = stmt.where(AuditEntry.action == kind)
            for r in conn.execute(stmt):
                rows.append(
                    TrailRow(
                        r.at,
                        r.actor,
                        r.action,
                        f"{r.plan_key} · {r.mcode}" if r.mcode else None,
                        r.entity_key,
                        r.old,
                        r.new,
                        r.source,
                    )
                )
        if kind is None or kind in VALUE_KINDS:
            rows.extend(_value_history(conn, massnahme_id, user, kind, limit))
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit]


def _value_history(
    conn: Connection, massnahme_id: int | None, user: str | None, kind: str | None, limit: int
) -> list[TrailRow]:
    """Every recorded version of a value (current and replaced), each with its predecessor."""
    base = (
        select(
            Messwert.id.label("mid"),
            Indikator.code,
            Indikator.unit,
            Massnahme.code.label("mcode"),
            Plan.key.label("plan_key"),
            Messwert.period,
        )
        .join(Indikator, Indikator.id == Messwert.indikator_id)
        .join(Massnahme, Massnahme.id == Indikator.massnahme_id)
        .join(Plan, Plan.id == Massnahme.plan_id)
    )
    if massnahme_id is not None:
        base = base.where(Massnahme.id == massnahme_id)
    current_q = (
        base.add_columns(
            Messwert.value,
            Messwert.symbol,
            Messwert.status,
            Messwert.recorded_by,
            Messwert.recorded_at,
            ImportRun.kind.label("run_kind"),
            ImportRun.file_name,
        )
        .outerjoin(ImportRun, ImportRun.id == Messwert.import_run_id)
        .where(or_none(ImportRun.kind, "erfassung"))
        .order_by(Messwert.recorded_at.desc())
        .limit(limit)
    )
    version_q = (
        base.add_columns(
            MesswertVersion.value,
            MesswertVersion.symbol,
            MesswertVersion.status,
            MesswertVersion.recorded_by,
            MesswertVersion.recorded_at,
            ImportRun.kind.label("run_kind"),
            ImportRun.file_name,
        )
        .join(MesswertVersion, MesswertVersion.messwert_id == Messwert.id)
        .outerjoin(ImportRun, ImportRun.id == MesswertVersion.import_run_id)
        .where(or_none(ImportRun.kind, "erfassung"))
        .order_by(MesswertVersion.recorded_at.desc())
        .limit(limit)
    )
    if user:
        current_q = current_q.where(Messwert.recorded_by == user)
        version_q = version_q.where(MesswertVersion.recorded_by == user)
    if kind:
        current_q = current_q.where(ImportRun.kind == kind)
        version_q = version_q.where(ImportRun.kind == kind)
    elements = [*conn.execute(current_q), *conn.execute(version_q)]
    elements.sort(key=lambda r: r.recorded_at, reverse=True)
    elements = elements[:limit]
    # The predecessor of each element: the version recorded just before it.
    chains: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    ids = sorted({r.mid for r in elements})
    units = {r.mid: r.unit for r in elements}
    for start in range(0, len(ids), 500):
        for v in conn.execute(
            select(
                MesswertVersion.messwert_id,
                MesswertVersion.recorded_at,
                MesswertVersion.value,
                MesswertVersion.symbol,
                MesswertVersion.status,
            ).where(MesswertVersion.messwert_id.in_(ids[start : start + 500]))
        ):
            chains[v.messwert_id].append(
                (v.recorded_at, _value_text(v.value, v.symbol, v.status, units[v.messwert_id]))
            )
    out = []
    for r in elements:
        earlier = [c for c in chains.get(r.mid, []) if c[0] < r.recorded_at]
        old = max(earlier, key=lambda c: c[0])[1] if earlier else None
        out.append(
            TrailRow(
                r.recorded_at,
                r.recorded_by or "unbekannt",
                r.run_kind or "datei",
                f"{r.plan_key} · {r.mcode}",
                f"{r.code} {r.period}",
                old,
                _value_text(r.value, r.symbol, r.status, r.unit),
                r.file_name,
            )
        )
    return out


def or_none(column: Any, excluded: str) -> Any:
    """column IS NULL OR column != excluded (a plain != drops NULL rows in SQL)."""
    return column.is_(None) | (column != excluded)


# -- the measure page: its change log ------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    indicator: str
    period: str
    old: str
    recorded_by: str | None
    recorded_at: dt.datetime
    replaced_by: str | None
    replaced_at: dt.datetime
    source: str | None


def measure_versions(engine: Engine, massnahme_id: int) -> list[VersionRow]:
    """The replaced values of a measure's indicators, newest replacement first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Indikator.code,
                Indikator.unit,
                Messwert.period,
                MesswertVersion.value,
                MesswertVersion.symbol,
                MesswertVersion.status,
                MesswertVersion.recorded_by,
                MesswertVersion.recorded_at,
                MesswertVersion.replaced_by,
                MesswertVersion.replaced_at,
                ImportRun.file_name,
            )
            .join(Messwert, Messwert.id == MesswertVersion.messwert_id)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .outerjoin(ImportRun, ImportRun.id == MesswertVersion.import_run_id)
            .where(Indikator.massnahme_id == massnahme_id)
            .order_by(MesswertVersion.replaced_at.desc(), MesswertVersion.id.desc())
        ).all()
    return [
        VersionRow(
            r.code,
            r.period,
            _value_text(r.value, r.symbol, r.status, r.unit),
            r.recorded_by,
            r.recorded_at,
            r.replaced_by,
            r.replaced_at,
            r.file_name,
        )
        for r in rows
    ]


# -- completeness --------------------------------------------------------------------------------

MISSING_VALUE = "kein Wert"
MISSING_STATUS = "kein Sachstand"


@dataclass(frozen=True)
class MissingRow:
    oe: str
    oe_name: str
    measure: str
    measure_title: str
    indicator: str
    indicator_name: str
    what: str  # „kein Wert“, „nur Zeichen „*“ (…)“, „kein Sachstand“


@dataclass(frozen=True)
class UnitCount:
    oe: str
    oe_name: str
    steering: int
    missing: int

    @property
    def complete(self) -> int:
        return self.steering - self.missing


@dataclass(frozen=True)
class Completeness:
    period: Period
    rows: list[MissingRow]
    counts: list[UnitCount]


def completeness(data: PlanData, period: Period, oe: str | None = None) -> Completeness:
    """Per unit: the steering indicators without a value (or with only a symbol) in the
    quarter, and the milestones without a Sachstand (pure: plan data in, lists out)."""
    data.check_period(period)
    months = set(period.months())
    measures = {m.id: m for m in data.measures}
    rows: list[MissingRow] = []
    steering: dict[str, int] = defaultdict(int)
    missing: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for ind in data.indicators:
        m = measures[ind.measure_id]
        if not ind.rule.steering or (oe is not None and m.owner != oe):
            continue
        names[m.owner] = m.owner_name
        steering[m.owner] += 1
        observations = data.observations.get(ind.id, [])
        in_quarter = [o for o in observations if o.period == period or o.period in months]
        what: str | None = None
        if ind.rule.kind == "milestone":
            done = any(o.status == "erledigt" and o.period.end <= period.end for o in observations)
            if not done and not any(o.status for o in in_quarter):
                what = MISSING_STATUS
        elif not in_quarter:
            what = MISSING_VALUE
        elif all(o.value is None for o in in_quarter):
            symbol = next((o.symbol for o in in_quarter if o.symbol), None)
            what = (
                f"nur Zeichen „{symbol}“ ({SYMBOL_MEANINGS.get(symbol, 'kein Zahlenwert')})"
                if symbol
                else MISSING_VALUE
            )
        if what is None:
            continue
        missing[m.owner] += 1
        rows.append(MissingRow(m.owner, m.owner_name, m.code, m.title, ind.code, ind.name, what))
    order = {
        code: i
        for i, code in enumerate(
            sorted(steering, key=lambda c: (0 if c[:1].isdigit() else 1, c.lower()))
        )
    }
    counts = [UnitCount(code, names[code], steering[code], missing[code]) for code in order]
    rows.sort(key=lambda r: order[r.oe])  # stable: plan order inside each unit
    return Completeness(period, rows, counts)


# -- helpers for tests and the pages -------------------------------------------------------------


def measure_id(engine: Engine, plan_key: str, code: str) -> int | None:
    with engine.connect() as conn:
        return conn.scalar(
            select(Massnahme.id)
            .join(Plan, Plan.id == Massnahme.plan_id)
            .where(and_(Plan.key == plan_key, Massnahme.code == code))
        )
