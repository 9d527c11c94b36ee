"""Import profiles: one YAML file per source in etl/profiles/, read and checked into dataclasses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from etl.tables import compile_label
from etl.yaml_text import load_yaml
from zielcockpit.domain.german import fold
from zielcockpit.domain.periods import Period, PeriodError
from zielcockpit.domain.vocabulary import SYMBOL_SPELLINGS

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
KINDS = ("long", "table", "catalogue")
PERIOD_SOURCES = ("row", "column", "title", "sheet", "file_name", "fixed")
SHIPPED = "mitgeliefert"
TAUGHT = "angelernt"  # saved from the browser (/import, „Aufbau anlernen“)
DEFAULT_FOOTER = (
    "©",
    "\\(c\\) statistik",
    "quelle:",
    "zeichenerklaerung",
    "erstellungsdatum",
    "erstellt am",
    "fussnote",
    "hinweis:",
    "anmerkung:",
)
DEFAULT_TOTALS = ("gesamt", "insgesamt", "summe", "zusammen", "alle")

Patterns = tuple[re.Pattern[str], ...]


class ProfileError(Exception):
    """A profile file that cannot be used; the message is German and names the file."""


class UnknownProfile(LookupError):
    """A profile name that does not exist; the message is German and lists the known ones."""


@dataclass(frozen=True)
class FieldSpec:
    """A column that identifies rows (code, period, place, project, ...), found by its labels."""

    name: str
    labels: Patterns
    required: bool = False
    fill_down: bool = False  # a region column written only on the first row of its block
    measure: bool = False  # holds a measure code or title


@dataclass(frozen=True)
class ColumnSpec:
    """Which value column(s) a mapping reads."""

    labels: Patterns = ()
    exclude: Patterns = ()
    period: str = "any"  # "required": only columns whose header names a period
    take: str = "first"  # "first" matching column, or "all" of them (one value per period)
    text: str = ""  # the labels as written, for messages


@dataclass(frozen=True)
class RowSpec:
    label: Patterns = ()
    section: Patterns = ()
    text: str = ""


@dataclass(frozen=True)
class Mapping:
    """Cells of the table that become one indicator's values."""

    indicator: str
    column: ColumnSpec
    rows: tuple[RowSpec, ...] = ()  # tables whose rows are labelled (BA Eckwerte, BA CSV)
    where: dict[str, Patterns] = field(default_factory=dict)  # field -> patterns
    where_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # measure fields
    places: tuple[str, ...] = ()  # rows naming these places (BA Sonderauswertung)
    combine: str = "single"  # or "sum" over all matching rows
    required: bool | None = None  # default: required when rows or places are named
    place: str | None = None  # every value of the mapping belongs to this place


@dataclass(frozen=True)
class PeriodSource:
    source: str
    labels: Patterns = ()
    sheet: Patterns = ()
    pattern: re.Pattern[str] | None = None
    ignore: Patterns = ()
    value: Period | None = None  # from: fixed


