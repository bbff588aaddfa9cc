"""Behind a reverse proxy (LMS_PROXY_COUNT=1) the client's address and scheme come from the
proxy's headers: rate limits count the real client, verify URLs are https."""

from __future__ import annotations

import lms


def _app(proxies: int, tmp_path):
    config = lms.TestingConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'proxy.sqlite3'}"
    config.LMS_UPLOAD_DIR = str(tmp_path)
    config.LMS_PROXY_COUNT = proxies
    return lms.create_app(config)


def test_forwarded_client_address_and_scheme_are_used_only_when_configured(tmp_path):
    from flask import request

    seen = {}
    for proxies in (0, 1):
        app = _app(proxies, tmp_path)

        @app.get("/_who")
        def who():
            return f"{request.remote_addr} {request.scheme}"

        response = app.test_client().get(
            "/_who",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        seen[proxies] = response.get_data(as_text=True)
    assert seen == {0: "10.0.0.2 http", 1: "203.0.113.7 https"}
