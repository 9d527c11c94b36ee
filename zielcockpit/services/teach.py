"""Use case: teach Zielcockpit a new layout on /import (show the sheet, preview, save a profile)."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.saved_profiles import add_saved_profile, profile_name_taken, saved_profiles
from etl.bounded import ReadLimits
from etl.extract import detect
from etl.profile import load_profiles
from etl.reading import Book, FileProblem, SheetData, open_book
from etl.tables import display, is_empty, is_numbering_row
from etl.teach import Assignment, Taught, TeachSpec, build_profile, column_period
from zielcockpit.domain.access import Principal
from zielcockpit.domain.german import find_period, fold_name, header_period, parse_value
from zielcockpit.services.imports import all_profiles, load_catalogue_index
from zielcockpit.services.upload import (
    UploadedFile,
    UploadOutcome,
    UploadRefused,
    decode_contents,
    import_uploads,
    safe_file_name,
)
from zielcockpit.settings import Settings

GRID_ROWS = 30
GRID_COLS = 15


def teach_refusal(principal: Principal | None) -> str | None:
    """Only the controlling (and the administration) teaches layouts: a profile reads for all."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_import:
        return None
    return "Neue Dateiaufbauten anlernen darf nur das Controlling (oder die Administration)."


@dataclass(frozen=True)
class SheetView:
    """The first rows and columns of a sheet as read, for the grid of „Aufbau anlernen“."""

    file_name: str
    sheet_names: list[str]
    sheet: str
    cells: list[list[str]]  # display texts, GRID_ROWS × GRID_COLS at most
    merged: list[tuple[int, int, int, int]]  # top, left, bottom, right (clipped to the grid)
    header_rows: list[int]  # the rows recognised as the header (a profile's, or a guess)
    label_column: int | None
    value_columns: list[int]  # columns with numbers below the header
    recognised_by: str | None  # the profile whose header it is, None for a guess
    total_rows: int
    total_cols: int
    period_from: str = "fixed"  # the likeliest source of the period, as a first choice
    period_cell: tuple[int, int] | None = None


def open_upload(settings: Settings, raw_name: str | None, contents: str | None) -> Book:
    """The uploaded file opened like the importer does; refusals as UploadRefused."""
    name, _note = safe_file_name(raw_name)
    data = decode_contents(contents, settings.max_upload_mb * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="zielcockpit-teach-") as folder:
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        path.write_bytes(data)
        try:
            book = open_book(
                path, settings.max_upload_mb * 1024 * 1024, name, ReadLimits.of(settings)
            )
            for sheet in book.sheet_names:
                book.sheet(sheet)  # read now: the temporary file is gone afterwards
        except FileProblem as exc:
            raise UploadRefused(str(exc)) from exc
    return book


def _plain_number(value: Any) -> bool:
    if isinstance(value, bool) or is_empty(value):
        return False
    if isinstance(value, int | float):
        return True
    try:
        return parse_value(str(value)).value is not None
    except ValueError:
        return False


def _guess_header(sheet: SheetData) -> tuple[list[int], int | None, list[int]]:
    """Without a profile: the text rows just above the first row with numbers."""
    rows = sheet.rows[:80]
    first_data = next(
        (
            r
            for r, row in enumerate(rows)
            if sum(_plain_number(v) for v in row) >= 1
            and not is_numbering_row(row)
            and sum(not is_empty(v) for v in row) >= 2
        ),
        None,
    )
    if first_data is None or first_data == 0:
        return [], None, []
    header = [first_data - 1]
    if is_numbering_row(rows[first_data - 1]) and first_data >= 2:
        header = [first_data - 2]
    while header[0] > 0 and sum(not is_empty(v) for v in rows[header[0] - 1]) >= 2:
        if len(header) >= 3:
            break
        header.insert(0, header[0] - 1)
    data = rows[first_data:]
    value_cols = sorted({c for row in data[:40] for c, v in enumerate(row) if _plain_number(v)})
    label = next(
        (c for c in range(len(rows[first_data])) if not is_empty(rows[first_data][c])), None
    )
    if label is not None and label in value_cols:
        label = None
    return header, label, value_cols


