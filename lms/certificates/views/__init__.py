"""The certificates routes, one file per page group; importing this registers them on ``bp``."""

from lms.certificates.views import issue, settings, verify  # noqa: F401