@dataclass(frozen=True)
class TotalSpec:
    """Rows that are totals of a group (KAF: Quartier „gesamt“ per project)."""

    field: str
    labels: Patterns
    group: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    kind: str
    priority: int
    formats: tuple[str, ...]
    sheets: Patterns
    sheet_text: str
    all_sheets: bool
    fields: tuple[FieldSpec, ...]
    header: tuple[Patterns, ...]
    header_text: tuple[str, ...]
    label_column: bool
    place_fields: tuple[str, ...]
    total_labels: Patterns
    footer: Patterns
    skip: dict[str, Patterns]
    periods: tuple[PeriodSource, ...]
    mappings: tuple[Mapping, ...]
    symbols: dict[str, str]
    empty_value: str  # "skip" or "error"
    total: TotalSpec | None
    path: Path
    origin: str = SHIPPED

    def field_spec(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    def header_groups(self) -> tuple[Patterns, ...]:
        """Every label group that must be in the header: declared ones and required fields."""
        return self.header + tuple(f.labels for f in self.fields if f.required)


def _patterns(value: Any, where: str) -> Patterns:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    compiled = []
    for item in items:
        try:
            compiled.append(compile_label(str(item)))
        except re.error as exc:
            raise ProfileError(
                f"{where}: Muster „{item}“ ist kein gültiger Ausdruck ({exc})."
            ) from exc
    return tuple(compiled)


def _text(value: Any) -> str:
    if value is None:
        return ""
    items = value if isinstance(value, list) else [value]
    return ", ".join(f"„{i}“" for i in items)


def _column(data: Any, where: str) -> ColumnSpec:
    if not isinstance(data, dict):
        data = {"labels": data}
    period = str(data.get("period", "any"))
    take = str(data.get("take", "first"))
    if period not in ("any", "required"):
        raise ProfileError(f"{where}: „period“ muss any oder required sein.")
    if take not in ("first", "all"):
        raise ProfileError(f"{where}: „take“ muss first oder all sein.")
    return ColumnSpec(
        _patterns(data.get("labels"), where),
        _patterns(data.get("exclude"), where),
        period,
        take,
        _text(data.get("labels")) or "(Spalte mit Zeitraum)",
    )


def _mapping(data: dict[str, Any], where: str, fields: dict[str, FieldSpec]) -> Mapping:
    if "indicator" not in data or "column" not in data:
        raise ProfileError(f"{where}: jede Zuordnung braucht „indicator“ und „column“.")
    what = f"{where}, Zuordnung {data['indicator']}"
    rows = tuple(
        RowSpec(
            _patterns(r.get("label"), what),
            _patterns(r.get("section"), what),
            _text(r.get("label"))
            + (f" unter {_text(r.get('section'))}" if r.get("section") else ""),
        )
        for r in data.get("rows") or []
    )
    where_patterns: dict[str, Patterns] = {}
    where_codes: dict[str, tuple[str, ...]] = {}
    for name, value in (data.get("where") or {}).items():
        spec = fields.get(name)
        if spec is None:
            raise ProfileError(f"{what}: Feld „{name}“ ist im Profil nicht erklärt.")
        if spec.measure:
            items = value if isinstance(value, list) else [value]
            where_codes[name] = tuple(str(i) for i in items)
        else:
            where_patterns[name] = _patterns(value, what)
    combine = str(data.get("combine", "single"))
    if combine not in ("single", "sum"):
        raise ProfileError(f"{what}: „combine“ muss single oder sum sein.")
    return Mapping(
        indicator=str(data["indicator"]),
        column=_column(data["column"], what),
        rows=rows,
        where=where_patterns,
        where_codes=where_codes,
        places=tuple(str(p) for p in data.get("places") or []),
        combine=combine,
        required=data.get("required"),
        place=str(data["place"]) if data.get("place") else None,
    )


def _period_source(data: dict[str, Any], where: str) -> PeriodSource:
    source = str(data.get("from"))
    if source not in PERIOD_SOURCES:
        raise ProfileError(
            f"{where}: Zeitraum-Quelle „{source}“ unbekannt, erlaubt: {', '.join(PERIOD_SOURCES)}."
        )
    pattern = None
    if data.get("pattern"):
        try:
            pattern = re.compile(str(data["pattern"]), re.IGNORECASE)
        except re.error as exc:
            raise ProfileError(f"{where}: Muster „{data['pattern']}“ ungültig ({exc}).") from exc
    value = None
    if source == "fixed":
        try:
            value = Period.parse(str(data.get("value") or ""))
        except (PeriodError, ValueError) as exc:
            raise ProfileError(
                f"{where}: fester Zeitraum „{data.get('value')}“ nicht verstanden "
                "(erwartet z. B. 2017-Q2 oder 2017-06)."
            ) from exc
    return PeriodSource(
        source,
        _patterns(data.get("labels"), where),
        _patterns(data.get("sheet"), where),
        pattern,
        _patterns(data.get("ignore"), where),
        value,
    )


def parse_profile(data: Any, path: Path, origin: str = SHIPPED) -> Profile:
    where = f"Profil {path.name}"
    if not isinstance(data, dict) or not data.get("name") or not data.get("kind"):
        raise ProfileError(f"{where}: „name“ und „kind“ fehlen.")
    kind = str(data["kind"])
    if kind not in KINDS:
        raise ProfileError(f"{where}: „kind“ ist „{kind}“, erlaubt: {', '.join(KINDS)}.")
    fields: dict[str, FieldSpec] = {}
    for name, spec in (data.get("fields") or {}).items():
        spec = spec if isinstance(spec, dict) else {"labels": spec}
        fields[str(name)] = FieldSpec(
            str(name),
            _patterns(spec.get("labels"), where),
            bool(spec.get("required", False)),
            bool(spec.get("fill_down", False)),
            bool(spec.get("measure", False)),
        )
    total = None
    if data.get("total"):
        t = data["total"]
        if str(t.get("field")) not in fields:
            raise ProfileError(f"{where}: „total.field“ muss ein erklärtes Feld sein.")
        total = TotalSpec(
            str(t["field"]),
            _patterns(t.get("labels") or list(DEFAULT_TOTALS), where),
            tuple(str(g) for g in t.get("group") or []),
        )
    symbols = dict(SYMBOL_SPELLINGS)
    symbols.update({str(k).lower(): str(v) for k, v in (data.get("symbols") or {}).items()})
    header_items = data.get("header") or []
    profile = Profile(
        name=str(data["name"]),
        title=str(data.get("title") or data["name"]),
        kind=kind,
        priority=int(data.get("priority", 100)),
        formats=tuple(str(f).lower().lstrip(".") for f in data.get("formats") or []),
        sheets=_patterns(data.get("sheets"), where),
        sheet_text=_text(data.get("sheets")),
        all_sheets=bool(data.get("all_sheets", False)),
        fields=tuple(fields.values()),
        header=tuple(_patterns(group, where) for group in header_items),
        header_text=tuple(_text(group) for group in header_items),
        label_column=bool(data.get("label_column", False)),
        place_fields=tuple(str(p) for p in data.get("place_fields") or []),
        total_labels=_patterns(data.get("total_labels") or list(DEFAULT_TOTALS), where),
        footer=_patterns(list(DEFAULT_FOOTER) + list(data.get("footer") or []), where),
        skip={str(k): _patterns(v, where) for k, v in (data.get("skip") or {}).items()},
        periods=tuple(_period_source(p, where) for p in data.get("periods") or []),
        mappings=tuple(_mapping(m, where, fields) for m in data.get("mappings") or []),
        symbols=symbols,
        empty_value=str(data.get("empty_value", "skip")),
        total=total,
        path=path,
        origin=origin,
    )
    for name in profile.place_fields:
        if name not in fields:
            raise ProfileError(f"{where}: Ortsfeld „{name}“ ist nicht unter „fields“ erklärt.")
    if kind == "long" and ("indikator" not in fields or "wert" not in fields):
        raise ProfileError(f"{where}: ein Langformat braucht die Felder „indikator“ und „wert“.")
    if kind == "table" and not profile.mappings:
        raise ProfileError(f"{where}: eine Tabelle braucht mindestens eine Zuordnung.")
    return profile


def load_profile_file(path: Path) -> Profile:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"Profil {path.name} nicht lesbar: {exc}") from exc
    return parse_profile(data, path)


