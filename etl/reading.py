"""Reading files: calamine for .xlsx/.xls/.ods, CSV with encoding detection, and the checks that
turn a broken, locked, oversized or disguised file into one German sentence."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import python_calamine as calamine

from etl.tables import MergedRange, fill_merged
from zielcockpit.domain.formatting import fmt_number

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
YAML_SUFFIXES = (".yaml", ".yml")
# A real workbook compresses about 5 to 20 times; a zip bomb a thousand times.
MAX_RATIO = 100
RATIO_FLOOR = 10 * 1024 * 1024
UNPACKED_FACTOR = 50


class FileProblem(Exception):
    """The file as a whole cannot be read; the message (German) says why and what to do."""


@dataclass
class SheetData:
    """One sheet as rows of plain values, merged cells filled, with what only the XML knows."""

    name: str
    rows: list[list[Any]]
    percent_cells: frozenset[tuple[int, int]] = frozenset()
    missing_formulas: frozenset[tuple[int, int]] = frozenset()
    merged: tuple[MergedRange, ...] = ()  # ((top, left), (bottom, right)), zero-based


@dataclass
class Book:
    """An opened source file; sheets are read on first use."""

    file_name: str
    format: str  # "xlsx", "xls", "ods", "csv", "yaml"
    data: bytes
    sheet_names: list[str]
    _loader: Callable[[str], SheetData] | None = None
    _cache: dict[str, SheetData] = field(default_factory=dict)
    _facts: dict[str, str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetData:
        if name not in self._cache:
            assert self._loader is not None
            self._cache[name] = self._loader(name)
        return self._cache[name]

    @property
    def checksum(self) -> str:
        if "checksum" not in self._facts:
            self._facts["checksum"] = hashlib.sha256(self.data).hexdigest()
        return self._facts["checksum"]

    @property
    def is_text(self) -> bool:
        return self.format == "csv"


def mb(size: int) -> str:
    return fmt_number(size / 1024 / 1024, 1)


def open_book(path: Path, max_bytes: int, file_name: str | None = None) -> Book:
    """Open a source file or raise FileProblem; never a traceback for the person uploading."""
    name = file_name or path.name
    suffix = Path(name).suffix.lower()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise FileProblem("Datei nicht gefunden.") from exc
    except OSError as exc:
        raise FileProblem(f"Datei nicht lesbar ({exc.strerror}).") from exc
    if size == 0:
        raise FileProblem("Die Datei ist leer (0 Byte).")
    if size > max_bytes:
        raise FileProblem(
            f"Die Datei ist {mb(size)} MB groß; erlaubt sind höchstens {mb(max_bytes)} MB "
            "(Einstellung ZIELCOCKPIT_MAX_UPLOAD_MB)."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"Datei nicht lesbar ({exc.strerror}).") from exc
    if suffix in YAML_SUFFIXES:
        return Book(name, "yaml", data, [])
    if data.startswith(b"%PDF"):
        raise FileProblem(
            "Die Datei ist ein PDF-Dokument, keine Tabelle. Bitte die Excel-Datei selbst "
            "(.xlsx, .xls, .ods) oder eine CSV-Datei hochladen."
        )
    if data.startswith(ZIP_MAGIC):
        return _open_zip(name, data, max_bytes)
    if data.startswith(OLE_MAGIC):
        return _open_ole(name, data)
    if suffix in WORKBOOK_SUFFIXES:
        raise FileProblem(
            f"Die Datei heißt {suffix}, ist aber keine Excel- oder OpenDocument-Tabelle "
            "(unbekannter Inhalt). Bitte die Datei in Excel öffnen und neu speichern."
        )
    text = _decode(data)
    if text is None:
        raise FileProblem(
            "Dateityp unbekannt: weder Excel (.xlsx, .xls), OpenDocument (.ods) noch CSV-Text."
        )
    return _csv_book(name, data, text)


# -- zip containers: .xlsx, .xlsm, .ods --------------------------------------------------------


def _open_zip(name: str, data: bytes, max_bytes: int) -> Book:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise FileProblem(
            "Die Datei ist beschädigt oder unvollständig (das ZIP-Archiv der Arbeitsmappe lässt "
            "sich nicht öffnen, z. B. nach einem abgebrochenen Download)."
        ) from exc
    unpacked = sum(m.file_size for m in members)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise FileProblem(
                f"Die Datei wird beim Entpacken {ratio:.0f}-mal größer ({member.filename}: "
                f"{mb(member.file_size)} MB); das ist keine gewöhnliche Arbeitsmappe "
                "(Verdacht auf ZIP-Bombe). Nichts wurde gelesen."
            )
    if unpacked > UNPACKED_FACTOR * max_bytes:
        raise FileProblem(
            f"Die Datei enthält entpackt {mb(unpacked)} MB; erlaubt sind höchstens "
            f"{mb(UNPACKED_FACTOR * max_bytes)} MB (Verdacht auf ZIP-Bombe)."
        )
    names = {m.filename for m in members}
    if "xl/workbook.xml" in names:
        fmt = "xlsx"
    elif "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
        fmt = "ods"
    else:
        raise FileProblem(
            "Die Datei ist ein ZIP-Archiv, aber keine Excel- oder OpenDocument-Tabelle."
        )
    workbook = _calamine(data)
    extras = _XlsxExtras(archive) if fmt == "xlsx" else None

    def load(sheet_name: str) -> SheetData:
        sheet = _calamine_sheet(workbook, sheet_name)
        if extras is None:
            return sheet
        percent, missing = extras.scan(sheet_name)
        return SheetData(sheet.name, sheet.rows, percent, missing, sheet.merged)

    return Book(name, fmt, data, list(workbook.sheet_names), load)


def _open_ole(name: str, data: bytes) -> Book:
    # An encrypted .xlsx is an OLE container with these streams (names in UTF-16).
    if (
        "EncryptedPackage".encode("utf-16-le") in data
        or "EncryptionInfo".encode("utf-16-le") in data
    ):
        raise _password()
    workbook = _calamine(data, old=True)
    return Book(
        name, "xls", data, list(workbook.sheet_names), lambda s: _calamine_sheet(workbook, s)
    )


def _password() -> FileProblem:
    return FileProblem(
        "Die Arbeitsmappe ist mit einem Kennwort geschützt. Bitte den Kennwortschutz entfernen "
        "(Datei > Informationen > Arbeitsmappe schützen) und die Datei erneut hochladen."
    )


def _calamine(data: bytes, old: bool = False) -> calamine.CalamineWorkbook:
    try:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise _password() from exc
    except Exception as exc:  # calamine raises several error types for broken files
        kind = "alte Excel-Datei (.xls)" if old else "Arbeitsmappe"
        raise FileProblem(
            f"Die {kind} ist beschädigt und lässt sich nicht lesen ({_reason(exc)}). Bitte in "
            "Excel öffnen, als .xlsx speichern und erneut hochladen."
        ) from exc


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _calamine_sheet(workbook: calamine.CalamineWorkbook, name: str) -> SheetData:
    try:
        sheet = workbook.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except calamine.PasswordError as exc:
        raise _password() from exc
    except Exception as exc:
        raise FileProblem(
            f"Blatt „{name}“ ist beschädigt und lässt sich nicht lesen ({_reason(exc)})."
        ) from exc
    if merged:
        fill_merged(rows, merged)
    # Every row as wide as the widest, so readers may index any header column.
    width = max(map(len, rows), default=0)
    if min(map(len, rows), default=0) < width:
        for r in rows:
            if len(r) < width:
                r.extend([""] * (width - len(r)))
    return SheetData(name, rows, merged=tuple(merged))


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


class _XlsxExtras:
    """What calamine does not tell: percent formats and formulas without a stored result."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.paths = self._sheet_paths()
        self.percent_styles = self._percent_styles()

    def _sheet_paths(self) -> dict[str, str]:
        try:
            book = ElementTree.fromstring(self.archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(self.archive.read("xl/_rels/workbook.xml.rels"))
        except (KeyError, ElementTree.ParseError):
            return {}
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        paths = {}
        for sheet in book.iterfind("m:sheets/m:sheet", _NS):
            target = targets.get(sheet.get(_REL), "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            paths[sheet.get("name", "")] = target
        return paths

    def _percent_styles(self) -> list[bytes]:
        try:
            styles = ElementTree.fromstring(self.archive.read("xl/styles.xml"))
        except (KeyError, ElementTree.ParseError):
            return []
        custom = {
            f.get("numFmtId"): f.get("formatCode", "")
            for f in styles.iterfind("m:numFmts/m:numFmt", _NS)
        }
        found = []
        for index, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", _NS)):
            fmt = xf.get("numFmtId", "0")
            code = re.sub(r'"[^"]*"|\\.', "", custom.get(fmt, ""))
            if fmt in ("9", "10") or "%" in code:
                found.append(str(index).encode())
        return found

    def scan(
        self, sheet_name: str
    ) -> tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]]]:
        path = self.paths.get(sheet_name)
        if path is None:
            return frozenset(), frozenset()
        try:
            xml = self.archive.read(path)
        except (KeyError, zipfile.BadZipFile, OSError):
            return frozenset(), frozenset()
        return _percent_cells(xml, self.percent_styles), _missing_formulas(xml)


