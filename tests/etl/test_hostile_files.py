"""Hostile and broken files through the real command (issue 26): the bounded reader (memory, time,
zip ratio), error cells, DTDs, UTF-16 text, macros and a full disk. Each refusal is one German
sentence naming the file, the cell or the limit, exit 1, and the database exactly as before."""

from __future__ import annotations

import random
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from etl.reading import DTD_MESSAGE, ERROR_CODES, MACRO_NOTICE
from tests.etl.conftest import dump, write_csv, write_xlsx
from tests.etl.test_bad_files import HEADER, assert_rejected, run_import
from zielcockpit.domain.access import Principal
from zielcockpit.domain.catalogue_checks import CatalogueError
from zielcockpit.services.catalogue import import_workbook
from zielcockpit.services.upload import UploadedFile, import_uploads
from zielcockpit.settings import Settings

SHEET_XML = "xl/worksheets/sheet1.xml"
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])  # reading does not touch the database


def dense_workbook(path: Path, unpacked_mb: int, cols: int = 200) -> Path:
    """A valid workbook whose one sheet is `unpacked_mb` of cells and zips some 60 times
    smaller (like the 17 MB file of the issue that unpacked to 945 MB): a 2 MB block of rows
    with a few random numbers, larger than deflate's window, written again and again."""
    base = write_xlsx(
        path.with_suffix(".base.xlsx"), {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]}
    )
    rnd = random.Random(26)
    block = []
    for _ in range(2_000_000 // (cols * 15)):
        cells = [b"<c><v>1</v></c>"] * cols
        for k in rnd.sample(range(cols), 6):
            cells[k] = b"<c><v>%d</v></c>" % rnd.randrange(10**6)
        block.append(b"<row>" + b"".join(cells) + b"</row>")
    chunk = b"".join(block)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != SHEET_XML:
                out.writestr(info, src.read(info))
                continue
            with out.open(SHEET_XML, "w", force_zip64=True) as sheet:
                sheet.write(
                    b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                for _ in range(unpacked_mb * 1024 * 1024 // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</sheetData></worksheet>")
    base.unlink()
    return path


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = dense_workbook(tmp_path_factory.mktemp("dicht") / "dicht.xlsx", 300)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET_XML)
    assert path.stat().st_size < 8 * 1024 * 1024  # a few MB zipped, under the upload limit
    assert info.file_size > 300 * 1000 * 1000  # hundreds of MB unpacked
    assert info.file_size / info.compress_size < 100  # under the default ratio limit
    return path


# -- the bounded reader ------------------------------------------------------------------------


@SQLITE_ONLY
def test_hos001_dense_workbook_refused_at_the_memory_limit(
    catalogue_engine: Engine, capsys: pytest.CaptureFixture[str], archive_env: Path, dense: Path
) -> None:
    started = time.monotonic()
    result = assert_rejected(
        catalogue_engine, capsys, dense, words=("500 MB", "ZIELCOCKPIT_READ_MEMORY_MB")
    )
    assert time.monotonic() - started < 60
    assert not archive_env.exists() or not any(p.is_file() for p in archive_env.rglob("*"))
    assert "nichts wurde geschrieben" in result["errors"][0]["message"]


@SQLITE_ONLY
def test_hos002_reading_longer_than_the_time_limit_is_stopped(
    catalogue_engine: Engine,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    dense: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_READ_MEMORY_MB", "20000")
    monkeypatch.setenv("ZIELCOCKPIT_READ_SECONDS", "1")
    started = time.monotonic()
    assert_rejected(
        catalogue_engine, capsys, dense, words=("1 Sekunden", "ZIELCOCKPIT_READ_SECONDS")
    )
    assert time.monotonic() - started < 15


@SQLITE_ONLY
def test_hos003_zip_ratio_is_checked_before_anything_is_unpacked(
    catalogue_engine: Engine,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    dense: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_ZIP_RATIO", "20")
    started = time.monotonic()
    assert_rejected(
        catalogue_engine, capsys, dense, words=("20-Fache", "ZIELCOCKPIT_ZIP_RATIO", SHEET_XML)
    )
    assert time.monotonic() - started < 5  # no child started, nothing unpacked


def test_hos004_an_ordinary_file_is_read_by_the_bounded_reader(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = write_xlsx(tmp_path / "werte.xlsx", {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]})
    code, result = run_import(catalogue_engine, capsys, str(path))
    assert code == 0, result
    assert result["values_written"] == 1


# -- error cells -------------------------------------------------------------------------------

# An .xlsx always stores the English code (German Excel shows #WERT! for a stored #VALUE!);
# a CSV exported by German Excel and an .ods of German LibreOffice carry the German text.
ENGLISH = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
GERMAN = ("#DIV/0!", "#NV", "#WERT!", "#BEZUG!", "#NAME?", "#ZAHL!", "#NULL!")
CASES = [("xlsx", c) for c in ENGLISH] + [
    (kind, c) for kind in ("csv", "ods") for c in dict.fromkeys(ENGLISH + GERMAN)
]


def xlsx_with_error(path: Path, code: str) -> Path:
    """Row 3's value cell holds a formula whose stored result is the error `code`."""
    rows: list[list[Any]] = [HEADER, ["REGE-4.1", "2017-Q2", 12], ["REGE-4.2", "2017-Q2", 0]]
    base = write_xlsx(path.with_suffix(".base.xlsx"), {"Werte": rows})
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == SHEET_XML:
                text = data.decode()
                start = text.index('<c r="C3"')
                end = text.index("</c>", start) + len("</c>")
                cell = f'<c r="C3" t="e"><f>C2/0</f><v>{code}</v></c>'
                data = (text[:start] + cell + text[end:]).encode()
            out.writestr(info, data)
    base.unlink()
    return path


def ods(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    """An OpenDocument spreadsheet as LibreOffice writes it; a cell ("error", code) is an error
    cell the way LibreOffice stores one (an empty string marked calcext:value-type="error")."""
    cells_xml = []
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, tuple):
                cells.append(
                    '<table:table-cell table:formula="of:=1/0" office:value-type="string" '
                    'office:string-value="" calcext:value-type="error">'
                    f"<text:p>{value[1]}</text:p></table:table-cell>"
                )
            elif isinstance(value, int | float):
                cells.append(
                    f'<table:table-cell office:value-type="float" office:value="{value}" '
                    f'calcext:value-type="float"><text:p>{value}</text:p></table:table-cell>'
                )
            else:
                cells.append(
                    '<table:table-cell office:value-type="string" calcext:value-type="string">'
                    f"<text:p>{value}</text:p></table:table-cell>"
                )
        cells_xml.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
        'office:version="1.3"><office:body><office:spreadsheet>'
        '<table:table table:name="Werte"><table:table-column table:number-columns-repeated="3"/>'
        + "".join(cells_xml)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        out.writestr("META-INF/manifest.xml", manifest)
        out.writestr("content.xml", content)
    return path


@SQLITE_ONLY
@pytest.mark.parametrize(("kind", "code"), CASES)
def test_hos010_error_cell_refuses_the_file_naming_the_cell(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    kind: str,
    code: str,
) -> None:
    if kind == "xlsx":
        path = xlsx_with_error(tmp_path / "fehler.xlsx", code)
    elif kind == "csv":
        path = write_csv(
            tmp_path / "fehler.csv",
            ["Indikator;Zeitraum;Wert", "REGE-4.1;2017-Q2;12", f"REGE-4.2;2017-Q2;{code}"],
        )
    else:
        rows: list[list[Any]] = [HEADER, ["REGE-4.1", "2017-Q2", 12]]
        rows.append(["REGE-4.2", "2017-Q2", ("error", code)])
        path = ods(tmp_path / "fehler.ods", rows)
    result = assert_rejected(
        catalogue_engine, capsys, path, cell="C3", value=code, words=("Fehlerwert", code)
    )
    error = result["errors"][0]
    assert error["sheet"] == ("Werte" if kind != "csv" else None)
    assert ERROR_CODES[code] in error["message"]


@SQLITE_ONLY
def test_hos011_a_plain_ods_is_still_read(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = ods(tmp_path / "werte.ods", [HEADER, ["REGE-4.1", "2017-Q2", 12]])
    code, result = run_import(catalogue_engine, capsys, str(path))
    assert code == 0, result
    assert result["values_written"] == 1


# -- DTD, UTF-16, macros -----------------------------------------------------------------------


@SQLITE_ONLY
@pytest.mark.parametrize("part", ["xl/workbook.xml", SHEET_XML, "[Content_Types].xml", "ods"])
def test_hos020_a_dtd_in_any_xml_part_is_refused(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    part: str,
) -> None:
    laughs = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    if part == "ods":
        base = ods(tmp_path / "base.ods", [HEADER, ["REGE-4.1", "2017-Q2", 12]])
        part, path = "content.xml", tmp_path / "dtd.ods"
    else:
        base = write_xlsx(tmp_path / "base.xlsx", {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]})
        path = tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                declaration_end = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
                data = (
                    data[:declaration_end] + b"<!-- Kommentar -->" + laughs + data[declaration_end:]
                )
            out.writestr(info, data)
    result = assert_rejected(catalogue_engine, capsys, path, words=(DTD_MESSAGE,))
    assert part in result["errors"][0]["message"]


@SQLITE_ONLY
def test_hos021_utf16_csv_with_bom_is_read_like_utf8(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    lines = ["Indikator\tZeitraum\tWert\tKommentar", "REGE-4.1\t2017-Q2\t12\tÜberprüft (Größe)"]
    path = tmp_path / "unicode.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))  # with its BOM, as Excel
    assert path.read_bytes()[:2] == b"\xff\xfe"
    code, result = run_import(catalogue_engine, capsys, str(path))
    assert code == 0, result
    assert result["values_written"] == 1 and result["comments_written"] == 1


@SQLITE_ONLY
@pytest.mark.parametrize("suffix", [".xlsm", ".xltm"])
def test_hos022_macro_workbook_read_for_values_with_a_notice(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    suffix: str,
) -> None:
    path = write_xlsx(tmp_path / f"makro{suffix}", {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Attribute VB_Name = Module1")
    code, result = run_import(catalogue_engine, capsys, str(path))
    assert code == 0, result
    assert result["values_written"] == 1
    assert MACRO_NOTICE in result["files"][0]["notes"]


# -- a full disk -------------------------------------------------------------------------------


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system of 1 MB, filled up (tmpfs; needs root, as in the project's CI)."""
    mount = tmp_path / "voll"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"tmpfs nicht einhängbar: {done.stderr.decode().strip()}")
    try:
        with (mount / "fuellung").open("wb") as fill:
            try:
                while True:
                    fill.write(b"\0" * 65536)
                    fill.flush()
            except OSError:
                pass
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@SQLITE_ONLY
def test_hos030_no_space_left_gives_a_german_sentence_and_no_temporary_files(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    full_disk: Path,
) -> None:
    archive = full_disk / "archiv"
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(archive))
    path = write_xlsx(tmp_path / "werte.xlsx", {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]})
    result = assert_rejected(catalogue_engine, capsys, path, words=("Kein Speicherplatz frei",))
    assert "Traceback" not in str(result)
    left = [p for p in full_disk.rglob("*") if p.is_file() and p.name != "fuellung"]
    assert left == []


@SQLITE_ONLY
def test_hos031_full_temporary_folder_refuses_a_web_upload_in_german(
    catalogue_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    full_disk: Path,
) -> None:
    """The page and the API get the sentence (a refusal), not a 500; the folder is removed."""
    settings = Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}, environ={})
    data = write_xlsx(tmp_path / "w.xlsx", {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]})
    monkeypatch.setattr(tempfile, "tempdir", str(full_disk))
    before = dump(catalogue_engine)
    outcome = import_uploads(
        catalogue_engine,
        settings,
        Principal("controller", "controlling"),
        [UploadedFile("werte.xlsx", data.read_bytes())],
        dry_run=False,
    )
    assert outcome.refusal is not None and "Kein Speicherplatz frei" in outcome.refusal
    assert outcome.report is None
    assert [p.name for p in full_disk.iterdir()] == ["fuellung"]  # no upload folder left
    assert dump(catalogue_engine) == before


@SQLITE_ONLY
def test_hos005_catalogue_workbook_is_read_under_the_same_bounds(
    catalogue_engine: Engine, dense: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_READ_MEMORY_MB", "200")
    before = dump(catalogue_engine)
    started = time.monotonic()
    with pytest.raises(CatalogueError) as raised:
        import_workbook(catalogue_engine, dense.read_bytes(), "katalog.xlsx", "2017", apply=True)
    assert time.monotonic() - started < 60
    assert "katalog.xlsx" in str(raised.value) and "ZIELCOCKPIT_READ_MEMORY_MB" in str(raised.value)
    assert dump(catalogue_engine) == before
