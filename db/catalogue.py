"""Read a plan catalogue (YAML), check all of it, and write it in one transaction.

The catalogue is the hand-maintained truth about a plan: its chapters, units, guiding
principles, places, measures and indicators. Loading is an upsert by code, so loading the
same file twice leaves the database as it was, and stored values stay linked.

Over 600 lines on purpose: checking a catalogue and writing it are one unit (every check names
the entry the write would touch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, delete, event, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from db.deadlines import lag_row
from db.engine import transaction
from db.models import (
    AGGREGATIONS,
    DIRECTIONS,
    INDICATOR_KINDS,
    PLACE_KINDS,
    Handlungsfeld,
    ImportRun,
    Indikator,
    Kategorie,
    Leitsatz,
    Liefertermin,
    Massnahme,
    Messwert,
    Organisationseinheit,
    Ort,
    Plan,
    Schwerpunktthema,
    Untergruppe,
    Zielprofil,
    indikator_ort,
)
from zielcockpit.domain.german import (
    DATE_EXAMPLES,
    NUMBER_EXAMPLES,
    DateError,
    NumberError,
    read_date,
    read_number,
    read_optional_date,
)
from zielcockpit.yaml_text import GermanLoader, load_yaml

LINE = "__line__"
# A workbook row (db/catalogue_workbook.py) also says its sheet and the cell of every field, so
# a problem names sheet and cell instead of a line of a YAML file.
SHEET = "__sheet__"
CELLS = "__cells__"
LEVEL_KINDS = {"rate", "upper_bound", "reduction"}
UNITS = ("Anzahl", "%", "EUR", "Meilenstein", "")


# The texts of a measure as the plan words them, kept as they are (the YAML keys = the columns).
MEASURE_TEXTS = (
    "leitsatz_wortlaut",
    "ausgangslage",
    "zielsetzung",
    "massnahmen_zur_zielerreichung",
    "umsetzungsschritte",
    "indikator_wortlaut",
    "zielwert_wortlaut",
    "datenquellen",
    "aufwand",
    "weitere_angaben",
)


class CatalogueError(Exception):
    """One or more problems in a catalogue file, each with its place, in German."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _LineLoader(GermanLoader):
    """A YAML loader that remembers the line of every mapping, for messages that say where."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_catalogue(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CatalogueError([f"Katalogdatei nicht gefunden: {path}"]) from exc
    except UnicodeDecodeError as exc:
        raise CatalogueError([f"{path.name}: keine UTF-8-Textdatei ({exc.reason})."]) from exc
    try:
        data = load_yaml(text, _LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", Zeile {mark.line + 1}" if mark else ""
        raise CatalogueError([f"{path.name}{where}: kein gültiges YAML ({exc})."]) from exc
    if not isinstance(data, dict) or "plan" not in data:
        raise CatalogueError([f"{path.name}: Abschnitt „plan“ fehlt."])
    return data


def read_places(path: Path) -> dict[str, Any]:
    """A places catalogue, read without the line marks (its checks name entries instead)."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# -- checking ---------------------------------------------------------------------------------------


