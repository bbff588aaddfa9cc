"""Jobs fixtures: the test kinds, a low export threshold, running what is queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms.jobs import queue
from tests.grading.conftest import grading_world  # noqa: F401  (a fixture)
from tests.jobs import jobs_kinds


@pytest.fixture(autouse=True)
def _no_hooks_left() -> Any:
    yield
    jobs_kinds.during_run.clear()


@pytest.fixture
def run_jobs(app) -> Callable[[], int]:
    """Run every queued message in this thread (the suite's queue is ``memory://``)."""

    def run() -> int:
        with app.app_context():
            return queue.run_pending(app)

    run()  # messages left by an earlier test
    return run


@pytest.fixture
def export_rows(app, monkeypatch) -> Callable[[int], None]:
    """``export_rows(n)``: exports above n rows run as jobs in this test."""

    def set_rows(n: int) -> None:
        monkeypatch.setitem(app.config, "LMS_JOB_EXPORT_ROWS", n)

    return set_rows
