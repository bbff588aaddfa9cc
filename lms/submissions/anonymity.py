"""Blind marking: trainers see a stable code instead of a participant's name and office.

The code is an HMAC of the assignment and the participant under the app's secret key, so it is
the same on every page and export, differs between assignments, and cannot be reversed by
someone who only sees codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from flask import current_app


def participant_code(assignment_id: int, user_id: int) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"blind:{assignment_id}:{user_id}".encode(), hashlib.sha256).digest()
    return "P-" + base64.b32encode(digest)[:6].decode()


def hides_identity(assignment: Any, user: Any, membership: Any) -> bool:
    """Whether ``user`` (with ``membership`` in the assignment's cohort) must see codes: trainers
    of a blind-marked assignment. Organizers and admins always see names."""
    if not getattr(assignment, "blind_marking", False) or getattr(user, "is_admin", False):
        return False
    return membership is not None and membership.role == "trainer"


def shown_name(assignment: Any, person: Any, user: Any, membership: Any) -> str:
    """The participant's name, or their code for a trainer of a blind-marked assignment."""
    if hides_identity(assignment, user, membership):
        return participant_code(assignment.id, person.id)
    return person.full_name
