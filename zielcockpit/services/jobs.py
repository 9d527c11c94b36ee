"""Use case: long work (a written upload, the committee report) as jobs on a Huey queue.

Huey is the queue: `ZIELCOCKPIT_JOBS=eingebettet` (the default, `make run`) keeps it in memory
and runs it in two threads of the app process itself (no extra service); a Redis address
(`redis://127.0.0.1:6379/0`) puts it in Redis, where `zielcockpit worker` processes take the jobs,
so the app instances only queue. The queue carries a job's id and the settings; the job's state,
progress, German message and result are in the `job` table (`db/jobs.py`), so whichever instance
the browser asks shows them.

A worker killed in the middle writes nothing: an import writes in one transaction, which the
database rolls back with the dead connection; the job itself is marked failed („Der Auftrag wurde
abgebrochen …“) by the next look at it (`db.jobs.get_job`) or the next worker start, once its
process is gone or its heartbeat has stopped.

The job bodies are the use cases the CLI calls in the foreground (`import_uploads`,
`committee_report`), with a progress hook.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, crontab
from huey.consumer import Consumer
from sqlalchemy import Engine

from db.engine import make_engine
from db.jobs import (
    HEARTBEAT_SECONDS,
    JobView,
    create_job,
    finish_job,
    get_job,
    heartbeat,
    job_file,
    report_progress,
    start_job,
    this_process,
)
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.services.report import ReportError, committee_report, may_download
from zielcockpit.services.upload import (
    UploadedFile,
    UploadOutcome,
    import_uploads,
    outcome_summary,
    received,
)
from zielcockpit.settings import Settings

log = logging.getLogger(__name__)

EMBEDDED = "eingebettet"
EMBEDDED_THREADS = 2
FAILED_UNEXPECTEDLY = (
    "Ein unerwarteter Fehler ist aufgetreten; nichts wurde geschrieben. Bitte erneut versuchen; "
    "bleibt der Fehler, der Administration Bescheid geben."
)

_queues: dict[str, Huey] = {}
_tasks: dict[str, Any] = {}  # queue setting → the registered task (calling it queues a job)
_engines: dict[str, Engine] = {}
_embedded_started: dict[str, int] = {}  # queue setting → pid whose threads run it
# queue setting → the settings the periodic reminders of this process run with
_periodic: dict[str, Settings] = {}
_lock = threading.Lock()


class JobSettingError(ValueError):
    """ZIELCOCKPIT_JOBS names no queue we know; German message."""


def is_embedded(settings: Settings) -> bool:
    return settings.jobs.strip() in ("", EMBEDDED)


def queue_for(settings: Settings) -> Huey:
    """The Huey queue of this setting (one per process), with the job task registered on it."""
    key = settings.jobs.strip() or EMBEDDED
    with _lock:
        queue = _queues.get(key)
        if queue is None:
            if key == EMBEDDED:
                queue = MemoryHuey("zielcockpit", results=False)
            elif key.startswith(("redis://", "rediss://", "unix://")):
                queue = RedisHuey("zielcockpit", url=key, results=False)
            else:
                raise JobSettingError(
                    f"ZIELCOCKPIT_JOBS={key!r} ist unbekannt: erlaubt sind „eingebettet“ oder "
                    "eine Redis-Adresse wie redis://127.0.0.1:6379/0."
                )
            _tasks[key] = queue.task(name="zielcockpit.job")(run_job)
            _queues[key] = queue
        return queue


class _InProcessConsumer(Consumer):
    """Huey's consumer in threads of the app process: the app's signals stay the app's."""

    def _set_signal_handlers(self) -> None:
        pass


def _ensure_embedded_worker(settings: Settings, queue: Huey) -> None:
    """Start the embedded threads once per process (again after a fork: threads do not follow)."""
    import os

    key = settings.jobs.strip() or EMBEDDED
    with _lock:
        if _embedded_started.get(key) == os.getpid():
            return
        consumer = _InProcessConsumer(
            queue, workers=EMBEDDED_THREADS, worker_type="thread", periodic=key in _periodic
        )
        consumer.start()
        _embedded_started[key] = os.getpid()


def _engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


