"""Every response carries the security headers and a request id; HSTS only with LMS_HTTPS.

Walks every GET route of the app (as the admin and as an anonymous visitor, with the people
and objects of the access matrix), then the answers no route gives: unknown URLs, a wrong
method, an expired form, a body too large, too many logins, a server error, a database
outage, and static files.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import OperationalError

from lms import config as lms_config
from lms import create_app
from lms.extensions import db as _db
from tests import test_access_matrix as matrix
from tests.helpers import csrf_token

# The access matrix's people and objects (fixtures): built once for this module, each test in
# a SAVEPOINT of its transaction rolled back after it (the matrix's ``db``).
world_connection, world, db = matrix.world_connection, matrix.world, matrix.db

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
ONE_YEAR = 365 * 24 * 3600


def header_problems(response: Any, *, https: bool = False) -> list[str]:
    """What is missing or wrong in ``response``'s security headers (empty: all fine)."""
    headers = response.headers
    problems: list[str] = []
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    if directives.get("default-src") != ["'self'"]:
        problems.append(f"CSP without default-src 'self': {csp!r}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline or eval: {csp!r}")
    if "script-src" in directives and "'self'" not in directives["script-src"]:
        problems.append(f"CSP script-src: {csp!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    if headers.get("Referrer-Policy") not in REFERRER_POLICIES:
        problems.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    framing = headers.get("X-Frame-Options") in ("DENY", "SAMEORIGIN")
    if not framing and directives.get("frame-ancestors") not in (["'none'"], ["'self'"]):
        problems.append("neither X-Frame-Options nor CSP frame-ancestors")
    hsts = headers.get("Strict-Transport-Security")
    if https:
        match = re.search(r"max-age=(\d+)", hsts or "")
        if not match or int(match.group(1)) < ONE_YEAR:
            problems.append(f"HSTS missing or short behind HTTPS: {hsts!r}")
    elif hsts:
        problems.append(f"HSTS without LMS_HTTPS: {hsts!r}")
    if not REQUEST_ID.fullmatch(headers.get("X-Request-ID", "")):
        problems.append(f"X-Request-ID {headers.get('X-Request-ID')!r}")
    return problems


def _get_rules(app: Flask) -> list[Any]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())),
        key=lambda rule: rule.rule,
    )


@pytest.mark.parametrize("actor", [matrix.ADMIN, matrix.ANONYMOUS])
def test_every_get_route_sends_the_security_headers(
    app: Flask, client: FlaskClient, login_as: Callable, world: Any, actor: str
) -> None:
    seen: dict[int, int] = {}
    problems: list[str] = []
    kinds: set[str] = set()
    for rule in _get_rules(app):
        url = matrix.build_url(rule, world)
        login_as(world.users.get(actor))
        response = client.get(url)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        kinds.add(response.mimetype)
        problems += [f"GET {url} ({response.status_code}): {p}" for p in header_problems(response)]
    assert not problems, "\n".join(problems)
    assert len(_get_rules(app)) > 50
    if actor == matrix.ADMIN:
        # The walk reached pages, JSON, files and static files, not only redirects.
        assert {"text/html", "application/json", "text/css", "application/pdf"} <= kinds, kinds
        assert seen.get(200, 0) > 40, seen


def test_answers_no_route_gives_send_the_headers_too(
    app: Flask,
    client: FlaskClient,
    login_as: Callable,
    make_user: Callable,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = make_user()
    responses = {
        "unknown URL": client.get("/tidak/ada/di/sini"),
        "unknown static file": client.get("/static/tidak-ada.css"),
        "static file": client.get("/static/style.css"),
        "wrong method": client.post("/healthz"),
        "OPTIONS": client.open("/login", method="OPTIONS"),
        "HEAD": client.head("/login"),
        "expired form": client.post("/login", data={"identifier": "x", "password": "y"}),
    }
    monkeypatch.setitem(app.config, "LMS_LOGIN_FAILURES", "1 per 15 minutes")
    token = csrf_token(client, "/login")
    wrong = {"identifier": person.email, "password": "salah", "csrf_token": token}
    client.post("/login", data=wrong)
    responses["too many logins"] = client.post("/login", data=wrong)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64)
    responses["body too large"] = client.post("/login", data={"identifier": "x" * 500})
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", None)

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("rusak")

    def database_away(**_kwargs: Any) -> None:
        raise OperationalError(None, None, Exception("connection refused"))

    login_as(person)
    monkeypatch.setitem(app.view_functions, "lms.core.dashboard", broken)
    responses["server error"] = client.get("/dashboard")
    monkeypatch.setitem(app.view_functions, "lms.core.dashboard", database_away)
    responses["database away"] = client.get("/dashboard")

    expected = {
        "unknown URL": 404,
        "unknown static file": 404,
        "static file": 200,
        "wrong method": 405,
        "OPTIONS": 200,
        "HEAD": 200,
        "expired form": 400,
        "too many logins": 429,
        "body too large": 413,
        "server error": 500,
        "database away": 503,
    }
    assert {name: r.status_code for name, r in responses.items()} == expected
    problems = [f"{name}: {p}" for name, r in responses.items() for p in header_problems(r)]
    assert not problems, "\n".join(problems)


