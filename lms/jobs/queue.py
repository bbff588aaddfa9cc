"""The queue: one Huey instance per app, configured from ``LMS_JOBS_URL``.

- ``redis://host:6379/1`` (or ``rediss://``): Redis, for production; any number of
  ``flask --app wsgi lms worker`` processes on any number of hosts consume it.
- unset: the embedded default, Huey's SQLite storage in ``<instance>/jobs.sqlite3``. The dev
  server (``flask run``, so ``make run``) starts an in-process consumer (threads) at its first
  request, so nothing else needs to run; ``flask lms worker`` consumes the same file too.
- ``sqlite:////path/jobs.sqlite3``: that SQLite file (several processes of one host).
- ``memory://``: in this process only (the test suite); nothing runs a job until
  :func:`run_pending` is called.

The queue carries only job ids: the ``Job`` row is the truth (state, progress, result), so a
message lost with a killed worker is harmless: the sweep puts the job back on the queue.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer

log = logging.getLogger("lms.jobs")

EXTENSION = "lms.jobs"
#: An empty SQLite queue is polled at most this many seconds apart (Redis blocks instead).
POLL_SECONDS = 2.0


class _EmbeddedConsumer(Consumer):
    """A consumer started from a web process's thread: no signal handlers of its own (those
    belong to the server), daemon threads that end with the process."""

    def _set_signal_handlers(self) -> None:
        pass


@dataclass
class JobsQueue:
    """What ``app.extensions["lms.jobs"]`` holds. The Huey instance is made on first use, so
    an app that never queues anything (most commands) opens no queue."""

    app: Flask
    #: ``memory://``: jobs run in the caller's thread when :func:`run_pending` is called.
    in_process: bool
    #: Start an in-process consumer in this (web) process.
    embedded: bool
    _huey: Huey | None = None
    _run_task: TaskWrapper | None = None
    _sweep_task: TaskWrapper | None = None
    _consumer: Consumer | None = None
    _consumer_pid: int | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def huey(self) -> Huey:
        if self._huey is None:
            with self._lock:
                if self._huey is None:
                    self._build()
        assert self._huey is not None
        return self._huey

    @property
    def run_task(self) -> TaskWrapper:
        self.huey  # noqa: B018  (built on first use)
        assert self._run_task is not None
        return self._run_task

    def _build(self) -> None:
        from lms.jobs import tasks

        app = self.app
        huey = _make_huey(app)

        def run_job(job_id: int) -> None:
            tasks.run_job(app, job_id)

        def sweep_jobs() -> None:
            tasks.sweep(app)

        self._run_task = huey.task(name="run_job")(run_job)
        # Reclaims jobs of killed workers and deletes expired results, every minute on every
        # consumer (both are safe to run twice at once).
        self._sweep_task = huey.periodic_task(crontab(), name="sweep_jobs")(sweep_jobs)
        self._huey = huey

    def enqueue(self, job_id: int) -> None:
        self.run_task(job_id)

    def create_consumer(self, workers: int | None = None, *, embedded: bool = False) -> Consumer:
        config = self.app.config
        options: dict[str, Any] = {
            "workers": workers or int(config.get("LMS_JOBS_THREADS") or 2),
            "worker_type": "thread",
            "periodic": True,
            # An empty queue is polled at most this far apart (Redis blocks instead).
            "max_delay": POLL_SECONDS,
            # A graceful stop (SIGINT, or SIGTERM from systemd/docker) lets a job finish
            # for this long; what is cut off is run again by the next worker.
            "shutdown_timeout": float(config.get("LMS_JOBS_SHUTDOWN_SECONDS") or 30),
            "graceful_signal": "TERM",
        }
        cls = _EmbeddedConsumer if embedded else Consumer
        return cls(self.huey, **options)

    def start_embedded(self) -> bool:
        """Start the in-process consumer once per process (after a fork too); True if it
        was started now."""
        if not self.embedded or self.in_process:
            return False
        with self._lock:
            if self._consumer is not None and self._consumer_pid == os.getpid():
                return False
            consumer = self.create_consumer(embedded=True)
            consumer.start()
            self._consumer, self._consumer_pid = consumer, os.getpid()
        log.info("in-process job consumer started (queue %s)", describe_url(self.app))
        from lms.jobs import tasks

        threading.Thread(target=tasks.sweep, args=(self.app,), daemon=True).start()
        return True

    def stop_embedded(self) -> None:
        with self._lock:
            if self._consumer is not None and self._consumer_pid == os.getpid():
                self._consumer.stop(graceful=False)
            self._consumer = None


def describe_url(app: Flask) -> str:
    url = app.config.get("LMS_JOBS_URL") or ""
    if not url:
        return f"sqlite:///{_default_sqlite_path(app)} (embedded default)"
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _default_sqlite_path(app: Flask) -> Path:
    return Path(app.instance_path) / "jobs.sqlite3"


def _parse(app: Flask) -> tuple[str, str]:
    """(storage, where) from ``LMS_JOBS_URL``: ("sqlite", path), ("redis", url) or
    ("memory", ""); a RuntimeError for anything else (at startup, not at the first job)."""
    url = (app.config.get("LMS_JOBS_URL") or "").strip()
    if not url:
        return "sqlite", str(_default_sqlite_path(app))
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return "redis", url
    if scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not path:
            raise RuntimeError(f"LMS_JOBS_URL={url!r}: write sqlite:////absolute/path.sqlite3")
        return "sqlite", path
    if scheme == "memory":
        return "memory", ""
    raise RuntimeError(
        f"LMS_JOBS_URL={url!r} is not understood: use redis://host:6379/1, "
        "sqlite:////path/jobs.sqlite3 or leave it unset for the embedded default."
    )


def _make_huey(app: Flask) -> Huey:
    storage, where = _parse(app)
    name = app.config.get("LMS_JOBS_QUEUE") or "kelas-inovasi"
    # The Job row holds results and errors; Huey keeps no results of its own.
    common: dict[str, Any] = {"results": False, "utc": True}
    if storage == "redis":
        return RedisHuey(name, url=where, **common)
    if storage == "sqlite":
        Path(where).parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=where, **common)
    return MemoryHuey(name, **common)


def _embedded_wanted(app: Flask) -> bool:
    setting = app.config.get("LMS_JOBS_EMBEDDED")
    if setting is not None and setting != "":
        return str(setting).strip().lower() in ("1", "true", "yes", "on")
    # Automatic: the dev server (flask run, make run) on the embedded default queue.
    return (
        not app.config.get("LMS_JOBS_URL")
        and not app.testing
        and os.environ.get("FLASK_RUN_FROM_CLI") == "true"
    )


def init_app(app: Flask) -> JobsQueue:
    """The app's queue (once per app); the settings are checked now."""
    existing = app.extensions.get(EXTENSION)
    if existing is not None:
        return existing
    storage, _where = _parse(app)
    state = JobsQueue(app=app, in_process=storage == "memory", embedded=_embedded_wanted(app))
    app.extensions[EXTENSION] = state
    return state


def of(app: Flask | None = None) -> JobsQueue:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get(EXTENSION)
    if state is None:
        state = init_app(app)
    return state


def enqueue(job_id: int, app: Flask | None = None) -> None:
    """Put a committed job on the queue (after the commit: ``unit_of_work.on_commit``)."""
    of(app).enqueue(job_id)


def run_pending(app: Flask | None = None, limit: int = 100) -> int:
    """Run what is on the queue in this thread until it is empty (``memory://``: the test
    suite); returns how many messages ran."""
    state = of(app)
    count = 0
    while count < limit:
        task = state.huey.dequeue()
        if task is None:
            break
        state.huey.execute(task)
        count += 1
    return count