@dataclass
class _Checker:
    file: str
    problems: list[str] = field(default_factory=list)
    # How a reader names a field to its users (a workbook: its column headers); else the key.
    labels: dict[str, str] = field(default_factory=dict)

    def name(self, key: str) -> str:
        return self.labels.get(key, key)

    def add(
        self, item: dict[str, Any] | None, what: str, message: str, key: str | None = None
    ) -> None:
        self.problems.append(f"{self.where(item, key)}: {what}: {message}")

    def where(self, item: dict[str, Any] | None, key: str | None = None) -> str:
        line = item.get(LINE) if isinstance(item, dict) else None
        if isinstance(item, dict) and item.get(SHEET):
            cell = (item.get(CELLS) or {}).get(key) if key else None
            spot = f"Zelle {cell}" if cell else f"Zeile {line}"
            return f"{self.file}, Blatt „{item[SHEET]}“, {spot}"
        return f"{self.file}, Zeile {line}" if line else self.file

    def number(self, item: dict[str, Any], key: str, what: str) -> Decimal | None:
        raw = item.get(key)
        if raw is None:
            return None
        if isinstance(raw, bool):
            self.add(item, what, f"„{self.name(key)}“ muss eine Zahl sein, gefunden: {raw!r}.", key)
            return None
        try:
            return read_number(raw)
        except NumberError:
            self.add(
                item,
                what,
                f"„{self.name(key)}“ muss eine Zahl sein, gefunden: „{raw}“ ({NUMBER_EXAMPLES}).",
                key,
            )
            return None

    def date(self, item: dict[str, Any], key: str, what: str) -> dt.date | None:
        raw = item.get(key)
        if raw is None or isinstance(raw, dt.date):
            return raw
        try:
            return read_date(raw)
        except DateError:
            self.add(
                item,
                what,
                f"„{self.name(key)}“ muss ein Datum sein ({DATE_EXAMPLES}), gefunden: „{raw}“.",
                key,
            )
            return None

    def choice(self, item: dict[str, Any], key: str, allowed: tuple[str, ...], what: str) -> None:
        if item.get(key) not in allowed:
            self.add(
                item,
                what,
                f"„{self.name(key)}“ ist „{item.get(key)}“, erlaubt: {', '.join(a or '(leer)' for a in allowed)}.",
                key,
            )


