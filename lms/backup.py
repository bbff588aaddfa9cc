"""Placeholder: backup and restore (operations work)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the backup and restore commands to the ``lms`` command group."""
