"""Use case: submit an entry form, checked like an import and written in one transaction.

Over 600 lines on purpose: the form's checks, the conflict check under the writers' lock and
the audited write are one use case, and every step needs the same references.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.engine import WriterBusy
from db.entry_form import StoredCell, stored_quarter
from db.indicators import indicators_with_measure
from db.models import (
    Indikator,
    Kommentar,
    Massnahme,
    Organisationseinheit,
    Plan,
    StatusOverride,
    utcnow,
)
from db.plan_data import NotFound, PlanData
from db.quarters import QuarterLocked, refuse_locked
from db.value_writes import (
    add_comment,
    apply_values,
    diff_values,
    finish_run,
    new_comments,
    start_run,
    writing,
)
from etl.extract import Extraction, Problem, Staged
from etl.profile import profile_by_name
from etl.validate import CatalogueIndex, CommentRow, IndicatorRef, ValueRow, check, show
from zielcockpit.domain.access import AuthError, Principal, require_write
from zielcockpit.domain.formatting import fmt_datetime, fmt_value
from zielcockpit.domain.german import CellValue, ValueProblem, parse_text_value
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.rules import Judgement, Observation, judge
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHTS, MILESTONE_STATES, MILESTONE_WORDS

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


# -- a submission, checked and saved -------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What the form showed for one indicator: the stored version (0: none), input and state."""

    version: int
    value: str | None
    status: str | None


@dataclass(frozen=True)
class FieldInput:
    """What the form sent for one indicator (None: the field was not in the form)."""

    code: str
    value: str | None = None
    status: str | None = None
    comment: str | None = None
    seen: Seen | None = None  # None: based on what is stored when the save begins


@dataclass(frozen=True)
class OverrideInput:
    measure_code: str
    light: str | None  # None or "": no manual light
    justification: str | None
    seen: tuple[str | None, str] | None = None  # the manual light and text the form showed


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
    conflict: bool = False  # someone else changed a value meanwhile; nothing was written
    versions: dict[str, int] = field(default_factory=dict)  # indicator code -> stored version

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
            indicators_with_measure(
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
            ).where(Indikator.plan_id == plan_id)
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

    zielcockpit.services.imports.load_catalogue_index fetches every indicator of every plan, right for a file that
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


def _untouched(entry: FieldInput, ref: _Ref) -> bool:
    """The user left the field as the form showed it: nothing of theirs to write there."""
    if entry.seen is None:
        return False
    if ref.kind == "milestone":
        return (entry.status or None) == (entry.seen.status or None)
    return (entry.value or "").strip() == (entry.seen.value or "").strip()


class _Conflict(Exception):
    """Someone else was faster: the transaction is rolled back, the messages say who and what."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


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
    found = _references(engine, principal, submission, result)
    if principal is None or found is None:
        return result
    period, plan_year, refs, measures = found
    index = _form_index(submission.plan_key, plan_year, refs, submission.fields)
    data = _plan_data(engine, submission.plan_key, period)
    if period.kind != "quarter" or period.year != data.year:
        result.errors.append(
            f"Quartal: {period.label} ist kein Quartal des Planungsjahres {data.year}."
        )
        return result
    now = now or utcnow()
    by_id = {r.id: r for r in refs.values()}
    staged, cells = _stage_fields(submission, refs, period, result)
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
    changed, basis = _changes(engine, submission, period, rows, by_id, cells, result)
    _red_needs_comment(data, period, changed, cells, submission, by_id, result)
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
    _save(
        engine,
        principal,
        submission,
        period,
        changed,
        basis,
        comments,
        override_changes,
        by_id,
        measures,
        now,
        result,
    )
    return result


def _references(
    engine: Engine, principal: Principal | None, submission: Submission, result: SaveResult
) -> tuple[Period, int, dict[str, _Ref], dict[str, tuple[int, str]]] | None:
    """The quarter, plan year, indicators and measures of the submission, once the principal
    may change everything it touches; None with the reason in `result` otherwise."""
    if principal is None or principal.role == "leitung":
        result.refused = True
        result.errors.append(
            "Bitte zuerst anmelden."
            if principal is None
            else "Keine Berechtigung: die Rolle „leitung“ darf nur lesen."
        )
        return None
    try:
        period = Period.parse(submission.period)
    except PeriodError as exc:
        result.errors.append(f"Quartal: {exc}")
        return None
    with engine.connect() as conn:
        try:
            plan_year, refs, measures = _plan_refs(conn, submission.plan_key)
        except NotFound as exc:
            result.errors.append(str(exc))
            return None
        refusals, unknown = _authorise(principal, submission, refs, measures)
        if refusals or unknown:
            result.refused = bool(refusals)
            result.errors.extend(refusals or unknown)
            return None
    return period, plan_year, refs, measures


def _changes(
    engine: Engine,
    submission: Submission,
    period: Period,
    rows: list[ValueRow],
    by_id: Mapping[int, _Ref],
    cells: Mapping[int, CellValue],
    result: SaveResult,
) -> tuple[list[ValueRow], dict[int, int]]:
    """The rows that differ from what is stored, each with the version it builds on; a child
    above its parent's stored value goes to `result`."""
    with Session(engine) as session:
        stored = stored_quarter(session, [*by_id], period.key)
    contents = {i: cell.content for i, cell in stored.items()}
    result.errors.extend(_darunter_against_stored(rows, by_id, contents, cells))
    changed = [r for r in rows if contents.get(r.indikator_id) != r.content]
    basis = {
        r.indikator_id: _basis(submission.fields[r.code], stored.get(r.indikator_id))
        for r in changed
    }
    return changed, basis


