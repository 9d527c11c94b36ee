"""No lost update: concurrent form saves and concurrent imports, on SQLite and PostgreSQL.

Real sessions in threads and real `zielcockpit import` processes write the same values at the
same moment; every accepted value must be the current one or in the value history, each
replaced value kept once, and the slower writer told clearly that someone else was faster.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from db.engine import make_engine
from db.models import Indikator, Messwert, MesswertVersion
from db.users import principal_of
from zielcockpit.domain.periods import Period
from zielcockpit.services.entry import FieldInput, SaveResult, Seen, Submission, save_entry
from zielcockpit.services.entry_form import entry_form

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
CODE = "REGE-4.1"  # a count of REGE, written by controlling in these tests


def history(engine: Engine, code: str, period: str) -> tuple[Any, list[Any]]:
    """(current value row, replaced values oldest first) of one indicator and period."""
    with engine.connect() as conn:
        current = conn.execute(
            select(Messwert.id, Messwert.value, Messwert.version, Messwert.recorded_by)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == code, Messwert.period == period, Messwert.ort_id.is_(None))
        ).one_or_none()
        if current is None:
            return None, []
        versions = conn.execute(
            select(MesswertVersion.value, MesswertVersion.recorded_by)
            .where(MesswertVersion.messwert_id == current.id)
            .order_by(MesswertVersion.id)
        ).all()
    return current, list(versions)


def saved_at_once(
    engine: Engine, period: str, values: list[str], seen: Seen | None
) -> list[SaveResult]:
    """Each value saved by its own user in its own thread, released at the same moment."""
    users = ["demo-controlling", "demo-admin"]
    barrier = threading.Barrier(len(values))
    results: list[SaveResult | None] = [None] * len(values)

    def run(k: int) -> None:
        principal = principal_of(engine, users[k % 2])
        field = FieldInput(CODE, values[k], None, f"Begründung {values[k]}", seen=seen)
        submission = Submission("2017", period, {CODE: field})
        barrier.wait()
        results[k] = save_entry(engine, principal, submission)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(values))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def seen_now(engine: Engine, period: str) -> Seen:
    form = entry_form(engine, "2017", "REGE", Period.parse(period))
    line = next(line for m in form.measures for line in m.lines if line.code == CODE)
    return Seen(line.version, line.value_text, line.status)


def test_con001_two_saves_of_one_value_at_once_lose_nothing(demo_engine: Engine) -> None:
    period = "2017-Q3"
    for n in range(8):
        before, _ = history(demo_engine, CODE, period)
        seen = seen_now(demo_engine, period)
        results = saved_at_once(demo_engine, period, [str(100 + 2 * n), str(101 + 2 * n)], seen)
        winners = [r for r in results if r.ok and r.values == 1]
        losers = [r for r in results if r.conflict]
        assert len(winners) == 1 and len(losers) == 1, [r.errors for r in results]
        current, versions = history(demo_engine, CODE, period)
        won = winners[0].changes[0].split("→ ")[-1]
        assert current.value == Decimal(won.replace(".", ""))
        assert current.version == before.version + 1
        # the loser heard who was faster and with which value; its value is not kept
        text = " ".join(losers[0].errors)
        assert "inzwischen von demo-" in text and f"„{won}“" in text and "nicht gespeichert" in text
        # the replaced value is kept once, never twice
        assert versions[-1].value == before.value
        assert Counter(v.value for v in versions)[before.value] == 1


def test_con002_the_first_value_of_an_empty_quarter_saved_twice_at_once(
    demo_engine: Engine,
) -> None:
    period = "2017-Q4"
    assert history(demo_engine, CODE, period)[0] is None
    results = saved_at_once(demo_engine, period, ["7", "9"], Seen(0, "", None))
    assert sorted((r.ok, r.conflict) for r in results) == [(False, True), (True, False)]
    current, versions = history(demo_engine, CODE, period)
    assert current.version == 1 and versions == []
    loser = next(r for r in results if r.conflict)
    assert "unerwarteter" not in " ".join(loser.errors)


def test_con003_a_stale_form_does_not_overwrite_and_an_untouched_field_stays(
    demo_engine: Engine,
) -> None:
    period = "2017-Q3"
    stale = seen_now(demo_engine, period)  # user A opens the form
    controlling = principal_of(demo_engine, "demo-controlling")
    admin = principal_of(demo_engine, "demo-admin")
    fresh = save_entry(  # user B saves a new value
        demo_engine,
        admin,
        Submission("2017", period, {CODE: FieldInput(CODE, "77", None, "B", seen=stale)}),
    )
    assert fresh.ok and fresh.values == 1
    # A saves the form without touching the field: B's value stays
    untouched = save_entry(
        demo_engine,
        controlling,
        Submission("2017", period, {CODE: FieldInput(CODE, stale.value, None, None, seen=stale)}),
    )
    assert untouched.ok and untouched.values == 0
    assert history(demo_engine, CODE, period)[0].value == Decimal(77)
    # A changes the field on the old form: refused, naming B and B's value
    late = save_entry(
        demo_engine,
        controlling,
        Submission("2017", period, {CODE: FieldInput(CODE, "55", None, "A", seen=stale)}),
    )
    assert late.conflict and not late.ok
    assert "demo-admin" in late.errors[0] and "„77“" in late.errors[0]
    assert history(demo_engine, CODE, period)[0].value == Decimal(77)


def _codes(engine: Engine, count: int) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.scalars(
                select(Indikator.code)
                .where(
                    Indikator.kind == "count",
                    Indikator.parent_id.is_(None),  # no "darunter" check between the rows
                    Indikator.id.not_in(
                        select(Indikator.parent_id).where(Indikator.parent_id.is_not(None))
                    ),
                )
                .order_by(Indikator.code)
                .limit(count)
            )
        )


def test_con004_two_import_processes_at_once_lose_no_file(databases: Any, tmp_path: Path) -> None:
    url = databases.url("demo")
    engine = make_engine(url)
    codes = _codes(engine, 25)
    engine.dispose()
    files = []
    for n, base in enumerate((1000, 2000)):
        path = tmp_path / f"werte_{n}.csv"
        rows = [f"{code};2017-Q4;{base + i}" for i, code in enumerate(codes)]
        path.write_text("Indikator;Zeitraum;Wert\n" + "\n".join(rows) + "\n", encoding="utf-8")
        files.append(path)
    env = {**os.environ, "ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv")}
    command = [sys.executable, "-m", "zielcockpit.cli", "--database-url", url, "import"]
    procs = [
        subprocess.Popen(
            [*command, str(f), "--json", "--user", f"u{n}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, f in enumerate(files)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    reports = [json.loads(out) for out, _err in outputs]
    assert all(r["values_written"] == len(codes) for r in reports)
    written = make_engine(url)
    try:
        for i, code in enumerate(codes):
            current, versions = history(written, code, "2017-Q4")
            kept = {current.value, *(v.value for v in versions)}
            # both files' values exist: one current, the other replaced and kept once
            assert {Decimal(1000 + i), Decimal(2000 + i)} <= kept, (code, kept)
            assert len(versions) == 1 and current.version == 2
    finally:
        written.dispose()
