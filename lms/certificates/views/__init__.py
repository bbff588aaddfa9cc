"""The certificates routes, one file per page group; importing this package registers them on
``lms.certificates.bp``."""

from lms.certificates.views import issue, settings, verify  # noqa: F401
