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

from etl.bounded import LimitExceeded, ReadLimits, run_bounded
from etl.tables import MergedRange, fill_merged
from zielcockpit.domain.formatting import fmt_number

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MACRO_SUFFIXES = (".xlsm", ".xltm")
WORKBOOK_SUFFIXES = (".xlsx", ".xltx", *MACRO_SUFFIXES, ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
YAML_SUFFIXES = (".yaml", ".yml")
# A real workbook compresses about 5 to 20 times; a zip bomb a thousand times. Small parts
# (shared strings of a few repeated words) may compress far better and are harmless.
RATIO_FLOOR = 10 * 1024 * 1024
UNPACKED_FACTOR = 50
# What Excel (German and English), LibreOffice and a CSV exported from them put in a cell whose
# formula has no result. calamine reads such cells of an .xlsx or .ods as empty text.
ERROR_CODES: dict[str, str] = {
    "#DIV/0!": "Division durch 0",
    "#N/A": "Wert nicht verfügbar",
    "#NV": "Wert nicht verfügbar",
    "#VALUE!": "falscher Datentyp",
    "#WERT!": "falscher Datentyp",
    "#REF!": "ungültiger Zellbezug",
    "#BEZUG!": "ungültiger Zellbezug",
    "#NAME?": "unbekannter Name in der Formel",
    "#NUM!": "ungültige Zahl",
    "#ZAHL!": "ungültige Zahl",
    "#NULL!": "leere Schnittmenge",
    "#SPILL!": "Überlauf",
    "#ÜBERLAUF!": "Überlauf",
    "#CALC!": "Berechnungsfehler",
    "#GETTING_DATA": "Daten werden noch geladen",
}
MACRO_NOTICE = (
    "Die Arbeitsmappe enthält Makros: Makros wurden nicht ausgeführt, sondern ignoriert; "
    "gelesen wurden nur die gespeicherten Werte."
)
DTD_MESSAGE = "Die Datei enthält eine DTD und wird aus Sicherheitsgründen nicht gelesen."


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
    error_cells: dict[tuple[int, int], str] = field(default_factory=dict)  # -> "#DIV/0!"


@dataclass
class Book:
    """An opened source file, every sheet read (in the bounded child process)."""

    file_name: str
    format: str  # "xlsx", "xls", "ods", "csv", "yaml"
    data: bytes
    sheet_names: list[str]
    sheets: dict[str, SheetData] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # sheet -> why it cannot be read
    notices: list[str] = field(default_factory=list)  # German, for the person importing
    _facts: dict[str, str] = field(default_factory=dict)

    def sheet(self, name: str) -> SheetData:
        if name in self.broken:  # only a sheet that is used refuses the file
            raise FileProblem(self.broken[name])
        return self.sheets[name]

    @property
    def checksum(self) -> str:
        if "checksum" not in self._facts:
            self._facts["checksum"] = hashlib.sha256(self.data).hexdigest()
        return self._facts["checksum"]

    @property
    def is_text(self) -> bool:
        return self.format == "csv"


@dataclass
class _Contents:
    """What the child process hands back: a Book without the bytes the parent already has."""

    format: str
    sheet_names: list[str]
    sheets: dict[str, SheetData]
    broken: dict[str, str]
    notices: list[str]


def mb(size: int) -> str:
    return fmt_number(size / 1024 / 1024, 1)


def open_book(
    path: Path, max_bytes: int, file_name: str | None = None, limits: ReadLimits | None = None
) -> Book:
    """Open a source file or raise FileProblem; never a traceback for the person uploading.

    The one entry to reading a file: every sheet is read in a child process bounded by
    `limits` (memory, time; the settings by default), after the zip container's parts were
    checked for their unpacked size and ratio without unpacking them."""
    limits = limits or ReadLimits.of()
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
        check_zip(data, max_bytes, limits.zip_ratio)
    try:
        read = run_bounded("etl.reading:read_contents", data, (name, max_bytes, limits), limits)
    except LimitExceeded as exc:
        raise FileProblem(str(exc)) from exc
    if isinstance(read, str):
        raise FileProblem(read)
    return Book(name, read.format, data, read.sheet_names, read.sheets, read.broken, read.notices)


def read_contents(data: bytes, name: str, max_bytes: int, limits: ReadLimits) -> _Contents | str:
    """Every sheet of a file (run by `open_book` in the bounded child), or the German reason
    why the file cannot be read."""
    try:
        opened = _contents(data, name, max_bytes, limits)
    except FileProblem as exc:
        return str(exc)
    sheets, broken = {}, {}
    for sheet_name in opened.sheet_names:
        try:
            sheets[sheet_name] = opened.load(sheet_name)
        except FileProblem as exc:
            broken[sheet_name] = str(exc)
    return _Contents(opened.format, opened.sheet_names, sheets, broken, opened.notices)


@dataclass
class _Opened:
    """An opened file in the child: its sheets read one by one with `load`."""

    format: str
    sheet_names: list[str]
    load: Callable[[str], SheetData]
    notices: list[str] = field(default_factory=list)


def _contents(data: bytes, name: str, max_bytes: int, limits: ReadLimits) -> _Opened:
    suffix = Path(name).suffix.lower()
    if data.startswith(ZIP_MAGIC):
        return _open_zip(name, data, max_bytes, limits)
    if data.startswith(OLE_MAGIC):
        return _open_ole(data)
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
    return _csv_book(text)


# -- zip containers: .xlsx, .xlsm, .ods --------------------------------------------------------


def _zip(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise FileProblem(
            "Die Datei ist beschädigt oder unvollständig (das ZIP-Archiv der Arbeitsmappe lässt "
            "sich nicht öffnen, z. B. nach einem abgebrochenen Download)."
        ) from exc
    return archive


def check_zip(data: bytes, max_bytes: int, ratio_limit: float) -> None:
    """The unpacked size and ratio of every part, from the zip directory, before unpacking;
    FileProblem when a part is over a limit or the archive is broken."""
    _check_members(_zip(data), max_bytes, ratio_limit)


def _check_members(archive: zipfile.ZipFile, max_bytes: int, ratio_limit: float) -> None:
    members = archive.infolist()
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > ratio_limit:
            raise FileProblem(
                f"Die Datei wird beim Entpacken {ratio:.0f}-mal größer ({member.filename}: "
                f"{mb(member.file_size)} MB); erlaubt ist höchstens das {ratio_limit:g}-Fache "
                "(Grenze ZIELCOCKPIT_ZIP_RATIO). Das ist keine gewöhnliche Arbeitsmappe "
                "(Verdacht auf ZIP-Bombe). Nichts wurde gelesen."
            )
    unpacked = sum(m.file_size for m in members)
    if unpacked > UNPACKED_FACTOR * max_bytes:
        raise FileProblem(
            f"Die Datei enthält entpackt {mb(unpacked)} MB; erlaubt sind höchstens "
            f"{mb(UNPACKED_FACTOR * max_bytes)} MB (das {UNPACKED_FACTOR}-Fache der Grenze "
            "ZIELCOCKPIT_MAX_UPLOAD_MB; Verdacht auf ZIP-Bombe)."
        )


def _open_zip(name: str, data: bytes, max_bytes: int, limits: ReadLimits) -> _Opened:
    archive = _zip(data)
    _check_members(archive, max_bytes, limits.zip_ratio)
    members = archive.infolist()
    for member in members:
        if _has_dtd(archive, member):
            raise FileProblem(f"{DTD_MESSAGE} (Teil {member.filename})")
    names = {m.filename for m in members}
    if "xl/workbook.xml" in names:
        fmt = "xlsx"
    elif "mimetype" in names and b"spreadsheet" in archive.read("mimetype"):
        fmt = "ods"
    else:
        raise FileProblem(
            "Die Datei ist ein ZIP-Archiv, aber keine Excel- oder OpenDocument-Tabelle."
        )
    notices = []
    if Path(name).suffix.lower() in MACRO_SUFFIXES or "xl/vbaProject.bin" in names:
        notices.append(MACRO_NOTICE)
    workbook = _calamine(data)
    extras: _XlsxExtras | _OdsErrors = (
        _XlsxExtras(archive) if fmt == "xlsx" else _OdsErrors(archive)
    )

    def load(sheet_name: str) -> SheetData:
        sheet = _calamine_sheet(workbook, sheet_name)
        percent, missing, errors = extras.scan(sheet_name)
        return SheetData(sheet.name, sheet.rows, percent, missing, sheet.merged, errors)

    return _Opened(fmt, list(workbook.sheet_names), load, notices)


_PROLOG_LIMIT = 1 << 20
_XML_PARTS = (".xml", ".rels", ".vml")


def _has_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """A document type declaration before the root element of an XML part (XXE, billion
    laughs): no workbook needs one. Only the prolog is unpacked."""
    if not member.filename.lower().endswith(_XML_PARTS) or member.is_dir():
        return False
    try:
        with archive.open(member) as handle:
            head = handle.read(_PROLOG_LIMIT)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise FileProblem(
            f"Die Datei ist beschädigt (Teil {member.filename} lässt sich nicht entpacken)."
        ) from exc
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", "ignore")
    else:
        text = head.decode("latin-1")
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n\ufeff\xef\xbb\xbf":
            pos += 1
        if text.startswith("<?", pos):
            closing = "?>"
        elif text.startswith("<!--", pos):
            closing = "-->"
        else:
            return text[pos : pos + 9].upper() == "<!DOCTYPE"
        end = text.find(closing, pos)
        if end == -1:
            return False
        pos = end + len(closing)


def _open_ole(data: bytes) -> _Opened:
    # An encrypted .xlsx is an OLE container with these streams (names in UTF-16).
    if (
        "EncryptedPackage".encode("utf-16-le") in data
        or "EncryptionInfo".encode("utf-16-le") in data
    ):
        raise _password()
    workbook = _calamine(data, old=True)
    return _Opened("xls", list(workbook.sheet_names), lambda s: _calamine_sheet(workbook, s))


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

    def scan(self, sheet_name: str) -> _Scanned:
        path = self.paths.get(sheet_name)
        if path is None:
            return frozenset(), frozenset(), {}
        try:
            xml = self.archive.read(path)
        except (KeyError, zipfile.BadZipFile, OSError):
            return frozenset(), frozenset(), {}
        return _percent_cells(xml, self.percent_styles), _missing_formulas(xml), _xlsx_errors(xml)


_Scanned = tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]], dict[tuple[int, int], str]]
_ERROR_CELL = re.compile(rb'<c\s[^>]*?\bt="e"[^>]*>.*?</c>', re.DOTALL)