def _shown(value: Any, in_header: bool) -> str:
    """A cell as the grid shows it; a date serial in the header with its month („42887 (Juni
    2017)“), so the controller sees which period a column holds."""
    if is_empty(value):
        return ""
    text = display(value)
    if in_header and isinstance(value, int | float) and (period := header_period(value)):
        return f"{text} ({period.label})"
    return text


def sheet_view(book: Book, sheet_name: str | None = None) -> SheetView:
    """The sheet to teach with (the first one with numbers, unless named), recognised parts
    marked: the header of a shipped profile that found its table, else a guess."""
    names = list(book.sheet_names)
    if sheet_name not in names:
        sheet_name = next(
            (n for n in names if _guess_header(book.sheet(n))[0]), names[0] if names else ""
        )
    sheet = book.sheet(sheet_name)
    header, label, values = _guess_header(sheet)
    recognised_by = None
    found = detect(load_profiles(), book)
    if not isinstance(found, list):
        profile, located = found
        for item in located:
            if item.sheet.name == sheet_name:
                h = item.header
                header = list(range(h.top, h.bottom + 1))
                label = h.label_col
                recognised_by = profile.title
    cells = [
        [_shown(v, r in header) for v in row[:GRID_COLS]]
        for r, row in enumerate(sheet.rows[:GRID_ROWS])
    ]
    merged = [
        (r0, c0, min(r1, GRID_ROWS - 1), min(c1, GRID_COLS - 1))
        for (r0, c0), (r1, c1) in sheet.merged
        if r0 < GRID_ROWS and c0 < GRID_COLS
    ]
    period_from, period_cell = _guess_period(book, sheet, header, values)
    return SheetView(
        book.file_name,
        names,
        sheet_name,
        cells,
        merged,
        header,
        label,
        [c for c in values if c < GRID_COLS],
        recognised_by,
        len(sheet.rows),
        max((len(r) for r in sheet.rows), default=0),
        period_from,
        period_cell,
    )


def _guess_period(
    book: Book, sheet: SheetData, header: list[int], values: list[int]
) -> tuple[str, tuple[int, int] | None]:
    if header and any(column_period(sheet, header, c) is not None for c in values):
        return "column", None
    for r, row in enumerate(sheet.rows[: min(header) if header else 0]):
        for c, v in enumerate(row):
            if isinstance(v, str) and find_period(v) is not None:
                return "cell", (r, c)
    if find_period(Path(book.file_name).name.replace("_", " ")) is not None:
        return "file_name", None
    return "fixed", None


@dataclass(frozen=True)
class Choices:
    """What a controller picks from: the catalogue's indicators and places."""

    indicators: list[tuple[str, str]]  # (code, "code – name (plan)")
    places: list[str]


def teach_choices(engine: Engine) -> Choices:
    with engine.connect() as conn:
        index = load_catalogue_index(conn)
    seen: dict[str, str] = {}
    for refs in index.indicators.values():
        for ref in refs:
            seen.setdefault(ref.code, f"{ref.code} – {ref.name} ({ref.plan_key})")
    places = sorted(set(index.place_names.values()))
    return Choices(sorted(seen.items(), key=lambda kv: _code_order(kv[0])), places)


