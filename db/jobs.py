"""The state of jobs (long work run by a queue worker): named writes and reads of the `job` table.

The queue (Huey) carries only a job's id; everything a browser shows, on whichever instance it
asks, is here. Each write is its own short transaction, so a poll never waits for the work.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from db.models import Job

QUEUED, RUNNING, DONE, FAILED = "wartend", "laeuft", "fertig", "fehlgeschlagen"
FINAL = (DONE, FAILED)
# A running job's worker writes a heartbeat this often; a job without one for LEASE is dead
# (its worker was killed, or its machine went away).
HEARTBEAT_SECONDS = 2.0
LEASE_SECONDS = 60.0
ABORTED = "Der Auftrag wurde abgebrochen (Verarbeitung beendet, nichts geschrieben)."
# Ended jobs (and a report's PDF) are kept this long for a page that still asks, then dropped.
KEEP_DAYS = 7


@dataclass(frozen=True)
class JobView:
    """What a page shows of a job (no payload)."""

    id: str
    kind: str
    state: str
    progress: int
    message: str
    user_name: str
    params: dict[str, Any]
    result: dict[str, Any] | None
    result_name: str | None
    worker: str | None

    @property
    def finished(self) -> bool:
        return self.state in FINAL


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def create_job(
    engine: Engine,
    kind: str,
    user: str,
    params: dict[str, Any],
    payload: bytes | None = None,
    *,
    message: str = "Wartet auf die Verarbeitung …",
    worker: str | None = None,
) -> str:
    job_id = uuid.uuid4().hex
    now = _now()
    with Session(engine) as session, session.begin():
        session.execute(
            delete(Job).where(
                Job.state.in_(FINAL), Job.finished_at < now - dt.timedelta(days=KEEP_DAYS)
            )
        )
        session.add(
            Job(
                id=job_id,
                kind=kind,
                state=QUEUED,
                progress=0,
                message=message,
                user_name=user,
                params=json.dumps(params),
                payload=payload,
                worker=worker,
                created_at=now,
            )
        )
    return job_id


def start_job(engine: Engine, job_id: str) -> tuple[JobView, bytes | None] | None:
    """Claim a queued job for this process; None if it is gone or no longer queued."""
    now = _now()
    with Session(engine) as session, session.begin():
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == QUEUED)
            .values(state=RUNNING, worker=this_process(), started_at=now, heartbeat_at=now)
            .returning(Job.id)
        ).first()
        if claimed is None:
            return None
        job = session.get(Job, job_id)
        assert job is not None
        return _view(job), job.payload


def report_progress(engine: Engine, job_id: str, percent: int, message: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == RUNNING)
            .values(progress=max(0, min(100, percent)), message=message, heartbeat_at=_now())
        )


def heartbeat(engine: Engine, job_id: str) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            update(Job).where(Job.id == job_id, Job.state == RUNNING).values(heartbeat_at=_now())
        )


def finish_job(
    engine: Engine,
    job_id: str,
    *,
    failed: bool,
    message: str,
    result: dict[str, Any] | None = None,
    result_file: bytes | None = None,
    result_name: str | None = None,
) -> None:
    """The end of a job; the payload (an uploaded file) is no longer needed and is dropped."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state.in_((QUEUED, RUNNING)))
            .values(
                state=FAILED if failed else DONE,
                progress=100,
                message=message,
                result=json.dumps(result) if result is not None else None,
                result_file=result_file,
                result_name=result_name,
                payload=None,
                finished_at=_now(),
            )
        )


def _alive(worker: str | None) -> bool | None:
    """Whether a `host:pid` process lives; None when it runs on another machine."""
    if not worker or ":" not in worker:
        return None
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead(job: Job, now: dt.datetime) -> bool:
    alive = _alive(job.worker)
    if alive is False:
        return True
    if job.state == RUNNING and alive is None:
        beat = job.heartbeat_at or job.started_at or job.created_at
        return (now - beat).total_seconds() > LEASE_SECONDS
    return False


def fail_dead_jobs(engine: Engine) -> int:
    """Mark jobs failed whose worker died: its process is gone (same machine) or its heartbeat
    stopped for LEASE_SECONDS. Nothing of their work was written: imports write in one
    transaction, which the database rolled back with the dead connection."""
    now = _now()
    with Session(engine) as session, session.begin():
        candidates = session.scalars(
            select(Job).where(Job.state.in_((QUEUED, RUNNING)), Job.worker.is_not(None))
        ).all()
        dead = [j.id for j in candidates if _dead(j, now)]
        if dead:
            session.execute(
                update(Job)
                .where(Job.id.in_(dead), Job.state.in_((QUEUED, RUNNING)))
                .values(state=FAILED, message=ABORTED, payload=None, finished_at=now)
            )
    return len(dead)


def get_job(engine: Engine, job_id: str) -> JobView | None:
    """A job as it stands now; a job whose worker died is marked failed first."""
    fail_dead_jobs(engine)
    with Session(engine) as session:
        job = session.get(Job, job_id)
        return _view(job) if job is not None else None


def job_file(engine: Engine, job_id: str) -> tuple[bytes, str] | None:
    with Session(engine) as session:
        row = session.execute(
            select(Job.result_file, Job.result_name).where(Job.id == job_id)
        ).one_or_none()
    if row is None or row[0] is None or row[1] is None:
        return None
    return bytes(row[0]), row[1]


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        state=job.state,
        progress=job.progress,
        message=job.message,
        user_name=job.user_name,
        params=json.loads(job.params or "{}"),
        result=json.loads(job.result) if job.result else None,
        result_name=job.result_name,
        worker=job.worker,
    )