def _xlsx_errors(xml: bytes) -> dict[tuple[int, int], str]:
    """Cells whose stored result is an error (`t="e"`): `#DIV/0!` and its siblings."""
    if b't="e"' not in xml:
        return {}
    found = {}
    for m in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.search(m.group(0)[:200])
        value = _VALUE.search(m.group(0))
        if ref:
            code = value.group(1).decode("utf-8", "replace").strip() if value else ""
            found[_position(ref.group(1), ref.group(2))] = code or "#FEHLER"
    return found


_ODS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "calcext": "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}


class _OdsErrors:
    """Error cells of an .ods: LibreOffice writes them as an empty string marked
    `calcext:value-type="error"`, with the code (`#DIV/0!`) in the cell's text."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.found: dict[str, dict[tuple[int, int], str]] | None = None

    def scan(self, sheet_name: str) -> _Scanned:
        if self.found is None:
            self.found = self._read()
        return frozenset(), frozenset(), self.found.get(sheet_name, {})

    def _read(self) -> dict[str, dict[tuple[int, int], str]]:
        try:
            xml = self.archive.read("content.xml")
        except (KeyError, zipfile.BadZipFile, OSError):
            return {}
        if b'value-type="error"' not in xml:
            return {}
        t, calc = "{" + _ODS["table"] + "}", "{" + _ODS["calcext"] + "}"
        found: dict[str, dict[tuple[int, int], str]] = {}
        sheet, row, col = "", -1, 0
        for event, el in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == t + "table":
                    sheet, row = el.get(t + "name", ""), -1
                elif tag == t + "table-row":
                    row, col = row + 1, 0
                continue
            if tag == t + "table-row":
                row += int(el.get(t + "number-rows-repeated", "1")) - 1
                el.clear()
            elif tag in (t + "table-cell", t + "covered-table-cell"):
                repeat = int(el.get(t + "number-columns-repeated", "1"))
                if el.get(calc + "value-type") == "error":
                    code = "".join(el.itertext()).strip() or "#FEHLER"
                    for k in range(min(repeat, 16384)):
                        found.setdefault(sheet, {})[(row, col + k)] = code
                col += repeat
        return found


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
    """UTF-8 (with or without BOM), UTF-16 with its BOM (Excel's „Unicode-Text“), else
    Windows-1252; binary data is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
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


def _csv_book(text: str) -> _Opened:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first or "\t" not in first else "\t"
    rows: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    width = max((len(r) for r in rows), default=0)
    errors = {}
    for r, row in enumerate(rows):
        row.extend([""] * (width - len(row)))
        for c, cell in enumerate(row):
            # The text a spreadsheet exported for a formula without a result.
            if cell[:1] == "#" and cell.strip().upper() in ERROR_CODES:
                errors[(r, c)] = cell.strip().upper()
    sheet = SheetData("", rows, error_cells=errors)
    return _Opened("csv", [""], lambda _name: sheet)