def _stage_fields(
    submission: Submission, refs: Mapping[str, _Ref], period: Period, result: SaveResult
) -> tuple[list[Staged], dict[int, CellValue]]:
    """The fields the user changed, parsed as the importer stages cells; problems to result."""
    staged: list[Staged] = []
    cells: dict[int, CellValue] = {}
    for code, entry in submission.fields.items():
        ref = refs[code]
        if entry.comment is not None and len(entry.comment) > MAX_TEXT:
            result.errors.append(
                f"{_where(ref, FIELD_COMMENT)}: höchstens {MAX_TEXT} Zeichen "
                f"({len(entry.comment)} eingegeben)."
            )
        if _untouched(entry, ref):
            continue  # a value changed meanwhile by someone else stays as they left it
        parsed = _parse_field(ref, entry)
        if isinstance(parsed, str):
            result.errors.append(parsed)
        elif parsed is not None:
            cells[ref.id] = parsed
            raw = entry.status if ref.kind == "milestone" else entry.value
            staged.append(
                Staged(code, period, None, parsed, ENTRY_SHEET, (code,), str(raw).strip())
            )
    return staged, cells


def _basis(entry: FieldInput, stored: StoredCell | None) -> int:
    """The version a change builds on: what the form showed, else what was read at the start."""
    if entry.seen is not None:
        return entry.seen.version
    return stored.version if stored is not None else 0


def _red_needs_comment(
    data: PlanData,
    period: Period,
    changed: list[ValueRow],
    cells: Mapping[int, CellValue],
    submission: Submission,
    by_id: Mapping[int, _Ref],
    result: SaveResult,
) -> None:
    """A value that turns its indicator red is explained in a comment."""
    judged = _new_judgements(data, period, {r.indikator_id: cells[r.indikator_id] for r in changed})
    for row in changed:
        j = judged.get(row.indikator_id)
        if j is not None and j.light == "red" and _blank(submission.fields[row.code].comment):
            ref = by_id[row.indikator_id]
            result.errors.append(
                f"{_where(ref, FIELD_COMMENT)}: mit diesem Wert ist der Indikator rot "
                f"({j.explanation}). Bitte die Abweichung im Kommentar begründen."
            )


def _save(
    engine: Engine,
    principal: Principal,
    submission: Submission,
    period: Period,
    changed: list[ValueRow],
    basis: Mapping[int, int],
    comments: list[CommentRow],
    override_changes: list[_OverrideChange],
    by_id: Mapping[int, _Ref],
    measures: Mapping[str, tuple[int, str]],
    now: dt.datetime,
    result: SaveResult,
) -> None:
    """One transaction under the writers' lock; a conflict or a busy writer writes nothing."""
    try:
        with writing(engine) as session:
            # Writers take turns; inside, the values are compared with what the user saw.
            changed = _still_based(session, changed, basis, by_id, period)
            _check_override_basis(session, override_changes, submission)
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
    except (_Conflict, QuarterLocked, WriterBusy) as exc:
        # rolled back: nothing of this save is kept, and the answer says so
        result.conflict = isinstance(exc, _Conflict)
        result.refused = isinstance(exc, QuarterLocked)
        result.errors.extend(getattr(exc, "messages", None) or [str(exc)])
        result.values = result.comments = result.overrides = 0
        result.changes.clear()
        result.versions.clear()
        result.run_id = None


def _still_based(
    session: Session,
    changed: list[ValueRow],
    basis: Mapping[int, int],
    by_id: Mapping[int, _Ref],
    period: Period,
) -> list[ValueRow]:
    """The changed rows whose stored value is still the one the user saw (under the lock).

    A value someone else stored meanwhile is a conflict, unless it is the same value.
    """
    current = stored_quarter(session, [r.indikator_id for r in changed], period.key)
    kept, conflicts = [], []
    for row in changed:
        now = current.get(row.indikator_id)
        if (now.version if now is not None else 0) == basis[row.indikator_id]:
            kept.append(row)
        elif now is not None and now.content == row.content:
            continue  # someone else stored the very same value: nothing to do
        else:
            ref = by_id[row.indikator_id]
            if now is None:
                other = "inzwischen gelöscht"
            else:
                when = fmt_datetime(now.recorded_at) if now.recorded_at else "unbekannt"
                other = (
                    f"inzwischen von {now.recorded_by or 'unbekannt'} am {when} auf "
                    f"„{_show_content(now.content, ref.unit)}“ geändert"
                )
            conflicts.append(
                f"{ref.code} {ref.name}: Der Wert wurde {other}. Ihr Wert "
                f"„{_show_content(row.content, ref.unit)}“ wurde nicht gespeichert. Bitte die "
                "Seite neu laden, prüfen und erneut speichern."
            )
    if conflicts:
        raise _Conflict(conflicts)
    return kept


