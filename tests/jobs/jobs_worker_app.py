"""The app a test's ``flask lms worker`` subprocess runs: the real app, plus the test kinds."""

from lms import create_app
from tests.jobs import jobs_kinds  # noqa: F401  (registers the test kinds)

app = create_app()