def _code_order(code: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


def _taken(engine: Engine) -> Any:
    shipped = {fold_name(p.name) for p in load_profiles()}
    with engine.connect() as conn:
        saved = {fold_name(r.name) for r in saved_profiles(conn)}
    return lambda name: fold_name(name) in shipped | saved


def _known_place(engine: Engine) -> Any:
    with engine.connect() as conn:
        index = load_catalogue_index(conn)
    return lambda label: (
        index.place_names.get(index.places[label]) if label in index.places else None
    )


@dataclass
class TeachOutcome:
    taught: Taught
    preview: UploadOutcome | None = None
    saved: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.taught.errors


def preview_taught(
    engine: Engine,
    settings: Settings,
    principal: Principal | None,
    raw_name: str | None,
    contents: str | None,
    spec: TeachSpec,
) -> TeachOutcome:
    """The profile for what was pointed at, and the importer's preview of the file with it."""
    refusal = teach_refusal(principal)
    if refusal is not None or principal is None:
        return TeachOutcome(Taught(errors=[refusal or "Bitte zuerst anmelden."]))
    try:
        book = open_upload(settings, raw_name, contents)
    except UploadRefused as exc:
        return TeachOutcome(Taught(errors=[str(exc)]))
    taught = build_profile(spec, book, _taken(engine), _known_place(engine))
    out = TeachOutcome(taught)
    if taught.profile is None:
        return out
    out.preview = import_uploads(
        engine,
        settings,
        principal,
        [UploadedFile(raw_name, book.data)],
        dry_run=True,
        candidate=taught.profile,
    )
    report = out.preview.report
    if out.preview.refusal:
        out.errors.append(out.preview.refusal)
    elif report is not None and report.status == "rejected":
        out.errors.append(
            "Mit diesem Aufbau liest die Datei nicht fehlerfrei (siehe Fehler in der Vorschau); "
            "das Profil wird so nicht gespeichert."
        )
    return out


def save_taught(
    engine: Engine,
    settings: Settings,
    principal: Principal | None,
    raw_name: str | None,
    contents: str | None,
    spec: TeachSpec,
) -> TeachOutcome:
    """Check again, then store the profile with its audit entry in one transaction."""
    out = preview_taught(engine, settings, principal, raw_name, contents, spec)
    if not out.ok or out.taught.profile is None or principal is None:
        return out
    try:
        with Session(engine) as session, session.begin():
            if profile_name_taken(session, out.taught.data["name"]):
                out.errors.append(
                    f"Ein Importprofil „{out.taught.data['name']}“ gibt es schon. Bitte einen "
                    "anderen Namen wählen."
                )
                session.rollback()
                return out
            add_saved_profile(session, out.taught.data, principal.name)
    except IntegrityError:
        out.errors.append(
            f"Ein Importprofil „{out.taught.data['name']}“ gibt es schon (eben gespeichert). "
            "Bitte einen anderen Namen wählen."
        )
        return out
    out.saved = True
    return out


def profile_list(engine: Engine) -> list[dict[str, Any]]:
    """Shipped and saved profiles for `zielcockpit profiles`: name, title, origin, who, when."""
    with engine.connect() as conn:
        saved = {r.name: r for r in saved_profiles(conn)}
        profiles = all_profiles(conn)
    rows = []
    for p in profiles:
        row = saved.get(p.name)
        rows.append(
            {
                "name": p.name,
                "title": p.title,
                "origin": p.origin,
                "created_by": row.created_by if row else None,
                "created_at": row.created_at if row else None,
            }
        )
    return rows


_ADDRESS = re.compile(r"^\s*([A-Za-z]{1,3})\s*(\d{1,6})\s*$")


def parse_address(text: str | None) -> tuple[int, int] | None:
    """„B2“ -> (1, 1); None for anything else."""
    found = _ADDRESS.match(text or "")
    if found is None:
        return None
    col = 0
    for ch in found.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(found.group(2)) - 1, col - 1


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def spec_from_form(form: dict[str, Any]) -> TeachSpec:
    """The choices of the form (plain JSON values from the browser) as a TeachSpec; anything
    malformed becomes „not chosen“, which build_profile names in German."""
    assignments = []
    for line in form.get("lines") or []:
        column = _int(line.get("column"))
        # typed, or picked from the list as „500-1.1 – Arbeitsaufnahmen … (2017)“
        indicator = str(line.get("indicator") or "").split(" – ")[0].strip()
        if column is None or not indicator:
            continue
        row = _int(line.get("row"))
        assignments.append(Assignment(indicator, column, None if row is None or row < 0 else row))
    top, bottom = _int(form.get("header_top")), _int(form.get("header_bottom"))
    if top is not None and bottom is not None and bottom < top:
        top, bottom = bottom, top
    header = [] if top is None else list(range(top, (top if bottom is None else bottom) + 1))
    header += [r for r in (_int(v) for v in form.get("header_rows") or []) if r is not None]
    header = sorted(set(header))
    return TeachSpec(
        name=str(form.get("name") or ""),
        title=str(form.get("title") or ""),
        sheet=str(form.get("sheet") or ""),
        header_rows=tuple(header),
        label_column=_int(form.get("label_column")),
        assignments=tuple(assignments),
        period_from=str(form.get("period_from") or ""),
        period_cell=parse_address(form.get("period_cell")),
        period_column=_int(form.get("period_column")),
        period_value=str(form.get("period_value") or ""),
        place_from=str(form.get("place_from") or "none"),
        place_value=str(form.get("place_value") or ""),
        place_column=_int(form.get("place_column")),
    )
