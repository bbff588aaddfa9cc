"""Two clicks at the same moment (two requests in two threads, on a database of their own, on
SQLite and on PostgreSQL): one job, and both people land on its page."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import lms
from lms.audit import AuditEvent
from lms.extensions import db
from lms.jobs import queries
from lms.jobs.models import Job
from tests.helpers import csrf_token


@pytest.fixture
def own_app(empty_database_url, tmp_path):
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = empty_database_url
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    app = lms.create_app(config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _admin(app, email: str) -> int:
    from lms.accounts.models import User

    with app.app_context():
        user = User(
            email=email,
            full_name=email,
            password_hash=generate_password_hash("x", method="pbkdf2:sha256:1"),
            is_admin=True,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def test_two_simultaneous_clicks_make_one_job(own_app, monkeypatch):
    app = own_app
    users = [_admin(app, "satu@example.org"), _admin(app, "dua@example.org")]
    clients = []
    for user_id in users:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
        clients.append((client, csrf_token(client, "/admin/backups")))

    # Both requests look for a running job before either inserts one (on PostgreSQL; SQLite's
    # BEGIN IMMEDIATE makes the second wait for the first's commit, so its wait times out).
    barrier = threading.Barrier(2, timeout=2)
    real_active_job = queries.active_job
    local = threading.local()
    broken: list[bool] = []

    def active_job_together(*args, **kwargs):
        found = real_active_job(*args, **kwargs)
        if not getattr(local, "waited", False):
            local.waited = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                broken.append(True)
        return found

    monkeypatch.setattr(queries, "active_job", active_job_together)
    answers: list = [None, None]

    def click(n: int) -> None:
        client, token = clients[n]
        answers[n] = client.post("/admin/backups", data={"csrf_token": token})

    threads = [threading.Thread(target=click, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [a.status_code for a in answers] == [303, 303], [
        a.get_data(as_text=True)[:300] for a in answers
    ]
    locations = {a.headers["Location"] for a in answers}
    with app.app_context():
        jobs = db.session.scalars(sa.select(Job)).all()
        assert len(jobs) == 1
        assert locations == {f"/jobs/{jobs[0].id}"}
        assert jobs[0].state == "queued" and jobs[0].kind == "site.backup"
        events = db.session.scalars(sa.select(AuditEvent).filter_by(action="job.start")).all()
        assert len(events) == 1
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # Both looked before either inserted: the unique index decided.
            assert not broken
    # Whoever came second is told it found the running one.
    (location,) = locations
    pages = [c.get(location).get_data(as_text=True) for c, _t in clients]
    assert sum("Proses yang sama sudah berjalan" in p for p in pages) == 1
