"""Placeholder: routes are added here."""

from lms.submissions import bp  # noqa: F401
