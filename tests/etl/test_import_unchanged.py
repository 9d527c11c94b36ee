"""A file imported before and unchanged since is answered „unverändert“ without being read again,
and only then: a value or comment the form or another file changed since, a catalogue or
profile that changed, or a sender who may not write it takes the usual way (issue 24, item 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

import etl.staging
import zielcockpit.services.imports
from db.models import Indikator, Messwert
from db.users import principal_of
from tests.etl.conftest import dump
from zielcockpit.services.entry import FieldInput, Submission, save_entry
from zielcockpit.services.imports import import_files
from zielcockpit.settings import Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

LINES = [
    "Indikator;Zeitraum;Wert;Kommentar",
    "REGE-4.1;2017-Q2;12;Zwei Vermittlungen folgen im Juli.",
    "Jobcenter-2.1;2017-Q2;5,9;",
    "REGE-10.1;2017-Q2;7;",
]


def _file(tmp_path: Path, lines: list[str] = LINES, name: str = "ist.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the import really opened (the real reader, counted)."""
    opened: list[str] = []
    real = etl.staging.open_book

    def counting(path: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(etl.staging, "open_book", counting)
    return opened


def _value(engine: Engine, code: str) -> object:
    with engine.connect() as conn:
        return conn.scalar(
            select(Messwert.value)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == code, Messwert.period == "2017-Q2", Messwert.ort_id.is_(None))
        )


def test_unchanged_file_is_not_read_again_and_reported_as_before(
    demo_engine: Engine,
    tmp_path: Path,
    settings: Settings,
    reads: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = _file(tmp_path)
    assert import_files(demo_engine, [path], user="a", settings=settings).status == "ok"
    assert reads == ["ist.csv"]
    before = dump(demo_engine)
    quick = import_files(demo_engine, [path], user="b", settings=settings)
    assert reads == ["ist.csv"]  # answered from the run that wrote it
    assert quick.status == "unchanged" and quick.files[0].status == "unchanged"
    assert any("Unverändert: alle 3 Werte" in line for line in quick.lines())
    assert dump(demo_engine) == before
    preview = import_files(demo_engine, [path], dry_run=True, user="b", settings=settings)
    assert preview.status == "unchanged" and reads == ["ist.csv"]
    # The same answer as reading and comparing everything gives.
    monkeypatch.setattr(zielcockpit.services.imports, "_known_unchanged", lambda *_args: None)
    slow = import_files(demo_engine, [path], user="b", settings=settings)
    assert reads == ["ist.csv", "ist.csv"]
    assert slow.as_json() == quick.as_json()
    assert slow.lines() == quick.lines()
    assert dump(demo_engine) == before


def test_value_changed_in_the_form_since_is_written_again(
    demo_engine: Engine, tmp_path: Path, settings: Settings, reads: list[str]
) -> None:
    path = _file(tmp_path)
    import_files(demo_engine, [path], user="a", settings=settings)
    controlling = principal_of(demo_engine, "demo-controlling")
    saved = save_entry(
        demo_engine,
        controlling,
        Submission("2017", "2017-Q2", {"REGE-4.1": FieldInput("REGE-4.1", "99", None, None)}),
    )
    assert saved.ok, saved.errors
    assert _value(demo_engine, "REGE-4.1") == 99
    again = import_files(demo_engine, [path], user="b", settings=settings)
    assert again.status == "ok" and again.files[0].values_written == 1
    assert again.files[0].values_unchanged == 2
    assert _value(demo_engine, "REGE-4.1") == 12
    assert reads == ["ist.csv", "ist.csv"]


def test_comment_replaced_in_the_form_since_is_written_again(
    demo_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = _file(tmp_path)
    import_files(demo_engine, [path], user="a", settings=settings)
    controlling = principal_of(demo_engine, "demo-controlling")
    saved = save_entry(
        demo_engine,
        controlling,
        Submission("2017", "2017-Q2", {"REGE-4.1": FieldInput("REGE-4.1", "12", None, "Anders.")}),
    )
    assert saved.ok, saved.errors
    again = import_files(demo_engine, [path], user="b", settings=settings)
    assert again.status == "ok" and again.files[0].comments_written == 1


def test_value_changed_by_another_file_since_is_written_again(
    demo_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = _file(tmp_path)
    import_files(demo_engine, [path], user="a", settings=settings)
    other = _file(tmp_path, ["Indikator;Zeitraum;Wert", "REGE-10.1;2017-Q2;8"], "korrektur.csv")
    assert import_files(demo_engine, [other], user="a", settings=settings).status == "ok"
    again = import_files(demo_engine, [path], user="b", settings=settings)
    assert again.status == "ok" and again.files[0].values_written == 1
    assert _value(demo_engine, "REGE-10.1") == 7
    # That run wrote only the corrected value: the next time the file is compared in full.
    third = import_files(demo_engine, [path], user="b", settings=settings)
    assert third.status == "unchanged" and third.files[0].values_unchanged == 3


def test_changed_catalogue_takes_the_usual_way(
    demo_engine: Engine, tmp_path: Path, settings: Settings, reads: list[str]
) -> None:
    path = _file(tmp_path)
    import_files(demo_engine, [path], user="a", settings=settings)
    with demo_engine.begin() as conn:
        conn.execute(update(Indikator).where(Indikator.code == "REGE-4.1").values(unit="Fälle"))
    again = import_files(demo_engine, [path], user="b", settings=settings)
    assert again.status == "unchanged" and reads == ["ist.csv", "ist.csv"]


def test_sender_who_may_not_write_it_is_refused_as_before(
    demo_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    path = _file(tmp_path)
    import_files(demo_engine, [path], user="a", settings=settings)
    refused = import_files(
        demo_engine, [path], user="b", settings=settings, writable_units=frozenset({"REGE"})
    )
    assert refused.status == "rejected"
    assert any("anderer Organisationseinheiten" in line for line in refused.lines())


def test_named_other_profile_or_file_twice_takes_the_usual_way(
    demo_engine: Engine, tmp_path: Path, settings: Settings, reads: list[str]
) -> None:
    path = _file(tmp_path)
    import_files(demo_engine, [path], user="a", settings=settings)
    named = import_files(demo_engine, [path], profile="langformat", user="b", settings=settings)
    assert named.status == "unchanged" and len(reads) == 2
    copy = _file(tmp_path, name="kopie.csv")
    twice = import_files(demo_engine, [path, copy], user="b", settings=settings)
    assert twice.status == "unchanged" and len(reads) == 4


def test_value_repeated_from_another_file_is_compared_in_full(
    demo_engine: Engine, tmp_path: Path, settings: Settings
) -> None:
    """The second file's REGE-4.1 was taken from the first file of the same import: its run did
    not write it, so a change of it since is found only by reading the file again."""
    first = _file(tmp_path)
    second = _file(
        tmp_path,
        ["Indikator;Zeitraum;Wert", "REGE-4.1;2017-Q2;12", "Jobcenter-6.1;2017-Q2;12500"],
        "b.csv",
    )
    both = import_files(demo_engine, [first, second], user="a", settings=settings)
    assert both.status == "ok" and both.files[1].values_unchanged == 1
    controlling = principal_of(demo_engine, "demo-controlling")
    saved = save_entry(
        demo_engine,
        controlling,
        Submission("2017", "2017-Q2", {"REGE-4.1": FieldInput("REGE-4.1", "99", None, None)}),
    )
    assert saved.ok, saved.errors
    again = import_files(demo_engine, [second], user="b", settings=settings)
    assert again.status == "ok" and again.files[0].values_written == 1
    assert _value(demo_engine, "REGE-4.1") == 12