# One flat list of checks over one file, in the order of the file, so that every problem is
# reported with its place; splitting it would only scatter that order.
def check_catalogue(  # noqa: C901
    data: dict[str, Any], file: str, labels: dict[str, str] | None = None
) -> list[str]:
    """Every problem of the catalogue, not just the first."""
    c = _Checker(file, labels=labels or {})
    plan = data.get("plan") or {}
    for key in ("key", "titel", "jahr", "kommune", "art"):
        if plan.get(key) in (None, ""):
            c.add(plan, "Plan", f"Pflichtfeld „{key}“ fehlt.")
    oes = {str(o.get("code")) for o in data.get("organisationseinheiten") or []}
    for oe in data.get("organisationseinheiten") or []:
        if oe.get("parent") is not None and str(oe["parent"]) not in oes:
            c.add(oe, f"OE {oe.get('code')}", f"übergeordnete OE „{oe['parent']}“ gibt es nicht.")
    places = {str(o.get("name")) for o in data.get("orte") or []}
    for ort in data.get("orte") or []:
        c.choice(ort, "art", PLACE_KINDS, f"Ort {ort.get('name')}")
        if ort.get("parent") is not None and str(ort["parent"]) not in places:
            c.add(ort, f"Ort {ort.get('name')}", f"übergeordneter Ort „{ort['parent']}“ fehlt.")
    fields: dict[str, set[str]] = {}
    for hf in data.get("handlungsfelder") or []:
        if hf.get("key") in fields:
            c.add(hf, "Handlungsfeld", f"Schlüssel „{hf.get('key')}“ kommt doppelt vor.")
        fields[str(hf.get("key"))] = {str(u) for u in hf.get("untergruppen") or []}
        c.number(hf, "budget_eur", f"Handlungsfeld {hf.get('key')}")
    leit = {int(x.get("nr", 0)) for x in data.get("leitsaetze") or []}
    categories = {str(k.get("code")) for k in data.get("kategorien") or []}
    _check_lags(c, data)
    seen_measures: dict[str, int] = {}
    seen_indicators: dict[str, int] = {}
    # Every indicator of the plan: a "darunter" parent may sit in another measure (REGE-10.1
    # under REGE-9.2), so parents are looked up plan-wide.
    all_indicators = {
        str(ind.get("code")): ind
        for m in data.get("massnahmen") or []
        for ind in m.get("indikatoren") or []
    }
    for m in data.get("massnahmen") or []:
        code = str(m.get("code") or "")
        what = f"Maßnahme {code or '(ohne Code)'}"
        if not code:
            c.add(m, what, "Pflichtfeld „code“ fehlt.", "code")
        elif code in seen_measures:
            c.add(
                m, what, f"Code kommt doppelt vor (zuerst in Zeile {seen_measures[code]}).", "code"
            )
        seen_measures.setdefault(code, m.get(LINE, 0))
        if not m.get("titel"):
            c.add(m, what, "Pflichtfeld „titel“ fehlt.", "titel")
        if str(m.get("handlungsfeld")) not in fields:
            c.add(
                m,
                what,
                f"Handlungsfeld „{m.get('handlungsfeld')}“ gibt es nicht im Katalog.",
                "handlungsfeld",
            )
        elif m.get("untergruppe") and str(m["untergruppe"]) not in fields[str(m["handlungsfeld"])]:
            c.add(
                m,
                what,
                f"Untergruppe „{m['untergruppe']}“ fehlt beim Handlungsfeld.",
                "untergruppe",
            )
        if str(m.get("oe")) not in oes:
            c.add(m, what, f"Organisationseinheit „{m.get('oe')}“ gibt es nicht im Katalog.", "oe")
        if m.get("kategorie") is not None and str(m["kategorie"]) not in categories:
            c.add(m, what, f"Kategorie „{m['kategorie']}“ gibt es nicht im Katalog.", "kategorie")
        for nr in m.get("leitsaetze") or []:
            if nr not in leit:
                c.add(m, what, f"Leitsatz Nr. {nr} gibt es nicht im Katalog.", "leitsaetze")
        for ort in m.get("orte") or []:
            if str(ort) not in places:
                c.add(m, what, f"Ort „{ort}“ fehlt in der Ortsliste.", "orte")
        c.number(m, "aufwand_eur", what)
        indicators = m.get("indikatoren") or []
        if not indicators:
            c.add(m, what, "hat keinen Indikator.")
        for ind in indicators:
            icode = str(ind.get("code") or "")
            iwhat = f"Indikator {icode or '(ohne Code)'}"
            if not icode.startswith(code + "."):
                c.add(ind, iwhat, f"Code muss mit „{code}.“ beginnen.", "code")
            if icode in seen_indicators:
                c.add(
                    ind,
                    iwhat,
                    f"Code kommt doppelt vor (zuerst in Zeile {seen_indicators[icode]}).",
                    "code",
                )
            seen_indicators.setdefault(icode, ind.get(LINE, 0))
            if not ind.get("name"):
                c.add(ind, iwhat, "Pflichtfeld „name“ fehlt.", "name")
            c.choice(ind, "kind", INDICATOR_KINDS, iwhat)
            c.choice(ind, "direction", DIRECTIONS, iwhat)
            if ind.get("aggregation") is not None:
                c.choice(ind, "aggregation", AGGREGATIONS, iwhat)
            if ind.get("unit", "") not in UNITS:
                c.add(
                    ind,
                    iwhat,
                    f"Einheit „{ind.get('unit')}“ unbekannt, erlaubt: Anzahl, %, EUR, Meilenstein.",
                    "unit",
                )
            for key in ("target", "baseline", "reduction_pct"):
                value = c.number(ind, key, iwhat)
                if value is not None and value < 0:
                    c.add(ind, iwhat, f"„{c.name(key)}“ darf nicht negativ sein.", key)
            c.date(ind, "due", iwhat)
            if ind.get("kind") == "reduction" and ind.get("reduction_pct") is None:
                c.add(ind, iwhat, "Eine Reduktion braucht „reduction_pct“.")
            _check_parent(c, ind, iwhat, all_indicators)
            _check_timing(c, ind, iwhat)
            _check_source(c, ind, iwhat, data)
            for ort in ind.get("orte") or []:
                if str(ort) not in places:
                    c.add(ind, iwhat, f"Ort „{ort}“ nennt der Plan nicht (Ortsliste).", "orte")
            _check_place_target(c, ind, iwhat)
            for q, expected in (ind.get("profil") or {}).items():
                if q == LINE:
                    continue
                if str(q) not in ("Q1", "Q2", "Q3", "Q4"):
                    c.add(ind, iwhat, f"Profil: Quartal „{q}“ unbekannt, erlaubt Q1 bis Q4.")
                try:
                    Decimal(str(expected))
                except InvalidOperation:
                    c.add(ind, iwhat, f"Profil {q}: „{expected}“ ist keine Zahl.")
    return c.problems