@lru_cache(maxsize=4)
def _load_dir(folder: str) -> tuple[Profile, ...]:
    profiles = [load_profile_file(p) for p in sorted(Path(folder).glob("*.yaml"))]
    names = [p.name for p in profiles]
    for name in names:
        if names.count(name) > 1:
            raise ProfileError(f"Profilname „{name}“ kommt mehrfach vor.")
    return tuple(sorted(profiles, key=lambda p: (p.priority, p.name)))


def load_profiles(folder: Path = PROFILE_DIR) -> tuple[Profile, ...]:
    """Every profile, in the order auto-detection tries them."""
    return _load_dir(str(folder))


def profile_by_name(name: str, folder: Path = PROFILE_DIR) -> Profile | None:
    wanted = fold(name.strip())
    for profile in load_profiles(folder):
        if fold(profile.name) == wanted:
            return profile
    return None


# -- profiles taught in the browser (kept in the database as JSON, see db/saved_profiles.py) ----


@lru_cache(maxsize=256)
def parse_saved(text: str) -> Profile:
    """A saved profile from its JSON; cached by its text, so auto-detection does not compile the
    same patterns for every file."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProfileError(f"Gespeichertes Profil nicht lesbar: {exc}") from exc
    name = str(data.get("name", "")) if isinstance(data, dict) else ""
    return parse_profile(data, Path(f"{name or 'angelernt'}.angelernt"), TAUGHT)


def with_saved(saved: Iterable[str], folder: Path = PROFILE_DIR) -> tuple[Profile, ...]:
    """Shipped and saved profiles (JSON texts) together, in the order auto-detection tries them."""
    profiles = list(load_profiles(folder)) + [parse_saved(text) for text in saved]
    return tuple(sorted(profiles, key=lambda p: (p.priority, p.name)))


def find_profile(name: str, profiles: Iterable[Profile]) -> Profile | None:
    wanted = fold(name.strip())
    return next((p for p in profiles if fold(p.name) == wanted), None)


def resolve_profile(
    name: str | None, profiles: tuple[Profile, ...] | None = None
) -> Profile | None:
    """The profile of that name among `profiles` (default: the shipped ones); None for None."""
    if name is None:
        return None
    try:
        found = find_profile(name, profiles if profiles is not None else load_profiles())
    except ProfileError as exc:
        raise UnknownProfile(str(exc)) from exc
    if found is None:
        known = ", ".join(p.name for p in (profiles or load_profiles()))
        raise UnknownProfile(f"Importprofil „{name}“ gibt es nicht. Vorhanden: {known}.")
    return found
