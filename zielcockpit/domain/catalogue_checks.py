"""The pure checks of a catalogue (plan catalogue, places catalogue, a Sozialstrukturindex):
every problem with its place, in German, before anything is written.

The data is the plain shape the readers give (`etl.catalogue_file` for YAML, the workbook reader,
the edit form): dicts with an optional line (`LINE`) or sheet and cells (`SHEET`, `CELLS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from zielcockpit.domain.german import (
    DATE_EXAMPLES,
    NUMBER_EXAMPLES,
    DateError,
    NumberError,
    read_date,
    read_number,
    read_optional_date,
)
from zielcockpit.domain.vocabulary import (
    AGGREGATIONS,
    CONTEXT_MEASURES,
    DIRECTIONS,
    INDICATOR_KINDS,
    PLACE_KINDS,
)

LINE = "__line__"
# A workbook row (db/catalogue_workbook.py) also says its sheet and the cell of every field, so
# a problem names sheet and cell instead of a line of a YAML file.
SHEET = "__sheet__"
CELLS = "__cells__"
LEVEL_KINDS = {"rate", "upper_bound", "reduction"}
UNITS = ("Anzahl", "%", "EUR", "Meilenstein", "")

CONTEXT_KEY = "kontextindikatoren"  # a places catalogue: no `plan`, but this section
INDEX_DIRECTIONS = ("hoeher_belastet", "niedriger_belastet")


class CatalogueError(Exception):
    """One or more problems in a catalogue file, each with its place, in German."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


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


def _date(value: Any) -> dt.date | None:
    return read_optional_date(value)


# -- the places catalogue ---------------------------------------------------------------------------


def check_places_catalogue(data: dict[str, Any], file: str) -> list[str]:
    """Every problem of the file, each naming the entry."""
    problems: list[str] = []
    places = [o for o in data.get("orte") or [] if isinstance(o, dict)]
    names = {str(o.get("name")) for o in places}
    for o in places:
        what = f"{file}: Ort „{o.get('name')}“"
        if not o.get("name"):
            problems.append(f"{file}: ein Ort ohne Namen.")
        if o.get("art") not in PLACE_KINDS:
            problems.append(
                f"{what}: „art“ ist „{o.get('art')}“, erlaubt: {', '.join(PLACE_KINDS)}."
            )
        if o.get("parent") is not None and str(o["parent"]) not in names:
            problems.append(f"{what}: übergeordneter Ort „{o['parent']}“ fehlt in der Ortsliste.")
    indicators = [i for i in data.get(CONTEXT_KEY) or [] if isinstance(i, dict)]
    codes = {str(i.get("code")) for i in indicators}
    for i in indicators:
        what = f"{file}: Kontextindikator „{i.get('code')}“"
        for key in ("code", "name"):
            if not i.get(key):
                problems.append(f"{what}: Pflichtfeld „{key}“ fehlt.")
        if (i.get("art") or "anzahl") not in CONTEXT_MEASURES:
            problems.append(
                f"{what}: „art“ ist „{i.get('art')}“, erlaubt: {', '.join(CONTEXT_MEASURES)}."
            )
        if i.get("bezug") is not None and str(i["bezug"]) not in codes:
            problems.append(f"{what}: Bezugsgröße „{i['bezug']}“ ist kein Kontextindikator.")
    index = data.get("sozialindex")
    if index is not None:
        problems.extend(check_index_definition(index, codes, file))
    return problems


def check_index_definition(index: Any, codes: set[str], where: str) -> list[str]:
    """The definition of a Sozialstrukturindex: a level and components with direction, weight."""
    if not isinstance(index, dict):
        return [f"{where}: „sozialindex“ muss Name, Ebene und Bestandteile nennen."]
    problems = []
    if index.get("ebene") not in PLACE_KINDS:
        problems.append(
            f"{where}: Sozialindex: „ebene“ ist „{index.get('ebene')}“, erlaubt: "
            f"{', '.join(PLACE_KINDS)}."
        )
    parts = index.get("bestandteile") or []
    if not parts:
        problems.append(f"{where}: Sozialindex: keine Bestandteile.")
    for n, part in enumerate(parts, start=1):
        what = f"{where}: Sozialindex, Bestandteil {n}"
        if not isinstance(part, dict):
            problems.append(f"{what}: erwartet Code, Richtung und Gewicht.")
            continue
        if str(part.get("code")) not in codes:
            problems.append(f"{what}: „{part.get('code')}“ ist kein Kontextindikator.")
        if part.get("richtung") not in INDEX_DIRECTIONS:
            problems.append(
                f"{what}: „richtung“ ist „{part.get('richtung')}“, erlaubt: {', '.join(INDEX_DIRECTIONS)}."
            )
        weight = part.get("gewicht")
        if weight is None or weight == "":
            problems.append(f"{what} („{part.get('code')}“): das Gewicht fehlt.")
            continue
        try:
            number = read_number(weight)
        except NumberError:
            problems.append(
                f"{what} („{part.get('code')}“): das Gewicht „{weight}“ ist keine Zahl "
                f"({NUMBER_EXAMPLES})."
            )
            continue
        if number <= 0:
            problems.append(
                f"{what} („{part.get('code')}“): das Gewicht muss größer als 0 sein, "
                f"gefunden: „{weight}“."
            )
    return problems


def index_components(index: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored form of an index's components (JSON in `sozialindex_version.definition`)."""
    return [
        {
            "code": str(p["code"]),
            "direction": p["richtung"],
            "weight": float(read_number(p["gewicht"])),
        }
        for p in index.get("bestandteile") or []
    ]
