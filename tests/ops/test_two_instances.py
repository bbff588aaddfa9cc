"""Two gunicorn instances (the production profile: gunicorn.conf.py, ``flask lms init``) on one
PostgreSQL database and one Redis share their data, their sessions and their login lockouts.

Skipped without PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379), except on CI. Each
run uses a fresh database (dropped afterwards), fresh accounts and fresh client addresses
(127.x.y.z), and deletes its own rate-limit keys from Redis afterwards.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "kata-sandi-uji-123"
FAILURES = 3

pytestmark = pytest.mark.postgres


def _services_available() -> bool:
    import psycopg
    import redis

    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except (psycopg.Error, redis.RedisError):
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _client_addresses(count: int) -> list[str]:
    """Loopback addresses no earlier run used, so that their rate-limit counters are fresh."""
    picked: set[str] = set()
    while len(picked) < count:
        picked.add(".".join(["127", *(str(random.randint(1, 254)) for _ in range(3))]))
    return sorted(picked)


@dataclass
class Browser:
    """A minimal browser: one client address, cookies, no redirects followed."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, http.client.HTTPMessage]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(self.address, 0)
        )
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            html = response.read().decode()
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, html, response.headers

    def csrf_token(self, path: str) -> str:
        status, html, _headers = self.request("GET", path)
        assert status == 200, (path, status)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, identifier: str, password: str) -> tuple[int, str, http.client.HTTPMessage]:
        form = {"identifier": identifier, "password": password}
        form["csrf_token"] = self.csrf_token("/login")
        return self.request("POST", "/login", form)


@dataclass
class Instance:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _start(name: str, env: dict[str, str], tmp_path: Path) -> Instance:
    port = _free_port()
    log_path = tmp_path / f"gunicorn-{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
        cwd=ROOT,
        env={**env, "LMS_BIND": f"127.0.0.1:{port}"},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: _stop reaches the workers too
    )
    return Instance(name, port, process, log_path, log)


def _wait_until_ready(instance: Instance, deadline: float) -> None:
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            pytest.fail(f"gunicorn {instance.name} exited:\n{instance.log_text()}")
        try:
            status, _html, _headers = Browser(instance.port, "127.0.0.1").request("GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn {instance.name} did not answer /healthz:\n{instance.log_text()}")


def _stop(instance: Instance) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(instance.process.pid, sig)
        except ProcessLookupError:
            break
        try:
            instance.process.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    instance.log.close()


@pytest.fixture
def database_url() -> Iterator[str]:
    if not _services_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) is not reachable")
        pytest.skip("PostgreSQL or Redis is not running")
    import psycopg

    name = f"lms_two_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _create_people(url: str, emails: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from werkzeug.security import generate_password_hash

    from lms import config as lms_config
    from lms import create_app
    from lms.accounts import operations
    from lms.extensions import db

    monkeypatch.setattr(
        "lms.accounts.models.generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )
    config = lms_config.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    app = create_app(config)
    with app.app_context():
        for n, email in enumerate(emails, 1):
            operations.create_user(email=email, full_name=f"Peserta Uji {n}", password=PASSWORD)
        db.session.commit()
        db.engine.dispose()


def _delete_redis_keys(markers: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for marker in markers:
        keys = list(client.scan_iter(match=f"*{marker}*"))
        if keys:
            client.delete(*keys)


def test_two_gunicorn_instances_share_lockouts_sessions_and_data(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.monotonic()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_SECRET_KEY=uuid.uuid4().hex,  # the same on both: one signed session works on each
        LMS_DATABASE_URL=database_url,
        LMS_PUBLIC_URL="http://127.0.0.1",  # production mode refuses to start without one
        LMS_RATELIMIT_STORAGE_URI=REDIS_URL,
        LMS_LOGIN_FAILURES=f"{FAILURES} per 15 minutes",
        LMS_INSTANCE_PATH=str(tmp_path / "instance"),
        LMS_UPLOAD_DIR=str(tmp_path / "uploads"),
        LMS_WORKERS="2",
        LMS_THREADS="2",
    )
    init = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "lms", "init"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    tag = uuid.uuid4().hex[:8]
    locked, writer = f"kunci-{tag}@example.org", f"penulis-{tag}@example.org"
    _create_people(database_url, [locked, writer], monkeypatch)
    addresses = _client_addresses(3)

    a = _start("A", env, tmp_path)
    b = _start("B", env, tmp_path)
    try:
        deadline = time.monotonic() + 30
        _wait_until_ready(a, deadline)
        _wait_until_ready(b, deadline)

        # Failed logins for one account on A, from one address...
        attacker = Browser(a.port, addresses[0])
        statuses = [attacker.login(locked, "salah")[0] for _ in range(FAILURES)]
        assert statuses == [200] * FAILURES
        # ...lock that account on B too, from another address, even with the right password.
        status, html, headers = Browser(b.port, addresses[1]).login(locked, PASSWORD)
        assert status == 429, html
        assert "Terlalu banyak percobaan" in html
        assert headers["X-Request-ID"]

        # Someone else logs in on A and changes their profile there...
        person = Browser(a.port, addresses[2])
        assert person.login(writer, PASSWORD)[0] == 302
        form = {
            "csrf_token": person.csrf_token("/account/profile"),
            "full_name": "Nama Disimpan Lewat Instans A",
            "position": "Perencana Ahli Muda",
            "locale": "id",
        }
        assert person.request("POST", "/account/profile", form)[0] == 302
        # ...and B, with the same session cookie, knows them and shows the change.
        person.port = b.port
        status, html, _headers = person.request("GET", "/account/profile")
        assert status == 200
        assert "Nama Disimpan Lewat Instans A" in html and "Perencana Ahli Muda" in html
    finally:
        _stop(a)
        _stop(b)
        _delete_redis_keys([locked, writer, *addresses])

    # The production access log: status, duration and the request id of the app's log line.
    log = a.log_text()
    assert re.search(r'"POST /login HTTP/1.1" 200 \d+ \d+ms ".*" rid=[0-9a-f]{16}', log), log
    request_line = re.search(r"lms.request method=POST path=/login .* request_id=(\w+)", log)
    assert request_line and f"rid={request_line.group(1)}" in log, log
    assert time.monotonic() - started < 60
