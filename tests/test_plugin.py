"""The LMS mounted into somebody else's Flask app, and the standalone app's safeguards."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask, render_template_string, session

import lms
from lms import LMS, create_app
from lms.config import Config

ROOT = Path(__file__).resolve().parent.parent


def _host_app(tmp_path) -> Flask:
    host = Flask("host_portal", template_folder=str(tmp_path / "host_templates"))
    (tmp_path / "host_templates").mkdir()
    # The host has its own base.html: LMS pages must still use theirs.
    (tmp_path / "host_templates" / "base.html").write_text("<p>HOST BASE {{ who }}</p>")
    host.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'host.sqlite3'}",
        LMS_UPLOAD_DIR=str(tmp_path / "uploads"),
    )

    @host.get("/")
    def home():
        session["host_visited"] = True
        return render_template_string('{% extends "base.html" %}', who="portal")

    @host.post("/host-form")
    def host_form():  # the host's own POST, without any CSRF token
        return "host accepted"

    LMS().init_app(host, url_prefix="/lms")
    from lms.extensions import db

    with host.app_context():
        db.create_all()
    return host


def test_plugin_mounts_beside_the_hosts_own_routes_and_templates(tmp_path):
    host = _host_app(tmp_path)
    client = host.test_client()
    home = client.get("/")
    assert home.status_code == 200
    assert home.get_data(as_text=True) == "<p>HOST BASE portal</p>"

    login = client.get("/lms/login")
    html = login.get_data(as_text=True)
    assert login.status_code == 200
    assert "Email atau NIP" in html
    assert 'href="/lms/static/style.css' in html
    assert client.get("/lms/static/style.css").status_code == 200
    assert client.get("/lms/healthz").get_json() == {"status": "ok", "database": "ok"}
    assert client.get("/lms/dashboard").headers["Location"].startswith("/lms/login")

    # The host's session survives using the LMS, and the host's forms are not touched by
    # the LMS's CSRF protection, while the LMS's own forms are protected.
    with client.session_transaction() as s:
        assert s.get("host_visited") is True
    assert client.post("/host-form").get_data(as_text=True) == "host accepted"
    assert client.post("/lms/login", data={"identifier": "x", "password": "y"}).status_code == 400
    # Security headers belong to LMS pages only.
    assert "Content-Security-Policy" in login.headers
    assert "Content-Security-Policy" not in home.headers


def test_standalone_app_refuses_to_start_with_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    config = Config()
    config.SQLALCHEMY_DATABASE_URI = "sqlite://"
    config.SECRET_KEY = "dev-only-change-me"
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app(config)


def test_the_test_session_never_uses_the_checkouts_instance_folder():
    app = create_app(lms.TestingConfig)
    instance = Path(app.instance_path).resolve()
    assert instance == Path(os.environ["LMS_INSTANCE_PATH"]).resolve()
    assert not instance.is_relative_to(ROOT), f"tests use {instance}, inside the checkout"
    assert not (instance / "secret_key").exists()


_DEFAULT_INSTANCE_PLUGIN = """
import flask

# Where Flask looks when LMS_INSTANCE_PATH is unset (the checkout's instance/).
flask.Flask.auto_find_instance_path = lambda self: {fake!r}
"""


@pytest.mark.parametrize("how", ["default instance/", "exported LMS_INSTANCE_PATH"])
def test_a_developers_secret_key_file_does_not_silence_the_refusal(tmp_path, how):
    """`make run` writes instance/secret_key; `make test` afterwards must still see the
    refusal of the default key (the session points every app at a temporary instance)."""
    fake = tmp_path / "developer-instance"
    fake.mkdir()
    (fake / "secret_key").write_text("a-developers-real-key-written-by-make-run\n")
    env = {k: v for k, v in os.environ.items() if k not in ("LMS_INSTANCE_PATH", "PYTEST_ADDOPTS")}
    args = ["-p", "no:cacheprovider"]
    if how == "default instance/":
        (tmp_path / "fake_default_instance.py").write_text(
            _DEFAULT_INSTANCE_PLUGIN.format(fake=str(fake))
        )
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
        args += ["-p", "fake_default_instance"]
    else:
        env["LMS_INSTANCE_PATH"] = str(fake)
    test = "tests/test_plugin.py::test_standalone_app_refuses_to_start_with_the_default_secret_key"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *args, test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    assert (fake / "secret_key").read_text().startswith("a-developers"), "left as it was"


def test_testing_config_may_use_a_fixed_key():
    app = create_app(lms.TestingConfig)
    assert app.testing


def test_secure_cookie_in_production(monkeypatch):
    monkeypatch.setenv("LMS_HTTPS", "1")
    config = Config()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script" not in response.get_data(as_text=True)
