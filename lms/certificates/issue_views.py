"""Placeholder: filled in by the certificates work."""

from lms.certificates import bp  # noqa: F401
from lms.certificates import models  # noqa: F401
