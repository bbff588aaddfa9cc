"""The route rule of a case's pages (``/clinic/<consultation_id>/...``): logged in, then the
case's requester, its assigned mentors (who still hold the mentor role in its region) and the
region's coordinators (admins too). Anyone else gets 404, so a guessed id tells nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort, g
from flask_login import current_user

from lms.clinic.models import CaseMentor, Consultation
from lms.extensions import db
from lms.regions.models import RegionMembership
from lms.security import declare_rule, login_redirect


@dataclass(frozen=True)
class CaseAccess:
    """What the visitor is on one case."""

    requester: bool = False
    mentor: bool = False
    coordinator: bool = False

    @property
    def staff(self) -> bool:
        """Mentors and coordinators: they see the private notes and work the case."""
        return self.mentor or self.coordinator

    @property
    def any(self) -> bool:
        return self.requester or self.staff


def case_and_access(consultation_id: int, user: Any) -> tuple[Consultation | None, CaseAccess]:
    """The case and what ``user`` is on it, in one query."""
    mentor = (
        sa.select(CaseMentor.id)
        .join(
            RegionMembership,
            (RegionMembership.user_id == CaseMentor.user_id)
            & (RegionMembership.region_id == Consultation.region_id)
            & (RegionMembership.role == "mentor"),
        )
        .where(CaseMentor.consultation_id == Consultation.id, CaseMentor.user_id == user.id)
        .exists()
    )
    coordinator = (
        sa.select(RegionMembership.id)
        .where(
            RegionMembership.region_id == Consultation.region_id,
            RegionMembership.user_id == user.id,
            RegionMembership.role == "coordinator",
        )
        .exists()
    )
    row = db.session.execute(
        sa.select(Consultation, mentor, coordinator).where(Consultation.id == consultation_id)
    ).first()
    if row is None:
        return None, CaseAccess()
    consultation, is_mentor, is_coordinator = row
    return consultation, CaseAccess(
        requester=consultation.requester_id == user.id,
        mentor=bool(is_mentor),
        coordinator=bool(is_coordinator) or bool(user.is_admin),
    )


def case_rule(*, staff: bool = False, coordinator: bool = False) -> Callable[[Callable], Callable]:
    """The case in the URL (``consultation_id``) for the people on it; ``staff`` for its
    mentors and coordinators only, ``coordinator`` for coordinators only. Others get 404.

    The case is put on ``g.consultation`` and what the visitor is on ``g.case_access``.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_redirect()
            consultation, access = case_and_access(kwargs["consultation_id"], current_user)
            allowed = access.coordinator if coordinator else access.staff if staff else access.any
            if consultation is None or not allowed:
                abort(404)
            g.consultation, g.case_access = consultation, access
            return view(*args, **kwargs)

        # For the access matrix this is a "login" rule: who else may pass is the case's own
        # business and answered with 404 (tests/clinic covers it).
        return declare_rule(wrapper, "login")

    return decorator
