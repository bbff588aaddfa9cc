"""Placeholder: routes are added here."""

from lms.attendance import bp  # noqa: F401