def _check_parent(
    c: _Checker, ind: dict[str, Any], what: str, all_indicators: dict[str, dict[str, Any]]
) -> None:
    """A "darunter" parent exists in the plan (any measure) and counts in the same unit."""
    parent = ind.get("parent")
    if parent is None:
        return
    found = all_indicators.get(str(parent))
    if found is None:
        c.add(
            ind,
            what,
            f"übergeordneter Indikator „{parent}“ gibt es nicht in diesem Plan.",
            "parent",
        )
    elif str(parent) == str(ind.get("code")):
        c.add(ind, what, "ein Indikator kann nicht sein eigener Darunter-Wert sein.", "parent")
    elif found.get("unit", "") != ind.get("unit", ""):
        c.add(
            ind,
            what,
            f"Darunter-Wert in „{ind.get('unit', '')}“, übergeordneter Indikator „{parent}“ in "
            f"„{found.get('unit', '')}“: ein Darunter-Wert braucht dieselbe Einheit "
            "(ein Anteil ist kein Teil einer Anzahl).",
            "parent",
        )


def _check_timing(c: _Checker, ind: dict[str, Any], what: str) -> None:
    """`start` before `due`; `strict` (a yes/no) only for quotas and bounds."""
    start = c.date(ind, "start", what)
    try:
        due = _date(ind.get("due"))
    except ValueError:
        due = None  # reported by the check of "due"
    if start is not None and due is not None and start > due:
        c.add(ind, what, f"„start“ ({start.isoformat()}) liegt nach „due“ ({due.isoformat()}).")
    strict = ind.get("strict")
    if strict is not None and not isinstance(strict, bool):
        c.add(ind, what, f"„strict“ muss true oder false sein, gefunden: „{strict}“.")
    elif strict and ind.get("kind") not in ("rate", "upper_bound"):
        c.add(ind, what, "„strict“ („mehr als“) gilt nur für Quoten und Obergrenzen.")


def _check_source(c: _Checker, ind: dict[str, Any], what: str, data: dict[str, Any]) -> None:
    """`quelle` names an entry of the catalogue's `quellen`."""
    sources = data.get("quellen") or {}
    if ind.get("quelle") is not None and str(ind["quelle"]) not in sources:
        known = ", ".join(str(k) for k in sources if k != LINE) or "keine"
        c.add(ind, what, f"Quelle „{ind['quelle']}“ fehlt unter „quellen“ (vorhanden: {known}).")


def _check_lags(c: _Checker, data: dict[str, Any]) -> None:
    sources = data.get("quellen") or {}
    if not isinstance(sources, dict):
        c.add(data, "quellen", "„quellen“ muss eine Zuordnung Schlüssel → Angaben sein.")
        return
    for key, source in sources.items():
        if key == LINE:
            continue
        days = source.get("verzug_tage") if isinstance(source, dict) else None
        if days is not None and (not isinstance(days, int) or not 0 <= days <= 366):
            c.add(source, f"Quelle {key}", f"„verzug_tage“ ist „{days}“, erlaubt 0 bis 366 Tage.")


def _source_lags(data: dict[str, Any]) -> dict[str, int]:
    """The catalogue's `quellen`: key -> usual lag in days (`verzug_tage`)."""
    lags: dict[str, int] = {}
    for key, source in (data.get("quellen") or {}).items():
        if key != LINE and isinstance(source, dict) and source.get("verzug_tage") is not None:
            lags[str(key)] = int(source["verzug_tage"])
    return lags


def _write_lags(session: Session, plan_id: int, lags: dict[str, int]) -> None:
    """A source's lag from the catalogue, unless controlling has set another one."""
    for source, days in lags.items():
        row = lag_row(session, plan_id, source)
        if row is None:
            session.add(
                Liefertermin(
                    plan_id=plan_id,
                    period="",
                    oe="",
                    quelle=source,
                    lag_days=days,
                    set_by="katalog",
                )
            )
        elif row.set_by == "katalog" and row.lag_days != days:
            row.lag_days = days


