"""A wheel built from the repository works from anywhere: templates, static files,
translations and migrations travel inside it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.skipif(
    bool(os.environ.get("LMS_TEST_DATABASE_URL")),
    reason="independent of the database: runs once, in the SQLite pass",
)
def test_installed_wheel_serves_pages_from_another_directory(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(dist.glob("kelas_inovasi-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **os.environ,
        "LMS_SECRET_KEY": "wheel-test-secret",
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'wheel.sqlite3'}",
        "LMS_UPLOAD_DIR": str(tmp_path / "uploads"),
        "PYTHONPATH": "",
    }
    env.pop("LMS_TEST_DATABASE_URL", None)
    init = subprocess.run(
        [str(venv / "bin" / "flask"), "--app", "lms:create_app", "lms", "init"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr + init.stdout

    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "lms:create_app()"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, body = _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the installed app did not start")
        assert status == 200 and '"database":"ok"' in body.replace(" ", "")
        status, login = _get(base + "/login?lang=en")
        assert status == 200
        assert "Email or NIP" in login  # templates and compiled English catalog
        status, css = _get(base + "/static/style.css")
        assert status == 200 and "--brand" in css
    finally:
        server.terminate()
        server.wait(10)
