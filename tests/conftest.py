"""Fixtures: the app, a database rolled back after each test, factories and login."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, scoped_session

from lms import TestingConfig, create_app
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.cohorts import operations as cohorts
from lms.cohorts.models import Cohort
from lms.extensions import db as _db
from lms.extensions import limiter
from tests.helpers import PASSWORD, csrf_token  # noqa: F401  (re-exported)

_seq = itertools.count(1)

#: The instance folder every app of this test session uses (``create_app`` reads
#: ``LMS_INSTANCE_PATH``), set before any test module is imported.
_INSTANCE_KEY = pytest.StashKey[tuple[str, str | None]]()
#: ``LMS_PUBLIC_URL`` as the developer's shell had it.
_PUBLIC_URL_KEY = pytest.StashKey[str | None]()


def pytest_configure(config: pytest.Config) -> None:
    """Point ``LMS_INSTANCE_PATH`` at an empty temporary folder for the whole session.

    Without this, an app built by a test (in this process, or in a subprocess that inherits
    the environment: wheel, ops and CLI tests) reads the developer's ``instance/`` — the
    ``secret_key`` that ``make run`` writes, the SQLite file, the uploads — or whatever
    folder the developer's shell exports. Tests that need another folder pass their own.
    """
    path = tempfile.mkdtemp(prefix="lms-test-instance-")
    config.stash[_INSTANCE_KEY] = (path, os.environ.get("LMS_INSTANCE_PATH"))
    os.environ["LMS_INSTANCE_PATH"] = path
    # Production-mode apps of the suite (the e2e server, subprocesses) refuse to start
    # without a public address; TestingConfig ignores it (tests set their own).
    config.stash[_PUBLIC_URL_KEY] = os.environ.get("LMS_PUBLIC_URL")
    os.environ["LMS_PUBLIC_URL"] = "http://localhost"


def pytest_unconfigure(config: pytest.Config) -> None:
    public_url = config.stash.get(_PUBLIC_URL_KEY, None)
    if public_url is None:
        os.environ.pop("LMS_PUBLIC_URL", None)
    else:
        os.environ["LMS_PUBLIC_URL"] = public_url
    path, previous = config.stash.get(_INSTANCE_KEY, (None, None))
    if path is None:
        return
    if previous is None:
        os.environ.pop("LMS_INSTANCE_PATH", None)
    else:
        os.environ["LMS_INSTANCE_PATH"] = previous
    shutil.rmtree(path, ignore_errors=True)


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture
def empty_database_url(tmp_path: Any) -> Iterator[str]:
    """An empty database of its own, of the kind the suite runs on (dropped afterwards)."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"lms_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    config = TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url(tmp_path_factory)
    config.LMS_UPLOAD_DIR = str(tmp_path_factory.mktemp("uploads"))
    app = create_app(config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()


class _RollbackScopedSession(scoped_session):
    """One session for the whole test; the end of a request rolls back what it did not
    commit (as a fresh session would) instead of closing, so test objects stay usable."""

    def remove(self) -> None:
        self.registry().rollback()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The database inside an outer transaction that is rolled back after the test."""
    with app.app_context():
        connection = _db.engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True
    )
    # The handle's override: every app's LMS work goes into this session until it is deleted.
    _db.session = _RollbackScopedSession(lambda: session, scopefunc=lambda: 0)
    limiter.reset()
    try:
        yield _db
    finally:
        del _db.session
        session.close()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_ctx(app: Flask, db: Any) -> Iterator[None]:
    """A request context for tests that call url_for or gettext directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def make_user(db: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., User]:
    # Real hashing costs ~0.1 s a user; tests of hashing itself create users directly.
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )

    def make(**kwargs: Any) -> User:
        n = next(_seq)
        data: dict[str, Any] = {
            "email": f"orang{n}@example.org",
            "full_name": f"Orang Uji {n}, S.Sos.",
            "password": PASSWORD,
        }
        data.update(kwargs)
        user = accounts.create_user(**data)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_cohort(db: Any, make_user: Callable[..., User]) -> Callable[..., Cohort]:
    """``make_cohort(participants=[u1], trainers=[...], organizers=[...])``."""

    def make(
        *,
        participants: list[User] = (),  # type: ignore[assignment]
        trainers: list[User] = (),  # type: ignore[assignment]
        organizers: list[User] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> Cohort:
        n = next(_seq)
        data: dict[str, Any] = {
            "code": f"KIT-UJI-{n}",
            "name": f"Kelas Inovasi Uji {n}",
            "start_date": date(2023, 9, 5),
            "end_date": date(2023, 9, 7),
            "timezone": "Asia/Makassar",
            "jp_total": 24,
            "state": "open",
        }
        data.update(kwargs)
        cohort = cohorts.create_cohort(data, actor=None)
        for role, people in (
            ("participant", participants),
            ("trainer", trainers),
            ("organizer", organizers),
        ):
            for person in people:
                cohorts.add_member(cohort, email=person.email, role=role, actor=None)
        db.session.commit()
        return cohort

    return make


@pytest.fixture
def make_course(db: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """A synced course pack, followed by the given cohorts: ``make_course(cohorts=[c])``."""
    from lms.catalog.models import Course
    from lms.catalog.operations import set_cohort_courses, sync_pack
    from lms.catalog.packs import load_pack
    from tests.helpers import write_pack

    def make(*, cohorts: list[Cohort] = (), slug: str | None = None, **pack: Any) -> Course:  # type: ignore[assignment]
        slug = slug or f"kursus-uji-{next(_seq)}"
        path = write_pack(tmp_path_factory.mktemp("packs"), slug, **pack)
        loaded, problems = load_pack(path)
        assert loaded is not None, problems
        sync_pack(loaded)
        course = db.session.scalar(db.select(Course).filter_by(slug=slug))
        for cohort in cohorts:
            from lms.catalog.models import CohortCourse

            current = list(
                db.session.scalars(db.select(CohortCourse.course_id).filter_by(cohort_id=cohort.id))
            )
            set_cohort_courses(cohort, [*current, course.id], actor=None)
        db.session.commit()
        return course

    return make


@pytest.fixture
def make_meeting(db: Any) -> Callable[..., Any]:
    """A meeting of ``cohort`` starting ``starts_in`` from now (default: started 5 min ago)."""
    from datetime import timedelta

    from lms.attendance.operations import create_meeting
    from lms.db import utcnow

    def make(cohort: Cohort, *, starts_in: timedelta = timedelta(minutes=-5), **data: Any):
        start = utcnow().replace(microsecond=0) + starts_in
        values: dict[str, Any] = {
            "title": f"Pertemuan {next(_seq)}",
            "venue": "Aula",
            "start_dt": start,
            "end_dt": start + timedelta(hours=2),
            "jp": 3,
        }
        values.update(data)
        meeting = create_meeting(cohort, values)
        db.session.commit()
        return meeting

    return make


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[User | None], FlaskClient]:
    def login(user: User | None) -> FlaskClient:
        with client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = str(user.id)
                session["_fresh"] = True
        return client

    return login
