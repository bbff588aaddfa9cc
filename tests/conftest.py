"""Fixtures: the app, a database rolled back after each test, factories and login."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms import TestingConfig, create_app
from lms.accounts.models import User
from lms.cohorts.models import Cohort
from lms.extensions import db as _db
from lms.extensions import limiter
from tests import factories
from tests.database import lms_session_on, outer_transaction
from tests.helpers import PASSWORD, csrf_token  # noqa: F401  (re-exported)

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


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """The database inside an outer transaction that is rolled back after the test.

    (A module sharing one world across its tests overrides this with a SAVEPOINT per test:
    ``tests/database.py``, ``tests/test_access_matrix.py``.)
    """
    with outer_transaction(app) as connection, lms_session_on(connection) as handle:
        limiter.reset()
        yield handle


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_ctx(app: Flask, db: Any) -> Iterator[None]:
    """A request context for tests that call url_for or gettext directly."""
    with app.test_request_context():
        yield


# The factories live in tests/factories.py as plain functions (a module-scoped world calls
# them directly); these fixtures hand them to one test, inside its transaction.


@pytest.fixture
def make_user(db: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., User]:
    # For the whole test: accounts the app creates meanwhile are hashed cheaply too.
    monkeypatch.setattr(factories.PASSWORD_HASH_TARGET, factories.cheap_password_hash)
    return factories.make_user


@pytest.fixture
def make_cohort(db: Any, make_user: Callable[..., User]) -> Callable[..., Cohort]:
    """``make_cohort(participants=[u1], trainers=[...], organizers=[...])``."""
    return factories.make_cohort


@pytest.fixture
def make_course(db: Any, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Any]:
    """A synced course pack, followed by the given cohorts: ``make_course(cohorts=[c])``."""

    def make(**kwargs: Any) -> Any:
        return factories.make_course(tmp_path_factory.mktemp("packs"), **kwargs)

    return make


@pytest.fixture
def make_meeting(db: Any) -> Callable[..., Any]:
    """A meeting of ``cohort`` starting ``starts_in`` from now (default: started 5 min ago)."""
    return factories.make_meeting


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
