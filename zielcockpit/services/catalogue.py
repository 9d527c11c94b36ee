"""Use cases: load a catalogue file (`load-catalogue`), the catalogue as a workbook (export,
import with its changes) and `plan copy`.

One validator, two readers: a YAML file (`etl.catalogue_file`) and a workbook are read into the
catalogue's own shape and judged by `zielcockpit.domain.catalogue_checks`, and written by the same writer (one
transaction, every change in the audit trail, a released quarter keeps its rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from db.catalogue import LoadResult, write_catalogue, write_checked
from db.catalogue_export import catalogue_data
from db.contacts import list_contacts, write_contacts
from db.engine import transaction
from db.places_catalogue import write_places
from etl.bounded import LimitExceeded, ReadLimits, run_bounded
from etl.catalogue_file import read_catalogue_file
from etl.reading import ZIP_MAGIC, FileProblem, check_zip
from zielcockpit.domain.catalogue_checks import (
    CELLS,
    LINE,
    CatalogueError,
    check_catalogue,
    check_places_catalogue,
)
from zielcockpit.domain.formatting import fmt_date, fmt_number
from zielcockpit.domain.reminders import email_problem
from zielcockpit.services.catalogue_workbook import (
    CONTACTS,
    INDICATOR_COLUMNS,
    INDICATORS,
    LABELS,
    MEASURE_COLUMNS,
    MEASURES,
    WorkbookCatalogue,
    catalogue_workbook,
)
from zielcockpit.settings import Settings

UNCHANGED = "unverändert"


def load_catalogue(engine: Engine, path: Path, actor: str = "katalog") -> LoadResult:
    """Read the file, check all of it, then write it in one transaction (nothing half-written).

    A plan catalogue or a places catalogue (no plan, context indicators: issue 15). Every changed
    entry is kept in the audit trail, under one import run of kind "katalog" (which also tells
    caches that the catalogue changed); an unchanged file leaves no trace at all.
    """
    file = read_catalogue_file(path)
    if file.places:
        problems = check_places_catalogue(file.data, file.name)
        if problems:
            raise CatalogueError(problems)
        count = write_places(engine, file.data, file.name, file.content, actor)
        return LoadResult("", 0, count, summary=f"{count} Kontextindikatoren und Orte")
    return load_catalogue_data(engine, file.data, file.name, file.content, actor)


def check_catalogue_file(path: Path) -> list[str]:
    """Every problem of a catalogue file, nothing written (a dry run)."""
    file = read_catalogue_file(path)
    if file.places:
        return check_places_catalogue(file.data, file.name)
    return check_catalogue(file.data, file.name)


def load_catalogue_data(
    engine: Engine,
    data: dict[str, Any],
    source: str,
    content: bytes,
    actor: str = "katalog",
    labels: dict[str, str] | None = None,
) -> LoadResult:
    """A catalogue already read (YAML file, workbook): checked whole, written in one transaction."""
    problems = check_catalogue(data, source, labels)
    if problems:
        raise CatalogueError(problems)
    return write_catalogue(engine, data, source, content, actor)


def export_workbook(engine: Engine, plan_key: str) -> bytes:
    """The whole catalogue of a plan as a workbook, with the contacts of its units."""
    data = catalogue_data(engine, plan_key)
    return catalogue_workbook(data, _plan_contacts(engine, data))


def _plan_contacts(engine: Engine, data: dict[str, Any]) -> list[dict[str, str]]:
    oes = {str(o["code"]) for o in data.get("organisationseinheiten") or []}
    return [
        {"oe": c.oe, "massnahme": c.measure, "name": c.name, "email": c.email}
        for c in list_contacts(engine)
        if c.oe in oes
    ]


@dataclass(frozen=True)
class CatalogueChange:
    sheet: str
    code: str
    field: str  # the column header; "" for a whole row added or dropped
    old: str
    new: str

    def line(self) -> str:
        if not self.field:
            return f"{self.sheet} {self.code}: {self.old or '–'} → {self.new or '–'}"
        return f"{self.code} {self.field}: {self.old} → {self.new}"


@dataclass
class ImportOutcome:
    plan_key: str
    changes: list[CatalogueChange] = field(default_factory=list)
    written: bool = False
    result: LoadResult | None = None

    @property
    def unchanged(self) -> bool:
        return not self.changes


def import_workbook(
    engine: Engine,
    content: bytes,
    file_name: str,
    plan_key: str | None = None,
    *,
    apply: bool = False,
    actor: str = "katalog",
) -> ImportOutcome:
    """Read and check a catalogue workbook, list its changes, and with `apply` write them.

    Any problem: `CatalogueError` with every problem (sheet and cell), nothing written.
    """
    # Each read is a child process (about a second): with the plan given, the workbook is read
    # once, with that plan's fields; without, a first read finds the plan it names.
    key = plan_key or _peek_plan(content, file_name)
    if not key:
        raise CatalogueError(
            [f"{file_name}: kein Plan angegeben (--plan) und keiner im Blatt „Hinweise“."]
        )
    current = catalogue_data(engine, key)
    fields = {hf["titel"]: hf["key"] for hf in current["handlungsfelder"]}
    oes = {str(o["code"]) for o in current["organisationseinheiten"]}
    read = _read_bounded(content, file_name, fields, oes)
    if read.problems and not read.measures:
        raise CatalogueError(read.problems)  # no catalogue workbook at all
    if read.plan_key and read.plan_key != key:
        raise CatalogueError(
            [f"{file_name}: die Mappe gehört zu Plan {read.plan_key}, nicht zu Plan {key}."]
        )
    stored = {i["code"]: i for m in current["massnahmen"] for i in m["indikatoren"]}
    for m in read.measures:
        for ind in m["indikatoren"]:
            _defaults(ind)
            # The source of the values (its delivery lag) is kept in the catalogue file and the
            # `calendar` command, not in the workbook: an indicator keeps its own.
            ind.setdefault("quelle", (stored.get(ind.get("code")) or {}).get("quelle"))
    new = dict(current, massnahmen=read.measures)
    reported = {p.split(": ", 1)[0] for p in read.problems}
    problems = read.problems + [
        p for p in check_catalogue(new, file_name, LABELS) if p.split(": ", 1)[0] not in reported
    ]
    if problems:
        raise CatalogueError(problems)
    contacts = _contact_plan(engine, current, read, file_name)
    changes = catalogue_changes(current["massnahmen"], read.measures)
    outcome = ImportOutcome(key, changes + contacts.changes)
    if outcome.changes and apply:
        if changes:
            _keep_equal(current["massnahmen"], read.measures)
            _confirm_changed(current["massnahmen"], read.measures)
        with transaction(engine) as session:  # catalogue and contacts: both or neither
            if changes:
                outcome.result = write_checked(session, new, file_name, content, actor)
            if contacts.changes:
                write_contacts(
                    session, contacts.added, contacts.removed, contacts.renamed, actor=actor,
                    source=file_name,
                )  # fmt: skip
        outcome.written = True
    return outcome


@dataclass
class _ContactPlan:
    added: list[dict[str, str]] = field(default_factory=list)
    removed: list[dict[str, str]] = field(default_factory=list)
    renamed: list[dict[str, str]] = field(default_factory=list)
    changes: list[CatalogueChange] = field(default_factory=list)


def _contact_key(c: dict[str, str]) -> str:
    return f"{c['oe']}{' ' + c['massnahme'] if c['massnahme'] else ''} {c['email']}"


def _contact_plan(
    engine: Engine, current: dict[str, Any], read: Any, file_name: str
) -> _ContactPlan:
    """What the sheet „Kontakte“ changes (every problem with its cell: CatalogueError)."""
    plan = _ContactPlan()
    if read.contacts is None:
        return plan  # an older workbook: the contacts stay as they are
    owners = {str(m.get("code")): str(m.get("oe")) for m in read.measures}
    problems = []
    wanted: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in read.contacts:
        c = {k: str(row.get(k) or "").strip() for k in ("oe", "massnahme", "name", "email")}
        where = f"{file_name}, Blatt „{CONTACTS}“"
        problem = email_problem(c["email"])
        if problem:
            problems.append(f"{where}, Zelle {row[CELLS]['email']}: {problem}")
        if c["massnahme"] and owners.get(c["massnahme"]) != c["oe"]:
            problems.append(
                f"{where}, Zelle {row[CELLS]['massnahme']}: Maßnahme „{c['massnahme']}“ gehört "
                f"nicht zur OE {c['oe']}."
            )
        key = (c["oe"], c["massnahme"], c["email"])
        if key in wanted:
            problems.append(f"{where}, Zeile {row[LINE]}: {c['email']} steht doppelt da.")
        wanted[key] = c
    if problems:
        raise CatalogueError(problems)
    stored = {(c["oe"], c["massnahme"], c["email"]): c for c in _plan_contacts(engine, current)}
    for key, c in wanted.items():
        if key not in stored:
            plan.added.append(c)
            plan.changes.append(
                CatalogueChange(
                    CONTACTS, _contact_key(c), "", "", f"neu: {c['name'] or c['email']}"
                )
            )
        elif stored[key]["name"] != c["name"]:
            plan.renamed.append(c)
            plan.changes.append(
                CatalogueChange(
                    CONTACTS, _contact_key(c), "Name", stored[key]["name"] or "–", c["name"] or "–"
                )
            )
    for key, c in stored.items():
        if key not in wanted:
            plan.removed.append(c)
            plan.changes.append(
                CatalogueChange(CONTACTS, _contact_key(c), "", "vorhanden", "entfällt")
            )
    return plan


def _read_bounded(
    content: bytes, file_name: str, fields: dict[str, str], oes: set[str]
) -> WorkbookCatalogue:
    """The workbook read like every import file: its zip parts checked for size and ratio, then
    read in a child process under the memory and time limits (etl/bounded.py)."""
    settings = Settings.resolve()
    limits = ReadLimits.of(settings)
    try:
        if content.startswith(ZIP_MAGIC):
            check_zip(content, settings.max_upload_mb * 1024 * 1024, limits.zip_ratio)
        found = run_bounded(
            "zielcockpit.services.catalogue_workbook:read_catalogue_workbook",
            content,
            (file_name, fields, oes),
            limits,
        )
    except (FileProblem, LimitExceeded) as exc:
        raise CatalogueError([f"{file_name}: {exc}"]) from exc
    assert isinstance(found, WorkbookCatalogue)
    return found


def _peek_plan(content: bytes, file_name: str) -> str | None:
    """The plan named in the workbook; a file that is no catalogue workbook is refused here."""
    found = _read_bounded(content, file_name, {}, set())
    if found.problems and not found.measures:
        raise CatalogueError(found.problems)
    return found.plan_key


def _defaults(ind: dict[str, Any]) -> None:
    """Empty cells mean what an absent key means in the YAML file."""
    if ind.get("unit") is None:
        ind["unit"] = ""
    if ind.get("steering") is None:
        ind["steering"] = True
    for key in ("strict", "zu_pruefen"):
        if ind.get(key) is None:
            ind[key] = False


def _keep_equal(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Where a cell means the same as the stored value (an empty text, 4 for 4.0), keep the
    stored value, so only real changes are written and audited."""
    before_m = {m["code"]: m for m in old}
    before_i = {i["code"]: i for m in old for i in m["indikatoren"]}
    for m in new:
        _take_equal(before_m.get(m["code"]), m)
        for ind in m["indikatoren"]:
            _take_equal(before_i.get(ind["code"]), ind)


