"""A real ``flask lms worker`` killed (SIGKILL) in the middle of a job: the job runs again on
the next worker, no partial file is ever offered, and the result is whole and written once.

Runs on SQLite (database and queue in files), and on PostgreSQL with the Redis queue when the
suite runs on PostgreSQL (``LMS_TEST_DATABASE_URL``). The job is the test kind
``tests.wait_for_flag`` (tests/jobs/jobs_kinds.py): it writes half its file, says it started,
and waits for a flag file, so the test knows when to kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

import lms
from lms.extensions import db
from lms.jobs import operations, queue, results
from lms.jobs.models import Job
from tests.jobs import jobs_kinds

ROOT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
HEARTBEAT = 0.2
STALE = 2.0
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@dataclass
class Site:
    base: Path
    env: dict[str, str]
    app: Any
    logs: list[Path]
    sqlite: bool

    @property
    def store(self) -> Path:
        return self.base / "uploads"

    def row(self, job_id: int) -> Job:
        with self.app.app_context():
            job = db.session.get(Job, job_id)
            db.session.expunge(job)
            return job

    def worker(self) -> subprocess.Popen[bytes]:
        log = self.base / f"worker-{len(self.logs) + 1}.log"
        self.logs.append(log)
        return subprocess.Popen(
            [str(FLASK), "--app", "tests.jobs.jobs_worker_app", "lms", "worker", "--threads", "2"],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def log_text(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in self.logs
        )

    def wait(self, what: str, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.05)
        pytest.fail(f"timed out waiting for {what}\n{self.log_text()}")


def _postgres_database() -> Iterator[str]:
    url = make_url(os.environ["LMS_TEST_DATABASE_URL"])
    name = f"lms_jobs_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _redis_ready() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql+redis",
            marks=pytest.mark.skipif(
                not os.environ.get("LMS_TEST_DATABASE_URL"),
                reason="the suite runs on SQLite (set LMS_TEST_DATABASE_URL for PostgreSQL)",
            ),
        ),
    ]
)
def site(request, tmp_path) -> Iterator[Site]:
    queue_name = f"lms-test-{uuid.uuid4().hex[:8]}"
    databases: Iterator[str] | None = None
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
        jobs_url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    else:
        if not _redis_ready():
            if _in_ci():
                pytest.fail(f"Redis is not reachable at {REDIS_URL}")
            pytest.skip(f"Redis is not reachable at {REDIS_URL}")
        databases = _postgres_database()
        database_url = next(databases)
        jobs_url = REDIS_URL
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    config.LMS_JOBS_URL = jobs_url
    config.LMS_JOBS_QUEUE = queue_name
    app = lms.create_app(config)
    with app.app_context():
        db.create_all()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "LMS_DATABASE_URL": database_url,
        "LMS_UPLOAD_DIR": str(tmp_path / "uploads"),
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "LMS_SECRET_KEY": "worker-test-" + uuid.uuid4().hex,
        "LMS_JOBS_URL": jobs_url,
        "LMS_JOBS_QUEUE": queue_name,
        "LMS_JOB_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "LMS_JOB_STALE_SECONDS": str(STALE),
    }
    env.pop("LMS_JOBS_EMBEDDED", None)
    try:
        yield Site(base=tmp_path, env=env, app=app, logs=[], sqlite=request.param == "sqlite")
    finally:
        with app.app_context():
            queue.of(app).huey.storage.flush_all()
            db.engine.dispose()
        if databases is not None:
            next(databases, None)


def _admin(app) -> int:
    from werkzeug.security import generate_password_hash

    from lms.accounts.models import User

    with app.app_context():
        user = User(
            email="admin@example.org",
            full_name="Admin Uji",
            password_hash=generate_password_hash("x", method="pbkdf2:sha256:1"),
            is_admin=True,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_killed_worker_s_job_runs_again_and_no_partial_file_is_offered(site: Site) -> None:
    app = site.app
    admin_id = _admin(app)
    flags = site.base / "flags"
    flags.mkdir()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(admin_id)
        session["_fresh"] = True

    first = site.worker()
    second = None
    try:
        with app.test_request_context():
            owner = db.session.get(lms.accounts.models.User, admin_id)  # type: ignore[attr-defined]
            job, _created = operations.start(
                jobs_kinds.WAIT_FOR_FLAG,
                None,
                owner=owner,
                params={"folder": str(flags)},
                enqueue=False,
            )
            db.session.commit()
            job_id = job.id
        with app.app_context():
            queue.enqueue(job_id, app)

        site.wait("the first worker to start the job", (flags / "started-1").exists)
        site.wait("its first heartbeat", lambda: site.row(job_id).progress == 30)
        row = site.row(job_id)
        assert (row.state, row.attempts, row.result_key) == ("running", 1, None)
        with app.app_context():
            (run_folder,) = list(results.temp_folder().iterdir())
            assert run_folder.name.startswith(f"{job_id}.1.")
            assert (run_folder / "result").read_bytes() == b"bagian pertama\n"
            assert results.stored_keys() == []

        def nothing_offered() -> None:
            status = client.get(f"/jobs/{job_id}.json").get_json()
            assert status["download_url"] is None and status["result_name"] is None
            download = client.get(f"/jobs/{job_id}/download")
            assert download.status_code == 302 and download.headers["Location"] == (
                f"/jobs/{job_id}"
            )

        nothing_offered()
        if site.sqlite:
            # The run reads without holding SQLite's write lock: the site keeps writing.
            import sqlite3

            conn = sqlite3.connect(site.base / "lms.sqlite3", timeout=5, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        assert first.returncode == -signal.SIGKILL
        time.sleep(HEARTBEAT * 3)
        row = site.row(job_id)
        assert (row.state, row.attempts) == ("running", 1)  # nobody knows yet
        nothing_offered()

        (flags / "go").touch()
        time.sleep(STALE + 0.5)  # the heartbeat is stale by now
        second = site.worker()
        site.wait("the second worker to finish the job", lambda: site.row(job_id).state == "done")
        row = site.row(job_id)
        assert row.attempts == 2 and row.progress == 100
        assert (flags / "started-2").exists()
        assert row.result_name == "hasil.txt"

        download = client.get(f"/jobs/{job_id}/download")
        assert download.status_code == 200
        assert download.data == b"bagian pertama\nbagian kedua\n"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        with app.app_context():
            # The killed run's folder went with the second worker's sweep, the second run's
            # with its publication: one file, the result.
            assert list(results.temp_folder().iterdir()) == []
            assert [key for key, _path in results.stored_keys()] == [row.result_key]
    finally:
        for process in (first, second):
            if process is not None:
                _stop(process)
    assert second.returncode == 0, site.log_text()
