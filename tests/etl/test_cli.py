"""The `import` command's contract: exit codes, the JSON shape, dry run, and the inbox folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.models import Messwert
from etl.report import MAX_LISTED_ERRORS
from tests.etl.conftest import dump, url_of, write_csv, write_xlsx
from zielcockpit.cli import main

HEADER = ["Indikator", "Zeitraum", "Wert"]


def good(tmp_path: Path, name: str = "gut.xlsx", value: object = 12) -> Path:
    return write_xlsx(tmp_path / name, {"Werte": [HEADER, ["REGE-4.1", "2017-Q2", value]]})


def test_exit_codes_and_json_contract(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    url = url_of(catalogue_engine)
    path = good(tmp_path)
    before = dump(catalogue_engine)
    assert main(["--database-url", url, "import", str(path), "--dry-run", "--json"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert list(dry)[:5] == ["status", "profile", "values_written", "values_unchanged", "errors"]
    assert (dry["status"], dry["profile"], dry["values_written"], dry["dry_run"]) == (
        "ok",
        "langformat",
        1,
        True,
    )
    assert dump(catalogue_engine) == before
    assert main(["--database-url", url, "import", str(path), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (
        first["status"],
        first["values_written"],
        first["values_unchanged"],
        first["errors"],
    ) == (
        "ok",
        1,
        0,
        [],
    )
    assert main(["--database-url", url, "import", str(path), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["status"], second["values_written"], second["values_unchanged"]) == (
        "unchanged",
        0,
        1,
    )
    bad = good(tmp_path, "schlecht.xlsx", "zwölf")
    assert main(["--database-url", url, "import", str(bad), "--json"]) == 1
    rejected = json.loads(capsys.readouterr().out)
    assert rejected["status"] == "rejected"
    assert rejected["errors"] == [
        {
            "file": "schlecht.xlsx",
            "sheet": "Werte",
            "cell": "C2",
            "value": "zwölf",
            "message": rejected["errors"][0]["message"],
        }
    ]
    assert rejected["errors"][0]["message"].startswith("Text statt Zahl")


def test_text_output_is_german_and_errors_go_to_stderr(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    url = url_of(catalogue_engine)
    assert main(["--database-url", url, "import", str(good(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "Profil „langformat“" in out and "automatisch erkannt" in out
    assert "Geschrieben: 1 Werte" in out and "REGE-4.1 · 2. Quartal 2017: neu → 12" in out
    assert main(["--database-url", url, "import", str(good(tmp_path, "b.xlsx", -1))]) == 1
    captured = capsys.readouterr()
    assert "Abgelehnt – nichts wurde geschrieben" in captured.err
    assert "b.xlsx, Blatt „Werte“, Zelle C2: „-1“: Negativer Wert" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "mindestens eine DATEI"),
        (["--profile", "gibtsnicht", "x.xlsx"], "Importprofil „gibtsnicht“ gibt es nicht"),
        (["--watch", "nirgends"], "gibt es nicht"),
    ],
)
def test_usage_errors_exit_2(
    catalogue_engine: Engine, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    assert main(["--database-url", url_of(catalogue_engine), "import", *args]) == 2
    assert words in capsys.readouterr().err


def test_argparse_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "--gibtsnicht"])
    assert exit_info.value.code == 2


def test_missing_file_is_rejected(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    assert (
        main(["--database-url", url_of(catalogue_engine), "import", str(tmp_path / "fehlt.xlsx")])
        == 1
    )
    assert "Datei nicht gefunden" in capsys.readouterr().err


def test_profile_named_explicitly(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    url = url_of(catalogue_engine)
    assert (
        main(["--database-url", url, "import", str(good(tmp_path)), "--profile", "Langformat"]) == 0
    )
    assert "angegeben" in capsys.readouterr().out


def test_inbox_moves_files_and_writes_reports(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    inbox = tmp_path / "eingang"
    inbox.mkdir()
    good(inbox, "a_gut.xlsx")
    good(inbox, "b_schlecht.xlsx", "viele")
    (inbox / "~$a_gut.xlsx").write_bytes(b"lock file of Excel")
    url = url_of(catalogue_engine)
    assert main(["--database-url", url, "import", "--watch", str(inbox), "--once"]) == 0
    out = capsys.readouterr().out
    assert "a_gut.xlsx: importiert → done/a_gut.xlsx" in out
    assert "b_schlecht.xlsx: abgelehnt → rejected/b_schlecht.xlsx" in out
    assert sorted(p.name for p in inbox.iterdir()) == ["done", "rejected", "~$a_gut.xlsx"]
    assert (inbox / "done" / "a_gut.xlsx").exists()
    report = json.loads(
        (inbox / "rejected" / "b_schlecht.xlsx.bericht.json").read_text(encoding="utf-8")
    )
    assert report["status"] == "rejected" and report["errors"][0]["cell"] == "C2"
    text = (inbox / "rejected" / "b_schlecht.xlsx.bericht.txt").read_text(encoding="utf-8")
    assert "Text statt Zahl" in text
    with catalogue_engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Messwert)) == 1
    # the same file again: unchanged, also to done/, under a new name
    good(inbox, "a_gut.xlsx")
    assert main(["--database-url", url, "import", "--watch", str(inbox), "--once"]) == 0
    assert "unverändert" in capsys.readouterr().out
    assert len([p for p in (inbox / "done").iterdir() if p.suffix == ".xlsx"]) == 2


def test_a_file_with_many_errors_lists_the_first_200_and_counts_the_rest(
    catalogue_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], archive_env: Path
) -> None:
    url = url_of(catalogue_engine)
    rows = [f"REGE-4.1;2017-Q{1 + i % 4};kaputt{i}" for i in range(MAX_LISTED_ERRORS + 50)]
    path = write_csv(tmp_path / "viele_fehler.csv", ["Indikator;Zeitraum;Wert", *rows])
    assert main(["--database-url", url, "import", str(path)]) == 1
    text = capsys.readouterr().err
    listed = [line for line in text.splitlines() if line.startswith("  – ")]
    assert len(listed) == MAX_LISTED_ERRORS
    assert "kaputt0" in listed[0] and "kaputt199" in listed[-1]
    assert f"{MAX_LISTED_ERRORS + 50} Fehler:" in text
    assert text.rstrip().endswith("… und 50 weitere Fehler.")
    assert main(["--database-url", url, "import", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert len(report["errors"]) == MAX_LISTED_ERRORS
    assert report["errors_total"] == MAX_LISTED_ERRORS + 50
    (file,) = report["files"]
    assert len(file["errors"]) == MAX_LISTED_ERRORS and file["errors_total"] == 250
    assert report["errors"][0]["value"] == "kaputt0"


@pytest.mark.parametrize("where", ["before", "after"])
def test_database_url_before_or_after_the_command(
    catalogue_engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    # The environment points at a database that is not set up: only the option can succeed.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'leer.db'}")
    option = ["--database-url", url_of(catalogue_engine)]
    for command in (["status", "--plan", "2017", "--period", "2017-Q2"], ["user", "list"]):
        argv = option + command if where == "before" else command + option
        assert main(argv) == 0, capsys.readouterr().err
        assert "nicht eingerichtet" not in capsys.readouterr().err
    assert main(["user", "list"]) == 1  # without the option: the environment's database
    assert "noch nicht eingerichtet" in capsys.readouterr().err
