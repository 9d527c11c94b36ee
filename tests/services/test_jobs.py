"""Jobs (issue 16): a written upload and the committee report run on the queue.

Embedded (threads of this process) on SQLite and PostgreSQL; with Redis, a real worker process
(`zielcockpit worker`) takes the jobs, and one killed with SIGKILL in the middle of writing a
large import leaves no value written and its job failed with the German message.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from benchmarks.bench_import import bench_catalogue, bench_workbook
from db.engine import make_engine
from db.jobs import ABORTED, DONE, FAILED, RUNNING, JobView, create_job, get_job
from db.models import ImportRun, Job, Messwert
from tests.conftest import Databases
from zielcockpit.domain.access import Principal
from zielcockpit.services.catalogue import load_catalogue
from zielcockpit.services.jobs import job_download, submit_report, submit_upload
from zielcockpit.settings import Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

REPO = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/13"  # a database of its own, emptied by the test
CONTROLLING = Principal("test-controlling", "controlling")
LARGE_ROWS = 60_000


def _settings(url: str, tmp_path: Path, jobs: str = "eingebettet") -> Settings:
    return Settings.resolve(
        {
            "DATABASE_URL": url,
            "ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv"),
            "ZIELCOCKPIT_JOBS": jobs,
        },
        environ={},
    )


def _data_url(path: Path) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(path.read_bytes()).decode()


def _wait(engine: Engine, job_id: str, seconds: float = 120) -> JobView:
    deadline = time.monotonic() + seconds
    while True:
        view = get_job(engine, job_id)
        assert view is not None
        if view.finished:
            return view
        assert time.monotonic() < deadline, f"Auftrag nicht fertig: {view}"
        time.sleep(0.1)


def _values(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        values = conn.execute(select(func.count()).select_from(Messwert)).scalar_one()
        runs = conn.execute(select(func.count()).select_from(ImportRun)).scalar_one()
    return values, runs


@pytest.fixture(scope="module")
def bench_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The benchmark plan (100 indicators × 84 Quartiere), a small and a large workbook of it."""
    folder = tmp_path_factory.mktemp("jobs")
    catalogue, small, large = folder / "bench.yaml", folder / "klein.xlsx", folder / "gross.xlsx"
    bench_catalogue(catalogue)
    bench_workbook(small, 500)
    bench_workbook(large, LARGE_ROWS)
    return catalogue, small, large


def test_job001_embedded_upload_runs_as_a_job_with_progress(
    databases: Databases, tmp_path: Path, bench_files: tuple[Path, Path, Path]
) -> None:
    url = databases.url("catalogue")
    settings = _settings(url, tmp_path)
    engine = make_engine(url)
    try:
        load_catalogue(engine, bench_files[0])
        before = _values(engine)
        job_id = submit_upload(
            engine, settings, CONTROLLING, "klein.xlsx", _data_url(bench_files[1]), None
        )
        assert isinstance(job_id, str)
        seen = set()
        deadline = time.monotonic() + 120
        while (view := get_job(engine, job_id)) is not None and not view.finished:
            seen.add((view.state, view.progress))
            assert time.monotonic() < deadline
            time.sleep(0.02)
        assert view is not None and view.state == DONE, view
        assert view.progress == 100 and view.message == "Fertig: 500 Werte geschrieben."
        assert view.result is not None and view.result["written"] == 500
        assert _values(engine) == (before[0] + 500, before[1] + 1)
        with engine.connect() as conn:  # the upload is not kept once the job has ended
            assert conn.execute(select(Job.payload).where(Job.id == job_id)).scalar_one() is None
        # The same file again: a finished job that changed nothing.
        again = submit_upload(
            engine, settings, CONTROLLING, "klein.xlsx", _data_url(bench_files[1]), None
        )
        assert isinstance(again, str)
        view = _wait(engine, again)
        assert view.state == DONE and view.message == "Fertig: nichts geändert."
        # A file that differs from the checked preview is refused inside the job, nothing written.
        other = submit_upload(
            engine, settings, CONTROLLING, "klein.xlsx", _data_url(bench_files[1]), "0" * 64
        )
        assert isinstance(other, str)
        view = _wait(engine, other)
        assert view.result is not None and view.result["status"] == "refused"
        assert "unterscheidet sich von der geprüften Vorschau" in view.result["refusal"]
        assert _values(engine) == (before[0] + 500, before[1] + 1)
        # A role that may not import is refused before anything is queued.
        refused = submit_upload(
            engine,
            settings,
            Principal("leitung", "leitung"),
            "klein.xlsx",
            _data_url(bench_files[1]),
            None,
        )
        assert not isinstance(refused, str) and "Keine Berechtigung" in (refused.refusal or "")
    finally:
        engine.dispose()


