"""End-to-end fixtures: a live server with the demo data and Debian's Chromium.

The fixtures here deliberately do not use ``app`` / ``db`` from ``tests/conftest.py``: the
live server has its own SQLite file, filled once with ``load_demo()``, and serves real HTTP
from a thread. Browser contexts are fresh per test.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session", autouse=True)
def e2e_requirements() -> None:
    """Skip (or, with CI=true, fail) every e2e test when the browser is not there."""
    problem = None
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[dev]')"
    if problem:
        if _in_ci():
            pytest.fail(f"e2e tests cannot run: {problem}; CI=true requires them", pytrace=False)
        pytest.skip(f"e2e tests need Chromium: {problem}")


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask
    cohort_ids: dict[str, int]
    nips: dict[str, str]
    errors: list[BaseException]


@pytest.fixture(scope="session")
def live_server(
    e2e_requirements: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    from flask import got_request_exception
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.accounts.models import User
    from lms.cohorts.models import Cohort
    from lms.config import Config
    from lms.demo import load_demo
    from lms.extensions import db

    base = tmp_path_factory.mktemp("e2e-server")
    config = Config()
    config.SECRET_KEY = "e2e-secret-key-not-for-production"
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{base / 'e2e.sqlite3'}"
    config.LMS_UPLOAD_DIR = str(base / "uploads")
    config.LMS_HTTPS = False
    config.SESSION_COOKIE_SECURE = False
    config.REMEMBER_COOKIE_SECURE = False
    config.RATELIMIT_STORAGE_URI = "memory://"
    # Not TESTING: errors go through the app's own error pages, as in production.
    # CSRF protection stays on (WTF_CSRF_ENABLED is never touched).
    app = create_app(config)

    errors: list[BaseException] = []

    def _record(sender: Any, exception: BaseException, **_: Any) -> None:
        errors.append(exception)

    got_request_exception.connect(_record, app, weak=False)

    with app.app_context():
        db.create_all()
        from lms import COURSES_DIR
        from lms.catalog.operations import sync_all
        from lms.catalog.packs import discover

        sync_all(discover(COURSES_DIR))
        db.session.commit()
        load_demo()
        cohort_ids = {c.code: c.id for c in db.session.scalars(db.select(Cohort))}
        nips = {u.email: u.nip for u in db.session.scalars(db.select(User)) if u.nip is not None}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            cohort_ids=cohort_ids,
            nips=nips,
            errors=errors,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(_record, app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def e2e_browser(e2e_requirements: None) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Browsing:
    """Opens pages in fresh contexts and records what a developer console would show."""

    server: LiveServer
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def new_page(self, **context_options: Any) -> Page:
        context = self.browser.new_context(base_url=self.server.url, **context_options)
        context.set_default_timeout(10_000)
        context.on("console", self._on_console)
        context.on("weberror", lambda e: self.problems.append(f"page error: {e.error}"))
        self.contexts.append(context)
        return context.new_page()

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.problems.append(f"console error at {where}: {message.text}")

    def allow_console_error(self, pattern: str) -> None:
        """A console error this test provokes on purpose (e.g. the status line of a 403)."""
        self.allowed.append(re.compile(pattern))

    def unexpected_problems(self) -> list[str]:
        return [p for p in self.problems if not any(a.search(p) for a in self.allowed)]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browse(live_server: LiveServer, e2e_browser: Browser) -> Iterator[Browsing]:
    """Fresh browser contexts; after the test, no console errors, CSP violations or
    server-side exceptions may be left unexplained."""
    browsing = Browsing(server=live_server, browser=e2e_browser)
    errors_before = len(live_server.errors)
    try:
        yield browsing
    finally:
        browsing.close()
    problems = browsing.unexpected_problems()
    problems += [f"server exception: {e!r}" for e in live_server.errors[errors_before:]]
    assert not problems, "the browser or the server reported problems:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-screens", numbered=False)


@pytest.fixture
def in_live_app(live_server: LiveServer) -> Callable[[Callable[[], Any]], Any]:
    """Run a function inside the live app's context (to check what was stored)."""

    def run(fn: Callable[[], Any]) -> Any:
        with live_server.app.app_context():
            return fn()

    return run
