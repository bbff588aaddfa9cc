"""The attendance routes, one file per page group; importing this package registers them on
``lms.attendance.bp``."""

from lms.attendance.views import meetings, marking, reports, calendar  # noqa: F401