def test_job002_embedded_report_job_keeps_the_pdf(databases: Databases, tmp_path: Path) -> None:
    url = databases.url("demo")
    engine = make_engine(url)
    try:
        settings = _settings(url, tmp_path)
        leitung = Principal("test-leitung", "leitung")
        job_id = submit_report(engine, settings, leitung, "2017", "2017-Q3")
        view = _wait(engine, job_id, 240)
        assert view.state == DONE and view.message.startswith("Der Bericht ist fertig (")
        made = job_download(engine, leitung, job_id)
        assert made is not None and made[0].startswith(b"%PDF")
        assert made[1] == "Zielcockpit_2017_2017-Q3_Bericht_Entwurf.pdf"
        assert job_download(engine, Principal("andere", "leitung"), job_id) is None
        empty = _wait(engine, submit_report(engine, settings, leitung, "2017", "2017-Q4"))
        assert empty.state == FAILED and "gibt es noch keine Werte" in empty.message
        with pytest.raises(PermissionError, match="Keine Berechtigung"):
            submit_report(engine, settings, Principal("fb", "fachbereich"), "2017", "2017-Q3")
    finally:
        engine.dispose()


def test_job003_a_job_whose_process_died_is_failed_with_the_message(
    databases: Databases,
) -> None:
    engine = databases.engine("migrated")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    job_id = create_job(
        engine, "import", "x", {}, b"abc", worker=f"{socket.gethostname()}:{gone.pid}"
    )
    alive = create_job(
        engine, "import", "x", {}, None, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    view = get_job(engine, job_id)
    assert view is not None and view.state == FAILED and view.message == ABORTED
    assert ABORTED == "Der Auftrag wurde abgebrochen (Verarbeitung beendet, nichts geschrieben)."
    kept = get_job(engine, alive)
    assert kept is not None and kept.state == "wartend"
    # Ended jobs are dropped after a week, when the next job is made.
    with engine.begin() as conn:
        conn.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(finished_at=dt.datetime(2020, 1, 1), result_file=b"%PDF")
        )
    create_job(engine, "report", "x", {})
    assert get_job(engine, job_id) is None and get_job(engine, alive) is not None


@pytest.fixture
def redis_queue() -> Iterator[str]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("ZIELCOCKPIT_REQUIRE_REDIS") == "1":
            raise
        pytest.skip("kein Redis auf 127.0.0.1:6379")
    client.flushdb()
    yield REDIS
    client.flushdb()
    client.close()


def _worker(url: str, tmp_path: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZIELCOCKPIT_", "DATABASE"))}
    env.update(
        PYTHONPATH=str(REPO),
        DATABASE_URL=url,
        ZIELCOCKPIT_JOBS=REDIS,
        ZIELCOCKPIT_ARCHIVE_DIR=str(tmp_path / "archiv"),
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "zielcockpit.cli", "worker", "--workers", "1"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=out,
        )


def test_job004_a_worker_killed_mid_import_writes_nothing_and_the_job_fails(
    databases: Databases, tmp_path: Path, bench_files: tuple[Path, Path, Path], redis_queue: str
) -> None:
    url = databases.url("catalogue")
    engine = make_engine(url)
    log = tmp_path / "worker.log"
    worker = _worker(url, tmp_path, log)
    try:
        load_catalogue(engine, bench_files[0])
        settings = _settings(url, tmp_path, redis_queue)
        # A separate worker takes a small import: the queue works end to end.
        small = submit_upload(
            engine, settings, CONTROLLING, "klein.xlsx", _data_url(bench_files[1]), None
        )
        assert isinstance(small, str)
        view = _wait(engine, small)
        assert view.state == DONE and view.result and view.result["written"] == 500, log.read_text()
        assert view.worker and view.worker.endswith(f":{worker.pid}")
        before = _values(engine)

        job_id = submit_upload(
            engine, settings, CONTROLLING, "gross.xlsx", _data_url(bench_files[2]), None
        )
        assert isinstance(job_id, str)
        # Killed while it writes (one transaction under the writers' lock).
        deadline = time.monotonic() + 180
        while (view_ := get_job(engine, job_id)) is not None and view_.progress < 70:
            assert not view_.finished, view_
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        assert view_ is not None and view_.state == RUNNING
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)

        killed = get_job(engine, job_id)
        assert killed is not None and killed.state == FAILED, killed
        assert killed.message == ABORTED
        assert _values(engine) == before  # not one of the 60,000 values, no import run
        with engine.connect() as conn:
            assert conn.execute(select(Job.payload).where(Job.id == job_id)).scalar_one() is None

        # A new worker does not pick the failed job up again, and takes new ones.
        worker = _worker(url, tmp_path, log)
        again = submit_upload(
            engine, settings, CONTROLLING, "klein.xlsx", _data_url(bench_files[1]), None
        )
        assert isinstance(again, str)
        assert _wait(engine, again).state == DONE, log.read_text()
        killed = get_job(engine, job_id)
        assert killed is not None and killed.state == FAILED
        assert _values(engine) == before
    finally:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(30)
        engine.dispose()
