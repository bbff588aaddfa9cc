"""The grading routes, one file per page group; importing this package registers them on
``lms.grading.bp``."""

from lms.grading.views import allocation, marking, reports, settings  # noqa: F401