def _take_equal(old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if old is None:
        return
    for key, value in old.items():
        if key != "indikatoren" and key in new and _norm(new[key]) == _norm(value):
            new[key] = value


def _confirm_changed(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """A target or date changed in the workbook confirms it: no longer „zu prüfen“."""
    before = {i["code"]: i for m in old for i in m["indikatoren"]}
    for m in new:
        for ind in m["indikatoren"]:
            was = before.get(ind["code"])
            if was and any(_norm(was.get(k)) != _norm(ind.get(k)) for k in CONFIRMING):
                ind["zu_pruefen"] = False


CONFIRMING = ("target", "target_per_place", "due", "start", "profil")


# -- comparing --------------------------------------------------------------------------------------


def _norm(value: Any) -> Any:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, list | tuple):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(
            sorted((str(k), _norm(v)) for k, v in value.items() if not str(k).startswith("__"))
        )
    return value


def _show(value: Any, words: dict[Any, str] | None = None) -> str:
    if words and value in words:
        return words[value]
    if value is None or value == "" or value == [] or value == {}:
        return "(leer)"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, int | float | Decimal):
        return fmt_number(float(value))
    if isinstance(value, dt.date):
        return fmt_date(value)
    if isinstance(value, list | tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items() if not str(k).startswith("__"))
    text = str(value).replace("\n", " ")
    return f"„{text[:60]}…“" if len(text) > 60 else f"„{text}“"


