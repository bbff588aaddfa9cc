"""The embedded default (``LMS_JOBS_URL`` unset): Huey's SQLite queue in the instance folder,
consumed by threads of the web process itself, started by its first request, so that
``make run`` (``flask run``) runs jobs with nothing else started."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import lms
from lms.config import Config
from lms.extensions import db
from lms.jobs import operations, queue
from lms.jobs.models import Job
from tests.jobs import jobs_kinds


@pytest.fixture
def embedded_app(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "instance"))
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    config.LMS_JOBS_URL = ""  # the default
    config.LMS_JOBS_EMBEDDED = "1"  # as the dev server decides by itself (see below)
    config.LMS_JOB_HEARTBEAT_SECONDS = 0.2
    app = lms.create_app(config)
    with app.app_context():
        db.create_all()
    yield app
    queue.of(app).stop_embedded()
    with app.app_context():
        db.engine.dispose()


def test_the_dev_server_runs_jobs_in_its_own_threads(embedded_app, tmp_path):
    app = embedded_app
    state = queue.of(app)
    assert not state.in_process and state.embedded
    queue_file = tmp_path / "instance" / "jobs.sqlite3"
    assert not queue_file.exists()  # opened on first use only
    with app.app_context():
        admin = lms.accounts.models.User(  # type: ignore[attr-defined]
            email="admin@example.org",
            full_name="Admin",
            password_hash=generate_password_hash("x", method="pbkdf2:sha256:1"),
            is_admin=True,
        )
        db.session.add(admin)
        db.session.commit()
        admin_id = admin.id
    with app.test_request_context():
        job, _created = operations.start(
            jobs_kinds.STEPS, None, owner=db.session.get(type(admin), admin_id), enqueue=False
        )
        db.session.commit()
        job_id = job.id
    with app.app_context():
        queue.enqueue(job_id, app)
    assert queue_file.is_file()
    client = app.test_client()
    client.get("/healthz")  # the first request starts the consumer
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.scalar(sa.select(Job.state).where(Job.id == job_id)) == "done":
                break
        time.sleep(0.05)
    with app.app_context():
        assert db.session.get(Job, job_id).state == "done"
    assert not state.start_embedded()  # once per process


def _production(**values) -> Config:
    config = Config()
    config.SECRET_KEY = "a-real-secret-for-this-test"
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.LMS_PUBLIC_URL = "https://lms.example.go.id"
    for key, value in values.items():
        setattr(config, key, value)
    return config


def test_only_the_dev_server_on_the_default_queue_consumes_in_process(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    assert not queue.of(lms.create_app(_production(LMS_JOBS_EMBEDDED=""))).embedded  # gunicorn
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # what `flask run` sets
    assert queue.of(lms.create_app(_production(LMS_JOBS_EMBEDDED=""))).embedded
    redis = _production(LMS_JOBS_URL="redis://127.0.0.1:6379/1", LMS_JOBS_EMBEDDED="")
    assert not queue.of(lms.create_app(redis)).embedded  # Redis: workers consume it
    assert not queue.of(lms.create_app(_production(LMS_JOBS_EMBEDDED="0"))).embedded


def test_an_unknown_queue_address_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="LMS_JOBS_URL"):
        lms.create_app(_production(LMS_JOBS_URL="amqp://rabbit"))