def _enqueue(settings: Settings, job_id: str) -> None:
    queue = queue_for(settings)
    if is_embedded(settings):
        _ensure_embedded_worker(settings, queue)
    _tasks[settings.jobs.strip() or EMBEDDED](job_id, settings)


# --- submitting ----------------------------------------------------------------------------


def submit_upload(
    engine: Engine,
    settings: Settings,
    principal: Principal | None,
    raw_name: str | None,
    contents: str | None,
    expected_checksum: str | None,
) -> str | UploadOutcome:
    """Queue the writing of a checked browser upload: the job's id, or the refusal (not queued)."""
    data = received(settings, principal, raw_name, contents, dry_run=False)
    if isinstance(data, UploadOutcome):
        return data
    assert principal is not None  # received() refuses a request without one
    params = {
        "name": raw_name,
        "expected_checksum": expected_checksum,
        "role": principal.role,
        "units": sorted(principal.units),
    }
    return _submit(engine, settings, "import", principal.name, params, data)


def submit_report(
    engine: Engine, settings: Settings, principal: Principal | None, plan: str, period: str
) -> str:
    """Queue the committee report; PermissionError (German) for a role that may not have it."""
    refusal = may_download(principal)
    if refusal is not None or principal is None:
        raise PermissionError(refusal or "Bitte zuerst anmelden.")
    return _submit(engine, settings, "report", principal.name, {"plan": plan, "period": period})


def _submit(
    engine: Engine,
    settings: Settings,
    kind: str,
    user: str,
    params: dict[str, Any],
    payload: bytes | None = None,
) -> str:
    # Embedded: the queue lives in this process, so the job dies with it; naming the process
    # lets the next look at the job see that.
    worker = this_process() if is_embedded(settings) else None
    job_id = create_job(engine, kind, user, params, payload, worker=worker)
    try:
        _enqueue(settings, job_id)
    except Exception:
        log.exception("Auftrag %s konnte nicht eingereiht werden", job_id)
        finish_job(
            engine,
            job_id,
            failed=True,
            message="Der Auftrag konnte nicht eingereiht werden (Warteschlange nicht erreichbar); "
            "nichts wurde geschrieben.",
        )
    return job_id


def job_of(engine: Engine, principal: Principal | None, job_id: str) -> JobView | None:
    """A job as its submitter sees it (None: unknown, or someone else's)."""
    if principal is None:
        return None
    view = get_job(engine, job_id)
    if view is None or view.user_name != principal.name:
        return None
    return view


def job_download(
    engine: Engine, principal: Principal | None, job_id: str
) -> tuple[bytes, str] | None:
    """The file a finished job made (the report), for its submitter only."""
    if job_of(engine, principal, job_id) is None:
        return None
    return job_file(engine, job_id)


# --- running (in a worker) -----------------------------------------------------------------


def run_job(job_id: str, settings: Settings) -> None:
    """The queue's one task: claim the job, run its body with a heartbeat, record the end."""
    engine = _engine(settings.database_url)
    claimed = start_job(engine, job_id)
    if claimed is None:
        return  # already failed (its submitter died) or taken
    view, payload = claimed
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(engine, job_id, stop), daemon=True)
    beat.start()

    def progress(percent: int, message: str) -> None:
        report_progress(engine, job_id, percent, message)

    try:
        BODIES[view.kind](engine, settings, view, payload, progress)
    except Exception:
        log.exception("Auftrag %s (%s) fehlgeschlagen", job_id, view.kind)
        finish_job(engine, job_id, failed=True, message=FAILED_UNEXPECTEDLY)
    finally:
        stop.set()