@pytest.fixture
def https_app(tmp_path: Any) -> Any:
    config = lms_config.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'https.sqlite3'}"
    config.LMS_UPLOAD_DIR = str(tmp_path / "uploads")
    config.LMS_HTTPS = True
    app = create_app(config)
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_behind_https_every_answer_sends_hsts(https_app: Flask) -> None:
    client = https_app.test_client()
    responses = {
        url: client.get(url, base_url="https://localhost")
        for url in ("/login", "/static/style.css", "/tidak/ada", "/healthz", "/dashboard")
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 404, 200, 302]
    problems = [
        f"{url}: {p}" for url, r in responses.items() for p in header_problems(r, https=True)
    ]
    assert not problems, "\n".join(problems)


def test_without_https_there_is_no_hsts(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- request ids and the request log ---------------------------------------------------------


@pytest.mark.parametrize(
    "incoming",
    ["lb-7f3a.2024:01_ab", "a" * 64],
)
def test_a_sane_incoming_request_id_is_kept(client: FlaskClient, incoming: str) -> None:
    assert (
        client.get("/login", headers={"X-Request-ID": incoming}).headers["X-Request-ID"] == incoming
    )


@pytest.mark.parametrize(
    "incoming",
    ["a" * 65, "<script>", "id dengan spasi", "id;drop", "ü-nicode", ""],
)
def test_an_odd_incoming_request_id_is_replaced(client: FlaskClient, incoming: str) -> None:
    sent = client.get("/login", headers={"X-Request-ID": incoming}).headers["X-Request-ID"]
    assert sent != incoming
    assert REQUEST_ID.fullmatch(sent)


def test_each_request_gets_its_own_id(client: FlaskClient) -> None:
    ids = {client.get("/login").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lms.request"]


def test_one_log_line_per_request_with_route_status_duration_user_and_id(
    client: FlaskClient,
    login_as: Callable,
    make_user: Callable,
    caplog: pytest.LogCaptureFixture,
) -> None:
    person = make_user()
    login_as(person)
    caplog.set_level(logging.INFO, logger="lms.request")
    response = client.get("/dashboard", headers={"X-Request-ID": "uji-123"})
    assert response.status_code == 200
    (record,) = _request_lines(caplog)
    line = record.getMessage()
    assert line.startswith("method=GET path=/dashboard route=/dashboard")
    assert "endpoint=lms.core.dashboard status=200" in line
    assert f"user={person.id} request_id=uji-123" in line
    assert re.search(r" duration_ms=\d+(\.\d)? ", line)
    assert record.lms_request["status"] == 200  # structured, for a JSON formatter


def test_the_log_line_of_an_anonymous_404_and_of_a_secret_link(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.request")
    client.get("/tidak/ada")
    client.get("/calendar/rahasia123.ics")
    first, second = (r.getMessage() for r in _request_lines(caplog))
    assert "path=/tidak/ada route=- endpoint=- status=404" in first and "user=-" in first
    assert "rahasia123" not in second and "route=/calendar/<token>.ics" in second


def test_static_files_and_health_checks_are_not_logged_unless_they_fail(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.request")
    client.get("/static/style.css")
    client.get("/healthz")
    assert _request_lines(caplog) == []
    client.get("/static/tidak-ada.css")
    (record,) = _request_lines(caplog)
    assert "status=404" in record.getMessage()


def test_a_path_with_odd_characters_stays_on_one_quoted_line(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.request")
    client.get("/tidak%0Aada status=200")
    (record,) = _request_lines(caplog)
    line = record.getMessage()
    assert "\n" not in line
    assert 'path="/tidak\\nada status=200"' in line


# --- mounted in a host app: the LMS's own routes only ----------------------------------------


def test_mounted_in_a_host_app_only_the_lms_routes_change(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from lms import LMS

    host = Flask("host_portal")
    host.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        PROPAGATE_EXCEPTIONS=False,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}",
        LMS_UPLOAD_DIR=str(tmp_path / "uploads"),
    )

    @host.get("/")
    def home() -> str:
        return "host"

    @host.get("/host-db")
    def host_db() -> str:
        raise OperationalError(None, None, Exception("connection refused"))

    LMS().init_app(host, url_prefix="/lms")
    with host.app_context():
        _db.create_all()
    client = host.test_client()
    caplog.set_level(logging.INFO, logger="lms.request")

    home_page = client.get("/")
    assert "X-Request-ID" not in home_page.headers
    assert "Content-Security-Policy" not in home_page.headers
    # The host's own database errors stay the host's business (its 500, not our 503).
    assert client.get("/host-db").status_code == 500
    assert header_problems(client.get("/lms/login")) == []

    def database_away(**_kwargs: Any) -> None:
        raise OperationalError(None, None, Exception("connection refused"))

    monkeypatch.setitem(host.view_functions, "lms.core.dashboard", database_away)
    outage = client.get("/lms/dashboard")
    assert outage.status_code == 503 and header_problems(outage) == []
    logged = [r.getMessage() for r in caplog.records if r.name == "lms.request"]
    assert [line.split()[1] for line in logged] == ["path=/lms/login", "path=/lms/dashboard"]
    with host.app_context():
        _db.engine.dispose()
