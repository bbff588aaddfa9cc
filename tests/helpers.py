"""Helpers shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

PASSWORD = "rahasia-123"


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form on ``path`` (what a browser would send back)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
