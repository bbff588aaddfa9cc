"""Who may do what with certificates: plain predicates over a user and a certificate.

Who may *get* one is the rules' question: ``eligibility.py``."""

from __future__ import annotations

from typing import Any

from .models import Certificate


def is_organizer(user: Any, membership: Any) -> bool:
    """Admins, and organizers of the cohort (``membership``: the user's, or None)."""
    return bool(user.is_admin or (membership is not None and membership.role == "organizer"))


def can_download(user: Any, membership: Any, certificate: Certificate) -> bool:
    """Organizers download any certificate of their cohort; a participant their own."""
    return is_organizer(user, membership) or certificate.user_id == user.id
