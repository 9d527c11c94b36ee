"""`zielcockpit backup` and `restore`: the round trip keeps status, audit trail, every row and the
archived originals; a non-empty target is refused and a damaged backup writes nothing."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.engine import make_engine
from db.models import AuditEntry
from tests.conftest import Databases
from tests.etl.conftest import dump, write_csv
from zielcockpit.cli import main

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

STATUS = ["status", "--plan", "2017", "--period", "2017-Q2", "--json"]


def _run(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = main(["--database-url", url, *args])
    out, err = capsys.readouterr()
    return code, out, err


def _audit(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(AuditEntry).order_by(AuditEntry.id))]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def source(
    databases: Databases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> str:
    """Demo values, one imported file (archived, with audit entries) and a released quarter."""
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(tmp_path / "archiv"))
    url = databases.url("demo")
    sheet = write_csv(tmp_path / "werte.csv", ["Indikator;Zeitraum;Wert", "REGE-4.1;2017-Q2;13"])
    assert _run(capsys, url, "import", str(sheet))[0] == 0
    assert (
        _run(capsys, url, "quarter", "release", "--plan", "2017", "--period", "2017-Q1", "--yes")[0]
        == 0
    )
    return url


@pytest.mark.parametrize("target_stage", ["blank", "migrated"])
def test_bak001_round_trip_keeps_status_audit_trail_rows_and_originals(
    source: str,
    target_stage: str,
    databases: Databases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = make_engine(source)
    status = _run(capsys, source, *STATUS)[1]
    audit, rows = _audit(before), dump(before)
    before.dispose()
    assert len(audit) > 3 and json.loads(status)["measures"]
    originals = _files(tmp_path / "archiv")
    assert len(originals) == 1

    code, out, err = _run(capsys, source, "backup", "-o", str(tmp_path / "sicherung.zip"))
    assert (code, err) == (0, "")
    assert out.startswith("Sicherung geschrieben:") and "1 Originaldateien" in out

    # Restored on "another machine": a new database and an empty archive folder.
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(tmp_path / "archiv2"))
    target = databases.url(target_stage)
    code, out, err = _run(capsys, target, "restore", str(tmp_path / "sicherung.zip"))
    assert (code, err) == (0, "")
    assert out.startswith("Wiederhergestellt:")
    assert _run(capsys, target, *STATUS)[1] == status
    after = make_engine(target)
    assert _audit(after) == audit
    assert dump(after) == rows
    assert _files(tmp_path / "archiv2") == originals

    # Restoring once more: the database is no longer empty.
    code, out, err = _run(capsys, target, "restore", str(tmp_path / "sicherung.zip"))
    assert code == 1 and out == ""
    assert err.startswith("Fehler: Die Zieldatenbank ist nicht leer") and err.count("\n") == 1
    assert dump(after) == rows
    after.dispose()


def _tampered(backup: Path, out: Path, member: str, change: bytes) -> Path:
    """A copy of the backup with `member` replaced; the manifest's checksum is made to fit when
    the member is the database, so the restore itself must notice."""
    with zipfile.ZipFile(backup) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    members[member] = change
    if member == manifest["database"]["member"]:
        manifest["database"]["sha256"] = hashlib.sha256(change).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def test_bak002_a_damaged_backup_writes_nothing(
    source: str,
    databases: Databases,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = tmp_path / "sicherung.zip"
    assert _run(capsys, source, "backup", "-o", str(backup))[0] == 0
    with zipfile.ZipFile(backup) as zf:
        database = next(n for n in zf.namelist() if n.startswith("datenbank"))
        original = next(n for n in zf.namelist() if n.startswith("archiv/"))
        whole = zf.read(database)
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(tmp_path / "archiv2"))
    target = databases.url("migrated")
    engine = make_engine(target)
    empty = dump(engine)
    cases = {
        "original": (original, b"anderer Inhalt", "beschädigt (Prüfsumme falsch)"),
        # Cut in the middle: the first half of the tables arrive, the rest does not.
        "database": (database, whole[: len(whole) // 2], "nichts wurde"),
    }
    for name, (member, change, message) in cases.items():
        damaged = _tampered(backup, tmp_path / f"{name}.zip", member, change)
        code, out, err = _run(capsys, target, "restore", str(damaged))
        assert code == 1, name
        assert err.startswith("Fehler: ") and message in err and err.count("\n") == 1, err
        assert dump(engine) == empty, name
        assert _files(tmp_path / "archiv2") == {}, name
    # A backup of the other database kind, and a file that is no backup.
    other = "postgresql" if databases.backend == "sqlite" else "sqlite"
    with zipfile.ZipFile(backup) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["backend"] = other
    foreign = _tampered(
        backup, tmp_path / "fremd.zip", "manifest.json", json.dumps(manifest).encode()
    )
    code, _out, err = _run(capsys, target, "restore", str(foreign))
    assert code == 1 and "Die Sicherung stammt aus" in err
    (tmp_path / "kein.zip").write_text("kein zip")
    code, _out, err = _run(capsys, target, "restore", str(tmp_path / "kein.zip"))
    assert code == 1 and "keine Zielcockpit-Sicherung" in err
    assert dump(engine) == empty
    engine.dispose()
