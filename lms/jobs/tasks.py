"""What a worker does: claim a job, run its kind, publish the result; and the sweep.

A run, for the job id a queue message carries:

1. **Claim**: ``UPDATE … SET state='running', attempts=attempts+1 WHERE id=? AND
   state='queued'`` and commit. A duplicate message, or a job done meanwhile, claims nothing.
   The new ``attempts`` is this run's lease: every later write of the run says
   ``WHERE attempts = <lease> AND state = 'running'``.
2. **Run** the kind inside an app context and (unless the kind writes) a read-only request
   context, so that on SQLite its reads do not hold the write lock. A reporter thread writes
   progress and, every ``LMS_JOB_HEARTBEAT_SECONDS``, the heartbeat; when its write finds no
   row (the job was reclaimed and claimed again), ``ctx.progress`` raises :class:`JobLost`
   and the run deletes what it wrote.
3. **Publish**: the complete temp file is renamed under a new key, then the row becomes
   ``done`` with the key (same lease check; a run that lost its lease deletes the file).

A worker killed mid-run leaves the row ``running`` with a heartbeat that stops. The sweep
(every minute on each consumer, at each worker's start, and ``flask lms jobs clean``) puts a
job whose heartbeat is older than ``LMS_JOB_STALE_SECONDS`` back to ``queued`` and on the
queue (up to ``LMS_JOB_ATTEMPTS`` runs, then ``failed``), re-sends queued jobs whose message
may be lost, expires done results after ``LMS_JOB_RESULT_HOURS`` and deletes the files
nobody may download any more (expired results, temp files of dead runs). Huey's own retries
are not used: a killed process raises nothing Huey could retry.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import Flask

from lms.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.jobs import kinds, results
from lms.jobs.kinds import N_
from lms.jobs.models import Job

log = logging.getLogger("lms.jobs")

MSG_QUEUED = N_("Menunggu giliran")
MSG_STARTED = N_("Dimulai")
MSG_RETRIED = N_("Diulang: pekerja sebelumnya berhenti di tengah jalan")
MSG_WAIT_RETRY = N_("Menunggu diulang: pekerja berhenti di tengah jalan")
ERROR_FAILED = N_(
    "Proses gagal karena kesalahan di server. Coba lagi; bila terulang, hubungi admin "
    "dengan nomor proses ini."
)
ERROR_GONE = N_("Data yang diproses sudah tidak ada.")
ERROR_UNKNOWN_KIND = N_("Jenis proses ini tidak dikenal server.")
ERROR_GAVE_UP = N_(
    "Pekerja berhenti berulang kali di tengah proses ini, jadi tidak diulang lagi. "
    "Coba lagi nanti atau hubungi admin."
)


class JobLost(Exception):
    """This run no longer holds the job (it was reclaimed and claimed by another run)."""


@dataclass(frozen=True)
class Settings:
    result_hours: float
    heartbeat_seconds: float
    stale_seconds: float
    attempts: int

    @classmethod
    def of(cls, app: Flask) -> Settings:
        c = app.config
        heartbeat = float(c.get("LMS_JOB_HEARTBEAT_SECONDS") or 10)
        return cls(
            result_hours=float(c.get("LMS_JOB_RESULT_HOURS") or 24),
            heartbeat_seconds=heartbeat,
            # A live run misses a beat now and then (a busy database): never reclaim it then.
            stale_seconds=max(float(c.get("LMS_JOB_STALE_SECONDS") or 120), 3 * heartbeat),
            attempts=max(1, int(c.get("LMS_JOB_ATTEMPTS") or 3)),
        )


def _leased(job_id: int, attempt: int) -> Any:
    return (Job.id == job_id) & (Job.attempts == attempt) & (Job.state == "running")


def _update(where: Any, **values: Any) -> int:
    result = db.session.execute(
        sa.update(Job).where(where).values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount


# --- progress and heartbeat ---------------------------------------------------------------


class Reporter:
    """Writes a run's progress and heartbeat in transactions of its own.

    In a worker it is a thread with its own app context and session (and so on SQLite its
    own ``BEGIN IMMEDIATE`` that waits for the lock). With the in-process queue of the test
    suite (``memory://``) it writes in the caller's thread and session instead.
    """

    MIN_GAP = 0.5  # seconds between two writes

    def __init__(self, app: Flask, job_id: int, attempt: int, *, inline: bool) -> None:
        self.app = app
        self.job_id = job_id
        self.attempt = attempt
        self.inline = inline
        self.interval = Settings.of(app).heartbeat_seconds
        self.percent = 0
        self.message: str | None = MSG_RETRIED if attempt > 1 else MSG_STARTED
        self.lost = False
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.inline:
            self._thread = threading.Thread(
                target=self._loop, name=f"job-{self.job_id}-heartbeat", daemon=True
            )
            self._thread.start()

    def update(self, percent: int, message: str | None) -> None:
        self.percent = max(0, min(99, int(percent)))
        if message is not None:
            self.message = str(message)[:200]
        if self.inline:
            self._write()
        else:
            self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _loop(self) -> None:
        with self.app.app_context():
            try:
                while not self._stopped.is_set():
                    self._wake.wait(self.interval)
                    self._wake.clear()
                    if self._stopped.is_set():
                        break
                    self._write()
                    self._stopped.wait(self.MIN_GAP)
            finally:
                db.session.remove()

    def _write(self) -> None:
        try:
            found = _update(
                _leased(self.job_id, self.attempt),
                progress=self.percent,
                message=self.message,
                heartbeat_dt=utcnow(),
            )
            db.session.commit()
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            log.warning("job %s: progress not written (database busy or away)", self.job_id)
            return
        if not found:
            self.lost = True


# --- what a kind sees ---------------------------------------------------------------------


class JobContext:
    """Handed to a kind's function: the job, its object and params, progress, the result."""

    def __init__(self, job_id: int, attempt: int, reporter: Reporter) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.reporter = reporter
        #: The job's row and object (``kind.model``; None for a job about the whole site).
        self.job: Job | None = None
        self.kind: kinds.JobKind | None = None
        self.object: Any = None
        self.result_name: str | None = None
        self._folder: Path | None = None

    @property
    def params(self) -> dict[str, Any]:
        return dict((self.job.params if self.job is not None else None) or {})

    def progress(self, percent: int, message: str | None = None) -> None:
        """Report ``percent`` (0–99; 100 is reached when the result is published) and a
        message marked with ``N_``. Raises :class:`JobLost` when another run took over."""
        self.check()
        self.reporter.update(percent, message)
        self.check()

    def check(self) -> None:
        if self.reporter.lost:
            raise JobLost(self.job_id)

    def result_path(self, name: str) -> Path:
        """Where to write the result (not created yet; files beside it are fine and are
        removed with it), downloaded later as ``name``."""
        if self._folder is None:
            self._folder = results.run_folder(self.job_id, self.attempt)
        path = self._folder / "result"
        path.unlink(missing_ok=True)
        self.result_name = results.safe_name(name)
        return path

    @contextlib.contextmanager
    def open_result(self, name: str) -> Iterator[IO[bytes]]:
        path = self.result_path(name)
        with path.open("wb") as out:
            yield out

    def write_result(self, name: str, data: bytes | Iterable[bytes]) -> None:
        with self.open_result(name) as out:
            if isinstance(data, bytes | bytearray):
                out.write(data)
            else:
                for chunk in data:
                    out.write(chunk)

    @property
    def result_file(self) -> Path | None:
        if self._folder is None or self.result_name is None:
            return None
        path = self._folder / "result"
        return path if path.is_file() else None

    def discard(self) -> None:
        """Delete everything this run wrote that was not published."""
        if self._folder is not None:
            results.remove(self._folder)
            self._folder = None


# --- a run ----------------------------------------------------------------------------------


class _Stop(Exception):
    """The run cannot go on (unknown kind, object gone): the job fails with ``error``."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def _claim(job_id: int) -> tuple[int, str] | None:
    """Take a queued job for this run: (its lease, the new attempt number; its kind), or
    None when it is not queued (done already, or a duplicate message)."""
    now = utcnow()
    found = _update(
        (Job.id == job_id) & (Job.state == "queued"),
        state="running",
        attempts=Job.attempts + 1,
        started_dt=sa.func.coalesce(Job.started_dt, now),
        heartbeat_dt=now,
        progress=0,
        message=MSG_STARTED,
    )
    if not found:
        db.session.rollback()
        return None
    attempt, kind = db.session.execute(
        sa.select(Job.attempts, Job.kind).where(Job.id == job_id)
    ).one()
    if attempt > 1:
        _update(Job.id == job_id, message=MSG_RETRIED)
    db.session.commit()
    return attempt, kind


def _fail(job_id: int, attempt: int, error: str) -> bool:
    now = utcnow()
    found = _update(
        _leased(job_id, attempt),
        state="failed",
        error=str(error),
        message=None,
        finished_dt=now,
        heartbeat_dt=now,
    )
    db.session.commit()
    return bool(found)


def _publish(ctx: JobContext, settings: Settings) -> bool:
    """Rename the complete result under its key and mark the job done (lease checked)."""
    temp = ctx.result_file
    if temp is None:
        raise RuntimeError(f"job {ctx.job_id} ({ctx.kind and ctx.kind.name}) wrote no result")
    key, size = results.publish(temp)
    ctx.discard()
    now = utcnow()
    try:
        found = _update(
            _leased(ctx.job_id, ctx.attempt),
            state="done",
            progress=100,
            message=None,
            result_key=key,
            result_name=ctx.result_name,
            result_size=size,
            finished_dt=now,
            expires_dt=now + timedelta(hours=settings.result_hours),
            heartbeat_dt=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        results.delete(key)
        raise
    if not found:
        results.delete(key)
    return bool(found)


def _read_only(app: Flask, kind: kinds.JobKind) -> contextlib.AbstractContextManager[Any]:
    """A GET-like request context: on SQLite, the run's reads begin deferred and hold no
    write lock (``lms.db``); its own writes go through the reporter's transactions."""
    if kind.writes:
        return contextlib.nullcontext()
    return app.test_request_context("/_jobs/run", method="GET")


def _run_kind(app: Flask, ctx: JobContext, kind_name: str) -> None:
    kind = kinds.get(kind_name)
    if kind is None:
        raise _Stop(ERROR_UNKNOWN_KIND)
    ctx.kind = kind
    with _read_only(app, kind):
        try:
            ctx.job = db.session.get(Job, ctx.job_id)
            if kind.model is not None:
                ctx.object = db.session.get(kind.model, ctx.job.object_id)
                if ctx.object is None:
                    raise _Stop(ERROR_GONE)
            kind.run(ctx)
            ctx.check()
        finally:
            db.session.rollback()  # end the run's read transaction


def run_job(app: Flask, job_id: int) -> str:
    """Run job ``job_id`` if it is queued; what happened: done, failed, lost or skipped."""
    from lms.jobs import queue

    settings = Settings.of(app)
    inline = queue.of(app).in_process
    with app.app_context():
        claimed = _claim(job_id)
        if claimed is None:
            return "skipped"
        attempt, kind_name = claimed
        reporter = Reporter(app, job_id, attempt, inline=inline)
        ctx = JobContext(job_id, attempt, reporter)
        outcome, error = "failed", ERROR_FAILED
        reporter.start()
        try:
            _run_kind(app, ctx, kind_name)
            reporter.stop()
            outcome = "done" if _publish(ctx, settings) else "lost"
        except _Stop as stop:
            error = stop.error
        except JobLost:
            outcome = "lost"
        except DomainError as exc:
            error = exc.message
        except Exception:
            log.exception("job %s (%s) failed in attempt %s", job_id, kind_name, attempt)
        finally:
            reporter.stop()
            ctx.discard()
        if outcome == "failed":
            db.session.rollback()
            if not _fail(job_id, attempt, error):
                outcome = "lost"
        if outcome == "lost":
            log.warning("job %s: attempt %s lost its claim; its work is discarded", job_id, attempt)
        return outcome


# --- the sweep ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    gave_up: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    deleted_files: int = 0

    def lines(self) -> list[str]:
        return [
            f"requeued after a stopped worker: {len(self.requeued)} {self.requeued or ''}",
            f"failed after {len(self.gave_up)} too many attempts: {self.gave_up or ''}",
            f"queued again (message possibly lost): {len(self.resent)}",
            f"results expired: {len(self.expired)}",
            f"files deleted: {self.deleted_files}",
        ]


def sweep(app: Flask) -> SweepReport:
    """Reclaim stopped runs, expire old results, delete files nobody may download."""
    from lms.jobs import queue

    settings = Settings.of(app)
    report = SweepReport()
    state = queue.of(app)
    try:
        queue_empty = state.huey.pending_count() == 0
    except Exception:  # the queue is away: nothing can be sent now anyway
        queue_empty = False
    with app.app_context():
        try:
            _reclaim(settings, report, resend=queue_empty)
            _expire(report)
            report.deleted_files += _delete_files(settings)
        except sa.exc.SQLAlchemyError:
            db.session.rollback()
            log.warning("job sweep skipped: database busy or away", exc_info=True)
            return report
        finally:
            db.session.remove()
    for job_id in report.requeued + report.resent:
        try:
            state.enqueue(job_id)
        except Exception:  # the next sweep sends it again
            log.warning("job %s: could not be put on the queue", job_id, exc_info=True)
    if report.requeued or report.gave_up:
        log.info("job sweep: %s", "; ".join(report.lines()))
    return report


def _reclaim(settings: Settings, report: SweepReport, *, resend: bool) -> None:
    now = utcnow()
    cutoff = now - timedelta(seconds=settings.stale_seconds)
    stale = db.session.execute(
        sa.select(Job.id, Job.attempts).where(Job.state == "running", Job.heartbeat_dt < cutoff)
    ).all()
    for job_id, attempt in stale:
        where = _leased(job_id, attempt) & (Job.heartbeat_dt < cutoff)
        if attempt >= settings.attempts:
            if _update(where, state="failed", error=ERROR_GAVE_UP, message=None, finished_dt=now):
                report.gave_up.append(job_id)
        elif _update(where, state="queued", heartbeat_dt=now, message=MSG_WAIT_RETRY):
            report.requeued.append(job_id)
    # A queued job nobody took while the queue is empty: its message was lost (the queue
    # was away at the commit, or a consumer was killed just after taking it). Sending it
    # again is harmless: only one run can claim it. While messages wait on the queue (no
    # worker running, or a long backlog) nothing is re-sent, so nothing piles up.
    waiting = []
    if resend:
        waiting = db.session.scalars(
            sa.select(Job.id).where(Job.state == "queued", Job.heartbeat_dt < cutoff)
        ).all()
    for job_id in waiting:
        if _update(
            (Job.id == job_id) & (Job.state == "queued") & (Job.heartbeat_dt < cutoff),
            heartbeat_dt=now,
        ):
            report.resent.append(job_id)
    db.session.commit()


def _expire(report: SweepReport) -> None:
    now = utcnow()
    rows = db.session.execute(
        sa.select(Job.id, Job.result_key).where(Job.state == "done", Job.expires_dt <= now)
    ).all()
    gone = []
    for job_id, key in rows:
        if _update((Job.id == job_id) & (Job.state == "done"), state="expired", result_key=None):
            gone.append(key)
            report.expired.append(job_id)
    db.session.commit()
    for key in gone:
        results.delete(key)
        report.deleted_files += 1


def _delete_files(settings: Settings) -> int:
    """The folders of runs that are not running, and result files no job names, once they
    are older than a stale heartbeat (so a run that has just begun keeps its folder)."""
    running = set(
        db.session.execute(sa.select(Job.id, Job.attempts).where(Job.state == "running")).all()
    )
    referenced = set(
        db.session.scalars(sa.select(Job.result_key).where(Job.result_key.is_not(None))).all()
    )
    db.session.rollback()
    deleted = 0
    old = settings.stale_seconds
    for path, job_id, attempt in results.run_folders():
        if (job_id, attempt) in running:
            continue
        # What is no run's folder (nothing should be) is left a day, in case it is someone's.
        if results.age_seconds(path) < (old if job_id is not None else 86400):
            continue
        results.remove(path)
        deleted += 1
    for key, path in results.stored_keys():
        if key not in referenced and results.age_seconds(path) >= old:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
