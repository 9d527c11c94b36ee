"""Use case: the cell behind a number – the archived original's sheet around it, and its import.

Rendered from the archived file (`ZIELCOCKPIT_ARCHIVE_DIR`), never downloaded: the page shows
the rows and columns around the cell with the cell marked, plus file name, checksum, import time
and who imported it. Values entered in the form have no file: the view says who entered them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from db.sources import ValueSource, value_source
from etl.reading import FileProblem, open_book
from etl.tables import display, is_empty
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_datetime
from zielcockpit.settings import Settings

AROUND_ROWS = 8
AROUND_COLS = 5
_ADDRESS = re.compile(r"\b([A-Z]{1,3})(\d{1,7})\b")


@dataclass(frozen=True)
class SourceCell:
    """What the page /quelle/<id> shows; `message` explains what is not there."""

    source: ValueSource | None
    refusal: str | None = None
    message: str | None = None
    sheet: str | None = None
    cells: list[list[str]] = field(default_factory=list)  # the window around the cell
    first_row: int = 0  # zero-based row of cells[0]
    first_col: int = 0
    hits: frozenset[tuple[int, int]] = frozenset()  # zero-based cells of the value
    archive_checked: bool = False  # the archived file's checksum is the import's


def addresses(text: str | None) -> list[tuple[int, int]]:
    """„B5“, „B5 (+2)“, „B5, C7“ -> zero-based (row, col) of each address named."""
    out = []
    for letters, digits in _ADDRESS.findall(text or ""):
        col = 0
        for ch in letters:
            col = col * 26 + ord(ch) - 64
        out.append((int(digits) - 1, col - 1))
    return out


def source_refusal(principal: Principal | None, source: ValueSource) -> str | None:
    """Every role that reads a measure's page reads its sources (all roles read every measure,
    see zielcockpit/domain/access.py); without a login nothing."""
    if principal is None:
        return "Bitte zuerst anmelden."
    del source
    return None


def _archived(settings: Settings, source: ValueSource) -> Path | None:
    candidates = []
    if source.archive_path:
        candidates.append(Path(source.archive_path))
    if source.checksum:
        suffix = Path(source.file_name or "").suffix.lower() or ".bin"
        candidates.append(settings.archive_dir / source.checksum[:2] / f"{source.checksum}{suffix}")
    return next((p for p in candidates if p.is_file()), None)


def source_cell(
    engine: Engine, settings: Settings, principal: Principal | None, value_id: int
) -> SourceCell:
    source = value_source(engine, value_id)
    if source is None:
        return SourceCell(None, message=f"Einen gespeicherten Wert Nr. {value_id} gibt es nicht.")
    refusal = source_refusal(principal, source)
    if refusal is not None:
        return SourceCell(source, refusal=refusal)
    if source.import_kind != "datei":
        return SourceCell(source, message=_no_file(source))
    path = _archived(settings, source)
    if path is None:
        return SourceCell(
            source,
            message="Die Originaldatei ist im Archiv nicht (mehr) vorhanden "
            f"(erwartet unter {settings.archive_dir}).",
        )
    try:
        book = open_book(path, 1 << 62, source.file_name or path.name)
        name = source.sheet if source.sheet in book.sheet_names else book.sheet_names[0]
        sheet = book.sheet(name)
    except (FileProblem, IndexError) as exc:
        return SourceCell(source, message=f"Die Originaldatei lässt sich nicht lesen: {exc}")
    hits = addresses(" ".join(source.summed_cells)) or addresses(source.cell)
    if not hits:
        return SourceCell(source, message="Zu diesem Wert ist keine Zelle gespeichert.")
    top = max(0, min(r for r, _ in hits) - AROUND_ROWS)
    bottom = max(r for r, _ in hits) + AROUND_ROWS
    left = max(0, min(c for _, c in hits) - AROUND_COLS)
    right = max(c for _, c in hits) + AROUND_COLS
    width = max((len(row) for row in sheet.rows), default=0)
    right = min(right, max(width - 1, 0))
    cells = [
        [
            display(row[c]) if c < len(row) and not is_empty(row[c]) else ""
            for c in range(left, right + 1)
        ]
        for row in sheet.rows[top : bottom + 1]
    ]
    return SourceCell(
        source,
        sheet=None if book.is_text else name,
        cells=cells,
        first_row=top,
        first_col=left,
        hits=frozenset(hits),
        archive_checked=book.checksum == source.checksum,
    )


def _no_file(source: ValueSource) -> str:
    when = fmt_datetime(source.recorded_at) if source.recorded_at else "unbekannt"
    if source.import_kind == "erfassung":
        return f"Im Formular erfasst von {source.recorded_by or 'unbekannt'} am {when}."
    if source.import_kind == "demo" or source.demo:
        return f"Demodaten, erzeugt am {when} – keine Originaldatei."
    return f"Ohne Originaldatei gespeichert von {source.recorded_by or 'unbekannt'} am {when}."
