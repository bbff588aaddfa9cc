"""Placeholder: routes are added here."""

from lms.submissions import bp  # noqa: F401
from lms.submissions import models as _models  # noqa: F401
