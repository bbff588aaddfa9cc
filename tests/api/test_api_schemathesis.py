"""Schemathesis against the live API: the app serves demo data on a free port (a thread), a
token with every scope is sent, and every operation of /api/v1/openapi.json is fuzzed; any
server error or response that breaks the document fails the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: Examples per operation and generation mode; enough to reach every refusal, quick on CI.
EXAMPLES = 40
#: The operations of /api/v1 (tests/api/test_api_openapi.py checks they are every route).
OPERATIONS = 9
#: Every check that applies to an API without resources to create and delete:
#: positive_data_acceptance is left out because a request of the right shape may still be
#: refused by a rule (a random check-in code, a class the token's owner is not in).
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
)


@dataclass
class Live:
    url: str
    token: str
    values: dict[str, list[Any]]
    errors: list[BaseException]


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database of the suite's kind (PostgreSQL when LMS_TEST_DATABASE_URL is set)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('schemathesis') / 'api.sqlite3'}"
        return
    name = f"lms_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _demo_world() -> tuple[str, dict[str, list[Any]]]:
    """The demo, with its organizer also the region's coordinator, and their token."""
    from lms import COURSES_DIR
    from lms.accounts.models import User
    from lms.api import operations
    from lms.api.permissions import SCOPES
    from lms.attendance.models import Meeting
    from lms.catalog.operations import sync_all
    from lms.catalog.packs import discover
    from lms.certificates.models import Certificate
    from lms.cohorts.models import Cohort
    from lms.demo import load_demo
    from lms.extensions import db
    from lms.regions.models import Region, RegionMembership
    from tests.factories import cheap_password_hashing

    with cheap_password_hashing():
        sync_all(discover(COURSES_DIR))
        db.session.commit()
        load_demo()
    organizer = db.session.scalar(db.select(User).filter_by(email="panitia@example.org"))
    region = db.session.scalar(db.select(Region).order_by(Region.id))
    db.session.add(RegionMembership(region=region, user=organizer, role="coordinator"))
    token = operations.create_token(organizer, name="Schemathesis", scopes=SCOPES, days=7)
    db.session.commit()
    values = {
        "cohort_id": list(db.session.scalars(db.select(Cohort.id))),
        "meeting_id": list(db.session.scalars(db.select(Meeting.id))),
        "region_code": [region.code],
        "year": [2023],
        "code": list(db.session.scalars(db.select(Certificate.code).limit(5))),
    }
    return token.secret, values


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from flask import got_request_exception
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.config import Config
    from lms.extensions import db

    database = _database_url(tmp_path_factory)
    config = Config()
    config.SECRET_KEY = "schemathesis-secret-key-not-for-production"
    config.SQLALCHEMY_DATABASE_URI = next(database)
    config.LMS_UPLOAD_DIR = str(tmp_path_factory.mktemp("schemathesis-uploads"))
    config.RATELIMIT_STORAGE_URI = "memory://"
    config.LMS_API_RATE_LIMIT = "100000 per minute"
    config.LMS_API_ADDRESS_RATE_LIMIT = "100000 per minute"
    config.LMS_VERIFY_MISSES = "100000 per minute"
    config.LMS_JOBS_URL = "memory://"
    app = create_app(config)  # not TESTING: errors answer as in production
    errors: list[BaseException] = []

    def record(_sender: Any, exception: BaseException, **_: Any) -> None:
        errors.append(exception)

    got_request_exception.connect(record, app, weak=False)
    with app.app_context():
        db.create_all()
        token, values = _demo_world()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="api-schemathesis", daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", token, values, errors)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        with app.app_context():
            db.engine.dispose()
        next(database, None)


def _config(live: Live, path: Path) -> Path:
    """Schemathesis's settings: the token on every request, and real ids most of the time
    (so that the 200 answers are fuzzed too), random ones otherwise."""
    lines = [
        "[generation]",
        f"max-examples = {EXAMPLES}",
        "",
        "[headers]",
        f'Authorization = "Bearer {live.token}"',
        "",
    ]
    names = [name for name, values in live.values.items() if values]
    for name in names:
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(live.values[name])}", ""]
    lines.append("[parameters]")
    for name in names:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_api_answers_as_its_document_says(live: Live, tmp_path: Path) -> None:
    config = _config(live, tmp_path / "schemathesis.toml")
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(config),
            "run",
            f"{live.url}/api/v1/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--phases",
            "examples,coverage,fuzzing",
            "--workers",
            "1",
            "--suppress-health-check",
            "all",
            "--request-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""},
        cwd=tmp_path,
    )
    report = run.stdout[-20000:] + run.stderr[-5000:]
    assert run.returncode == 0, report
    assert f"Tested: {OPERATIONS}" in run.stdout, report  # every operation, none skipped
    assert not live.errors, f"server errors: {live.errors!r}\n{report}"