_WORDS = {c.key: c.choices for c in INDICATOR_COLUMNS if c.choices and c.kind == "choice"}
_MEASURE_FIELDS = [(c.key, c.header) for c in MEASURE_COLUMNS if c.key != "code"]
_INDICATOR_FIELDS = [
    (c.key, c.header) for c in INDICATOR_COLUMNS if c.key not in ("code", "Q1", "Q2", "Q3", "Q4")
] + [("profil", "Profil"), ("position", "Reihenfolge")]


def catalogue_changes(
    old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> list[CatalogueChange]:
    """Every difference between two lists of measures, per code and field (old → new)."""
    changes: list[CatalogueChange] = []
    before = {m["code"]: m for m in old}
    old_ind = _indicators(old)
    new_ind = _indicators(new)
    for m in new:
        was = before.get(m["code"])
        if was is None:
            changes.append(CatalogueChange(MEASURES, m["code"], "", "", f"neu: {m.get('titel')}"))
            continue
        changes += _field_changes(MEASURES, m["code"], was, m, _MEASURE_FIELDS)
    for code in before.keys() - {m["code"] for m in new}:
        changes.append(CatalogueChange(MEASURES, code, "", "vorhanden", "entfällt"))
    for code, ind in new_ind.items():
        if code not in old_ind:
            changes.append(CatalogueChange(INDICATORS, code, "", "", f"neu: {ind.get('name')}"))
            continue
        changes += _field_changes(INDICATORS, code, old_ind[code], ind, _INDICATOR_FIELDS)
    for code in old_ind.keys() - new_ind.keys():
        changes.append(CatalogueChange(INDICATORS, code, "", "vorhanden", "entfällt"))
    return changes


def _indicators(measures: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        str(ind["code"]): dict(ind, massnahme=m["code"], position=pos)
        for m in measures
        for pos, ind in enumerate(m.get("indikatoren") or [], start=1)
    }


def _field_changes(
    sheet: str, code: str, old: dict[str, Any], new: dict[str, Any], fields: list[tuple[str, str]]
) -> list[CatalogueChange]:
    return [
        CatalogueChange(
            sheet,
            code,
            label,
            _show(old.get(key), _WORDS.get(key)),
            _show(new.get(key), _WORDS.get(key)),
        )
        for key, label in fields
        if _norm(old.get(key)) != _norm(new.get(key))
    ]


# -- next year's plan -------------------------------------------------------------------------------


def copy_plan(
    engine: Engine, source_key: str, target_key: str, actor: str = "katalog"
) -> LoadResult:
    """A new plan from an existing one: measures, indicators and texts copied, dates moved by
    the difference of the years, every indicator with a target or a date „zu prüfen“."""
    from db.plan_data import plan_keys

    if target_key in plan_keys(engine):
        raise CatalogueError(
            [f"Plan „{target_key}“ gibt es schon; „plan copy“ legt nur einen neuen Plan an."]
        )
    data = catalogue_data(engine, source_key)
    plan = data["plan"]
    year = int(target_key) if target_key.isdigit() else int(plan["jahr"]) + 1
    shift = year - int(plan["jahr"])
    old_year, new_year = str(plan["jahr"]), str(year)
    data["plan"] = dict(
        plan, key=target_key, jahr=year, titel=str(plan["titel"]).replace(old_year, new_year)
    )
    for m in data["massnahmen"]:
        for ind in m["indikatoren"]:
            for key in ("due", "start"):
                ind[key] = _moved(ind.get(key), shift)
            if ind.get("baseline_period"):
                period = str(ind["baseline_period"])
                head = period[:4]
                if head.isdigit():
                    ind["baseline_period"] = str(int(head) + shift) + period[4:]
            if any(ind.get(k) is not None for k in ("target", "target_per_place", "due", "start")):
                ind["zu_pruefen"] = True
    source = f"plan copy {source_key} → {target_key}"
    return load_catalogue_data(engine, data, source, source.encode(), actor)


def _moved(day: dt.date | None, years: int) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
