"""Every bad file of the issue through the real command: a German message naming the cell, exit 1,
and the database exactly as before (a dump of every table compared)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import msoffcrypto.format.ooxml
import pytest
import xlwt
from sqlalchemy import Engine

from tests.etl.conftest import dump, url_of, write_xlsx
from zielcockpit.cli import main

HEADER = ["Indikator", "Zeitraum", "Wert"]


def run_import(
    engine: Engine, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any]]:
    code = main(["--database-url", url_of(engine), "import", "--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def assert_rejected(
    engine: Engine,
    capsys: pytest.CaptureFixture[str],
    path: Path,
    *args: str,
    cell: str | None = None,
    value: str | None = None,
    words: tuple[str, ...] = (),
) -> dict[str, Any]:
    before = dump(engine)
    code, result = run_import(engine, capsys, str(path), *args)
    assert code == 1
    assert result["status"] == "rejected"
    assert result["values_written"] == 0
    assert result["errors"], result
    error = result["errors"][0]
    assert set(error) >= {"file", "sheet", "cell", "value", "message"}
    assert error["file"] == path.name
    if cell is not None:
        assert error["cell"] == cell, result["errors"]
    if value is not None:
        assert error["value"] == value
    for word in words:
        assert word in error["message"], error["message"]
    assert dump(engine) == before
    return result


def valid(tmp_path: Path, name: str = "werte.xlsx") -> Path:
    return write_xlsx(tmp_path / name, {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12]]})


# -- files that are not what they say ----------------------------------------------------------


def test_pdf_renamed_to_xlsx(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = tmp_path / "bericht.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    assert_rejected(catalogue_engine, capsys, path, words=("PDF",))


def test_empty_file(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = tmp_path / "leer.xlsx"
    path.write_bytes(b"")
    assert_rejected(catalogue_engine, capsys, path, words=("leer",))


def test_truncated_zip(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    whole = valid(tmp_path).read_bytes()
    path = tmp_path / "abgebrochen.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    assert_rejected(catalogue_engine, capsys, path, words=("beschädigt",))


def test_text_file_named_xlsx(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = tmp_path / "text.xlsx"
    path.write_text("Indikator;Zeitraum;Wert\n", encoding="utf-8")
    assert_rejected(catalogue_engine, capsys, path, words=(".xlsx", "keine Excel"))


def test_damaged_xls(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Werte")
    for c, label in enumerate(HEADER):
        sheet.write(0, c, label)
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    data[600:1400] = os.urandom(800)  # the workbook stream overwritten
    path = tmp_path / "kaputt.xls"
    path.write_bytes(bytes(data[:1800]))
    assert_rejected(catalogue_engine, capsys, path, words=("beschädigt",))


def test_password_protected_workbook(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
) -> None:
    plain = valid(tmp_path, "offen.xlsx")
    path = tmp_path / "geschuetzt.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt("geheim", target)
    assert_rejected(catalogue_engine, capsys, path, words=("Kennwort",))


def test_file_over_the_size_limit(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZIELCOCKPIT_MAX_UPLOAD_MB", "1")
    path = valid(tmp_path, "gross.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/foto.bin", os.urandom(1_200_000))
    assert_rejected(catalogue_engine, capsys, path, words=("MB", "ZIELCOCKPIT_MAX_UPLOAD_MB"))


def test_zip_bomb(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = valid(tmp_path, "bombe.xlsx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/leer.bin", b"\0" * (24 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    assert_rejected(catalogue_engine, capsys, path, words=("ZIP-Bombe",))


# -- files whose table is not there ------------------------------------------------------------


def test_workbook_without_the_expected_sheet(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
) -> None:
    path = write_xlsx(tmp_path / "eckwerte.xlsx", {"Deckblatt": [["Arbeitsmarktreport"]]})
    assert_rejected(
        catalogue_engine,
        capsys,
        path,
        "--profile",
        "ba_eckwerte",
        words=("Blatt nicht gefunden", "Deckblatt"),
    )


def test_header_not_found(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {"Werte": [["Kennziffer", "Datum", "Betrag"], ["REGE-4.1", "2017-Q2", 1]]},
    )
    assert_rejected(
        catalogue_engine,
        capsys,
        path,
        "--profile",
        "langformat",
        words=("Kopfzeile nicht gefunden",),
    )
    # without a profile: nothing fits, and the message says what was tried
    result = assert_rejected(catalogue_engine, capsys, path, words=("Kein Importprofil passt",))
    assert "langformat" in result["errors"][0]["message"]


# -- cells that are wrong ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "cell", "value", "words"),
    [
        (["REGE-99.1", "2017-Q2", 3], "C2", "3", ("REGE-99.1", "gibt es im Katalog nicht")),
        (["REGE-4", "2017-Q2", 3], "C2", "3", ("Maßnahme, kein Indikator", "REGE-4.1")),
        (["REGE-4.1", "2016-Q4", 3], "C2", "3", ("außerhalb des Planungsjahres", "2017")),
        (["REGE-4.1", "2017-Q2", "zwölf"], "C2", "zwölf", ("Text statt Zahl",)),
        (["REGE-4.1", "2017-Q2", -3], "C2", "-3", ("Negativer Wert",)),
        (["REGE-4.1", "irgendwann", 3], "B2", "irgendwann", ("Zeitraum nicht verstanden",)),
        (["510-5.1", "2017-Q2", 1], "C2", "1", ("Meilenstein", "erledigt")),
        (["REGE-4.1", "2017-Q2", "erledigt"], "C2", "erledigt", ("kein Meilenstein",)),
        (["Jobcenter-8.1", "2017-06", 5, "Mitte"], "C2", "5", ("Mitte", "gehört nicht zu")),
        (
            ["REGE-4.1", "2017-Q2", 5, "Atlantis"],
            "C2",
            "5",
            ("Atlantis", "gibt es im Katalog nicht"),
        ),
        (["REGE-4.1", "2017-Q2", None], "C2", "", ("Wert fehlt",)),
        (["REGE-4.1", "2017-Q2", 0.5], "C2", "50", ("Prozentwert",)),
    ],
)
def test_bad_cell_is_named(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
    row: list[Any],
    cell: str,
    value: str,
    words: tuple[str, ...],
) -> None:
    formats = {"Werte": {"C2": "0%"}} if "Prozentwert" in words else None
    header = HEADER + (["Ort"] if len(row) > 3 else [])
    path = write_xlsx(tmp_path / "werte.xlsx", {"Werte": [header, row]}, formats=formats)
    if "Prozentwert" in words:
        value = "0.5"
    result = assert_rejected(catalogue_engine, capsys, path, cell=cell, value=value, words=words)
    assert result["errors"][0]["sheet"] == "Werte"


def test_all_errors_are_collected(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {
            "Werte": [
                HEADER,
                ["REGE-4.1", "2017-Q1", "viel"],
                ["REGE-2.1", "2017-Q1", 2],
                ["XY-1.1", "2017-Q1", 3],
            ]
        },
    )
    result = assert_rejected(catalogue_engine, capsys, path)
    assert [e["cell"] for e in result["errors"]] == ["C2", "C4"]


def test_darunter_larger_than_parent(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {"Werte": [HEADER, ["REGE-9.2", "2017-Q2", 100], ["REGE-9.3", "2017-Q2", 140]]},
    )
    assert_rejected(
        catalogue_engine,
        capsys,
        path,
        cell="C3",
        value="140",
        words=("Darunter-Wert", "REGE-9.2", "C2"),
    )


def test_same_indicator_and_period_twice_with_different_values(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
) -> None:
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12], ["REGE-4.1", "2. Quartal 2017", 13]]},
    )
    assert_rejected(catalogue_engine, capsys, path, cell="C3", value="13", words=("zweimal", "C2"))


def test_same_value_twice_is_fine(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", 12], ["REGE-4.1", "2. Quartal 2017", "12"]]},
    )
    code, result = run_import(catalogue_engine, capsys, str(path))
    assert code == 0 and result["values_written"] == 1


# -- formulas ----------------------------------------------------------------------------------


def _with_formula(tmp_path: Path, cached: str | None) -> Path:
    source = write_xlsx(
        tmp_path / "quelle.xlsx",
        {"Werte": [HEADER + ["Basis"], ["REGE-4.1", "2017-Q2", "=D2*2", 6]]},
    )
    path = tmp_path / "formel.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                stored = b"<v />" if cached is None else f"<v>{cached}</v>".encode()
                data = data.replace(b"<f>D2*2</f><v />", b"<f>D2*2</f>" + stored)
                assert b"<f>D2*2</f>" in data
            new.writestr(item, data)
    return path


def test_formula_without_cached_value_is_rejected(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
) -> None:
    assert_rejected(
        catalogue_engine, capsys, _with_formula(tmp_path, None), cell="C2", words=("Formel",)
    )


def test_formula_with_cached_value_is_read(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    archive_env: Path,
) -> None:
    code, result = run_import(catalogue_engine, capsys, str(_with_formula(tmp_path, "12")))
    assert code == 0, result
    assert result["files"][0]["changes"][0]["new"] == "12"


def test_darunter_larger_than_parent_in_another_measure(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    # REGE-10.1 (Bildungslotsin Theodora) is a darunter value of REGE-9.2 (KAF insgesamt).
    path = write_xlsx(
        tmp_path / "werte.xlsx",
        {"Werte": [HEADER, ["REGE-9.2", "2017-Q2", 20], ["REGE-10.1", "2017-Q2", 25]]},
    )
    assert_rejected(
        catalogue_engine,
        capsys,
        path,
        cell="C3",
        value="25",
        words=("Darunter-Wert REGE-10.1", "REGE-9.2", "C2"),
    )
