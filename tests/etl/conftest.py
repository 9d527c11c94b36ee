"""Helpers for the import tests: workbooks built in code, settings, a database dump to compare."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select

from db.models import Base
from zielcockpit.settings import Settings


def write_xlsx(
    path: Path,
    sheets: dict[str, Sequence[Sequence[Any]]],
    merges: dict[str, Sequence[str]] | None = None,
    formats: dict[str, dict[str, str]] | None = None,
) -> Path:
    """A workbook with the given sheets (rows of values), merged ranges and number formats."""
    wb = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = name
        first = False
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    ws.cell(row=r, column=c, value=value)
        for ref in (merges or {}).get(name, ()):
            ws.merge_cells(ref)
        for ref, fmt in (formats or {}).get(name, {}).items():
            ws[ref].number_format = fmt
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_csv(path: Path, lines: Sequence[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: equal dumps mean an unchanged database."""
    with engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.resolve({"ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}, environ={})


@pytest.fixture
def archive_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """For CLI runs: the archive in the test's folder."""
    folder = tmp_path / "archiv"
    monkeypatch.setenv("ZIELCOCKPIT_ARCHIVE_DIR", str(folder))
    return folder