def _check_place_target(c: _Checker, ind: dict[str, Any], what: str) -> None:
    """A target in each place needs the places; the whole target is the sum over them."""
    per_place = c.number(ind, "target_per_place", what)
    if per_place is None:
        return
    places = ind.get("orte") or []
    if per_place < 0:
        c.add(ind, what, f"„{c.name('target_per_place')}“ darf nicht negativ sein.")
    if not places:
        c.add(
            ind,
            what,
            f"„{c.name('target_per_place')}“ braucht die Orte („{c.name('orte')}“), in denen es gilt.",
            "orte",
        )
        return
    whole = ind.get("target")
    try:
        expected = per_place * len(places)
        if whole is not None and Decimal(str(whole)) != expected:
            c.add(
                ind,
                what,
                f"„{c.name('target')}“ ({whole}) muss „{c.name('target_per_place')}“ × Anzahl der Orte sein "
                f"({per_place} × {len(places)} = {expected}).",
                "target",
            )
    except InvalidOperation:
        pass  # the target itself was reported as not a number


# -- writing ----------------------------------------------------------------------------------------


def default_aggregation(kind: str) -> str:
    """Months become a quarter by summing flows and taking the last month of stocks and rates."""
    return "last" if kind in LEVEL_KINDS else "sum"


def _upsert(session: Session, model: type, where: dict[str, Any], values: dict[str, Any]) -> Any:
    obj = session.scalars(select(model).filter_by(**where)).one_or_none()
    if obj is None:
        obj = model(**where, **values)
        session.add(obj)
    else:
        for key, value in values.items():
            if getattr(obj, key) != value:
                setattr(obj, key, value)
    return obj


def _dec(value: Any) -> Decimal | None:
    return None if value is None else read_number(value)


def _date(value: Any) -> dt.date | None:
    return read_optional_date(value)


@dataclass(frozen=True)
class LoadResult:
    plan_key: str
    measures: int
    indicators: int
    changes: int = 0
    summary: str = ""  # set for a places catalogue, which has no plan
    # indicators whose earlier rule was kept for the released quarters (db/rule_versions.py)
    kept_for_released: tuple[str, ...] = ()


# table, key, old columns, new columns, the measure it belongs to (its page shows the change)
Change = tuple[str, str, Any, Any, int | None]


def load_catalogue(engine: Engine, path: Path, actor: str = "katalog") -> LoadResult:
    """Check the whole file, then write it in one transaction (nothing half-written).

    Every changed catalogue entry is kept in the audit trail, under one import run of kind
    "katalog" (which also tells caches that the catalogue changed); an unchanged file leaves
    no trace at all.
    """
    from db.places_catalogue import is_places_catalogue, load_places_catalogue

    if is_places_catalogue(path):  # places and context indicators, no plan (issue 15)
        data = read_places(path)
        count = load_places_catalogue(engine, path, data, actor)
        return LoadResult("", 0, count, summary=f"{count} Kontextindikatoren und Orte")
    data = read_catalogue(path)
    return load_catalogue_data(engine, data, path.name, path.read_bytes(), actor)


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
    with transaction(engine) as session:
        return write_checked(session, data, source, content, actor)


def write_checked(
    session: Session, data: dict[str, Any], source: str, content: bytes, actor: str
) -> LoadResult:
    """Write a checked catalogue inside the caller's transaction, audited; a released quarter
    keeps the rule it was judged by."""
    from db.plan_data import indicator_infos
    from db.rule_versions import keep_released_rules

    plan = session.scalars(select(Plan).where(Plan.key == str(data["plan"]["key"]))).one_or_none()
    before = {}
    if plan is not None:
        before = {i.id: i.rule for i in indicator_infos(session.connection(), plan.id, plan.year)}
    changes: list[Change] = []
    collect = _collect(changes)
    event.listen(session, "before_flush", collect)
    try:
        result = _write(session, data, source)
        session.flush()
    finally:
        event.remove(session, "before_flush", collect)
    kept: list[str] = []
    if changes:
        _record(session, changes, source, content, actor)
        if plan is not None:
            after = {
                i.id: i.rule for i in indicator_infos(session.connection(), plan.id, plan.year)
            }
            kept = keep_released_rules(session, plan.id, before, after, actor)
    return LoadResult(
        result.plan_key,
        result.measures,
        result.indicators,
        len(changes),
        kept_for_released=tuple(kept),
    )


