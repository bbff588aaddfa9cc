"""Placeholder: request logging, request ids and database-outage handling (operations work)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Attach logging and error handling to ``app``."""