def _check_override_basis(
    session: Session, overrides: list[_OverrideChange], submission: Submission
) -> None:
    """A manual light changed by someone else since the form was shown is not overwritten."""
    if not overrides:
        return
    existing = {
        o.massnahme_id: o
        for o in session.scalars(
            select(StatusOverride).where(
                StatusOverride.massnahme_id.in_([o.massnahme_id for o in overrides]),
                StatusOverride.period == submission.period,
            )
        )
    }
    conflicts = []
    for o in overrides:
        seen = submission.overrides[o.code].seen
        if seen is None:
            continue
        before = existing.get(o.massnahme_id)
        now = (before.light, before.justification.strip()) if before else (None, "")
        wanted = (o.light, o.justification) if o.light else (None, "")
        if now != ((seen[0] or None), (seen[1] or "").strip()) and now != wanted:
            by = f" von {before.set_by}" if before and before.set_by else ""
            conflicts.append(
                f"Maßnahme {o.code}: Die manuelle Ampel wurde inzwischen{by} geändert; Ihre "
                "Änderung wurde nicht gespeichert. Bitte die Seite neu laden und erneut speichern."
            )
    if conflicts:
        raise _Conflict(conflicts)


def _plan_data(engine: Engine, plan_key: str, period: Period) -> PlanData:
    from db.plan_data import load_plan_data

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
    existing, overrides = _changed_overrides(session, overrides, period)
    if not changed and not fresh and not overrides:
        return
    # A released quarter stays as released: the whole save is refused (the caller rolls back).
    refuse_locked(
        session,
        [(r.indikator_id, r.period) for r in changed] + [(c.indikator_id, c.period) for c in fresh],
        [(o.massnahme_id, period.key) for o in overrides],
    )
    run = start_run(session, "erfassung", ENTRY_FILE_NAME, actor, now)
    written, unchanged = _write_values(session, run.id, actor, period, changed, by_id, now, result)
    _write_comments(session, run.id, actor, period, fresh, now, result)
    for o in overrides:
        _write_override(
            session, run.id, actor, period, o, existing.get(o.massnahme_id), now, result
        )
    finish_run(run, written, unchanged)
    result.values, result.comments, result.run_id = written, len(fresh), run.id


def _changed_overrides(
    session: Session, overrides: list[_OverrideChange], period: Period
) -> tuple[dict[int, StatusOverride], list[_OverrideChange]]:
    """The stored manual lights of these measures, and the overrides that change them."""
    existing = {
        o.massnahme_id: o
        for o in session.scalars(
            select(StatusOverride).where(
                StatusOverride.massnahme_id.in_([o.massnahme_id for o in overrides]),
                StatusOverride.period == period.key,
            )
        )
    }
    changing = [
        o
        for o in overrides
        if (
            (existing[o.massnahme_id].light, existing[o.massnahme_id].justification.strip())
            if o.massnahme_id in existing
            else None
        )
        != ((o.light, o.justification) if o.light else None)
    ]
    return existing, changing


def _write_values(
    session: Session,
    run_id: int,
    actor: str,
    period: Period,
    changed: list[ValueRow],
    by_id: Mapping[int, _Ref],
    now: dt.datetime,
    result: SaveResult,
) -> tuple[int, int]:
    """Store the changed values (db.value_writes), each audited: (written, unchanged)."""
    diff = diff_values(session, changed)
    olds = {row.key: old for row, old in diff.changed}
    written, unchanged = apply_values(session, run_id, actor, diff, now), len(diff.unchanged)
    result.versions.update({row.code: 1 for row in diff.new})
    result.versions.update({row.code: old.version + 1 for row, old in diff.changed})
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
            run_id=run_id,
        )
        result.changes.append(f"{ref.code} {ref.name}: {old_text or 'kein Wert'} → {new_text}")
    return written, unchanged


def _write_comments(
    session: Session,
    run_id: int,
    actor: str,
    period: Period,
    fresh: list[CommentRow],
    now: dt.datetime,
    result: SaveResult,
) -> None:
    """Store the new comments, each audited with the comment it follows."""
    latest = _latest_comments(session, [c.indikator_id for c in fresh], period.key)
    for c in fresh:
        add_comment(session, c, actor, now, run_id)
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
            run_id=run_id,
        )
        result.changes.append(f"{c.code}: Kommentar gespeichert")


def _write_override(
    session: Session,
    run_id: int,
    actor: str,
    period: Period,
    o: _OverrideChange,
    before: StatusOverride | None,
    now: dt.datetime,
    result: SaveResult,
) -> None:
    """Set, change or lift one manual light, audited."""
    old_value = {"ampel": before.light, "begruendung": before.justification} if before else None
    if o.light is None:
        if before is None:
            return
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
        run_id=run_id,
    )
    result.overrides += 1


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