def _beat(engine: Engine, job_id: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            heartbeat(engine, job_id)
        except Exception:  # a missed beat is harmless; the lease is many beats long
            log.warning("Herzschlag des Auftrags %s nicht geschrieben", job_id, exc_info=True)


Body = Callable[[Engine, Settings, JobView, bytes | None, Callable[[int, str], None]], None]


def _import_body(
    engine: Engine,
    settings: Settings,
    job: JobView,
    payload: bytes | None,
    progress: Callable[[int, str], None],
) -> None:
    p = job.params
    principal = Principal(job.user_name, p["role"], frozenset(p.get("units", [])))
    outcome = import_uploads(
        engine,
        settings,
        principal,
        [UploadedFile(p.get("name"), payload or b"")],
        dry_run=False,
        expected_checksum=p.get("expected_checksum"),
        progress=progress,
    )
    summary = outcome_summary(outcome)
    # A refused or rejected file is a finished job whose result says why (the page lists the
    # errors); „fehlgeschlagen“ is kept for jobs that broke off.
    if not outcome.accepted:
        message = "Nicht übernommen; nichts wurde geschrieben."
    elif summary["status"] == "unchanged":
        message = "Fertig: nichts geändert."
    else:
        message = f"Fertig: {fmt_number(summary['written'])} Werte geschrieben."
    finish_job(engine, job.id, failed=False, message=message, result=summary)


def _report_body(
    engine: Engine,
    settings: Settings,
    job: JobView,
    payload: bytes | None,
    progress: Callable[[int, str], None],
) -> None:
    try:
        report = committee_report(engine, job.params["plan"], job.params["period"], None, progress)
    except ReportError as exc:
        finish_job(engine, job.id, failed=True, message=f"{exc} Kein Bericht erstellt.")
        return
    finish_job(
        engine,
        job.id,
        failed=False,
        message=f"Der Bericht ist fertig ({fmt_number(report.pages)} Seiten).",
        result={"pages": report.pages},
        result_file=report.content,
        result_name=report.file_name,
    )


BODIES: dict[str, Body] = {"import": _import_body, "report": _report_body}


def run_worker(settings: Settings, workers: int = 2) -> None:
    """`zielcockpit worker`: Huey's consumer on the Redis queue, in the foreground."""
    if is_embedded(settings):
        raise JobSettingError(
            "ZIELCOCKPIT_JOBS ist „eingebettet“: die Aufträge laufen im App-Prozess, ein eigener "
            "Worker ist nicht nötig. Für getrennte Worker ZIELCOCKPIT_JOBS=redis://… setzen."
        )
    from db.jobs import fail_dead_jobs

    try:  # jobs of a worker that died before this start: failed, with the message
        fail_dead_jobs(_engine(settings.database_url))
    except Exception:
        log.warning("Abgebrochene Aufträge nicht geprüft", exc_info=True)
    queue = queue_for(settings)
    periodic = schedule_reminders(settings)
    Consumer(queue, workers=workers, worker_type="thread", periodic=periodic).run()


# --- the periodic reminders (docs/reminders.md) ------------------------------------------------


def reminder_schedule(minutes: int) -> Callable[[Any], bool]:
    """Huey's schedule for „every N minutes“ (N ≥ 60: on the hour, every N // 60 hours)."""
    if minutes < 60:
        return crontab(minute=f"*/{minutes}")
    return crontab(minute="0", hour=f"*/{max(minutes // 60, 1)}")


def run_reminders(settings: Settings) -> None:
    """The periodic task's body: one reminder run (what `zielcockpit remind` does)."""
    from zielcockpit.services.reminders import remind

    try:
        report = remind(_engine(settings.database_url), settings)
    except Exception:
        log.exception("Erinnerungslauf fehlgeschlagen")
        return
    for line in report.lines:
        log.info("Erinnerungen: %s", line)


def schedule_reminders(settings: Settings) -> bool:
    """Register the reminders as a periodic task on this setting's queue (once per process);
    False when ZIELCOCKPIT_REMIND_EVERY_MINUTES is 0. Every consumer with `periodic` runs it;
    several at once are harmless: a reminder is recorded (and so sent) once per state."""
    minutes = settings.number("ZIELCOCKPIT_REMIND_EVERY_MINUTES")
    if not minutes:
        return False
    queue = queue_for(settings)
    key = settings.jobs.strip() or EMBEDDED
    with _lock:
        if key not in _periodic:

            def reminders() -> None:
                run_reminders(_periodic[key])

            queue.periodic_task(reminder_schedule(minutes), name="zielcockpit.erinnerungen")(
                reminders
            )
        _periodic[key] = settings
    return True


def start_background(settings: Settings) -> None:
    """For `serve` and gunicorn: with the embedded queue the periodic reminders run in this
    process's consumer threads (a Redis queue's workers run them instead)."""
    if is_embedded(settings) and schedule_reminders(settings):
        _ensure_embedded_worker(settings, queue_for(settings))
