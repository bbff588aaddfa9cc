"""The API's per-token limit lives in the shared storage (Redis in production): a token that
spent its budget in one worker process is refused in another."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"

# One process = one worker: with "make", it makes the account and its token first (printed);
# then it sends ``requests`` requests with the token and prints their statuses.
WORKER = textwrap.dedent(
    """
    import sys
    import lms
    from lms.extensions import db

    path, storage, uploads, make, requests = sys.argv[1:6]
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = "sqlite:///" + path
    config.RATELIMIT_STORAGE_URI = storage
    config.LMS_UPLOAD_DIR = uploads
    config.LMS_API_RATE_LIMIT = "3 per minute"
    app = lms.create_app(config)
    with app.app_context():
        if make == "make":
            from lms.accounts import operations as accounts
            from lms.api import operations

            db.create_all()
            user = accounts.create_user(
                email=sys.argv[6] + "@example.org", full_name="Pemakai Token", password="x" * 12
            )
            made = operations.create_token(user, name="Uji", scopes=["read:classes"], days=7)
            secret = made.secret
            db.session.commit()
        else:
            secret = sys.argv[6]
    client = app.test_client()
    headers = {"Authorization": "Bearer " + secret, "Accept": "application/json"}
    statuses = [client.get("/api/v1/me/cohorts", headers=headers).status_code
                for _ in range(int(requests))]
    print(secret)
    print(" ".join(map(str, statuses)))
    """
)


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def _worker(tmp_path, storage: str, make: str, requests: int, who: str) -> tuple[str, list[int]]:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            WORKER,
            str(tmp_path / "shared.sqlite3"),
            storage,
            str(tmp_path),
            make,
            str(requests),
            who,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    secret, statuses = result.stdout.strip().splitlines()[-2:]
    return secret, [int(s) for s in statuses.split()]


@pytest.mark.skipif(
    not _redis_available() and not os.environ.get("CI"), reason="Redis is not running"
)
def test_a_token_s_budget_is_shared_by_every_worker_through_redis(tmp_path):
    secret, first = _worker(tmp_path, REDIS_URL, "make", 2, f"api-{uuid.uuid4().hex[:8]}")
    assert first == [200, 200]
    _same, second = _worker(tmp_path, REDIS_URL, "use", 2, secret)
    assert second == [200, 429]