def _position(col_letters: bytes, row_digits: bytes) -> tuple[int, int]:
    col = 0
    for ch in col_letters:
        col = col * 26 + (ch - 64)
    return int(row_digits) - 1, col - 1


def _percent_cells(xml: bytes, styles: list[bytes]) -> frozenset[tuple[int, int]]:
    if not styles:
        return frozenset()
    alternatives = b"|".join(styles)
    # Excel and openpyxl write r before s; other writers may not, hence both orders.
    pattern = re.compile(
        rb'<c\s+r="([A-Z]{1,3})(\d+)"[^>]*?\ss="(?:' + alternatives + rb')"'
        rb'|<c\s+s="(?:' + alternatives + rb')"[^>]*?\sr="([A-Z]{1,3})(\d+)"'
    )
    found = set()
    for m in pattern.finditer(xml):
        letters, digits = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        found.add(_position(letters, digits))
    return frozenset(found)


def _missing_formulas(xml: bytes) -> frozenset[tuple[int, int]]:
    """Cells with a formula but no stored result (a file saved without recalculation)."""
    missing = set()
    pos = xml.find(b"<f")
    while pos != -1:
        after = xml[pos + 2 : pos + 3]
        if after not in (b">", b" ", b"/"):
            pos = xml.find(b"<f", pos + 2)
            continue
        start = xml.rfind(b"<c ", 0, pos)
        end = xml.find(b"</c>", pos)
        if start == -1 or end == -1:
            break
        cell = xml[start:end]
        ref = _CELL_REF.search(cell[:120])
        value = _VALUE.search(cell)
        if ref and (value is None or not value.group(1).strip()):
            missing.add(_position(ref.group(1), ref.group(2)))
        pos = xml.find(b"<f", end)
    return frozenset(missing)


# -- CSV ---------------------------------------------------------------------------------------


def _decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Windows-1252; binary data is not text."""
    if b"\x00" in data[:4096]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _csv_book(name: str, data: bytes, text: str) -> Book:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first or "\t" not in first else "\t"
    rows: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        r.extend([""] * (width - len(r)))
    sheet = SheetData("", rows)
    return Book(name, "csv", data, [""], lambda _name: sheet)