_KEYS = ("code", "key", "title", "name", "number", "period")


def _entity_key(obj: Any) -> str:
    for attr in _KEYS:
        value = getattr(obj, attr, None)
        if value is not None:
            return str(value)[:120]
    return str(getattr(obj, "id", ""))


def _columns(obj: Any) -> dict[str, Any]:
    return {
        c.key: getattr(obj, c.key) for c in sa_inspect(obj).mapper.column_attrs if c.key != "id"
    }


def _measure_of(obj: Any) -> int | None:
    if isinstance(obj, Massnahme):
        return obj.id
    return getattr(obj, "massnahme_id", None) if isinstance(obj, Indikator) else None


def _collect(changes: list[Change]) -> Any:
    """A before_flush hook that notes every new, changed and deleted catalogue row."""

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.new:
            changes.append((type(obj).__tablename__, _entity_key(obj), None, _columns(obj), None))
        for obj in session.dirty:
            state = sa_inspect(obj)
            old, new = {}, {}
            for attr in state.mapper.column_attrs:
                history = state.attrs[attr.key].history
                if history.has_changes():
                    old[attr.key] = history.deleted[0] if history.deleted else None
                    new[attr.key] = history.added[0] if history.added else None
            if new:
                changes.append(
                    (type(obj).__tablename__, _entity_key(obj), old, new, _measure_of(obj))
                )
        for obj in session.deleted:
            changes.append((type(obj).__tablename__, _entity_key(obj), _columns(obj), None, None))

    return before_flush


def _record(
    session: Session, changes: list[Change], source: str, content: bytes, actor: str
) -> None:
    from db.audit_trail import audit

    run = ImportRun(
        kind="katalog",
        profile="katalog",
        file_name=source,
        checksum=hashlib.sha256(content).hexdigest(),
        user_name=actor,
        status="ok",
        values_written=len(changes),
        finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
    )
    session.add(run)
    session.flush()
    for entity, key, old, new, measure_id in changes:
        audit(
            session,
            actor,
            "katalog",
            entity,
            key,
            old,
            new,
            source=source,
            massnahme_id=measure_id,
            run_id=run.id,
        )


