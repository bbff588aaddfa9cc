"""The submissions routes, one file per page group; importing this package registers them on
``lms.submissions.bp``."""

from lms.submissions.views import settings, staff, versions, video, work  # noqa: F401
