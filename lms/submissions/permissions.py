"""Who may see and change a submission (plain predicates; routes check them after loading).

- the owner sees their own work and, while a participant of the cohort, edits it;
- trainers (widyaiswara) and organizers (panitia) of the submission's cohort see it;
- admins see everything; nobody else sees anything, participants of the same cohort included.
"""

from __future__ import annotations

from typing import Any

from lms.cohorts.models import Membership
from lms.extensions import db
from lms.submissions.models import CohortAssignment, Submission

#: Roles that see every submission of their cohort.
STAFF_ROLES = ("trainer", "organizer")


def _role_in_cohort_of(user: Any, submission: Submission) -> str | None:
    """The user's role in the cohort the submission belongs to (one query)."""
    return db.session.scalar(
        db.select(Membership.role)
        .join(CohortAssignment, CohortAssignment.cohort_id == Membership.cohort_id)
        .where(
            CohortAssignment.id == submission.assignment_id,
            Membership.user_id == user.id,
        )
    )


def _known(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_owner(user: Any, submission: Submission) -> bool:
    return _known(user) and submission.user_id == user.id


def can_view_submission(user: Any, submission: Submission) -> bool:
    """The owner, an admin, or a trainer/organizer of the submission's cohort."""
    if not _known(user):
        return False
    if user.is_admin or submission.user_id == user.id:
        return True
    return _role_in_cohort_of(user, submission) in STAFF_ROLES


def can_edit_submission(user: Any, submission: Submission) -> bool:
    """Only the owner, and only while a participant of the submission's cohort."""
    if not is_owner(user, submission):
        return False
    return _role_in_cohort_of(user, submission) == "participant"