# Writes one catalogue top-down in one transaction (plan, units, places, clusters, measures,
# indicators); the loops and branches follow the sections and optional fields of the file.
def _write(session: Session, data: dict[str, Any], file: str) -> LoadResult:  # noqa: C901
    p = data["plan"]
    thresholds = p.get("schwellen") or {}
    plan = _upsert(
        session,
        Plan,
        {"key": str(p["key"])},
        {
            "title": p["titel"],
            "year": int(p["jahr"]),
            "municipality": p["kommune"],
            "kind": p["art"],
            "issuer": p.get("herausgeber"),
            "source_document": p.get("quelle"),
            "introduction": p.get("einleitung"),
            "threshold_green": Decimal(str(thresholds.get("gruen", 95))),
            "threshold_yellow": Decimal(str(thresholds.get("gelb", 85))),
        },
    )
    session.flush()
    oes: dict[str, Organisationseinheit] = {}
    for o in data.get("organisationseinheiten") or []:
        oes[str(o["code"])] = _upsert(
            session, Organisationseinheit, {"code": str(o["code"])}, {"name": o["name"]}
        )
    session.flush()
    for o in data.get("organisationseinheiten") or []:
        parent = oes[str(o["parent"])].id if o.get("parent") is not None else None
        if oes[str(o["code"])].parent_id != parent:
            oes[str(o["code"])].parent_id = parent
    places: dict[str, Ort] = {}
    for o in data.get("orte") or []:
        places[str(o["name"])] = _upsert(
            session,
            Ort,
            {"kind": o["art"], "name": str(o["name"])},
            {"key": None if o.get("schluessel") is None else str(o["schluessel"])},
        )
    session.flush()
    for o in data.get("orte") or []:
        parent = places[str(o["parent"])].id if o.get("parent") is not None else None
        if places[str(o["name"])].parent_id != parent:
            places[str(o["name"])].parent_id = parent
    leitsaetze = {
        int(x["nr"]): _upsert(
            session,
            Leitsatz,
            {"plan_id": plan.id, "number": int(x["nr"])},
            {"text": x["text"], "short": x.get("kurz") or x["text"][:80]},
        )
        for x in data.get("leitsaetze") or []
    }
    categories = {
        str(k["code"]): _upsert(
            session,
            Kategorie,
            {"plan_id": plan.id, "code": str(k["code"])},
            {"title": k["titel"], "description": k.get("beschreibung")},
        )
        for k in data.get("kategorien") or []
    }
    fields: dict[str, Handlungsfeld] = {}
    subgroups: dict[tuple[str, str], Untergruppe] = {}
    for pos, hf in enumerate(data.get("handlungsfelder") or [], start=1):
        fields[hf["key"]] = _upsert(
            session,
            Handlungsfeld,
            {"plan_id": plan.id, "key": hf["key"]},
            {
                "title": hf["titel"],
                "position": pos,
                "description": hf.get("beschreibung"),
                "budget_eur": _dec(hf.get("budget_eur")),
                "budget_text": hf.get("budget_text"),
            },
        )
        session.flush()
        for upos, title in enumerate(hf.get("untergruppen") or [], start=1):
            subgroups[(hf["key"], str(title))] = _upsert(
                session,
                Untergruppe,
                {"handlungsfeld_id": fields[hf["key"]].id, "title": str(title)},
                {"position": upos},
            )
    topics: dict[str, Schwerpunktthema] = {}
    session.flush()
    keep_measures: set[str] = set()
    keep_indicators: set[str] = set()
    by_code: dict[str, Indikator] = {}
    parents: dict[str, str | None] = {}
    n_indicators = 0
    for pos, m in enumerate(data.get("massnahmen") or [], start=1):
        topic = None
        if m.get("schwerpunktthema"):
            title = str(m["schwerpunktthema"])
            if title not in topics:
                topics[title] = _upsert(
                    session, Schwerpunktthema, {"plan_id": plan.id, "title": title}, {}
                )
            topic = topics[title]
        session.flush()
        measure = _upsert(
            session,
            Massnahme,
            {"plan_id": plan.id, "code": str(m["code"])},
            {
                "title": m["titel"],
                "position": pos,
                "handlungsfeld_id": fields[m["handlungsfeld"]].id,
                "untergruppe_id": subgroups[(m["handlungsfeld"], str(m["untergruppe"]))].id
                if m.get("untergruppe")
                else None,
                "kategorie_id": categories[str(m["kategorie"])].id if m.get("kategorie") else None,
                "oe_id": oes[str(m["oe"])].id,
                "schwerpunktthema_id": topic.id if topic else None,
                **{key: m.get(key) for key in MEASURE_TEXTS},
                "aufwand_eur": _dec(m.get("aufwand_eur")),
            },
        )
        session.flush()
        wanted_leit = [leitsaetze[n] for n in m.get("leitsaetze") or []]
        if measure.leitsaetze != wanted_leit:
            measure.leitsaetze = wanted_leit
        wanted_places = sorted((places[str(o)] for o in m.get("orte") or []), key=lambda o: o.name)
        if measure.orte != wanted_places:
            measure.orte = wanted_places
        keep_measures.add(measure.code)
        for ipos, ind in enumerate(m.get("indikatoren") or [], start=1):
            kind = ind["kind"]
            indicator = _upsert(
                session,
                Indikator,
                {"plan_id": plan.id, "code": str(ind["code"])},
                {
                    "massnahme_id": measure.id,
                    "position": ipos,
                    "name": ind["name"],
                    "kind": kind,
                    "unit": ind.get("unit", ""),
                    "direction": ind["direction"],
                    "aggregation": ind.get("aggregation") or default_aggregation(kind),
                    "steering": bool(ind.get("steering", True)),
                    "target": _dec(ind.get("target")),
                    "due": _date(ind.get("due")),
                    "start": _date(ind.get("start")),
                    "strict": bool(ind.get("strict", False)),
                    "target_per_place": _dec(ind.get("target_per_place")),
                    "baseline": _dec(ind.get("baseline")),
                    "baseline_period": ind.get("baseline_period"),
                    "reduction_pct": _dec(ind.get("reduction_pct")),
                    "wortlaut_indikator": ind.get("wortlaut_indikator"),
                    "wortlaut_zielwert": ind.get("wortlaut_zielwert"),
                    "hinweis": ind.get("hinweis"),
                    "quelle": None if ind.get("quelle") is None else str(ind["quelle"]),
                    "zu_pruefen": bool(ind.get("zu_pruefen", False)),
                },
            )
            session.flush()
            by_code[indicator.code] = indicator
            parents[indicator.code] = str(ind["parent"]) if ind.get("parent") else None
            _link_places(session, indicator.id, [places[str(o)].id for o in ind.get("orte") or []])
            profile = {
                f"{plan.year}-{q}": Decimal(str(v))
                for q, v in (ind.get("profil") or {}).items()
                if q != LINE
            }
            for row in list(indicator.profil):
                if row.period not in profile:
                    session.delete(row)
            for period, expected in profile.items():
                _upsert(
                    session,
                    Zielprofil,
                    {"indikator_id": indicator.id, "period": period},
                    {"expected": expected},
                )
            keep_indicators.add(indicator.code)
            n_indicators += 1
    # Parents last: a "darunter" value may hang on an indicator of another measure.
    for child_code, parent_code in parents.items():
        parent_id = by_code[parent_code].id if parent_code else None
        if by_code[child_code].parent_id != parent_id:
            by_code[child_code].parent_id = parent_id
    _remove_dropped(session, plan, keep_measures, keep_indicators, file)
    _write_lags(session, plan.id, _source_lags(data))
    return LoadResult(plan.key, len(keep_measures), n_indicators)


