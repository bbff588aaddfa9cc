"""Login lockouts live in Redis in production, so every worker and host agrees."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"

# One process = one worker: it fails to log in ``attempts`` times and prints the last status.
WORKER = textwrap.dedent(
    """
    import re, sys
    import lms
    from lms.extensions import db

    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite:///" + sys.argv[1]
    config.RATELIMIT_STORAGE_URI = sys.argv[2]
    config.LMS_UPLOAD_DIR = sys.argv[3]
    app = lms.create_app(config)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    status = None
    for _ in range(int(sys.argv[4])):
        html = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        data = {"identifier": sys.argv[5], "password": "salah", "csrf_token": token}
        env = {"REMOTE_ADDR": sys.argv[6]}
        status = client.post("/login", data=data, environ_base=env).status_code
    print(status)
    """
)


def _addresses() -> tuple[str, str]:
    """Fresh client addresses, so that earlier runs' counters in Redis do not interfere."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{n // 250 % 250}.1", f"10.{n % 250}.{n // 250 % 250}.2"


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _worker(tmp_path, storage: str, attempts: int, identifier: str, address: str) -> int:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            str(tmp_path / "shared.sqlite3"),
            storage,
            str(tmp_path),
            str(attempts),
            identifier,
            address,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(
    not _redis_available() and not os.environ.get("CI"), reason="Redis is not running"
)
def test_a_lockout_in_one_process_holds_in_another_through_redis(tmp_path):
    identifier = f"siapa-{uuid.uuid4().hex[:8]}@example.org"
    first, second = _addresses()
    assert _worker(tmp_path, REDIS_URL, 10, identifier, first) == 200
    # Another worker, another client address: the account itself is locked.
    assert _worker(tmp_path, REDIS_URL, 1, identifier, second) == 429


def test_with_memory_storage_each_process_counts_alone(tmp_path):
    """The contrast: without shared storage a second worker would not know."""
    identifier = f"siapa-{uuid.uuid4().hex[:8]}@example.org"
    first, second = _addresses()
    assert _worker(tmp_path, "memory://", 10, identifier, first) == 200
    assert _worker(tmp_path, "memory://", 1, identifier, second) == 200
