"""Read and check the files of one import into staged rows, without the database.

Each file is opened (bounded), its profile chosen or detected, its values extracted and checked
against the catalogue index; then the files are checked against each other and against what the
sender may write. What is stored decides the rest (zielcockpit.services.imports).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.bounded import ReadLimits
from etl.context import check_context, split_context
from etl.extract import Located, Problem, detect, extract, locate
from etl.profile import Profile, ProfileError, profile_by_name
from etl.reading import Book, FileProblem, open_book
from etl.report import FileReport, period_label
from etl.validate import CatalogueIndex, Checked, IndicatorRef, ValueRow, check
from zielcockpit.domain.value_rows import ContextValueRow


@dataclass(frozen=True)
class Upload:
    """A file whose name differs from its path (a browser upload in a temporary file)."""

    path: Path
    name: str


@dataclass
class Staged:
    """One file of an import, read and checked: its report, book and rows to write."""

    report: FileReport
    book: Book | None = None
    checked: Checked | None = None
    context: list[ContextValueRow] = field(default_factory=list)  # context values (issue 15)
    fingerprint: str | None = None  # of what reading this file depends on (fingerprint)


def _problem(file: str, message: str) -> Problem:
    """A problem of the file as a whole (no sheet, cell or value)."""
    return Problem(file, None, None, None, message)


def stage(
    src: Path | Upload,
    chosen: Profile | None,
    profiles: tuple[Profile, ...],
    index: CatalogueIndex,
    max_bytes: int,
    limits: ReadLimits,
) -> Staged:
    """Open, choose the profile, extract and check one file; every problem goes to its report."""
    path, name = (src.path, src.name) if isinstance(src, Upload) else (src, src.name)
    report = FileReport(name)
    out = Staged(report)
    try:
        book = open_book(path, max_bytes, name, limits)
    except FileProblem as exc:
        report.errors.append(_problem(name, str(exc)))
        return out
    out.book = book
    report.notes.extend(book.notices)
    report.checksum = book.checksum
    try:
        found = _choose_profile(book, chosen, profiles, report)
        if found is None:
            return out
        profile, located = found
        if profile.kind == "catalogue":
            return out
        extraction = extract(
            book, profile, located, index.resolve_measure, chosen is None, index.places.__contains__
        )
    except FileProblem as exc:  # a sheet that breaks only when read
        report.errors.append(_problem(name, str(exc)))
        return out
    report.notes.extend(extraction.notes)
    context, extraction.values = split_context(extraction.values, index)
    out.context, context_problems, unknown_places = check_context(context, index, name, book)
    report.notes.extend(unknown_places)
    checked = check(extraction, index, name)
    report.errors.extend(extraction.problems)
    report.errors.extend(context_problems)
    report.errors.extend(checked.problems)
    if not checked.rows and not checked.comments and not out.context and not report.errors:
        report.errors.append(
            _problem(
                name,
                f"Die Datei enthält keine Werte (Profil „{profile.name}“): die Tabelle ist leer.",
            )
        )
    out.checked = checked
    return out


def _choose_profile(
    book: Book, chosen: Profile | None, profiles: tuple[Profile, ...], report: FileReport
) -> tuple[Profile, list[Located]] | None:
    """The profile named (located in the book) or the one detected; None with the problem in
    the report when neither fits."""
    name = report.file
    if chosen is not None:
        located = locate(chosen, book)
        if isinstance(located, str):
            report.profile, report.profile_title = chosen.name, chosen.title
            report.errors.append(_problem(name, located + "."))
            return None
        profile = chosen
    else:
        found = detect(profiles, book)
        if isinstance(found, list):
            report.errors.append(
                _problem(
                    name,
                    "Kein Importprofil passt zu dieser Datei. Erwartet wird z. B. das Langformat "
                    "mit den Spalten Indikator, Zeitraum, Ort, Wert, Kommentar. Geprüft: "
                    + "; ".join(found)
                    + ".",
                )
            )
            return None
        profile, located = found
    report.profile, report.profile_title = profile.name, profile.title
    report.detected = chosen is None
    return profile, located


def is_catalogue(name: str) -> bool:
    try:
        found = profile_by_name(name)
    except ProfileError:
        return False
    return found is not None and found.kind == "catalogue"


def mixed_catalogue_problem(catalogues: list[Staged]) -> Problem:
    return _problem(
        ", ".join(s.report.file for s in catalogues),
        "Katalogdateien bitte getrennt von Wertedateien importieren.",
    )


def check_across_files(staged: list[Staged]) -> None:
    """The same value in two files of one import: once is enough; two different values: error."""
    if sum(1 for s in staged if s.checked is not None and s.checked.rows) < 2:
        return
    first: dict[tuple[int, str, int], ValueRow] = {}
    for s in staged:
        if s.checked is None:
            continue
        kept = []
        for row in s.checked.rows:
            earlier = first.get(row.key)
            if earlier is None:
                first[row.key] = row
                kept.append(row)
            elif earlier.content != row.content:
                s.report.errors.append(
                    Problem(
                        row.file,
                        row.source_sheet,
                        row.source_cell,
                        None,
                        f"{row.code} für {period_label(row.period)} steht auch in "
                        f"{earlier.file} (Zelle {earlier.source_cell}), dort mit anderem Wert.",
                    )
                )
            else:
                s.report.values_unchanged += 1
        s.checked.rows = kept


def check_owners(staged: list[Staged], index: CatalogueIndex, units: frozenset[str]) -> None:
    """A fachbereich imports values and comments of its own units only, and no catalogue."""
    for s in staged:
        if s.report.profile and is_catalogue(s.report.profile):
            s.report.errors.append(
                _problem(
                    s.report.file,
                    "Katalogdateien dürfen nur Controlling und Administration importieren.",
                )
            )
        if s.context:
            s.report.errors.append(
                _problem(
                    s.report.file,
                    "Kontextwerte (Orte) dürfen nur Controlling und Administration importieren.",
                )
            )
        if s.checked is None:
            continue
        indicators = {r.indikator_id for r in s.checked.rows}
        indicators |= {c.indikator_id for c in s.checked.comments}
        foreign = foreign_indicators(indicators, index, units)
        if foreign:
            listed = ", ".join(f"{code} ({unit})" for code, unit in foreign[:20])
            more = f" und {len(foreign) - 20} weitere" if len(foreign) > 20 else ""
            s.report.errors.append(
                _problem(
                    s.report.file,
                    f"Die Datei enthält Werte von Indikatoren anderer Organisationseinheiten: "
                    f"{listed}{more}. Ihre Rolle „fachbereich“ darf nur Werte der eigenen "
                    f"Organisationseinheit(en) {', '.join(sorted(units))} importieren. "
                    "Nichts wurde geschrieben.",
                )
            )


def foreign_indicators(
    ids: set[int], index: CatalogueIndex, units: frozenset[str]
) -> list[tuple[str, str]]:
    """(code, owning unit) of the indicators not owned by `units`, sorted by code."""
    owners: dict[str, str] = {}
    for ind_id in ids:
        ref = index.by_id[ind_id]
        if ref.oe not in units:
            owners[ref.code] = ref.oe
    return sorted(owners.items())


# Raise when extraction or checking changes what a file yields, so older runs are not trusted.
SHORTCUT_VERSION = 1


def fingerprint(
    index: CatalogueIndex,
    profiles: tuple[Profile, ...],
    chosen: Profile | None,
    max_bytes: int,
    limits: ReadLimits,
) -> str:
    """Everything besides the file's bytes that decides what an import reads from it: the
    catalogue, the profiles (taught ones are tried first), the profile named, the limits."""
    digest = hashlib.sha256()
    for part in (
        SHORTCUT_VERSION,
        max_bytes,
        limits,
        chosen,
        profiles,
        [(*_indicator_facts(ref), sorted(ref.places)) for ref in index.by_id.values()],
        index.places,
        index.place_names,
        index.measures,
        index.context,
    ):
        digest.update(repr(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _indicator_facts(ref: IndicatorRef) -> tuple[Any, ...]:
    """An indicator's facts without its set of places (whose order is not fixed)."""
    return (
        ref.id,
        ref.code,
        ref.name,
        ref.plan_id,
        ref.plan_key,
        ref.plan_year,
        ref.massnahme_id,
        ref.measure_code,
        ref.kind,
        ref.unit,
        ref.parent_id,
        ref.baseline_period,
        ref.oe,
    )