def _link_places(session: Session, indicator_id: int, wanted: list[int]) -> None:
    """The indicator's places in the plan's order (the order a per-place sentence names them)."""
    link = indikator_ort.c
    current = [
        r.ort_id
        for r in session.execute(
            select(link.ort_id)
            .where(link.indikator_id == indicator_id)
            .order_by(link.position, link.ort_id)
        )
    ]
    positions = session.execute(
        select(link.position).where(link.indikator_id == indicator_id)
    ).scalars()
    if current == wanted and None not in positions:
        return
    session.execute(delete(indikator_ort).where(link.indikator_id == indicator_id))
    if wanted:
        session.execute(
            insert(indikator_ort),
            [
                {"indikator_id": indicator_id, "ort_id": ort_id, "position": pos}
                for pos, ort_id in enumerate(wanted, start=1)
            ],
        )


def _remove_dropped(
    session: Session, plan: Plan, keep_measures: set[str], keep_indicators: set[str], file: str
) -> None:
    """Drop what the file no longer lists, unless values hang on it (then refuse)."""
    dropped = session.scalars(
        select(Indikator).where(
            Indikator.plan_id == plan.id, Indikator.code.not_in(keep_indicators)
        )
    ).all()
    problems = []
    for indicator in dropped:
        has_values = session.scalar(
            select(Messwert.id).where(Messwert.indikator_id == indicator.id).limit(1)
        )
        if has_values is not None:
            problems.append(
                f"{file}: Indikator {indicator.code} fehlt im Katalog, hat aber gespeicherte Werte; "
                "er wird nicht gelöscht. Bitte im Katalog belassen."
            )
        else:
            session.delete(indicator)
    if problems:
        raise CatalogueError(problems)
    for measure in session.scalars(
        select(Massnahme).where(Massnahme.plan_id == plan.id, Massnahme.code.not_in(keep_measures))
    ):
        session.delete(measure)
